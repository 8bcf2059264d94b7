"""Property tests (hypothesis): random shapes, strides, dtypes and parameters vs the references."""

import numpy as np
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import hpcffi
from hpcffi import reference

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
shapes = st.tuples(st.integers(3, 24), st.integers(3, 24))


@given(field0=hnp.arrays(np.float64, shapes, elements=finite), nsteps=st.integers(0, 8),
       a=st.floats(0.01, 10.0), dx=st.floats(1e-3, 1.0), dy=st.floats(1e-3, 1.0),
       fraction=st.floats(0.05, 1.0))
def test_evolve_steps_matches_numpy_reference(field0, nsteps, a, dx, dy, fraction):
    dt = hpcffi.max_stable_dt(a, dx, dy) * fraction
    field = hpcffi.evolve_steps(field0.copy(), nsteps, a, dt, dx, dy)
    expected = reference.evolve_steps_numpy(field0.copy(), nsteps, a, dt, dx, dy)
    scale = max(1.0, float(np.abs(field0).max()))
    np.testing.assert_allclose(field, expected, rtol=1e-12, atol=1e-12 * scale)


dtypes = st.sampled_from([np.float64, np.float32, np.int32, np.int64, np.complex128, ">f8", np.float16])


# Weighted so that the plain (accepted) case comes up often too.
steps = st.sampled_from([1, 1, 1, 2, 3])
starts = st.sampled_from([0, 0, 0, 1, 2])


@given(dtype=st.one_of(st.just(np.float64), dtypes), big=st.tuples(st.integers(1, 16), st.integers(1, 16)),
       step0=steps, step1=steps, start0=starts, start1=starts,
       transpose=st.sampled_from([False, False, True]), data=st.data())
def test_any_view_is_computed_right_or_refused(dtype, big, step0, step1, start0, start1, transpose, data):
    """Any slice of any dtype: either the exact float64 C-contiguous case works, or a clear error, input kept."""
    base = np.asarray(data.draw(hnp.arrays(np.float64, big, elements=st.floats(0, 100))), dtype=dtype)
    view = base[start0::step0, start1::step1]
    if transpose:
        view = view.T
    before = view.copy()
    ok_layout = view.dtype == np.float64 and view.flags.c_contiguous and view.flags.aligned
    ok_shape = view.ndim == 2 and min(view.shape) >= 3
    event(f"accepted={ok_layout and ok_shape}")
    if ok_layout and ok_shape:
        expected = reference.evolve_steps_numpy(view.copy(), 2, 0.5)
        hpcffi.evolve_steps(view, 2, 0.5)
        np.testing.assert_allclose(view, expected, rtol=1e-12, atol=1e-10)
        return
    with pytest.raises(hpcffi.Error) as info:
        hpcffi.evolve_steps(view, 2, 0.5)
    if view.dtype != np.float64:
        assert isinstance(info.value, TypeError)
    else:
        assert isinstance(info.value, ValueError)
    np.testing.assert_array_equal(view, before)


@given(a=hnp.arrays(np.float64, st.integers(0, 300), elements=finite), data=st.data())
def test_add_is_numpy_addition(a, data):
    b = data.draw(hnp.arrays(np.float64, a.shape, elements=finite))
    expected = a + b
    hpcffi.add(a, b)
    np.testing.assert_array_equal(a, expected)


@given(n=st.integers(0, 2**64 - 1), m=st.integers(1, 2**64 - 1))
def test_fib_mod_matches_python(n, m):
    assert hpcffi.fib_mod(n, m) == reference.fib_mod_python(n, m)


@given(start=st.integers(0, 2**62), count=st.integers(0, 40), m=st.integers(1, 2**64 - 1))
def test_fib_sequence_mod_matches_python(start, count, m):
    got = hpcffi.fib_sequence(start, count, mod=m)
    assert got.dtype == np.uint64 and got.shape == (count,)
    assert [int(v) for v in got] == [reference.fib_mod_python(start + k, m) for k in range(count)]


@given(start=st.integers(0, 93), count=st.integers(0, 94))
def test_fib_sequence_u64_fits_or_overflows(start, count):
    if count and start + count - 1 > hpcffi.MAX_U64_INDEX:
        with pytest.raises(hpcffi.ResultOverflowError):
            hpcffi.fib_sequence(start, count)
    else:
        assert [int(v) for v in hpcffi.fib_sequence(start, count)] == reference.fib_sequence_python(start, count)


@given(n=st.integers(0, 3000))
def test_fib_exact_matches_python(n):
    assume(hpcffi.has_gmp() or n <= hpcffi.MAX_U64_INDEX)
    assert hpcffi.fib(n) == reference.fib_python(n)
