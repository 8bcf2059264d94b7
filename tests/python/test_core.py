"""hpcffi.core: capabilities, thread count, the lesson's add."""

import numpy as np
import pytest

import hpcffi


def test_capabilities_are_bools():
    for flag in (hpcffi.has_openmp(), hpcffi.has_mpi(), hpcffi.has_gmp()):
        assert isinstance(flag, bool)


def test_thread_count_set_get_restore():
    default = hpcffi.get_num_threads()
    assert default >= 1
    hpcffi.set_num_threads(1)
    assert hpcffi.get_num_threads() == 1
    if hpcffi.has_openmp():
        hpcffi.set_num_threads(3)
        assert hpcffi.get_num_threads() == 3
        with hpcffi.num_threads(2):
            assert hpcffi.get_num_threads() == 2
        assert hpcffi.get_num_threads() == 3
    hpcffi.set_num_threads(0)
    assert hpcffi.get_num_threads() == default


@pytest.mark.parametrize(("n", "exc"), [(-1, hpcffi.InvalidArgumentError), (10**6, hpcffi.InvalidArgumentError),
                                        (2**40, hpcffi.InvalidArgumentError), (1.5, TypeError)])
def test_bad_thread_counts(n, exc):
    before = hpcffi.get_num_threads()
    with pytest.raises(exc):
        hpcffi.set_num_threads(n)
    assert hpcffi.get_num_threads() == before


def test_add_in_place_without_copy():
    a = np.arange(1000.0)
    b = np.full(1000, 0.25)
    out = hpcffi.add(a, b)
    assert out is a
    np.testing.assert_array_equal(a, np.arange(1000.0) + 0.25)
    m = np.ones((4, 5))
    hpcffi.add(m, np.ones((4, 5)))
    assert (m == 2.0).all()


def test_add_empty_and_self():
    hpcffi.add(np.empty(0), np.empty(0))
    a = np.arange(5.0)
    hpcffi.add(a, a)
    np.testing.assert_array_equal(a, 2 * np.arange(5.0))


def test_add_bad_inputs():
    a = np.zeros(10)
    with pytest.raises(hpcffi.ArrayTypeError, match="float32"):
        hpcffi.add(a, np.ones(10, dtype=np.float32))
    with pytest.raises(TypeError, match="int64"):
        hpcffi.add(np.zeros(10, dtype=np.int64), a)
    with pytest.raises(TypeError, match="ndarray"):
        hpcffi.add(a, [1.0] * 10)
    with pytest.raises(hpcffi.ArrayTypeError, match=">f8"):
        hpcffi.add(a, np.ones(10, dtype=">f8"))
    with pytest.raises(hpcffi.ArrayLayoutError, match="C-contiguous"):
        hpcffi.add(a, np.ones(20)[::2])
    with pytest.raises(hpcffi.ArrayShapeError, match="shape"):
        hpcffi.add(a, np.ones(9))
    readonly = np.zeros(10)
    readonly.flags.writeable = False
    with pytest.raises(hpcffi.ReadOnlyArrayError, match="read-only"):
        hpcffi.add(readonly, a)
    hpcffi.add(a, readonly)  # read-only input is fine
    big = np.zeros(11)
    with pytest.raises(hpcffi.AliasingError, match="overlap"):
        hpcffi.add(big[:10], big[1:])
    assert (a == 0).all() and (big == 0).all()
