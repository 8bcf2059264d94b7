"""Temporaries left by a killed writer are removed at the next start; a live writer's never (issue 19, defect 2).

Seen before: after a SIGKILL during a checkpoint write, ``.k9.h5.61f05782.tmp``
(72 MB) stayed next to the checkpoint through every later run.
"""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from hpcffi import _files, checkpoint, hdf5io
from hpcffi.run import HeatConfig, run

pytestmark = pytest.mark.skipif(not hdf5io.available(), reason="no h5py")

# A writer that creates a temporary the way hpcffi does, holds its lock, says so, and waits.
HOLD = """
import os, sys, fcntl
path = sys.argv[1]
descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL)
fcntl.lockf(descriptor, fcntl.LOCK_EX, 1, int(sys.argv[2]), os.SEEK_SET)
print("locked", flush=True)
sys.stdin.read()
"""


def temporaries(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@pytest.mark.subprocess
def test_a_sigkill_during_a_checkpoint_write_leaves_nothing_after_the_next_run(tmp_path):
    """Kill a real run while it writes its checkpoint, then run again: resumed, finished, no temporary left."""
    path = tmp_path / "k.h5"
    command = [sys.executable, "-m", "hpcffi", "heat", "--nx", "800", "--ny", "800", "--steps", "20",
               "--png-every", "0", "--threads", "1", "--quiet", "--checkpoint", str(path),
               "--output-dir", str(tmp_path / "out")]
    child = subprocess.Popen(command + ["--checkpoint-every", "1"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        # Catch it in the middle of a write: stop it when a temporary shows, kill it if one is still there.
        caught = False
        while not caught and child.poll() is None:
            if temporaries(tmp_path) and path.exists():
                child.send_signal(signal.SIGSTOP)
                caught = bool(temporaries(tmp_path))
                if not caught:
                    child.send_signal(signal.SIGCONT)
            time.sleep(0.002)
        assert caught, "the run ended before it was caught writing a checkpoint"
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert temporaries(tmp_path)  # what the kill left
    step = checkpoint.read_info(path).step
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert step < 20
    assert temporaries(tmp_path) == [] and temporaries(tmp_path / "out") == []
    assert checkpoint.read_info(path).step == 20


def test_a_live_writers_temporary_stays_a_dead_ones_goes(tmp_path, capsys):
    """Only the lock tells (the name says another host): held by a live process, it stays; free, it goes."""
    name = f".k.h5.elsewhere.example.{os.getpid()}.0123abcd.tmp"
    held = tmp_path / name
    writer = subprocess.Popen([sys.executable, "-c", HOLD, str(held), str(_files.LOCK_OFFSET)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "locked\n"
        dead = tmp_path / ".k.h5.elsewhere.example.1.89abcdef.tmp"
        dead.write_bytes(b"x" * 1000)
        other = tmp_path / ".notes.txt.elsewhere.1.89abcdef.tmp"  # not a file of this run: left alone
        other.write_bytes(b"y")
        run(HeatConfig(nx=20, ny=20, steps=3, output_dir=tmp_path / "out", checkpoint=tmp_path / "k.h5"))
        assert temporaries(tmp_path) == sorted([name, other.name])
        assert f"removed {dead}: a temporary file of an earlier run that was killed while writing" in \
            capsys.readouterr().out
    finally:
        writer.stdin.close()
        writer.stdout.close()
        writer.wait()
    run(HeatConfig(nx=20, ny=20, steps=3, output_dir=tmp_path / "out", checkpoint=tmp_path / "k.h5"), log=None)
    assert temporaries(tmp_path) == [other.name]  # its writer has exited: its lock is gone


def test_a_live_writer_on_this_host_is_known_by_its_pid(tmp_path):
    """A temporary named with this host and a live pid stays even when no lock can be seen."""
    live = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        name = f"final.h5.{socket.gethostname()}.{live.pid}.0123abcd"
        (tmp_path / f".{name}.tmp").write_bytes(b"z")
        assert _files.remove_stale_temporaries(tmp_path, lambda target: target == "final.h5") == []
    finally:
        live.stdin.close()
        live.wait()
    assert _files.remove_stale_temporaries(tmp_path, lambda target: target == "final.h5") == \
        [tmp_path / f".{name}.tmp"]


def test_the_writers_lock_survives_libhdf5_opening_and_closing_the_file(tmp_path):
    """libhdf5 opens the temporary itself: a classic POSIX lock would be dropped then; the writer's is not."""
    import h5py

    temporary, descriptor = _files.create_temporary(tmp_path / "final.h5")
    try:
        with h5py.File(temporary, "w") as handle:
            handle["field"] = [[1.0]]
        probe = [sys.executable, "-c", "import sys; from hpcffi import _files; "
                 "print(_files.remove_stale_temporaries(sys.argv[1], lambda name: name == 'final.h5'))", str(tmp_path)]
        # Another process on another host would see only the lock: pretend the name says so.
        foreign = tmp_path / f".final.h5.elsewhere.1.{temporary.name.split('.')[-2]}.tmp"
        os.rename(temporary, foreign)
        assert subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip() == "[]"
        assert foreign.exists()
    finally:
        os.close(descriptor)
    removed = subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip()
    assert removed == f"[PosixPath('{foreign}')]"
