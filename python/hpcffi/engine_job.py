"""MPI engines as one Slurm job: submit it, watch it until every engine registered, stop it.

What :func:`engines` does, where its files go, how it watches the job and which site options it
takes is told once, in :mod:`hpcffi.interactive` (what users import). Here: the job's script
(:func:`batch_template`), the submission's options, the watch (:func:`job_state`,
:data:`NEVER_CLEARS`) and :class:`Engines`, the context manager.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections import deque
from pathlib import Path

from .errors import Error

__all__ = ["engines", "Engines", "EnginesError", "NEVER_CLEARS", "DEFAULT_TIME_LIMIT", "DEFAULT_ENGINE_TIMEOUT",
           "job_state", "never_clears", "batch_template"]

DEFAULT_TIME_LIMIT = "00:30:00"
DEFAULT_ENGINE_TIMEOUT = 300.0   # seconds to wait for engines while the job pends for an ordinary reason
POLL_SECONDS = 0.5               # how often the job's state is asked while waiting
STOP_WAIT_SECONDS = 30.0         # bound on waiting for a cancelled job to leave squeue
LOG_LINES = 20                   # engine log lines kept for error messages

#: Pending reasons that waiting cannot clear: the job asks for what the
#: partition or the account can never give (Slurm's reason codes, matched by prefix).
NEVER_CLEARS = ("PartitionConfig", "PartitionNodeLimit", "PartitionTimeLimit", "ReqNodeNotAvail", "BadConstraints",
                "InvalidAccount", "InvalidQOS", "AccountNotAllowed", "QOSNotAllowed", "PartitionDown",
                "PartitionInactive", "JobHeldAdmin", "JobHeldUser", "DependencyNeverSatisfied")
_ALIVE = ("PENDING", "CONFIGURING", "RUNNING")


class EnginesError(Error, RuntimeError):
    """The engines could not start or the engine job failed; the message has Slurm's reason and
    the engine log's last lines. ``job_id``, ``state``, ``reason``, ``log_tail`` say the same as data."""

    def __init__(self, message, *, job_id=None, state=None, reason=None, log_tail=""):
        super().__init__(message)
        self.job_id, self.state, self.reason, self.log_tail = job_id, state, reason, log_tail


# ---------------------------------------------------------------------------
# Slurm: the job's state, the submission's options
# ---------------------------------------------------------------------------
def job_state(job_id: str) -> tuple[str, str] | None:
    """(state, reason) of a Slurm job from ``squeue``, else from ``scontrol show job`` once it
    left the queue; None when Slurm no longer knows it."""
    squeue = subprocess.run(["squeue", "--noheader", "--jobs", str(job_id), "--format", "%T|%r"],
                            capture_output=True, text=True)
    line = squeue.stdout.strip()
    if squeue.returncode == 0 and line:
        state, _, reason = line.partition("|")
        return state, reason
    show = subprocess.run(["scontrol", "--oneliner", "show", "job", str(job_id)], capture_output=True, text=True)
    if show.returncode != 0:
        return None
    fields = dict(item.partition("=")[::2] for item in show.stdout.split() if "=" in item)
    state = fields.get("JobState", "UNKNOWN")
    reason = fields.get("Reason", "None")
    if fields.get("ExitCode", "0:0") != "0:0":
        reason = f"{reason}, exit code {fields['ExitCode']}"
    return state, reason


def never_clears(reason: str) -> bool:
    """True if a pending job's Slurm reason is one of :data:`NEVER_CLEARS` (matched by prefix)."""
    return any(reason.startswith(code) for code in NEVER_CLEARS)


def _site_options(partition, account, time_limit) -> list[str]:
    """sbatch command-line options: they beat both SBATCH_* variables and the script's #SBATCH lines."""
    partition = partition or os.environ.get("HPCFFI_SLURM_PARTITION") or None
    account = account or os.environ.get("HPCFFI_SLURM_ACCOUNT") or None
    options = []
    if partition:
        options.append(f"--partition={partition}")
    if account:
        options.append(f"--account={account}")
    if time_limit:
        options.append(f"--time={time_limit}")
    return options


def batch_template(nodes: int | None) -> str:
    """The engine job's script, an ipyparallel ``batch_template`` (its fields are filled by ipyparallel;
    a custom template gets nothing inserted, so every option is written here)."""
    lines = ["#!/bin/sh",
             "#SBATCH --job-name=ipengine-{cluster_id}",
             "#SBATCH --ntasks={n}                  # one engine per MPI rank",
             ]
    if nodes:
        lines.append(f"#SBATCH --nodes={int(nodes)}                 # spread the ranks over this many hosts")
    lines += [f"#SBATCH --time={DEFAULT_TIME_LIMIT}          # SBATCH_TIMELIMIT or time_limit= override it",
              "#SBATCH --output={output_file}       # the engine log (read for error messages)",
              "#SBATCH --export=ALL                 # the client's environment: PATH, PYTHONPATH, SLURM_CONF",
              "srun {program_and_args}",
              ""]
    return "\n".join(lines)


def _slurm_launcher_class():
    """ipyparallel's Slurm engine launcher, with sbatch's error message kept (ipyparallel passes
    only stdout on) and no ``scancel ''`` after a refused submission."""
    from ipyparallel.cluster.launcher import SlurmEngineSetLauncher

    class HpcffiSlurmEngineSetLauncher(SlurmEngineSetLauncher):
        def _run_command(self, command, **kwargs):
            kwargs.setdefault("stderr", subprocess.STDOUT)
            return super()._run_command(command, **kwargs)

        def stop(self):
            if not self.job_id:
                return ""
            return super().stop()

    return HpcffiSlurmEngineSetLauncher


# ---------------------------------------------------------------------------
# the context manager
# ---------------------------------------------------------------------------
class Engines:
    """N MPI engines in one Slurm job (see the module's text); use :func:`engines` in a ``with``.

    Attributes once started: ``client`` (an ``ipyparallel.Client``), ``view`` (a blocking
    DirectView on all engines), ``job_id``, ``folder``, ``log_path``; ``log_tail`` after stop.
    """

    def __init__(self, n: int = 4, nodes: int | None = None, *, partition: str | None = None,
                 account: str | None = None, time_limit: str | None = None,
                 engine_timeout: float = DEFAULT_ENGINE_TIMEOUT, controller_ip: str | None = None,
                 folder: str | os.PathLike | None = None, keep_folder: bool = False):
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"n must be an integer >= 1 (engines), got {n!r}")
        if nodes is not None and (not isinstance(nodes, int) or isinstance(nodes, bool) or not 1 <= nodes <= n):
            raise ValueError(f"nodes must be an integer from 1 to n = {n}, got {nodes!r}")
        self.n, self.nodes = n, nodes
        self.sbatch_options = _site_options(partition, account, time_limit)
        self.engine_timeout = float(engine_timeout)
        self.controller_ip = controller_ip
        base = folder or os.environ.get("HPCFFI_ENGINES_DIR") or Path.home() / ".hpcffi" / "engines"
        self._base = Path(base)
        self._keep_folder = keep_folder
        self.folder: Path | None = None
        self.cluster_id = f"hpcffi-{uuid.uuid4().hex[:8]}"
        self.job_id = None
        self.client = None
        self.view = None
        self.log_tail = ""
        self._cluster = None
        self._stopped = True

    # -- paths -------------------------------------------------------------
    @property
    def script_path(self) -> Path:
        return self.folder / "engines.sbatch"

    @property
    def log_path(self) -> Path:
        return self.folder / "engines.log"

    def read_log_tail(self, lines: int = LOG_LINES) -> str:
        """The engine log's last lines ('' while it does not exist)."""
        try:
            with open(self.log_path, errors="replace") as handle:
                return "".join(deque(handle, maxlen=lines))
        except OSError:
            return ""

    # -- start ---------------------------------------------------------------
    def start(self) -> Engines:
        """Submit the engine job and wait for all engines; on any failure the job is stopped first."""
        import ipyparallel as ipp

        self._base.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix="engines-", dir=self._base))
        self._stopped = False
        atexit.register(self.stop)
        config = self.launcher_config()
        kwargs = dict(engines=_slurm_launcher_class(), n=self.n, cluster_id=self.cluster_id,
                      profile_dir=str(self.folder / "profile"), engine_timeout=int(self.engine_timeout) + 1,
                      config=config)
        if self.controller_ip:
            kwargs["controller_ip"] = self.controller_ip
        try:
            self._cluster = ipp.Cluster(**kwargs)
            self._cluster.start_controller_sync()
            # Connect first: that waits until the controller is up. A controller stopped while it
            # still starts (e.g. right after sbatch refused the job) leaves its schedulers behind.
            self.client = self._cluster.connect_client_sync()
            try:
                self._cluster.start_engines_sync()
            except subprocess.CalledProcessError as error:
                said = (error.output or b"").decode(errors="replace").strip() if isinstance(error.output, bytes) \
                    else (error.output or "").strip()
                raise EnginesError(f"sbatch refused the engine job ({' '.join(map(str, error.cmd))}): "
                                   f"{said or f'exit status {error.returncode}'}", reason=said) from None
            self.job_id = next(iter(self._cluster.engines.values())).job_id
            self._wait_for_engines()
            self.view = self.client[:]
            self.view.block = True
        except BaseException:
            self.stop(failed=True)
            raise
        return self

    def launcher_config(self):
        """The traitlets Config of ipyparallel's Slurm engine launcher (needs ``folder``)."""
        from traitlets.config import Config

        config = Config()
        launcher = config.SlurmEngineSetLauncher
        launcher.engine_args = ["--mpi"]            # ipyparallel does not add it: MPI_Init in every engine
        launcher.batch_template = batch_template(self.nodes)
        launcher.batch_file_name = str(self.script_path)   # joined to work_dir '.': an absolute path wins
        launcher.output_file = str(self.log_path)
        launcher.submit_command = ["sbatch", *self.sbatch_options]
        return config

    def _wait_for_engines(self) -> None:
        started = time.monotonic()
        state = reason = None
        while True:
            if len(self.client.ids) >= self.n:
                return
            known = job_state(self.job_id)
            if known is None:
                self._fail("is no longer known to Slurm", None, None)
            state, reason = known
            if state not in _ALIVE:
                self._fail(f"ended ({state}, reason: {reason}) before its {self.n} engines registered "
                           f"({len(self.client.ids)} did)", state, reason)
            if state == "PENDING" and never_clears(reason):
                self._fail(f"pends for a reason that waiting cannot clear: {reason} "
                           f"(sbatch {' '.join(self.sbatch_options) or '(site defaults)'}, "
                           f"--ntasks={self.n}{f' --nodes={self.nodes}' if self.nodes else ''})", state, reason)
            if time.monotonic() - started > self.engine_timeout:
                self._fail(f"has {len(self.client.ids)} of {self.n} engines after {self.engine_timeout:.0f} s "
                           f"(state {state}, reason {reason}); raise engine_timeout if the queue is slow",
                           state, reason)
            time.sleep(POLL_SECONDS)

    def _fail(self, what, state, reason):
        tail = self.read_log_tail()
        log = f"\nlast lines of the engine log {self.log_path}:\n{tail}" if tail else \
            f"\nthe engine log {self.log_path} is empty or absent"
        raise EnginesError(f"engine job {self.job_id} {what}{log}", job_id=self.job_id, state=state, reason=reason,
                           log_tail=tail)

    # -- stop ----------------------------------------------------------------
    def stop(self, failed: bool = False) -> None:
        """Cancel the job, stop the controller, wait until the job left squeue; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        if self.folder is not None:
            self.log_tail = self.read_log_tail() or self.log_tail   # ipyparallel deletes the log on stop
        if self.client is not None:
            try:
                self.client.close()
            except Exception:
                pass
        if self._cluster is not None:
            leftovers = self._controller_processes()
            try:
                self._cluster.stop_cluster_sync()
            except Exception:
                pass   # the job is cancelled below in any case
            self._reap(leftovers)
        if self.job_id:
            subprocess.run(["scancel", str(self.job_id)], capture_output=True)
            deadline = time.monotonic() + STOP_WAIT_SECONDS
            while time.monotonic() < deadline:
                listed = subprocess.run(["squeue", "--noheader", "--jobs", str(self.job_id), "--format", "%i"],
                                        capture_output=True, text=True)
                if listed.returncode != 0 or not listed.stdout.strip():
                    break
                time.sleep(POLL_SECONDS)
        if self.folder is not None and not failed and not self._keep_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _controller_processes(self) -> list:
        """The controller (a child of this process) and its own children, the schedulers."""
        pid = getattr(getattr(self._cluster, "controller", None), "pid", -1)
        if pid is None or pid <= 0:
            return []
        import psutil   # an ipyparallel dependency

        try:
            process = psutil.Process(pid)
            return [process, *process.children(recursive=True)]
        except psutil.Error:
            return []

    @staticmethod
    def _reap(processes) -> None:
        """Wait for the controller's processes to exit; kill (by PID) those that outlive the bound.
        ipyparallel stops the controller and waits for it, but not for its schedulers."""
        import psutil

        _, alive = psutil.wait_procs(processes, timeout=STOP_WAIT_SECONDS)
        for process in alive:
            try:
                process.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(alive, timeout=STOP_WAIT_SECONDS)

    def __enter__(self) -> Engines:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop(failed=exc[0] is not None and not issubclass(exc[0], KeyboardInterrupt))

    # -- what runs where -------------------------------------------------------
    def placement(self) -> list[dict]:
        """One dict per engine (engine id order): ``engine``, ``rank``, ``size``, ``host``, ``pid``."""
        answers = self.view.apply_sync(_engine_placement)
        return [dict(answer, engine=engine) for engine, answer in zip(self.view.targets or self.client.ids, answers)]


def engines(n: int = 4, nodes: int | None = None, **options) -> Engines:
    """``with engines(n, nodes, partition=, account=, time_limit=, engine_timeout=, controller_ip=,
    folder=) as cluster:`` -- see :class:`Engines` and the module's text."""
    return Engines(n, nodes, **options)


# What an engine answers to placement() (a module function: pickled by name, imported there).
def _engine_placement() -> dict:
    from mpi4py import MPI

    return dict(rank=MPI.COMM_WORLD.Get_rank(), size=MPI.COMM_WORLD.Get_size(), host=socket.gethostname(),
                pid=os.getpid())
