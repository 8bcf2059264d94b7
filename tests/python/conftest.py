"""Shared fixtures of the hpcffi Python tests.

Run by ctest (one run per cffi mode, see CMakeLists.txt here) or by hand:

    HPCFFI_MODE=abi /work/main/.venv/bin/python -m pytest -c tests/python/pytest.ini tests/python
"""

import os
import pathlib

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import hpcffi

# No example database on disk (keeps trees clean); derandomized for reproducible CI.
settings.register_profile("hpcffi", database=None, deadline=None, derandomize=True, max_examples=100,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("hpcffi")

MODES = ("api", "abi", "abi-inline")


def pytest_report_header(config):
    return (f"hpcffi {hpcffi.__version__}, cffi mode {hpcffi.mode}, library threads {hpcffi.get_num_threads()}, "
            f"openmp={hpcffi.has_openmp()} gmp={hpcffi.has_gmp()} mpi={hpcffi.has_mpi()}")


@pytest.fixture(autouse=True)
def _restore_threads():
    """Tests may change the library's thread count: put the default back."""
    yield
    hpcffi.set_num_threads(0)


@pytest.fixture(scope="session")
def bottle_path():
    path = os.environ.get("HPCFFI_BOTTLE")
    if not path:
        pytest.skip("HPCFFI_BOTTLE is not set (ctest sets it from HPCFFI_SHARED_DATA_DIR)")
    path = pathlib.Path(path)
    if not path.is_file():
        pytest.skip(f"{path} is absent (set the CMake cache variable HPCFFI_SHARED_DATA_DIR)")
    return path


def read_dat(path):
    """The lesson's .dat format: '# nx ny' then nx rows of ny values."""
    with open(path, encoding="ascii") as f:
        nx, ny = (int(v) for v in f.readline().lstrip("#").split())
        data = np.loadtxt(f, dtype=np.float64)
    assert data.shape == (nx, ny)
    return np.ascontiguousarray(data)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def random_field(rng, nx, ny):
    return rng.uniform(0.0, 100.0, size=(nx, ny))
