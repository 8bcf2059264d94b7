"""hpcdot: a dot product in C++ behind a C ABI, called through cffi.

The wrapper's jobs: load the library once (``ffi``, ``lib``), refuse bad
arrays before any C call, and turn a status code into an exception. It does
the last one with hpcffi's own mapping (``hpcffi.errors.exception_for``): the
kernel returns hpcffi's status codes, so it raises hpcffi's exceptions, and
``except hpcffi.Error`` (or ``except ValueError``...) works for both.
"""
import cffi
import numpy as np
from hpcffi.errors import ArrayTypeError, ArrayShapeError, exception_for

from . import _paths      # written by CMake: LIBRARY, HEADER

__all__ = ["dot", "dot_mpi", "ffi", "lib"]

# ABI in-line: the declarations are read from the header, the library opened
# from the path recorded at build time. RTLD_NODELETE: the library uses
# OpenMP, and unloading it at exit while libgomp's threads live can crash.
ffi = cffi.FFI()
with open(_paths.HEADER, encoding="utf-8") as header:
    ffi.cdef(header.read())
lib = ffi.dlopen(_paths.LIBRARY, ffi.RTLD_NOW | ffi.RTLD_NODELETE)


def _check(status):
    """Raise hpcffi's exception for a failed call, with hpcdot's message."""
    if status != 0:
        raise exception_for(status)(ffi.string(lib.hpcdot_last_error()).decode("utf-8", "replace"), status)


def _vectors(x, y):
    """Two 1D float64 C-contiguous arrays of one length, or an hpcffi exception (no silent casts)."""
    for name, v in (("x", x), ("y", y)):
        if not isinstance(v, np.ndarray) or v.dtype != np.float64:
            raise ArrayTypeError(f"{name} must be a NumPy float64 array, got {getattr(v, 'dtype', type(v).__name__)}")
        if v.ndim != 1 or not v.flags.c_contiguous:
            raise ArrayShapeError(f"{name} must be a contiguous 1D array, got shape {v.shape}")
    if x.size != y.size:
        raise ArrayShapeError(f"x and y differ in length: {x.size} and {y.size}")
    return ffi.from_buffer("double[]", x), ffi.from_buffer("double[]", y)


def dot(x, y):
    """Sum of x[i] * y[i]; the same bits for any thread count (``hpcffi.set_num_threads``)."""
    px, py = _vectors(x, y)
    result = ffi.new("double *")
    _check(lib.hpcdot_dot(px, py, x.size, result))
    return result[0]


def dot_mpi(x, y, comm):
    """The dot product of vectors split over the ranks of an mpi4py communicator (collective).

    Each rank passes its own part; every rank gets the same result.
    """
    px, py = _vectors(x, y)
    result = ffi.new("double *")
    _check(lib.hpcdot_dot_mpi(comm.py2f(), px, py, x.size, result))
    return result[0]
