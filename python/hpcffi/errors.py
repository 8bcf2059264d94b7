"""Exceptions of hpcffi and the one function that raises them from C status codes.

Every C function of libhpcffi returns an ``int`` status (``enum hpcffi_status``
in ``hpcffi_decls.h``, 0 = success). :func:`check` turns a non-zero status into
an exception whose message is the library's ``hpcffi_last_error()`` text for
the calling thread. Each class derives from :class:`Error` *and* from the
built-in exception a Python user would expect, so ``except ValueError`` and
``except hpcffi.Error`` both work::

    try:
        hpcffi.evolve_steps(field, 10, a=0.5, dt=1.0)
    except hpcffi.UnstableTimeStepError as e:   # also a ValueError
        print(e.status, e)

The same classes are used for the argument checks done in Python (wrong
dtype, non-contiguous arrays, aliasing, ...), with ``status`` None.
"""

__all__ = [
    "Error", "NullPointerError", "InvalidArgumentError", "NonFiniteValueError", "UnstableTimeStepError", "ResultOverflowError",
    "BufferTooSmallError", "UnsupportedError", "OutOfMemoryError", "MPIError", "AliasingError", "InternalError",
    "ArrayTypeError", "ArrayShapeError", "ArrayLayoutError", "ReadOnlyArrayError", "VersionMismatchError",
    "check", "exception_for",
]

class Error(Exception):
    """Base class of every hpcffi exception.

    ``status`` is the C status code (an ``int``) when the error came from the
    library, None when a check in Python refused the arguments first.
    """

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class NullPointerError(Error, ValueError):
    """HPCFFI_ERR_NULL_POINTER: a required pointer was NULL."""


class InvalidArgumentError(Error, ValueError):
    """HPCFFI_ERR_INVALID_ARGUMENT: a value outside its documented range."""


class NonFiniteValueError(InvalidArgumentError):
    """An input array holds NaN or an infinity (the check of ``check_finite=True``, done in Python)."""


class UnstableTimeStepError(InvalidArgumentError):
    """HPCFFI_ERR_UNSTABLE: heat time step above the explicit-scheme limit."""


class ResultOverflowError(Error, OverflowError):
    """HPCFFI_ERR_OVERFLOW: the exact result does not fit the output type."""


class BufferTooSmallError(Error, ValueError):
    """HPCFFI_ERR_BUFFER_TOO_SMALL: a caller buffer shorter than needed."""


class UnsupportedError(Error, NotImplementedError):
    """HPCFFI_ERR_UNSUPPORTED: feature not compiled in (OpenMP, MPI, GMP)."""


class OutOfMemoryError(Error, MemoryError):
    """HPCFFI_ERR_OUT_OF_MEMORY."""


class MPIError(Error, RuntimeError):
    """HPCFFI_ERR_MPI: an MPI call failed or MPI is in a wrong state."""


class AliasingError(Error, ValueError):
    """HPCFFI_ERR_ALIASING, or np.shares_memory() between input and output."""


class InternalError(Error, RuntimeError):
    """HPCFFI_ERR_INTERNAL (a bug in hpcffi) or an unknown status code."""


class ArrayTypeError(Error, TypeError):
    """Not a NumPy array, or the wrong dtype (hpcffi never casts silently)."""


class ArrayShapeError(Error, ValueError):
    """Wrong number of dimensions, mismatched or too small shape."""


class ArrayLayoutError(Error, ValueError):
    """Array not C-contiguous or not aligned: pass np.ascontiguousarray(x)."""


class ReadOnlyArrayError(Error, ValueError):
    """A read-only array where hpcffi writes its results."""


class VersionMismatchError(Error, ImportError):
    """The loaded libhpcffi is not the version this package was built for."""


# Names from enum hpcffi_status; their values are read from the library's own
# enum (lib.HPCFFI_*), so no number of the C header is retyped here.
_BY_NAME = {
    "HPCFFI_ERR_NULL_POINTER": NullPointerError,
    "HPCFFI_ERR_INVALID_ARGUMENT": InvalidArgumentError,
    "HPCFFI_ERR_UNSTABLE": UnstableTimeStepError,
    "HPCFFI_ERR_OVERFLOW": ResultOverflowError,
    "HPCFFI_ERR_BUFFER_TOO_SMALL": BufferTooSmallError,
    "HPCFFI_ERR_UNSUPPORTED": UnsupportedError,
    "HPCFFI_ERR_OUT_OF_MEMORY": OutOfMemoryError,
    "HPCFFI_ERR_MPI": MPIError,
    "HPCFFI_ERR_ALIASING": AliasingError,
    "HPCFFI_ERR_INTERNAL": InternalError,
}
_by_status = {}


def exception_for(status):
    """The exception class for a non-zero status code (InternalError if unknown)."""
    if not _by_status:
        from ._ffi import lib  # noqa: PLC0415 (errors is imported before the library is loaded)

        _by_status.update({getattr(lib, name): cls for name, cls in _BY_NAME.items()})
    return _by_status.get(status, InternalError)


def check(status):
    """Raise the exception for a failed hpcffi C call; do nothing for 0.

    The message is ``hpcffi_last_error()`` of the calling thread (the library
    keeps it per thread, so calls from several Python threads do not mix
    messages up), falling back to ``hpcffi_strerror(status)``.
    """
    if status == 0:
        return
    from ._ffi import ffi, lib  # noqa: PLC0415 (only on failure: keeps the fast path free)

    message = ffi.string(lib.hpcffi_last_error()).decode("utf-8", "replace")
    if not message:
        message = ffi.string(lib.hpcffi_strerror(status)).decode("utf-8", "replace")
    cls = exception_for(status)
    if cls is InternalError and status != lib.HPCFFI_ERR_INTERNAL:
        message = f"unknown hpcffi status {status}: {message}"
    raise cls(message, status)
