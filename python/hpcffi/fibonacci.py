"""Fibonacci numbers: the lesson's ``fibo`` step, uint64 and modular sequences, exact F(n).

F(0) = 0, F(1) = 1, F(n) = F(n-1) + F(n-2). F(46) is the largest that fits an
``int``, F(93) the largest that fits a ``uint64``; beyond, :func:`fib` uses GMP
inside the library (:func:`hpcffi.has_gmp`).
"""

import operator

import numpy as np

from . import _arrays
from ._ffi import ffi, lib
from .errors import ArrayShapeError, InvalidArgumentError, check

__all__ = ["MAX_U64_INDEX", "fibo_step", "fib", "fib_sequence", "fib_mod", "fib_exact"]

#: Largest n with F(n) < 2**64.
MAX_U64_INDEX = 93
_U64_MAX = 2**64 - 1


def _uint64(value, name):
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}") from None
    if not 0 <= value <= _U64_MAX:
        raise InvalidArgumentError(f"{name} must be in 0 .. 2**64 - 1, got {value}")
    return value


def fibo_step(a, b):
    """The lesson's step on two cffi ``int *``: ``(*a, *b) <- (*a + *b, *a)``.

    Starting from ``*a = 1, *b = 0``, ``*b`` walks through F(0), F(1), ... Use
    pointers from hpcffi's own ffi (``hpcffi.ffi.new("int *", 1)``). Past F(46)
    raises :class:`hpcffi.ResultOverflowError` and leaves both values unchanged.
    """
    check(lib.hpcffi_fibo(a, b))


def fib_sequence(start, count, mod=None, *, out=None):
    """``F(start + k)`` (``mod m`` if given) for ``k < count``, as a uint64 ndarray.

    Without ``mod``, every value must fit uint64 (``start + count - 1 <= 93``,
    else :class:`hpcffi.ResultOverflowError`). With ``mod`` (any ``1 <= m <
    2**64``), any ``start + count - 1 < 2**64``; computed in parallel, the
    result does not depend on the thread count. ``out``: an optional uint64
    C-contiguous writable array of ``count`` values to fill (returned).
    """
    start = _uint64(start, "start")
    count = _uint64(count, "count")
    if out is None:
        out = np.empty(count, dtype=np.uint64)
    pout = _arrays.buffer(out, "out", np.uint64, ndim=1, writable=True)
    if out.shape[0] != count:
        raise ArrayShapeError(f"out has {out.shape[0]} values, count is {count}")
    if mod is None:
        check(lib.hpcffi_fib_sequence_u64(start, count, pout))
    else:
        mod = _uint64(mod, "mod")
        check(lib.hpcffi_fib_sequence_mod(start, count, mod, pout))
    return out


def fib_mod(n, m):
    """``F(n) mod m`` as an int, for ``0 <= n < 2**64`` and ``1 <= m < 2**64`` (O(log n))."""
    n = _uint64(n, "n")
    m = _uint64(m, "m")
    result = ffi.new("uint64_t *")
    check(lib.hpcffi_fib_mod(n, m, result))
    return int(result[0])


def _int_from_decimal(digits):
    """int(digits) for any length: Python refuses str->int past 4300 digits, so split."""
    limit = 4000
    if len(digits) <= limit:
        return int(digits)
    half = len(digits) // 2
    low_len = len(digits) - half
    return _int_from_decimal(digits[:half]) * 10**low_len + _int_from_decimal(digits[half:])


def fib_exact(n, *, as_int=False):
    """Exact ``F(n)`` computed by GMP in the library, as a decimal ``str`` (``int`` with ``as_int=True``).

    ``n <= 2**32``. Raises :class:`hpcffi.UnsupportedError` when the library
    has no GMP. The string form avoids Python's 4300-digit str/int limit.
    """
    n = _uint64(n, "n")
    size = ffi.new("size_t *")
    check(lib.hpcffi_fib_exact_size(n, size))
    buffer = ffi.new("char[]", size[0])
    ndigits = ffi.new("size_t *")
    check(lib.hpcffi_fib_exact(n, buffer, size[0], ndigits))
    digits = ffi.unpack(buffer, ndigits[0]).decode("ascii")
    return _int_from_decimal(digits) if as_int else digits


def fib(n):
    """Exact ``F(n)`` as a Python int: the uint64 kernel up to n = 93, GMP beyond."""
    n = _uint64(n, "n")
    if n <= MAX_U64_INDEX:
        out = ffi.new("uint64_t *")
        check(lib.hpcffi_fib_sequence_u64(n, 1, out))
        return int(out[0])
    return fib_exact(n, as_int=True)
