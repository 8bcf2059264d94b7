"""Independent reference implementations (no C library): NumPy slicing and pure Python.

For tests and for the CLI's ``--backend numpy|python``. The heat functions
have the same signatures and in-place behaviour as :mod:`hpcffi.heat`, but
follow the lesson's formula literally (dividing by dx2 and dy2, a fresh
temporary each step), so they agree with the library to rounding (about
1e-14 relative), not bit for bit. They refuse the same bad input as the
library (dtype, ndim, shape, stability) so a backend switch changes nothing
but the speed.
"""

import operator

import numpy as np

from .errors import ArrayShapeError, ArrayTypeError, InvalidArgumentError, ReadOnlyArrayError, UnstableTimeStepError

__all__ = ["max_stable_dt", "evolve_numpy", "evolve_steps_numpy", "evolve_steps_python", "mean_numpy",
           "mean_python", "fib_python", "fib_mod_python", "fib_sequence_python"]

_DX = 0.01


def max_stable_dt(a, dx=_DX, dy=_DX):
    """``dx2*dy2 / (2*a*(dx2 + dy2))``, the same expression as the library's."""
    dx2, dy2 = dx * dx, dy * dy
    return dx2 * dy2 / (2.0 * a * (dx2 + dy2))


def _check_field(field, name="field"):
    if not isinstance(field, np.ndarray) or field.dtype != np.float64:
        raise ArrayTypeError(f"{name} must be a float64 numpy.ndarray, got {getattr(field, 'dtype', type(field))}")
    if field.ndim != 2 or field.shape[0] < 3 or field.shape[1] < 3:
        raise ArrayShapeError(f"{name} must be 2D and at least 3 x 3, got shape {field.shape}")
    if not field.flags.writeable:
        raise ReadOnlyArrayError(f"{name} is read-only")


def _check_parameters(nsteps, a, dt, dx, dy):
    nsteps = operator.index(nsteps)
    if nsteps < 0:
        raise InvalidArgumentError(f"nsteps must be >= 0, got {nsteps}")
    for value, name in ((a, "a"), (dx, "dx"), (dy, "dy")):
        if not (np.isfinite(value) and value > 0):
            raise InvalidArgumentError(f"{name} must be finite and > 0, got {value}")
    limit = max_stable_dt(a, dx, dy)
    if dt is None:
        dt = limit
    if not (np.isfinite(dt) and dt > 0):
        raise InvalidArgumentError(f"time step dt must be finite and > 0, got {dt}")
    if dt > limit * (1.0 + 8.0 * np.finfo(np.float64).eps):
        raise UnstableTimeStepError(f"dt = {dt!r} exceeds the stability limit {limit!r}")
    return nsteps, dt


def evolve_numpy(u, u_previous, a, dt, dx2, dy2):
    """The lesson's NumPy step: ``u`` interior from ``u_previous``, then ``u_previous[:] = u``."""
    u[1:-1, 1:-1] = u_previous[1:-1, 1:-1] + a * dt * (
        (u_previous[2:, 1:-1] - 2.0 * u_previous[1:-1, 1:-1] + u_previous[:-2, 1:-1]) / dx2
        + (u_previous[1:-1, 2:] - 2.0 * u_previous[1:-1, 1:-1] + u_previous[1:-1, :-2]) / dy2
    )
    u[0, :], u[-1, :], u[:, 0], u[:, -1] = u_previous[0, :], u_previous[-1, :], u_previous[:, 0], u_previous[:, -1]
    u_previous[:] = u


def evolve_steps_numpy(field, nsteps, a, dt=None, dx=_DX, dy=_DX):
    """``nsteps`` steps by NumPy slicing, in place (works on any writable float64 view too); returns ``field``."""
    _check_field(field)
    nsteps, dt = _check_parameters(nsteps, a, dt, dx, dy)
    dx2, dy2 = dx * dx, dy * dy
    previous = field.copy()
    for _ in range(nsteps):
        evolve_numpy(field, previous, a, dt, dx2, dy2)
    return field


def evolve_steps_python(field, nsteps, a, dt=None, dx=_DX, dy=_DX):
    """``nsteps`` steps with Python floats and lists (slow: small fields only), in place; returns ``field``."""
    _check_field(field)
    nsteps, dt = _check_parameters(nsteps, a, dt, dx, dy)
    dx2, dy2 = dx * dx, dy * dy
    nx, ny = field.shape
    cur = field.tolist()
    new = [row[:] for row in cur]
    for _ in range(nsteps):
        for i in range(1, nx - 1):
            up, mid, down, out = cur[i - 1], cur[i], cur[i + 1], new[i]
            for j in range(1, ny - 1):
                c = mid[j]
                out[j] = c + a * dt * ((down[j] - 2.0 * c + up[j]) / dx2 + (mid[j + 1] - 2.0 * c + mid[j - 1]) / dy2)
        cur, new = new, cur
    field[...] = cur
    return field


def mean_numpy(field):
    """Mean of all values (NumPy's pairwise sum)."""
    return float(np.mean(field))


def mean_python(field):
    """Mean of all values, summed row by row in Python floats (the library's order)."""
    rows = [sum(row) for row in np.asarray(field).tolist()]
    return sum(rows) / (len(rows) * len(field[0]))


def _fib_pair(n):
    """(F(n), F(n+1)) by fast doubling with Python ints."""
    if n == 0:
        return 0, 1
    a, b = _fib_pair(n >> 1)
    c = a * (2 * b - a)
    d = a * a + b * b
    return (d, c + d) if n & 1 else (c, d)


def fib_python(n):
    """Exact F(n) with Python ints (fast doubling)."""
    if n < 0:
        raise InvalidArgumentError(f"n must be >= 0, got {n}")
    return _fib_pair(n)[0]


def fib_mod_python(n, m):
    """F(n) mod m with Python ints (fast doubling modulo m)."""
    if m < 1 or n < 0:
        raise InvalidArgumentError(f"need n >= 0 and m >= 1, got n={n}, m={m}")
    a, b = 0, 1
    for bit in bin(n)[2:]:
        c = a * ((2 * b - a) % m) % m
        d = (a * a + b * b) % m
        a, b = (d, (c + d) % m) if bit == "1" else (c, d)
    return a % m


def fib_sequence_python(start, count, mod=None):
    """[F(start), ..., F(start + count - 1)] (mod m if given) as a Python list."""
    if count <= 0:
        return []
    a, b = _fib_pair(start)
    out = []
    for _ in range(count):
        out.append(a if mod is None else a % mod)
        a, b = b, a + b
    return out
