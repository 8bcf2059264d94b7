"""Distributed HDF5 I/O through hpcffi.run: restart on any rank count, bad checkpoints on every rank.

Runs at 1-4 ranks (ctest); the rank counts below are sub-communicators of
COMM_WORLD (comm.Split), so one 4-rank run writes on 3 ranks and resumes on 2,
on 1 (the one-process path, no MPI) and on 4. Every final field is compared bit
for bit with the uninterrupted serial run.
"""

import os
import shutil

import h5py
import numpy as np
import pytest

import hpcffi
from hpcffi import checkpoint, fieldio
from hpcffi.run import HeatConfig, run

pytestmark = pytest.mark.skipif(not hpcffi.has_mpi(), reason="libhpcffi built without MPI")

NX, NY, TOTAL, MIDDLE = 61, 47, 60, 25


def serial(nsteps):
    out = fieldio.bottle_field(NX, NY)
    with hpcffi.num_threads(1):
        hpcffi.evolve_steps(out, nsteps, 0.5)
    return out


def first_ranks(comm, n):
    """A communicator of ranks 0..n-1 (None on the others); free it after use."""
    from mpi4py import MPI

    sub = comm.Split(0 if comm.rank < n else MPI.UNDEFINED, comm.rank)
    return None if sub == MPI.COMM_NULL else sub


def config(folder, name):
    return HeatConfig(nx=NX, ny=NY, steps=TOTAL, png_every=20, threads=1, output_dir=os.path.join(folder, name),
                      checkpoint=os.path.join(folder, f"{name}.h5"))


def final_field(folder, name):
    with h5py.File(os.path.join(folder, name, "final.h5"), "r") as handle:
        return handle["field"][...]


def copy_checkpoint(comm, folder, source, target):
    if comm.rank == 0:
        shutil.copy(os.path.join(folder, f"{source}.h5"), os.path.join(folder, f"{target}.h5"))
    comm.Barrier()


def resume(comm, folder, name, ranks):
    """Resume checkpoint `name` on `ranks` ranks (1: the one-process path on rank 0); the result on rank 0."""
    result = None
    if ranks == 1:
        if comm.rank == 0:
            result = run(config(folder, name), log=None)
    else:
        sub = first_ranks(comm, ranks)
        if sub is not None:
            result = run(config(folder, name), comm=sub, log=None)
            sub.Free()
    comm.Barrier()
    return result


def test_written_on_p_ranks_resumes_on_any_rank_count(comm, shared_dir):
    writers = min(3, comm.size)
    sub = first_ranks(comm, writers)
    if sub is not None:
        paused = run(config(shared_dir, "written"), comm=sub, until=MIDDLE, log=None)
        assert (paused.status, paused.step) == ("paused", MIDDLE)
        sub.Free()
    comm.Barrier()
    expected = serial(TOTAL)
    for ranks in sorted({1, 2, comm.size} & set(range(1, comm.size + 1))):
        name = f"resumed-on-{ranks}"
        copy_checkpoint(comm, shared_dir, "written", name)
        result = resume(comm, shared_dir, name, ranks)
        if comm.rank == 0:
            assert (result.status, result.resumed_from) == ("finished", MIDDLE), name
            assert final_field(shared_dir, name).tobytes() == expected.tobytes(), f"written on {writers}, {name}"
            assert result.mean == hpcffi.mean(expected)
            assert checkpoint.read_info(os.path.join(shared_dir, f"{name}.h5")).step == TOTAL


def test_serial_checkpoint_resumes_under_mpi(comm, shared_dir):
    if comm.rank == 0:
        run(config(shared_dir, "serial"), until=MIDDLE, log=None)
    comm.Barrier()
    result = run(config(shared_dir, "serial"), comm=comm, log=None)
    assert result.resumed_from == MIDDLE
    if comm.rank == 0:
        assert final_field(shared_dir, "serial").tobytes() == serial(TOTAL).tobytes()


def damage(path, how):
    if how == "flip-value":
        with h5py.File(path, "r") as handle:
            offset = handle["field"].id.get_offset()
        with open(path, "r+b") as handle:
            handle.seek(offset + 8 * 1234 + 6)
            byte = handle.read(1)[0]
            handle.seek(offset + 8 * 1234 + 6)
            handle.write(bytes([byte ^ 0x10]))
    elif how == "truncate":
        os.truncate(path, os.path.getsize(path) // 2)
    elif how == "foreign":
        os.unlink(path)
        with h5py.File(path, "w") as handle:
            handle["field"] = np.zeros((NX, NY))
            handle.attrs["format"] = "somebody-else"
    elif how == "other-run":
        with h5py.File(path, "r+") as handle:
            handle.attrs["dt"] = handle.attrs["dt"] / 2


@pytest.mark.parametrize("how, words", [
    ("flip-value", "field fingerprint mismatch"),
    ("truncate", "checkpoint "),
    ("foreign", "not an hpcffi checkpoint"),
    ("other-run", "dt is"),
])
def test_bad_checkpoints_give_the_same_clear_error_on_every_rank(comm, shared_dir, how, words):
    run(config(shared_dir, "good"), comm=comm, until=MIDDLE, log=None)
    if comm.rank == 0:
        damage(os.path.join(shared_dir, "good.h5"), how)
    comm.Barrier()
    try:
        run(config(shared_dir, "good"), comm=comm, log=None)
        outcome = None
    except checkpoint.CheckpointError as error:
        outcome = (type(error).__name__, str(error))
    outcomes = comm.allgather(outcome)
    assert outcomes[0] is not None and words in outcomes[0][1] and "refusing to resume" in outcomes[0][1]
    assert outcomes == [outcomes[0]] * comm.size
    assert not os.path.exists(os.path.join(shared_dir, "good", "final.h5"))


def test_blocked_inputs_are_read_per_rank(comm, shared_dir):
    """.npy (memory-mapped) and .h5 (hyperslab) inputs, and the lesson's text, give the serial result."""
    field = np.random.default_rng(8).uniform(0, 100, size=(NX, NY))
    if comm.rank == 0:
        np.save(os.path.join(shared_dir, "in.npy"), field)
        with h5py.File(os.path.join(shared_dir, "in.h5"), "w") as handle:
            handle["field"] = field
        fieldio.write_text(os.path.join(shared_dir, "in.dat"), field)
    comm.Barrier()
    expected = field.copy()
    with hpcffi.num_threads(1):
        hpcffi.evolve_steps(expected, 30, 0.5)
    for name in ("in.npy", "in.h5", "in.dat"):
        out = os.path.join(shared_dir, f"out-{name}")
        run(HeatConfig(input=os.path.join(shared_dir, name), steps=30, png_every=0, threads=1, output_dir=out),
            comm=comm, log=None)
        if comm.rank == 0:
            with h5py.File(os.path.join(out, "final.h5"), "r") as handle:
                assert handle["field"][...].tobytes() == expected.tobytes(), name
