"""python -m hpcffi heat --mpi, run in-process on every rank of this mpiexec (cli.main)."""

import os
import re
import signal
import threading
import time

import pytest

import hpcffi
from hpcffi import checkpoint, cli, fieldio

pytestmark = pytest.mark.skipif(not hpcffi.has_mpi(), reason="libhpcffi built without MPI")

LAST_LINES = re.compile(r"mean temperature: (-?\d+\.\d{12})\nfigure of merit: (\d+\.\d) Mpts/s\n\Z")


def serial(field, nsteps):
    out = field.copy()
    with hpcffi.num_threads(1):
        hpcffi.evolve_steps(out, nsteps, 0.5)
    return out


def read_final(folder):
    import h5py

    with h5py.File(os.path.join(folder, "final.h5"), "r") as handle:
        return handle["field"][...]


def checkpoint_field(path):
    import h5py

    with h5py.File(path, "r") as handle:
        return handle["field"][...]


def test_heat_mpi_equals_the_serial_cli(comm, shared_dir, capsys):
    common = ["heat", "--nx", "45", "--ny", "38", "--steps", "130", "--png-every", "50", "--threads", "1"]
    codes = comm.allgather(cli.main([*common, "--mpi", "--output-dir", os.path.join(shared_dir, "mpi")]))
    mpi_out = capsys.readouterr().out
    serial_code = None
    if comm.rank == 0:
        serial_code = cli.main([*common, "--output-dir", os.path.join(shared_dir, "serial")])
    serial_out = capsys.readouterr().out
    comm.Barrier()
    assert codes == [0] * comm.size
    if comm.rank == 0:
        assert serial_code == 0
        a = read_final(os.path.join(shared_dir, "mpi"))
        b = read_final(os.path.join(shared_dir, "serial"))
        assert a.tobytes() == b.tobytes()
        assert a.tobytes() == serial(fieldio.bottle_field(45, 38), 130).tobytes()
        assert LAST_LINES.search(mpi_out).group(1) == LAST_LINES.search(serial_out).group(1)
        assert f"mpi: {comm.size} ranks x 1 threads, process grid" in mpi_out
        assert "mpi time (max over ranks): computation" in mpi_out
        images = sorted(os.listdir(os.path.join(shared_dir, "mpi")))
        assert images == ["final.h5", "heat.xmf", "heat_000000.png", "heat_000050.png", "heat_000100.png",
                          "heat_000130.png"]
    else:
        assert mpi_out == ""  # only rank 0 prints


def test_heat_mpi_bad_input_fails_on_every_rank(comm, shared_dir, capsys):
    bad = os.path.join(shared_dir, "bad.dat")
    if comm.rank == 0:
        with open(bad, "w") as handle:
            handle.write("# 3 3\n1 2 3\n4 5 6\n")
    comm.Barrier()
    out = os.path.join(shared_dir, "out")
    codes = comm.allgather(cli.main(["heat", bad, "--mpi", "--output-dir", out]))
    err = capsys.readouterr().err
    comm.Barrier()
    assert codes == [1] * comm.size
    assert not os.path.exists(out)
    if comm.rank == 0:
        assert f"{bad}:4: expected 3 rows" in err
    else:
        assert err == ""


def test_heat_mpi_signal_checkpoint_and_resume(comm, shared_dir, capsys):
    """SIGUSR1 to rank 0 only: every rank stops at the same step, rank 0 writes the checkpoint."""
    path = os.path.join(shared_dir, "run.h5")
    out = os.path.join(shared_dir, "out")
    args = ["heat", "--nx", "48", "--ny", "40", "--steps", str(10**9), "--png-every", "0", "--threads", "1",
            "--mpi", "--checkpoint", path, "--output-dir", out]

    def poke():
        # The handler is installed before the first image is written.
        first = os.path.join(out, "heat_000000.png")
        while not os.path.exists(first):
            time.sleep(0.05)
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGUSR1)

    poker = threading.Thread(target=poke, daemon=True) if comm.rank == 0 else None
    if poker:
        poker.start()
    codes = comm.allgather(cli.main(args))
    stdout = capsys.readouterr().out
    if poker:
        poker.join()
    stopped = comm.bcast(checkpoint.read_info(path).step if comm.rank == 0 else None, root=0)
    assert codes == [99] * comm.size
    assert 0 < stopped < 10**9
    if comm.rank == 0:
        assert f"checkpoint written at step {stopped}\n" in stdout
        assert checkpoint_field(path).tobytes() == serial(fieldio.bottle_field(48, 40), stopped).tobytes()

    # Resume (with a reachable target) from a checkpoint of the same run parameters.
    target = stopped + 37
    if comm.rank == 0:
        import h5py

        with h5py.File(path, "r+") as handle:
            handle.attrs["nsteps"] = target
    comm.Barrier()
    args[args.index("--steps") + 1] = str(target)
    codes = comm.allgather(cli.main(args))
    stdout = capsys.readouterr().out
    assert codes == [0] * comm.size
    if comm.rank == 0:
        assert f"resumed from checkpoint at step {stopped}\n" in stdout
        final = read_final(out)
        assert final.tobytes() == serial(fieldio.bottle_field(48, 40), target).tobytes()


def test_heat_mpi_output_failure_on_rank_0_ends_every_rank(comm, shared_dir, capsys):
    # A directory where the step-50 image should go: rank 0's write fails
    # mid-run (IsADirectoryError, even as root); every rank must stop with
    # exit 1 instead of waiting in the next collective.
    out = os.path.join(shared_dir, "blocked")
    if comm.rank == 0:
        os.makedirs(os.path.join(out, "heat_000050.png"))
    comm.Barrier()
    args = ["heat", "--nx", "20", "--ny", "17", "--steps", "120", "--png-every", "50", "--threads", "1",
            "--mpi", "--output-dir", out]
    codes = comm.allgather(cli.main(args))
    err = capsys.readouterr().err
    assert codes == [1] * comm.size
    if comm.rank == 0:
        assert "heat_000050" in err and "Is a directory" in err
        assert not os.path.exists(os.path.join(out, "final.h5"))


@pytest.mark.parametrize("kind", ["dat", "npy", "h5"])
def test_heat_mpi_huge_header_is_a_clear_error_on_every_rank(comm, shared_dir, capsys, kind):
    """Issue 19: a header announcing 100000000 x 100000000 gives the readers' message, not an allocation error."""
    from huge_inputs import MESSAGE, write_huge_inputs

    paths = write_huge_inputs(shared_dir) if comm.rank == 0 else None
    path = comm.bcast(paths, root=0)[kind]
    out = os.path.join(shared_dir, "out")
    codes = comm.allgather(cli.main(["heat", path, "--mpi", "--steps", "1", "--output-dir", out]))
    err = capsys.readouterr().err
    comm.Barrier()
    assert codes == [1] * comm.size
    assert not os.path.exists(out)
    if comm.rank == 0:
        assert err.startswith(f"hpcffi heat: error: {path}") and len(err.splitlines()) == 1, err
        assert re.search(MESSAGE, err), err
    else:
        assert err == ""
