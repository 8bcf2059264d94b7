"""hpcdot's Python wrapper: known values, bitwise thread independence, error mapping."""
import math

import hpcffi
import numpy as np
import pytest

import hpcdot


def test_known_value():
    n = 100_000
    x = np.arange(n, dtype=np.float64)
    assert hpcdot.dot(x, n - x) == (n - 1) * n * (n + 1) // 6


def test_matches_an_independent_sum():
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal(54321), rng.standard_normal(54321)
    assert hpcdot.dot(x, y) == pytest.approx(math.fsum(x * y), rel=1e-12, abs=1e-9)


def test_same_bits_for_any_thread_count():
    x = 1.0 / np.arange(1, 1_000_004, dtype=np.float64)
    with hpcffi.num_threads(1):
        one = hpcdot.dot(x, x)
    with hpcffi.num_threads(3 if hpcffi.has_openmp() else 1):
        many = hpcdot.dot(x, x)
    assert one.hex() == many.hex()


def test_bad_arrays_are_refused_before_c():
    with pytest.raises(hpcffi.ArrayTypeError):
        hpcdot.dot(np.zeros(3, dtype=np.float32), np.zeros(3))
    with pytest.raises(hpcffi.ArrayShapeError, match="differ in length"):
        hpcdot.dot(np.zeros(3), np.zeros(4))
    with pytest.raises(hpcffi.ArrayShapeError):
        hpcdot.dot(np.zeros((2, 2))[:, 0], np.zeros(2))


def test_c_status_becomes_hpcffi_exception():
    # A status from C: pass a NULL result through the raw ABI and map it the wrapper's way.
    x = np.ones(2)
    status = hpcdot.lib.hpcdot_dot(hpcdot.ffi.from_buffer("double[]", x), hpcdot.ffi.from_buffer("double[]", x),
                                   2, hpcdot.ffi.NULL)
    with pytest.raises(hpcffi.NullPointerError, match="hpcdot_dot: result is NULL") as info:
        hpcdot._check(status)
    assert info.value.status == status and isinstance(info.value, ValueError)
