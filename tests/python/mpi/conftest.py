"""pytest under mpiexec: every rank runs the same tests; collectives stay in step.

These tests are collected only when launched by an MPI starter (ctest registers
them through hpcffi_add_mpi_test at 1-4 ranks and sets HPCFFI_MPI_PYTEST=1; a
hand run under mpiexec or srun is detected from the launcher's environment).
A plain serial `pytest tests/python` ignores this folder, so it never
initialises MPI by accident.

    mpiexec -n 3 .venv/bin/python -m pytest -c tests/python/pytest.ini tests/python/mpi

Each test does all its collective calls first and asserts afterwards (or
asserts the same thing on every rank), so a failing rank cannot leave the
others waiting in a collective; ctest's timeout catches anything else.
"""

import os
import shutil
import tempfile

import pytest

_LAUNCHED = any(os.environ.get(name) for name in (
    "HPCFFI_MPI_PYTEST", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"))
collect_ignore_glob = [] if _LAUNCHED else ["test_*.py"]


@pytest.fixture(scope="session")
def comm():
    from mpi4py import MPI

    return MPI.COMM_WORLD


@pytest.fixture
def shared_dir(comm):
    """A folder every rank sees (made by rank 0, the path broadcast), removed after the test."""
    path = tempfile.mkdtemp(prefix="hpcffi-mpi-test-") if comm.rank == 0 else None
    path = comm.bcast(path, root=0)
    yield path
    comm.Barrier()
    if comm.rank == 0:
        shutil.rmtree(path, ignore_errors=True)
