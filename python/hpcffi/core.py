"""Version, capabilities, thread count and the cffi lesson's ``add`` demo."""

import contextlib
import operator

import numpy as np

from . import _arrays
from ._ffi import ffi, lib
from .errors import AliasingError, InvalidArgumentError, check

__all__ = ["version", "version_info", "has_openmp", "has_mpi", "has_gmp", "isa", "isa_available",
           "set_num_threads", "get_num_threads", "num_threads", "add"]


def version():
    """Version string of the loaded C library, e.g. ``"0.1.0"`` (``hpcffi_version_string``)."""
    return ffi.string(lib.hpcffi_version_string()).decode("ascii")


def version_info():
    """``(major, minor, patch)`` of the loaded C library (``hpcffi_version``)."""
    parts = ffi.new("int[3]")
    check(lib.hpcffi_version(parts + 0, parts + 1, parts + 2))
    return (parts[0], parts[1], parts[2])


def has_openmp():
    """True if libhpcffi was built with OpenMP (its kernels use threads)."""
    return bool(lib.hpcffi_has_openmp())


def has_mpi():
    """True if libhpcffi was built with its MPI kernels."""
    return bool(lib.hpcffi_has_mpi())


def has_gmp():
    """True if libhpcffi was built with GMP (exact :func:`hpcffi.fib` beyond F(93))."""
    return bool(lib.hpcffi_has_gmp())


def isa():
    """Instruction-set variant the heat kernels run with (``hpcffi_isa``).

    One of ``"avx512"``, ``"avx2"``, ``"baseline"`` (x86-64 levels v4, v3 and
    the original), ``"avx512_intel"`` (x86-64-v4 scheduled for Intel cores),
    ``"native"`` (a build with ``HPCFFI_NATIVE=ON``) or ``"generic"`` (other
    architectures). By default the best variant compiled in that this CPU runs
    (of the two AVX-512 ones, ``avx512_intel`` on Intel CPUs); the environment
    variable ``HPCFFI_ISA``, read at every kernel call, may name another. A bad
    ``HPCFFI_ISA`` raises here (and in every heat kernel call):
    InvalidArgumentError for an unknown name, UnsupportedError for a variant
    this build or CPU lacks. All variants give identical results, bit for bit.
    """
    name = ffi.new("const char **")
    check(lib.hpcffi_isa(name))
    return ffi.string(name[0]).decode("ascii")


def isa_available(name):
    """True if the variant ``name`` (see :func:`isa`) is compiled in and runs on this CPU."""
    if not isinstance(name, str):
        raise InvalidArgumentError(f"ISA variant name must be a str, got {type(name).__name__}")
    available = ffi.new("int *")
    check(lib.hpcffi_isa_available(name.encode("ascii", errors="replace"), available))
    return bool(available[0])


def set_num_threads(n):
    """Threads used by every parallel kernel, for all calling threads.

    ``n >= 1`` sets it; ``0`` restores the OpenMP default (``OMP_NUM_THREADS``
    as read when the library was loaded: changing ``os.environ`` later has no
    effect). Without OpenMP only 0 and 1 are accepted (UnsupportedError).
    """
    n = operator.index(n)
    if n < 0:
        raise InvalidArgumentError(f"thread count must be >= 0, got {n}")
    if n > 2**31 - 1:
        raise InvalidArgumentError(f"thread count {n} is out of range")
    check(lib.hpcffi_set_num_threads(n))


def get_num_threads():
    """Threads the next parallel kernel will use."""
    n = ffi.new("int *")
    check(lib.hpcffi_get_num_threads(n))
    return n[0]


@contextlib.contextmanager
def num_threads(n):
    """Context manager: run the block with ``n`` kernel threads, then restore the previous count.

    The setting is process-wide (the library's, not per Python thread).
    """
    previous = get_num_threads()
    set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(previous)


def add(a, b, *, check_finite=True):
    """The lesson's demo: ``a += b`` in place by ``hpcffi_add``; returns ``a``.

    ``a`` and ``b`` are float64 C-contiguous arrays of the same shape (any
    ndim); ``a`` must be writable. ``b`` may be ``a`` itself (doubling it),
    but must not partly overlap it. ``check_finite``: refuse NaN or
    infinities in ``a`` or ``b`` (:class:`hpcffi.NonFiniteValueError`;
    SciPy's convention, on by default).
    """
    pa = _arrays.buffer(a, "a", writable=True)
    pb = _arrays.buffer(b, "b")
    _arrays.same_shape(a, b, "a", "b")
    if b is not a and np.may_share_memory(a, b) and np.shares_memory(a, b) and ffi.cast("void *", pa) != ffi.cast("void *", pb):
        raise AliasingError("a and b overlap partially; pass b = a itself or a separate array")
    if check_finite:
        _arrays.finite(a, "a")
        _arrays.finite(b, "b")
    check(lib.hpcffi_add(pa, pb, a.size))
    return a
