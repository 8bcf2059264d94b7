"""Checks that turn NumPy arrays into cffi pointers without copying.

hpcffi never casts or copies silently: an array must already have the dtype
the C function reads, be C-contiguous and aligned, and be writable where C
writes. Anything else is refused with an exception that says how to fix it.
"""

import numpy as np

from ._ffi import ffi
from .errors import (AliasingError, ArrayLayoutError, ArrayShapeError, ArrayTypeError, NonFiniteValueError,
                     ReadOnlyArrayError)

_SMALL = 1 << 16  # values: below, np.isfinite(array).all() is the cheaper check
_C_TYPES = {np.dtype(np.float64): "double[]", np.dtype(np.uint64): "uint64_t[]"}


def buffer(array, name, dtype=np.float64, *, ndim=None, writable=False, min_shape=None):
    """A cffi ``T[]`` view of ``array`` (no copy) after checking it; keep ``array`` alive while C uses it."""
    if not isinstance(array, np.ndarray):
        raise ArrayTypeError(
            f"{name} must be a numpy.ndarray of {np.dtype(dtype).name}, got {type(array).__name__}; "
            f"use np.asarray(x, dtype=np.{np.dtype(dtype).name})"
        )
    dtype = np.dtype(dtype)
    if array.dtype != dtype:
        raise ArrayTypeError(
            f"{name} has dtype {array.dtype} ({array.dtype.str}), hpcffi needs native {dtype.name}; "
            f"convert explicitly with {name}.astype(np.{dtype.name}) (hpcffi never casts silently)"
        )
    if ndim is not None and array.ndim != ndim:
        raise ArrayShapeError(f"{name} must have {ndim} dimension(s), got shape {array.shape}")
    if min_shape is not None and any(n < m for n, m in zip(array.shape, min_shape)):
        raise ArrayShapeError(
            f"{name} has shape {array.shape}, needs at least {' x '.join(map(str, min_shape))}"
        )
    if not array.flags.c_contiguous:
        raise ArrayLayoutError(f"{name} is not C-contiguous (a strided view or Fortran order?); "
                               f"pass np.ascontiguousarray({name})")
    if not array.flags.aligned:
        raise ArrayLayoutError(f"{name} is not aligned for {dtype.name}; pass a copy, {name}.copy()")
    if writable and not array.flags.writeable:
        raise ReadOnlyArrayError(f"{name} is read-only, but hpcffi writes its result into it; pass a writable array")
    return ffi.from_buffer(_C_TYPES[dtype], array, require_writable=writable)


def same_shape(a, b, name_a, name_b):
    if a.shape != b.shape:
        raise ArrayShapeError(f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}; they must match")


def no_overlap(a, b, name_a, name_b):
    """Refuse two arrays that share memory (np.shares_memory: exact, not only bounds)."""
    if np.may_share_memory(a, b) and np.shares_memory(a, b):  # cheap bounds test first
        raise AliasingError(f"{name_a} and {name_b} share memory; pass two separate arrays")


def finite(array, name):
    """Refuse an array that holds NaN or an infinity (``check_finite=True``; SciPy's convention).

    Large arrays in one read without a temporary: the sum of finite values
    is finite unless it overflows, so only a non-finite sum needs the exact
    scan (which names the first bad value). Small arrays: the exact scan
    directly (fewer NumPy calls). Costs: see bench/call_overhead.py.
    """
    if array.size <= _SMALL:
        if np.isfinite(array).all():
            return
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.add.reduce(array, axis=None)
        if np.isfinite(total):
            return
    bad = np.argwhere(~np.isfinite(array))
    if bad.size == 0:
        return  # finite values whose sum overflowed
    index = tuple(int(i) for i in bad[0])
    raise NonFiniteValueError(
        f"{name} holds a non-finite value ({array[index]!r} at index {index if len(index) > 1 else index[0]}); "
        "the kernels would spread it silently. Pass check_finite=False to skip this check "
        "(faster, for arrays known to be finite)")
