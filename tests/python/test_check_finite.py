"""NaN and infinities at the Python API: refused by default, passed through with check_finite=False (issue 19).

Seen before: the file readers refused non-finite values but the array API let
them spread silently. The policy is SciPy's: ``check_finite=True`` by default.
"""

import numpy as np
import pytest

import hpcffi

BAD = [np.nan, np.inf, -np.inf]


def field_with(value, where=(4, 5)):
    field = np.full((9, 11), 20.0)
    field[where] = value
    return field


@pytest.mark.parametrize("value", BAD)
def test_evolve_steps_refuses_by_default_and_names_the_place(value):
    field = field_with(value)
    before = field.copy()
    with pytest.raises(hpcffi.NonFiniteValueError, match=r"field holds a non-finite value \((nan|inf|-inf) at index "
                                                         r"\(4, 5\)\).*check_finite=False"):
        hpcffi.evolve_steps(field, 3, 0.5)
    assert np.array_equal(field, before, equal_nan=True)  # untouched


@pytest.mark.parametrize("value", BAD)
def test_evolve_steps_unchecked_runs_the_kernel(value):
    field = field_with(value)
    hpcffi.evolve_steps(field, 3, 0.5, check_finite=False)
    assert (~np.isfinite(field)).sum() > 1  # the kernel ran: the bad value spread to its neighbours


def test_evolve_checks_both_arrays():
    u, previous = np.full((6, 6), 1.0), field_with(np.nan, (2, 2))[:6, :6].copy()
    with pytest.raises(hpcffi.NonFiniteValueError, match="u_previous"):
        hpcffi.evolve(u, previous, 0.5, 1e-5, 1e-4, 1e-4)
    with pytest.raises(hpcffi.NonFiniteValueError, match=r"^u holds"):
        hpcffi.evolve(previous.copy(), u.copy(), 0.5, 1e-5, 1e-4, 1e-4)
    hpcffi.evolve(u, previous, 0.5, 1e-5, 1e-4, 1e-4, check_finite=False)
    assert np.isnan(u).any()


def test_mean_and_add():
    field = field_with(np.inf)
    with pytest.raises(hpcffi.NonFiniteValueError):
        hpcffi.mean(field)
    assert hpcffi.mean(field, check_finite=False) == np.inf
    a, b = np.zeros(5), np.array([1.0, 2.0, np.nan, 4.0, 5.0])
    with pytest.raises(hpcffi.NonFiniteValueError, match=r"b holds a non-finite value \(nan at index 2\)"):
        hpcffi.add(a, b)
    assert np.array_equal(a, np.zeros(5))
    hpcffi.add(a, b, check_finite=False)
    assert np.isnan(a[2]) and a[4] == 5.0


def test_finite_values_whose_sum_overflows_pass():
    a, b = np.full(5, 1.5e308), np.full(5, -1.0e308)  # finite, but a's sum is inf: the exact scan lets them through
    hpcffi.add(a, b)
    assert np.array_equal(a, np.full(5, 1.5e308 - 1.0e308))


def test_the_error_is_a_value_error_and_an_hpcffi_error():
    assert issubclass(hpcffi.NonFiniteValueError, ValueError)
    assert issubclass(hpcffi.NonFiniteValueError, hpcffi.Error)
