"""hpcffi.fibonacci: the lesson's step, uint64 and modular sequences, exact values."""

import numpy as np
import pytest

import hpcffi
from hpcffi import reference

F46 = 1836311903
F93 = 12200160415121876738
F94 = 19740274219868223167


def test_lesson_sequence_with_int_pointers():
    ffi = hpcffi.ffi
    a, b = ffi.new("int *", 1), ffi.new("int *", 0)
    seen = [b[0]]
    for _ in range(45):
        hpcffi.fibo_step(a, b)
        seen.append(b[0])
    assert seen == reference.fib_sequence_python(0, 46)  # F(0) .. F(45) in *b
    assert a[0] == F46  # the largest Fibonacci number an int holds


def test_lesson_step_overflow_leaves_inputs_unchanged():
    ffi = hpcffi.ffi
    # After F(46) is in *a and F(45) in *b, the next sum (F(47)) overflows int.
    a, b = ffi.new("int *", F46), ffi.new("int *", 1134903170)
    with pytest.raises(hpcffi.ResultOverflowError) as info:
        hpcffi.fibo_step(a, b)
    assert isinstance(info.value, OverflowError)
    assert (a[0], b[0]) == (F46, 1134903170)


def test_step_reaches_f46_exactly():
    ffi = hpcffi.ffi
    a, b = ffi.new("int *", 1), ffi.new("int *", 0)
    for _ in range(45):
        hpcffi.fibo_step(a, b)
    assert (a[0], b[0]) == (F46, 1134903170)
    with pytest.raises(hpcffi.ResultOverflowError, match="F\\(46\\)"):
        hpcffi.fibo_step(a, b)  # would make *a = F(47)
    assert (a[0], b[0]) == (F46, 1134903170)


def test_fibo_step_refuses_python_ints():
    with pytest.raises(TypeError):
        hpcffi.fibo_step(1, 0)


def test_u64_limits():
    assert hpcffi.fib(46) == F46
    assert hpcffi.fib(47) == 2971215073
    assert hpcffi.fib(93) == F93
    seq = hpcffi.fib_sequence(0, 94)
    assert seq.dtype == np.uint64 and int(seq[93]) == F93
    assert [int(v) for v in seq] == reference.fib_sequence_python(0, 94)
    with pytest.raises(hpcffi.ResultOverflowError, match="94"):
        hpcffi.fib_sequence(0, 95)
    with pytest.raises(OverflowError):
        hpcffi.fib_sequence(94, 1)


def test_f94_and_beyond_exact():
    if not hpcffi.has_gmp():
        with pytest.raises(hpcffi.UnsupportedError):
            hpcffi.fib(94)
        pytest.skip("no GMP in this build")
    assert hpcffi.fib(94) == F94
    assert hpcffi.fib_exact(94) == str(F94)


def test_f1000_digits_vs_python_ints():
    if not hpcffi.has_gmp():
        pytest.skip("no GMP in this build")
    expected = reference.fib_python(1000)
    assert hpcffi.fib_exact(1000) == str(expected)
    assert len(hpcffi.fib_exact(1000)) == 209
    assert hpcffi.fib(1000) == expected


def test_big_exact_past_python_str_limit():
    if not hpcffi.has_gmp():
        pytest.skip("no GMP in this build")
    n = 100_000  # 20899 digits: int(str) alone would raise ValueError
    value = hpcffi.fib(n)
    assert value == reference.fib_python(n)
    assert hpcffi.fib_exact(n).endswith(str(value % 10**50).zfill(50))


def test_fib_mod_known_values():
    assert hpcffi.fib_mod(10**18, 1_000_000_007) == 209783453
    assert hpcffi.fib_mod(10**18, 998244353) == 23849548
    assert hpcffi.fib_mod(0, 1) == 0
    m = 2**64 - 59
    assert hpcffi.fib_mod(2**64 - 1, m) == reference.fib_mod_python(2**64 - 1, m)


def test_fib_sequence_mod():
    start, count, m = 10**18, 100, 1_000_000_007
    seq = hpcffi.fib_sequence(start, count, mod=m)
    assert int(seq[0]) == 209783453
    assert [int(v) for v in seq] == [reference.fib_mod_python(start + k, m) for k in range(count)]
    assert hpcffi.fib_sequence(5, 0).shape == (0,)


def test_fib_sequence_into_out():
    out = np.zeros(10, dtype=np.uint64)
    assert hpcffi.fib_sequence(0, 10, out=out) is out
    assert out.tolist() == reference.fib_sequence_python(0, 10)
    with pytest.raises(hpcffi.ArrayTypeError):
        hpcffi.fib_sequence(0, 10, out=np.zeros(10, dtype=np.int64))
    with pytest.raises(hpcffi.ArrayShapeError):
        hpcffi.fib_sequence(0, 10, out=np.zeros(9, dtype=np.uint64))
    with pytest.raises(hpcffi.ArrayLayoutError):
        hpcffi.fib_sequence(0, 10, out=np.zeros(20, dtype=np.uint64)[::2])


@pytest.mark.parametrize(("call", "exc"), [
    (lambda: hpcffi.fib(-1), hpcffi.InvalidArgumentError),
    (lambda: hpcffi.fib(2**64), hpcffi.InvalidArgumentError),
    (lambda: hpcffi.fib(3.0), TypeError),
    (lambda: hpcffi.fib_mod(10, 0), hpcffi.InvalidArgumentError),
    (lambda: hpcffi.fib_mod(-3, 7), ValueError),
    (lambda: hpcffi.fib_sequence(0, -1), ValueError),
    (lambda: hpcffi.fib_sequence(2**64 - 1, 2, mod=5), hpcffi.InvalidArgumentError),
    (lambda: hpcffi.fib_exact(2**32 + 1), (hpcffi.InvalidArgumentError, hpcffi.UnsupportedError)),
])
def test_bad_arguments(call, exc):
    with pytest.raises(exc):
        call()
