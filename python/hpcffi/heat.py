"""The 2D heat equation du/dt = a * laplacian(u), explicit 5-point scheme.

Fields are 2D float64 C-contiguous NumPy arrays of shape ``(nx, ny)`` with
``nx, ny >= 3``; the outer rows and columns are fixed (Dirichlet) boundaries.
Every function works in place on the caller's arrays (no copies).

Input arrays must hold finite values: with ``check_finite=True`` (the
default, as in ``scipy.linalg``) a NaN or an infinity raises
:class:`hpcffi.NonFiniteValueError` before the kernel runs; the explicit
scheme would otherwise spread it over the field without a word.
``check_finite=False`` skips the check (one extra read of the array: see
``bench/call_overhead.py`` for its cost).
"""

import operator

from . import _arrays
from ._ffi import ffi, lib
from .errors import InvalidArgumentError, check

__all__ = ["DEFAULT_DX", "DEFAULT_DY", "max_stable_dt", "evolve", "evolve_steps", "mean"]

#: The lesson's grid spacing.
DEFAULT_DX = 0.01
DEFAULT_DY = 0.01
_MIN_SHAPE = (3, 3)


def _steps(nsteps):
    nsteps = operator.index(nsteps)
    if nsteps < 0:
        raise InvalidArgumentError(f"nsteps must be >= 0, got {nsteps}")
    return nsteps


def max_stable_dt(a, dx=DEFAULT_DX, dy=DEFAULT_DY):
    """Largest stable time step ``dx2*dy2 / (2*a*(dx2 + dy2))`` (the lesson's dt), dx2 = dx*dx."""
    dt = ffi.new("double *")
    check(lib.hpcffi_heat_max_stable_dt(a, dx * dx, dy * dy, dt))
    return dt[0]


def evolve(u, u_previous, a, dt, dx2, dy2, *, check_finite=True):
    """The lesson's single step: new field from ``u_previous`` into ``u``, then copied back.

    After the call both arrays hold the new field. ``dx2``, ``dy2`` are the
    squared spacings, as in the lesson. The arrays must have the same shape
    and must not share memory. Raises :class:`hpcffi.UnstableTimeStepError`
    if ``dt`` exceeds :func:`max_stable_dt`. ``check_finite``: refuse NaN or
    infinities in either array (:class:`hpcffi.NonFiniteValueError`; the
    boundary of ``u`` is kept, so both are inputs).
    """
    pu = _arrays.buffer(u, "u", ndim=2, writable=True, min_shape=_MIN_SHAPE)
    pp = _arrays.buffer(u_previous, "u_previous", ndim=2, writable=True, min_shape=_MIN_SHAPE)
    _arrays.same_shape(u, u_previous, "u", "u_previous")
    _arrays.no_overlap(u, u_previous, "u", "u_previous")
    if check_finite:
        _arrays.finite(u_previous, "u_previous")
        _arrays.finite(u, "u")
    nx, ny = u.shape
    check(lib.hpcffi_heat_evolve(pu, pp, nx, ny, a, dt, dx2, dy2))


def evolve_steps(field, nsteps, a, dt=None, dx=DEFAULT_DX, dy=DEFAULT_DY, *, scratch=None, check_finite=True):
    """Advance ``field`` by ``nsteps`` steps in place (one C call, GIL released); returns ``field``.

    ``dt`` defaults to :func:`max_stable_dt`. ``scratch``: optional float64
    array of the same shape, not sharing memory with ``field`` (else the
    library allocates one per call, at the same offset within a 64-byte
    cache line as ``field``). A scratch of your own is faster when it starts
    at that offset too, ``scratch.ctypes.data % 64 == field.ctypes.data % 64``;
    NumPy does not guarantee it (1.19-1.27x at 200x200 on 1 thread:
    ``bench/field_layout.py``). Bitwise identical to ``nsteps`` calls of
    :func:`evolve`, for any thread count. ``check_finite``: refuse NaN or
    infinities in ``field`` (:class:`hpcffi.NonFiniteValueError`).
    """
    nsteps = _steps(nsteps)
    pfield = _arrays.buffer(field, "field", ndim=2, writable=True, min_shape=_MIN_SHAPE)
    if check_finite:
        _arrays.finite(field, "field")
    pscratch = ffi.NULL
    if scratch is not None:
        pscratch = _arrays.buffer(scratch, "scratch", ndim=2, writable=True)
        _arrays.same_shape(field, scratch, "field", "scratch")
        _arrays.no_overlap(field, scratch, "field", "scratch")
    dx2, dy2 = dx * dx, dy * dy
    if dt is None:
        dt = max_stable_dt(a, dx, dy)
    nx, ny = field.shape
    check(lib.hpcffi_heat_evolve_steps(pfield, pscratch, nx, ny, a, dt, dx2, dy2, nsteps))
    return field


def mean(field, *, check_finite=True):
    """Mean of all values of a 2D float64 field, boundaries included (the lesson's check value).

    Summed in a fixed order: the same bits for any thread count.
    ``check_finite``: refuse NaN or infinities (:class:`hpcffi.NonFiniteValueError`);
    with False, a NaN mean comes back instead.
    """
    pfield = _arrays.buffer(field, "field", ndim=2, min_shape=(1, 1))
    if check_finite:
        _arrays.finite(field, "field")
    result = ffi.new("double *")
    nx, ny = field.shape
    check(lib.hpcffi_heat_mean(pfield, nx, ny, result))
    return result[0]
