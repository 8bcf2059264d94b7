"""hpcffi.mpi.DistributedField under mpiexec: equal to the serial kernel, bit for bit."""

import os
import re
import subprocess

import numpy as np
import pytest
from mpi4py import MPI

import hpcffi
from hpcffi import _ffi
from hpcffi.mpi import DistributedField, check_same_mpi, mpi_libraries

pytestmark = pytest.mark.skipif(not hpcffi.has_mpi(), reason="libhpcffi built without MPI")


def serial(field, nsteps, a=0.5, dt=None, dx=0.01, dy=0.01):
    out = field.copy()
    with hpcffi.num_threads(1):
        hpcffi.evolve_steps(out, nsteps, a, dt, dx, dy)
    return out


def field_for(nx, ny, seed=7):
    """The same random field on every rank (rank 0's copy is the one scattered)."""
    return np.random.default_rng(seed).uniform(0.0, 100.0, size=(nx, ny))


def test_one_mpi_library_in_the_process(comm):
    libraries, version = check_same_mpi()
    assert libraries is not None and len(libraries) == 1, libraries
    assert version == MPI.Get_library_version().strip().splitlines()[0]
    # libhpcffi and mpi4py's extension resolve to that same file.
    linked = []
    for binary in (_ffi.library_path(), MPI.__file__):
        ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
        paths = [os.path.realpath(m) for m in re.findall(r"=> (\S*/lib(?:mpi|mpich)\.so[.\d]*) ", ldd)]
        assert len(paths) == 1, ldd
        linked.append(paths[0])
    assert linked[0] == linked[1] == libraries[0]
    name = "Open MPI" if "Open MPI" in version else "MPICH" if "MPICH" in version else None
    assert name is not None, version
    assert mpi_libraries() == libraries


@pytest.mark.parametrize("shape, nsteps", [((40, 40), 30), ((37, 29), 25), ((3, 50), 10), ((61, 5), 17)])
def test_world_equals_serial_bitwise(comm, shape, nsteps):
    initial = field_for(*shape)
    with DistributedField(*shape, a=0.5, comm=comm) as dist:
        dist.scatter(initial if comm.rank == 0 else None)
        dist.evolve_steps(nsteps)
        result = dist.gather()
        local = dist.get_local()
        block = dist.block
        mean = dist.mean()
    means = comm.allgather(mean)
    expected = serial(initial, nsteps)
    r0, c0, lnx, lny, dims = block
    assert local.tobytes() == expected[r0:r0 + lnx, c0:c0 + lny].tobytes()
    assert dims[0] * dims[1] == comm.size
    assert len(set(means)) == 1
    assert means[0] == pytest.approx(hpcffi.mean(expected), rel=1e-13)
    if comm.rank == 0:
        assert result.tobytes() == expected.tobytes()
    else:
        assert result is None


def test_blocks_tile_the_field(comm):
    nx, ny = 23, 31
    with DistributedField(nx, ny, a=0.5, comm=comm) as dist:
        blocks = comm.allgather(tuple(dist.block[:4]))
    cover = np.zeros((nx, ny), dtype=int)
    for r0, c0, lnx, lny in blocks:
        assert lnx >= 1 and lny >= 1
        cover[r0:r0 + lnx, c0:c0 + lny] += 1
    assert (cover == 1).all()


def test_set_local_then_evolve_in_chunks(comm):
    nx, ny = 30, 34
    initial = field_for(nx, ny, seed=11)
    with DistributedField(nx, ny, a=0.4, dt=1e-5, dx=0.01, dy=0.012, comm=comm) as dist:
        r0, c0, lnx, lny, _ = dist.block
        dist.set_local(np.ascontiguousarray(initial[r0:r0 + lnx, c0:c0 + lny]))
        for count in (1, 4, 0, 15):
            dist.evolve_steps(count)
        result = dist.gather(root=comm.size - 1)
        t_comp, t_comm = dist.t_comp, dist.t_comm
    expected = serial(initial, 20, a=0.4, dt=1e-5, dx=0.01, dy=0.012)
    assert t_comp >= 0.0 and t_comm >= 0.0
    if comm.rank == comm.size - 1:
        assert result.tobytes() == expected.tobytes()


@pytest.mark.parametrize("how", ["split", "dup", "split-reversed"])
def test_other_communicators(comm, how):
    if how == "split":
        sub = comm.Split(color=comm.rank % 2, key=comm.rank)
    elif how == "split-reversed":
        sub = comm.Split(color=0, key=comm.size - comm.rank)
    else:
        sub = comm.Dup()
    nx, ny = 26, 19
    initial = field_for(nx, ny, seed=3 + comm.rank % 2)  # each split half its own field
    try:
        with DistributedField(nx, ny, a=0.5, comm=sub) as dist:
            dist.scatter(initial if sub.rank == 0 else None)
            dist.evolve_steps(12)
            result = dist.gather()
            size = sub.size
    finally:
        sub.Free()
    if how == "split":
        assert size == len(range(comm.rank % 2, comm.size, 2))
    if result is not None:
        assert result.tobytes() == serial(initial, 12).tobytes()


def test_other_cffi_modes(comm):
    nx, ny = 21, 22
    initial = field_for(nx, ny, seed=5)
    results = []
    for mode in ("abi", "abi-inline"):
        with DistributedField(nx, ny, a=0.5, comm=comm, mode=mode) as dist:
            dist.scatter(initial if comm.rank == 0 else None)
            dist.evolve_steps(9)
            results.append(dist.gather())
    if comm.rank == 0:
        for result in results:
            assert result.tobytes() == serial(initial, 9).tobytes()


def test_errors_are_raised_on_every_rank(comm):
    with pytest.raises(hpcffi.UnstableTimeStepError):
        DistributedField(20, 20, a=0.5, dt=1.0, comm=comm)
    with pytest.raises(hpcffi.InvalidArgumentError):
        DistributedField(2, 20, a=0.5, comm=comm)
    with DistributedField(20, 20, a=0.5, comm=comm) as dist:
        with pytest.raises(hpcffi.InvalidArgumentError):
            dist.evolve_steps(-1)
        with pytest.raises(hpcffi.ArrayShapeError):
            dist.set_local(np.zeros((1, 1)))
    with pytest.raises(hpcffi.InvalidArgumentError, match="closed"):
        dist.evolve_steps(1)
    dist.close()  # idempotent
