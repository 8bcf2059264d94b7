"""hpcffi.heat against the independent references, bad inputs, GIL, thread invariance."""

import threading

import numpy as np
import pytest

import hpcffi
from hpcffi import reference

from conftest import random_field, read_dat


def test_max_stable_dt():
    dt = hpcffi.max_stable_dt(0.5, 0.01, 0.01)
    assert dt == reference.max_stable_dt(0.5, 0.01, 0.01)
    assert dt == pytest.approx(5e-5, rel=1e-15)
    with pytest.raises(hpcffi.InvalidArgumentError, match="diffusion constant"):
        hpcffi.max_stable_dt(0.0)
    with pytest.raises(ValueError):
        hpcffi.max_stable_dt(0.5, float("nan"))


def test_bottle_200_steps_vs_numpy_reference(bottle_path):
    field0 = read_dat(bottle_path)
    a, dx, dy = 0.5, 0.01, 0.01
    dt = hpcffi.max_stable_dt(a, dx, dy)
    field = hpcffi.evolve_steps(field0.copy(), 200, a, dt, dx, dy)
    expected = reference.evolve_steps_numpy(field0.copy(), 200, a, dt, dx, dy)
    np.testing.assert_allclose(field, expected, rtol=1e-12, atol=0)
    assert hpcffi.mean(field) == pytest.approx(reference.mean_numpy(expected), rel=1e-12)
    assert not np.array_equal(field, field0)


def test_evolve_matches_lesson_numpy_step(rng):
    u0 = random_field(rng, 12, 17)
    a, dx2, dy2 = 0.5, 1e-4, 4e-4
    dt = reference.max_stable_dt(a, 0.01, 0.02)
    u, u_prev = u0.copy(), u0.copy()
    ru, ru_prev = u0.copy(), u0.copy()
    for _ in range(5):
        hpcffi.evolve(u, u_prev, a, dt, dx2, dy2)
        reference.evolve_numpy(ru, ru_prev, a, dt, dx2, dy2)
    np.testing.assert_array_equal(u, u_prev)
    np.testing.assert_allclose(u, ru, rtol=1e-13)
    # Single steps == one multi-step call, bit for bit.
    np.testing.assert_array_equal(u, hpcffi.evolve_steps(u0.copy(), 5, a, dt, 0.01, 0.02))


def test_python_reference_agrees(rng):
    f0 = random_field(rng, 9, 11)
    py = reference.evolve_steps_python(f0.copy(), 7, 0.3, None, 0.02, 0.01)
    npy = reference.evolve_steps_numpy(f0.copy(), 7, 0.3, None, 0.02, 0.01)
    lib = hpcffi.evolve_steps(f0.copy(), 7, 0.3, None, 0.02, 0.01)
    np.testing.assert_allclose(py, npy, rtol=1e-14)
    np.testing.assert_allclose(lib, npy, rtol=1e-13)
    assert reference.mean_python(lib) == hpcffi.mean(lib)  # same summation order


def test_nonsquare_shapes_and_boundaries(rng):
    for shape in [(3, 3), (3, 40), (40, 3), (200, 300), (300, 200)]:
        f0 = random_field(rng, *shape)
        f = hpcffi.evolve_steps(f0.copy(), 3, 0.5)
        np.testing.assert_allclose(f, reference.evolve_steps_numpy(f0.copy(), 3, 0.5), rtol=1e-13)
        for edge in (np.s_[0, :], np.s_[-1, :], np.s_[:, 0], np.s_[:, -1]):
            np.testing.assert_array_equal(f[edge], f0[edge])


def test_zero_steps_and_scratch(rng):
    f0 = random_field(rng, 8, 8)
    f = f0.copy()
    assert hpcffi.evolve_steps(f, 0, 0.5) is f
    np.testing.assert_array_equal(f, f0)
    scratch = np.full_like(f0, np.nan)
    with_scratch = hpcffi.evolve_steps(f0.copy(), 9, 0.5, scratch=scratch)
    np.testing.assert_array_equal(with_scratch, hpcffi.evolve_steps(f0.copy(), 9, 0.5))


def test_thread_count_invariance_bitwise(rng):
    f0 = random_field(rng, 130, 97)
    results = []
    for n in (1, 2, 3) if hpcffi.has_openmp() else (1,):
        hpcffi.set_num_threads(n)
        f = hpcffi.evolve_steps(f0.copy(), 30, 0.5)
        u, up = f0.copy(), f0.copy()
        hpcffi.evolve(u, up, 0.5, hpcffi.max_stable_dt(0.5), 1e-4, 1e-4)
        results.append((f, hpcffi.mean(f), u, hpcffi.fib_sequence(10**12, 1000, mod=10**9 + 7)))
    for other in results[1:]:
        for x, y in zip(results[0], other):
            np.testing.assert_array_equal(x, y)


def test_mean():
    f = np.arange(12.0).reshape(3, 4)
    assert hpcffi.mean(f) == 5.5
    f.flags.writeable = False
    assert hpcffi.mean(f) == 5.5  # read-only input is fine
    assert hpcffi.mean(np.ones((1, 1))) == 1.0
    with pytest.raises(hpcffi.ArrayShapeError):
        hpcffi.mean(np.ones(5))
    with pytest.raises(hpcffi.ArrayShapeError):
        hpcffi.mean(np.ones((0, 5)))


def _readonly(shape):
    f = np.zeros(shape)
    f.flags.writeable = False
    return f


@pytest.mark.parametrize(("field", "exc", "match"), [
    (np.zeros((5, 5), dtype=np.float32), hpcffi.ArrayTypeError, "float32"),
    (np.zeros((5, 5), dtype=np.int64), TypeError, "never casts"),
    ([[0.0] * 5] * 5, hpcffi.ArrayTypeError, "ndarray"),
    (np.zeros((5, 5), dtype=np.complex128), TypeError, "complex128"),
    (np.zeros((10, 10))[::2, ::2], hpcffi.ArrayLayoutError, "C-contiguous"),
    (np.zeros((5, 6)).T, hpcffi.ArrayLayoutError, "C-contiguous"),
    (np.asfortranarray(np.zeros((5, 6))), ValueError, "contiguous"),
    (np.zeros(25), hpcffi.ArrayShapeError, "2 dimension"),
    (np.zeros((2, 5, 5)), hpcffi.ArrayShapeError, "2 dimension"),
    (np.zeros((2, 5)), hpcffi.ArrayShapeError, "at least 3 x 3"),
    (np.zeros((5, 2)), ValueError, "at least 3 x 3"),
    (_readonly((5, 5)), hpcffi.ReadOnlyArrayError, "read-only"),
    (np.frombuffer(bytearray(8 * 25 + 1), dtype=np.float64, count=25, offset=1).reshape(5, 5),
     hpcffi.ArrayLayoutError, "aligned"),
])
def test_evolve_steps_bad_fields(field, exc, match):
    with pytest.raises(exc, match=match):
        hpcffi.evolve_steps(field, 1, 0.5)


@pytest.mark.parametrize(("kwargs", "exc", "match"), [
    ({"nsteps": -1}, hpcffi.InvalidArgumentError, "nsteps"),
    ({"nsteps": 1.0}, TypeError, None),
    ({"a": -0.5}, hpcffi.InvalidArgumentError, "diffusion constant"),
    ({"a": float("inf")}, ValueError, "finite"),
    ({"dt": 1e-3}, hpcffi.UnstableTimeStepError, "stability limit"),
    ({"dt": 0.0}, hpcffi.InvalidArgumentError, "dt"),
    ({"dx": 0.0}, hpcffi.InvalidArgumentError, "dx2"),
])
def test_evolve_steps_bad_parameters(kwargs, exc, match, rng):
    f0 = random_field(rng, 6, 6)
    f = f0.copy()
    args = {"nsteps": 2, "a": 0.5} | kwargs
    with pytest.raises(exc, match=match):
        hpcffi.evolve_steps(f, **args)
    np.testing.assert_array_equal(f, f0)  # untouched on failure


def test_evolve_steps_bad_scratch():
    f = np.zeros((6, 6))
    with pytest.raises(hpcffi.ArrayShapeError):
        hpcffi.evolve_steps(f, 1, 0.5, scratch=np.zeros((6, 7)))
    with pytest.raises(hpcffi.AliasingError):
        hpcffi.evolve_steps(f, 1, 0.5, scratch=f)
    with pytest.raises(hpcffi.ArrayTypeError):
        hpcffi.evolve_steps(f, 1, 0.5, scratch=np.zeros((6, 6), dtype=np.float32))


def test_evolve_bad_pairs():
    u = np.zeros((6, 6))
    with pytest.raises(hpcffi.AliasingError, match="share memory"):
        hpcffi.evolve(u, u, 0.5, 1e-5, 1e-4, 1e-4)
    big = np.zeros((12, 6))
    with pytest.raises(hpcffi.AliasingError):
        hpcffi.evolve(big[:6], big[:6].view(), 0.5, 1e-5, 1e-4, 1e-4)
    with pytest.raises(hpcffi.ArrayShapeError, match="must match"):
        hpcffi.evolve(u, np.zeros((6, 7)), 0.5, 1e-5, 1e-4, 1e-4)
    with pytest.raises(hpcffi.ReadOnlyArrayError):
        hpcffi.evolve(u, _readonly((6, 6)), 0.5, 1e-5, 1e-4, 1e-4)
    with pytest.raises(hpcffi.UnstableTimeStepError):
        hpcffi.evolve(u, np.zeros((6, 6)), 0.5, 1.0, 1e-4, 1e-4)


def test_gil_released_during_kernel(rng):
    """Another Python thread runs while evolve_steps is inside C.

    No timing: the observer thread takes snapshots of the field's sum; a
    snapshot that is neither the initial nor the final field can only have
    been taken while the C call was running (the library swaps buffers and
    writes the field every other step).
    """
    f0 = random_field(rng, 300, 300)
    nsteps = 400
    final_sum = hpcffi.evolve_steps(f0.copy(), nsteps, 0.5).sum()
    start_sum = f0.sum()
    for _attempt in range(10):
        field = f0.copy()
        done = threading.Event()
        snapshots = []

        def observe():
            while not done.is_set():
                snapshots.append(field.sum())

        observer = threading.Thread(target=observe)
        observer.start()
        try:
            hpcffi.evolve_steps(field, nsteps, 0.5)
        finally:
            done.set()
            observer.join()
        assert field.sum() == final_sum
        if any(s not in (start_sum, final_sum) for s in snapshots):
            return
    pytest.fail(f"the observer thread never saw the field mid-computation ({len(snapshots)} snapshots)")
