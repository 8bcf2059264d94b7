"""hpcffi: parallel C++ kernels (2D heat equation, Fibonacci, the lesson's add) through cffi.

NumPy arrays go in and come out without copies; bad arrays (wrong dtype,
non-contiguous, read-only where written, aliasing, too small) are refused
with an :class:`hpcffi.Error` subclass, never cast silently. Input arrays
with NaN or infinities are refused too (:class:`hpcffi.NonFiniteValueError`),
unless the call says ``check_finite=False`` (SciPy's convention).

The cffi mode (``api`` by default, ``abi`` or ``abi-inline``) is chosen by the
environment variable ``HPCFFI_MODE`` at import; see :mod:`hpcffi._ffi`.
"""

from ._alignment import empty as empty_aligned, zeros as zeros_aligned
from ._build_config import VERSION as __version__
from ._ffi import MODE as mode, ffi, lib  # noqa: F401 (ffi: for the lesson's ffi.new("int *"))
from .core import (add, get_num_threads, has_gmp, has_mpi, has_openmp, isa, isa_available, num_threads,
                   set_num_threads, version, version_info)
from .errors import (AliasingError, ArrayLayoutError, ArrayShapeError, ArrayTypeError, BufferTooSmallError, Error,
                     InternalError, InvalidArgumentError, MPIError, NonFiniteValueError, NullPointerError,
                     OutOfMemoryError,
                     ReadOnlyArrayError, ResultOverflowError, UnstableTimeStepError, UnsupportedError,
                     VersionMismatchError)
from .fibonacci import MAX_U64_INDEX, fib, fib_exact, fib_mod, fib_sequence, fibo_step
from .heat import evolve, evolve_steps, max_stable_dt, mean
from .tuning import heat_choice, load_wisdom, tune, wisdom_info

__all__ = [
    "__version__", "mode", "ffi", "lib",
    "version", "version_info", "has_openmp", "has_mpi", "has_gmp", "isa", "isa_available",
    "set_num_threads", "get_num_threads", "num_threads", "add",
    "MAX_U64_INDEX", "fibo_step", "fib", "fib_sequence", "fib_mod", "fib_exact",
    "max_stable_dt", "evolve", "evolve_steps", "mean", "empty_aligned", "zeros_aligned",
    "tune", "load_wisdom", "wisdom_info", "heat_choice",
    "Error", "NullPointerError", "InvalidArgumentError", "NonFiniteValueError", "UnstableTimeStepError", "ResultOverflowError",
    "BufferTooSmallError", "UnsupportedError", "OutOfMemoryError", "MPIError", "AliasingError", "InternalError",
    "ArrayTypeError", "ArrayShapeError", "ArrayLayoutError", "ReadOnlyArrayError", "VersionMismatchError",
]
