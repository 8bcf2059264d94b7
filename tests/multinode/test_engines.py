"""The `multinode` label: MPI engines through Slurm from a notebook (hpcffi.interactive).

The notebook examples/interactive/heat_engines.py runs with the build tree's `hpcffi` kernel against
the label's 3-host local Slurm (fixture multinode.setup): 4 engines on 2 hosts, a live heat run
interrupted and resumed on 2 engines, compared bit for bit with a serial run. Two ways to
interrupt: the notebook's own `stop_after_parts` (deterministic: after 4 parts), and a real SIGINT
to the kernel (Jupyter's Interrupt: nbclient's kernel manager) after the 3rd image update. A third
test submits an engine job that can never run and expects the context manager to fail with
Slurm's reason, not after the engine timeout. After each test: no job left in squeue, no engine or
controller process left. Skipped (77 through ctest) without the cluster.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

SOURCE = Path(os.environ["HPCFFI_TEST_SOURCE_DIR"])
sys.path.insert(0, str(SOURCE / "tests" / "notebooks"))
from notebook_runner import execute  # noqa: E402

NOTEBOOK = SOURCE / "examples" / "interactive" / "heat_engines.py"
WORK = Path(os.environ["HPCFFI_TEST_ENGINES_DIR"])
MODE_FILE = Path(os.environ["HPCFFI_TEST_SLURM_MODE_FILE"])


@pytest.fixture()
def work(request, monkeypatch):
    mode = MODE_FILE.read_text().split()[0] if MODE_FILE.exists() else "skip"
    if mode == "skip":
        pytest.skip(f"no local cluster ({MODE_FILE})")
    folder = WORK / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    monkeypatch.setenv("HPCFFI_ENGINES_DIR", str(folder / "engines-state"))   # the kernel inherits it
    yield folder
    left = squeue()
    if left:   # cancel them first, so that a failure here does not make the next test wait on Resources
        subprocess.run(["scancel", *(line.split()[0] for line in left)], check=False)
        for _ in range(60):
            if not squeue():
                break
            time.sleep(0.5)
    assert left == [], "jobs left in squeue"
    assert engine_processes(folder) == [], "engine or controller processes left"


def squeue() -> list[str]:
    listed = subprocess.run(["squeue", "--noheader", "--format", "%i %j %T"], capture_output=True, text=True,
                            check=True)
    return listed.stdout.split("\n")[:-1]


def engine_processes(folder: Path) -> list[str]:
    """Processes of this test's engine clusters: ipyparallel gives the controller, its schedulers
    and the engines the profile directory in their environment (IPP_PROFILE_DIR), inside folder."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(var.startswith(b"IPP_PROFILE_DIR=" + bytes(folder)) for var in environ):
            found.append(f"{proc.name}: {cmdline}")
    return found


def run_notebook(folder: Path, interrupt_after_images=None):
    copy = folder / NOTEBOOK.name
    shutil.copy(NOTEBOOK, copy)
    # A cell takes under a minute here; the bound makes a hang fail this test with its output
    # before ctest's TIMEOUT (600 s) kills it without any.
    executed = execute(copy, timeout=240, interrupt_after_images=interrupt_after_images)
    lines = executed.lines()
    print("\n".join(lines))
    assert executed.errors() == [], executed.errors()
    return executed, lines


def check_run(folder: Path, executed, lines):
    # COMM_WORLD of size 4 on every engine, each rank once, on at least 2 hosts.
    placement = [re.fullmatch(r"  engine (\d+): COMM_WORLD rank (\d+) of (\d+) on (\S+)", line) for line in lines]
    placement = [m.groups() for m in placement if m]
    assert len(placement) == 4, lines
    assert sorted(int(rank) for _, rank, _, _ in placement) == [0, 1, 2, 3]
    assert {size for _, _, size, _ in placement} == {"4"}
    assert len({host for *_, host in placement}) >= 2, placement
    resumed = next(line for line in lines if line.startswith("engine job") and "2 engines on" in line)
    assert len(resumed.split(" on ")[1].split(", ")) == 2, resumed           # 2 engines, 2 hosts
    # The live figure was updated in place at least 3 times.
    assert executed.image_updates >= 3, executed.image_updates
    first = next(re.fullmatch(r"first run: (\w+) at step (\d+) on 4 ranks .*", line) for line in lines
                 if line.startswith("first run:"))
    assert first and first.group(1) == "interrupted" and 0 < int(first.group(2)) < 2000, lines
    second = next(re.fullmatch(r"second run: finished at step 2000 on 2 ranks, resumed from step (\d+); .*", line)
                  for line in lines if line.startswith("second run:"))
    assert second and second.group(1) == first.group(2), lines
    assert "interrupted-and-resumed field equal to the serial one, bit for bit: True" in lines
    # The same comparison, from the files the runs wrote.
    out = folder / "heat-engines-output"
    with h5py.File(out / "engines" / "final.h5", "r") as resumed_file, \
            h5py.File(out / "serial" / "final.h5", "r") as serial_file:
        assert resumed_file.attrs["step"] == 2000
        assert np.array_equal(resumed_file["field"][...], serial_file["field"][...])
    return int(first.group(2))


def test_notebook_stop_after_parts(work, monkeypatch):
    """Run all: the notebook stops its first run itself after 4 of 10 parts (step 800)."""
    monkeypatch.setenv("HPCFFI_ENGINES_STOP_AFTER_PARTS", "4")
    executed, lines = run_notebook(work)
    assert check_run(work, executed, lines) == 800
    assert not executed.interrupted


def test_notebook_kernel_interrupt(work, monkeypatch):
    """A real SIGINT to the kernel (Jupyter's Interrupt) after the 3rd image update: the engines
    write a checkpoint, the engine job is stopped, the notebook goes on and resumes on 2 engines."""
    monkeypatch.setenv("HPCFFI_ENGINES_STOP_AFTER_PARTS", "0")
    executed, lines = run_notebook(work, interrupt_after_images=3)
    assert executed.interrupted
    assert check_run(work, executed, lines) >= 600


def test_dead_engine_job_fails_fast(work, monkeypatch):
    """An engine job that can never run fails the context manager with Slurm's reason, not after its
    engine timeout (30 s here: had the job not been watched, the message would be the timeout's).
    Three ways: a partition sbatch rejects; 8 engines on 3 hosts of 2 CPUs, which this cluster
    refuses at submit too (slurm-local.sh sets EnforcePartLimits=ALL; a cluster without it keeps
    the job PENDING for PartitionConfig, which the watch counts as never clearing: see
    tests/python/test_interactive.py); engines that die at MPI_Init (srun told to use no PMI), so
    the job ends."""
    from hpcffi.interactive import EnginesError, engines

    def attempt(**options):
        started = time.monotonic()
        with pytest.raises(EnginesError) as failure:
            with engines(engine_timeout=30, **options):
                pass
        print(f"{options}: failed after {time.monotonic() - started:.1f} s: {failure.value}")
        assert "engines after 30 s" not in str(failure.value)
        return failure.value

    refused = attempt(n=2, partition="nosuchpartition")
    assert re.search(r"sbatch refused the engine job .*invalid partition specified: nosuchpartition", str(refused))

    never = attempt(n=8, nodes=3)
    assert re.search(r"sbatch refused the engine job .*More processors requested than permitted", str(never))

    monkeypatch.setenv("SLURM_MPI_TYPE", "none")      # --export=ALL: srun in the job reads it
    died = attempt(n=2, nodes=2)
    assert died.state not in ("PENDING", "RUNNING") and died.job_id, (died.state, died.reason)
    assert f"engine job {died.job_id} ended" in str(died) and died.log_tail.strip(), str(died)
    assert died.log_tail.strip().splitlines()[-1] in str(died)
