"""The cffi layer: the three modes, where the library comes from, versions, errors, exit safety."""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import hpcffi
from hpcffi import _build_config, _ffi, errors

from conftest import MODES, random_field

SOURCE_HEADER = pathlib.Path(__file__).resolve().parents[2] / "include" / "hpcffi" / "hpcffi_decls.h"


@pytest.fixture(params=MODES)
def pair(request):
    return _ffi.load(request.param)


def test_mode_comes_from_environment():
    assert hpcffi.mode == os.environ.get("HPCFFI_MODE", "api")
    assert (hpcffi.ffi, hpcffi.lib) == _ffi.load(hpcffi.mode)


def test_unknown_mode_is_refused(monkeypatch):
    with pytest.raises(ValueError, match="choose one of"):
        _ffi.load("cython")
    monkeypatch.setenv("HPCFFI_MODE", "ctypes")
    with pytest.raises(ValueError, match="HPCFFI_MODE"):
        _ffi.requested_mode()


def test_cdef_is_the_real_header():
    assert _ffi.header_path() != str(SOURCE_HEADER)
    assert pathlib.Path(_ffi.header_path()).read_bytes() == SOURCE_HEADER.read_bytes()


def test_library_is_the_versioned_soname_of_this_build():
    path = pathlib.Path(_ffi.library_path())
    assert path.name == "libhpcffi.so.0"
    assert path.is_absolute() and path.exists()
    # ctest runs the build tree; tests/packaging runs this suite against a wheel.
    assert _build_config.TREE == os.environ.get("HPCFFI_TEST_TREE", "build")


def test_library_override(monkeypatch, tmp_path):
    monkeypatch.setenv("HPCFFI_LIBRARY", str(tmp_path / "libhpcffi.so.0"))
    assert _ffi.library_path() == str(tmp_path / "libhpcffi.so.0")


def test_every_mode_exposes_the_same_functions():
    names = [sorted(n for n in dir(_ffi.load(m)[1]) if n.startswith("hpcffi_")) for m in MODES]
    assert names[0] == names[1] == names[2]
    assert "hpcffi_heat_evolve_steps" in names[0] and "hpcffi_fib_mpi_exact_bcast" in names[0]


def test_version_matches_package(pair):
    ffi, lib = pair
    assert ffi.string(lib.hpcffi_version_string()).decode() == hpcffi.__version__ == hpcffi.version()
    assert ".".join(map(str, hpcffi.version_info())) == hpcffi.__version__


def test_version_mismatch_fails_import(monkeypatch):
    monkeypatch.setattr(_build_config, "VERSION", "99.0.0")
    ffi, lib = _ffi.load("abi")
    with pytest.raises(hpcffi.VersionMismatchError, match="99.0.0.*cannot use libhpcffi 0") as info:
        _ffi._check_version(ffi, lib, "abi")
    assert isinstance(info.value, ImportError)


def test_enum_values_are_the_same_in_every_mode(pair):
    _, lib = pair
    assert lib.HPCFFI_OK == 0
    assert [lib.HPCFFI_ERR_UNSTABLE, lib.HPCFFI_ERR_ALIASING] == [3, 9]


@pytest.mark.parametrize(
    ("status", "cls", "builtin"),
    [(1, hpcffi.NullPointerError, ValueError), (2, hpcffi.InvalidArgumentError, ValueError),
     (3, hpcffi.UnstableTimeStepError, ValueError), (4, hpcffi.ResultOverflowError, OverflowError),
     (5, hpcffi.BufferTooSmallError, ValueError), (6, hpcffi.UnsupportedError, NotImplementedError),
     (7, hpcffi.OutOfMemoryError, MemoryError), (8, hpcffi.MPIError, RuntimeError),
     (9, hpcffi.AliasingError, ValueError), (10, hpcffi.InternalError, RuntimeError),
     (77, hpcffi.InternalError, RuntimeError)])
def test_status_to_exception(status, cls, builtin):
    assert errors.exception_for(status) is cls
    assert issubclass(cls, hpcffi.Error) and issubclass(cls, builtin)


def test_check_uses_last_error_text():
    errors.check(0)
    ffi, lib = hpcffi.ffi, hpcffi.lib
    status = lib.hpcffi_set_num_threads(-5)
    with pytest.raises(hpcffi.InvalidArgumentError, match="thread count must be in 0..") as info:
        errors.check(status)
    assert info.value.status == lib.HPCFFI_ERR_INVALID_ARGUMENT
    with pytest.raises(hpcffi.InternalError, match="unknown hpcffi status 77"):
        errors.check(77)


def test_null_pointer_from_c(pair):
    ffi, lib = pair
    with pytest.raises(hpcffi.NullPointerError, match="mean"):
        errors.check(lib.hpcffi_heat_mean(ffi.new("double[9]"), 3, 3, ffi.NULL))


def test_mpi_functions_report_unsupported_without_mpi():
    if hpcffi.has_mpi():
        pytest.skip("this build has MPI")
    ffi, lib = hpcffi.ffi, hpcffi.lib
    with pytest.raises(hpcffi.UnsupportedError) as info:
        errors.check(lib.hpcffi_mpi_init(ffi.new("int *")))
    assert isinstance(info.value, NotImplementedError)


def _raw_run(pair, field0, nsteps):
    """Every kernel through one mode's raw (ffi, lib)."""
    ffi, lib = pair
    field = field0.copy()
    nx, ny = field.shape
    dt = ffi.new("double *")
    errors.check(lib.hpcffi_heat_max_stable_dt(0.5, 1e-4, 1e-4, dt))
    errors.check(lib.hpcffi_heat_evolve_steps(ffi.from_buffer("double[]", field, require_writable=True), ffi.NULL,
                                              nx, ny, 0.5, dt[0], 1e-4, 1e-4, nsteps))
    mean = ffi.new("double *")
    errors.check(lib.hpcffi_heat_mean(ffi.from_buffer("double[]", field), nx, ny, mean))
    seq = np.empty(50, dtype=np.uint64)
    errors.check(lib.hpcffi_fib_sequence_mod(10**15, 50, 2**64 - 59, ffi.from_buffer("uint64_t[]", seq)))
    a = np.arange(7.0)
    errors.check(lib.hpcffi_add(ffi.from_buffer("double[]", a), ffi.from_buffer("double[]", a * 0.5), 7))
    return field, mean[0], seq, a


def test_all_modes_bitwise_identical(rng):
    field0 = random_field(rng, 37, 53)
    runs = [_raw_run(_ffi.load(mode), field0, 25) for mode in MODES]
    for other in runs[1:]:
        for x, y in zip(runs[0], other):
            np.testing.assert_array_equal(x, y)
    # ... and to the public API of this process's mode.
    field = hpcffi.evolve_steps(field0.copy(), 25, 0.5)
    np.testing.assert_array_equal(field, runs[0][0])
    assert hpcffi.mean(field) == runs[0][1]


EXIT_SCRIPT = """
import numpy as np, hpcffi
assert hpcffi.mode == {mode!r}, hpcffi.mode
assert hpcffi.get_num_threads() == 2, hpcffi.get_num_threads()
field = np.zeros((64, 64)); field[0] = 100.0
hpcffi.evolve_steps(field, 20, 0.5)
print(hpcffi.mean(field))
"""


@pytest.mark.subprocess
@pytest.mark.parametrize("mode", ["abi", "abi-inline"])
def test_abi_exit_with_openmp_threads_is_clean(mode):
    """dlopen'ed OpenMP library: without RTLD_NODELETE the interpreter crashed at exit (notes: 26/80)."""
    env = dict(os.environ, HPCFFI_MODE=mode, OMP_NUM_THREADS="2")
    env.pop("HPCFFI_LIBRARY", None)
    outputs = []
    for _ in range(20):
        proc = subprocess.run([sys.executable, "-c", EXIT_SCRIPT.format(mode=mode)], env=env, capture_output=True,
                              text=True, timeout=60, check=False)
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout)
    assert len(set(outputs)) == 1
