"""hpcffi.interactive without a cluster: the engine job's script as ipyparallel 9 writes it, site
options and their precedence, argument checks, Slurm's never-clearing reasons, the error class, an
interrupt held while a call goes out to the engines.
The engines themselves run in the multinode label (tests/multinode/test_engines.py)."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

import hpcffi
from hpcffi import interactive, live_run as live_run_module
from hpcffi.interactive import Engines, EnginesError, engines, live_run, never_clears
from hpcffi.run import ConfigError, HeatConfig


@pytest.fixture()
def no_site(monkeypatch):
    for var in ("HPCFFI_SLURM_PARTITION", "HPCFFI_SLURM_ACCOUNT", "HPCFFI_ENGINES_DIR"):
        monkeypatch.delenv(var, raising=False)


def written_script(tmp_path, cluster: Engines, n: int) -> str:
    """The batch script ipyparallel's own Slurm launcher writes from the cluster's configuration."""
    ipyparallel_launcher = pytest.importorskip("ipyparallel.cluster.launcher")
    cluster.folder = tmp_path
    launcher = ipyparallel_launcher.SlurmEngineSetLauncher(config=cluster.launcher_config(), cluster_id="c1",
                                                          profile_dir=str(tmp_path / "profile"))
    launcher.write_batch_script(n)
    assert launcher.args[:-1] == ["sbatch", *cluster.sbatch_options]
    return (tmp_path / "engines.sbatch").read_text()


def test_script_spreads_n_mpi_engines_over_nodes(tmp_path, no_site):
    script = written_script(tmp_path, engines(n=4, nodes=2), 4)
    lines = script.splitlines()
    assert lines[0] == "#!/bin/sh"
    options = [line.split("#", 2)[1].split()[1] for line in lines if line.startswith("#SBATCH")]
    assert "--ntasks=4" in options and "--nodes=2" in options, options
    assert f"--output={tmp_path / 'engines.log'}" in options     # the log in the folder it owns
    assert "--export=ALL" in options and "--job-name=ipengine-c1" in options
    assert f"--time={interactive.DEFAULT_TIME_LIMIT}" in options
    srun = lines[-1].split()
    # This interpreter; the profile and the connection travel in the environment (--export=ALL).
    assert srun == ["srun", sys.executable, "-m", "ipyparallel.engine", "--mpi"], srun


def test_script_without_nodes_lets_slurm_place(tmp_path, no_site):
    script = written_script(tmp_path, engines(n=3), 3)
    assert "--nodes" not in script and "--ntasks=3" in script


def test_site_options_arguments_beat_environment(no_site, monkeypatch):
    assert engines(n=2).sbatch_options == []                       # sbatch's SBATCH_* and the site decide
    monkeypatch.setenv("HPCFFI_SLURM_PARTITION", "batch")
    monkeypatch.setenv("HPCFFI_SLURM_ACCOUNT", "proj1")
    assert engines(n=2).sbatch_options == ["--partition=batch", "--account=proj1"]
    assert engines(n=2, partition="debug", account="proj2", time_limit="00:05:00").sbatch_options == [
        "--partition=debug", "--account=proj2", "--time=00:05:00"]
    monkeypatch.setenv("HPCFFI_SLURM_PARTITION", "")                # empty: not set (the tests' convention)
    assert engines(n=2).sbatch_options == ["--account=proj1"]


def test_engine_folder_from_environment(no_site, monkeypatch, tmp_path):
    monkeypatch.setenv("HPCFFI_ENGINES_DIR", str(tmp_path / "state"))
    assert engines(n=1)._base == tmp_path / "state"
    assert engines(n=1, folder=tmp_path / "given")._base == tmp_path / "given"


@pytest.mark.parametrize("n, nodes", [(0, None), (-1, None), (2.0, None), (True, None), (2, 3), (2, 0)])
def test_bad_counts_are_refused(n, nodes):
    with pytest.raises(ValueError, match="must be an integer"):
        engines(n=n, nodes=nodes)


def test_live_run_needs_a_checkpoint():
    with pytest.raises(ConfigError, match="live_run needs config.checkpoint"):
        live_run(None, HeatConfig(steps=10))


def test_live_run_refuses_bad_parts(tmp_path):
    with pytest.raises(ValueError, match="parts must be an integer >= 1"):
        live_run(None, HeatConfig(steps=10, checkpoint=tmp_path / "c.h5"), parts=0)


@pytest.mark.parametrize("reason, never", [
    ("PartitionConfig", True), ("ReqNodeNotAvail, UnavailableNodes:node3", True), ("InvalidAccount", True),
    ("Resources", False), ("Priority", False), ("None", False), ("BeginTime", False)])
def test_reasons_that_never_clear(reason, never):
    assert never_clears(reason) is never


def test_error_is_an_hpcffi_error():
    error = EnginesError("engine job 7 ended", job_id="7", state="FAILED", reason="NonZeroExitCode", log_tail="x\n")
    assert isinstance(error, hpcffi.Error) and isinstance(error, RuntimeError)
    assert (error.job_id, error.state, error.reason, error.log_tail) == ("7", "FAILED", "NonZeroExitCode", "x\n")


class _ViewSendingOneMessagePerEngine:
    """Sends a call as ipyparallel's DirectView does, one message per engine in a loop; a real
    SIGINT to this process arrives between the 2nd and the 3rd message."""

    def __init__(self, engines: int = 4):
        self.engines, self.sent = engines, []

    def apply_async(self, function, *args):
        for engine in range(self.engines):
            if engine == 2:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)                      # Python runs the handler here
            self.sent.append(engine)
        return "pending"


def test_an_interrupt_while_a_call_is_sent_waits_until_every_engine_has_it():
    """The hang of the kernel-interrupt test: an interrupt between two messages left one MPI rank in
    a part (a collective) that the others never started, and the client waiting for it forever."""
    view = _ViewSendingOneMessagePerEngine()
    pending, interrupted = live_run_module._send(view, print)
    assert (pending, view.sent, interrupted) == ("pending", [0, 1, 2, 3], True)
    with pytest.raises(KeyboardInterrupt):           # SIGINT raises again once the call went out
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
    view = _ViewSendingOneMessagePerEngine(engines=2)   # no interrupt: none reported
    assert live_run_module._send(view, print) == ("pending", False)
