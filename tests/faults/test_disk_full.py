"""A full disk while writing: one line naming "disk full" and the path, exit 1, no signal, no hang.

Issue 19, defect 1: a checkpoint that hit ENOSPC in libhdf5's close left a
half-closed HDF5 file whose next close (garbage collection) died of SIGSEGV.
Each case runs the command line in a fresh process on a small tmpfs (root
only: mounting needs it; skipped otherwise), serially and on 3 MPI ranks, for
a checkpoint, a snapshot, the final field and an image; then checks the exit
status, the message, that the last good checkpoint survived and that no
temporary file is left. The ``hdf5`` cases switch off the free-space check so
that libhdf5 itself meets ENOSPC at the edges where it used to crash.
"""

import os
import re
import shlex
import subprocess
import sys

import pytest

from hpcffi import checkpoint, hdf5io

sys.path.insert(0, os.path.dirname(__file__))
from small_disk import can_mount, fill, small_disk  # noqa: E402

pytestmark = [pytest.mark.subprocess,
              pytest.mark.skipif(not can_mount(), reason="mounting a small tmpfs needs root"),
              pytest.mark.skipif(not hdf5io.available(), reason="no h5py")]

TIMEOUT = 180  # seconds: a hang fails the test instead of blocking it
FIELD_BYTES = 8 * 1000 * 1000
MPIEXEC = os.environ.get("HPCFFI_TEST_MPIEXEC", "")  # "mpiexec -n {n} <flags>" (set by CMakeLists.txt)

# The command line with the free-space check switched off, and in one process also the
# blocks allocated ahead: what remains is the last line of defence (truncate, then close).
WITHOUT_CHECK = ("import sys; from hpcffi import hdf5io, cli; hdf5io.check_free_space = lambda *a: None; "
                 "hdf5io.reserve_blocks = (lambda *a: False) if '--mpi' not in sys.argv else hdf5io.reserve_blocks; "
                 "sys.exit(cli.main(sys.argv[1:]))")


def launcher(ranks):
    if ranks == 1:
        return [sys.executable]
    if not MPIEXEC:
        pytest.skip("HPCFFI_TEST_MPIEXEC is not set (ctest sets it from the MPI launch cache variables)")
    import hpcffi

    if not hpcffi.has_mpi():
        pytest.skip("libhpcffi built without MPI")
    return shlex.split(MPIEXEC.format(n=ranks)) + [sys.executable]


def heat(ranks, folder, *options, check=True):
    entry = ["-m", "hpcffi"] if check else ["-c", WITHOUT_CHECK]
    command = launcher(ranks) + entry + ["heat", "--quiet", "--threads", "1", "--output-dir",
                                         os.path.join(folder, "out"), *options]
    if ranks > 1:
        command.append("--mpi")
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, cwd=folder, check=False)


def assert_disk_full(result, path):
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    errors = [line for line in result.stderr.splitlines() if line.startswith("hpcffi heat: error:")]
    assert len(errors) == 1, result.stderr
    assert "disk full" in errors[0] and str(path) in errors[0], errors[0]
    assert "Traceback" not in result.stderr and "Segmentation fault" not in result.stderr


def temporaries(folder):
    found = []
    for root, _, files in os.walk(folder):
        found += [os.path.join(root, name) for name in files if name.endswith(".tmp")]
    return found


@pytest.mark.parametrize("ranks", [1, 3])
def test_checkpoint_on_a_full_disk(ranks):
    with small_disk("12m") as folder:
        path = os.path.join(folder, "k.h5")
        result = heat(ranks, folder, "--nx", "1000", "--ny", "1000", "--steps", "100", "--png-every", "0",
                      "--checkpoint", path, "--checkpoint-every", "50")
        assert_disk_full(result, path)
        assert checkpoint.read_info(path).step == 50  # the last good one survived
        assert temporaries(folder) == []


@pytest.mark.parametrize("ranks", [1, 3])
def test_snapshot_on_a_full_disk(ranks):
    with small_disk("12m") as folder:
        result = heat(ranks, folder, "--nx", "1000", "--ny", "1000", "--steps", "150", "--png-every", "0",
                      "--snapshot-every", "50")
        assert_disk_full(result, os.path.join(folder, "out", "field_000100.h5"))
        assert sorted(os.listdir(os.path.join(folder, "out"))) == ["field_000050.h5", "heat_000000.png"]
        assert temporaries(folder) == []


@pytest.mark.parametrize("ranks", [1, 3])
def test_final_field_on_a_full_disk(ranks):
    with small_disk("6m") as folder:
        result = heat(ranks, folder, "--nx", "1000", "--ny", "1000", "--steps", "10", "--png-every", "0")
        assert_disk_full(result, os.path.join(folder, "out", "final.h5"))
        assert temporaries(folder) == []


@pytest.mark.parametrize("ranks", [1, 3])
def test_image_on_a_full_disk(ranks):
    with small_disk("1m") as folder:
        os.mkdir(os.path.join(folder, "out"))
        fill(folder, 0)
        result = heat(ranks, folder, "--nx", "60", "--ny", "60", "--steps", "10")
        assert_disk_full(result, os.path.join(folder, "out", "heat_000000.png"))
        assert temporaries(folder) == []


# Free bytes around the field's size (libhdf5's data write or its close fails) and
# just above the held reserve (nothing but metadata fits): where the SIGSEGV was.
EDGES = [FIELD_BYTES + delta for delta in (-8192, -4096, 0, 4096, 8192, 16384)] + [4096, 12288]


@pytest.mark.parametrize("ranks", [1, 3])
def test_libhdf5_meets_enospc_itself(ranks):
    """Without the free-space check, the disk fills during the write: still one error, no signal, no hang.

    In one process (blocks not allocated ahead either) libhdf5 meets ENOSPC in
    its writes or its close; on 3 ranks the allocation ahead refuses first.
    """
    outcomes = []
    for free in EDGES:
        with small_disk("16m") as folder:
            os.mkdir(os.path.join(folder, "out"))
            fill(folder, free + hdf5io.CLOSE_RESERVE + 4 * 4096)  # + the images and the folder
            result = heat(ranks, folder, "--nx", "1000", "--ny", "1000", "--steps", "5", "--png-every", "0",
                          check=False)
            outcomes.append((free, result.returncode))
            final = os.path.join(folder, "out", "final.h5")
            if result.returncode == 0:  # it fitted after all: then it is complete
                assert hdf5io.read_shape(final) == (1000, 1000)
            else:
                assert_disk_full(result, final)
            assert temporaries(folder) == []
    assert any(code == 1 for _, code in outcomes), outcomes
