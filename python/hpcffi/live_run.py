"""A heat run on MPI engines, advanced in parts and watched live (:func:`live_run`).

:func:`live_run` advances :func:`hpcffi.run.run` on all engines of an
:class:`~hpcffi.engine_job.Engines` job in parts (``until=``) and after each
part hands rank 0's reduced image of the field (:class:`PartReport`) to a
callback. A KeyboardInterrupt in the client (a kernel interrupt) asks the
engines to stop with SIGUSR1 (``scancel --signal=USR1``): :func:`hpcffi.run.run`
writes its checkpoint at the end of the chunk it is in and returns, and
:func:`live_run` returns with status ``"interrupted"``. Calling it again, on
the same or another number of engines, resumes from that checkpoint; the result
is bitwise equal to an uninterrupted run (the kernels give the same bits for
any decomposition).

Every call to the engines is an MPI collective there (a part, the broadcast of
the start step), and ipyparallel sends a call to N engines as N messages. An
interrupt is therefore held while a call is being sent (:class:`_HeldInterrupt`)
and acted on once it went to all engines: an interrupt between two messages
would leave some ranks inside a collective that the others never join, and the
client waiting for them forever.

Users import it from :mod:`hpcffi.interactive`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from .engine_job import Engines, EnginesError

__all__ = ["live_run", "LiveResult", "PartReport"]

DISARM_SECONDS = 30.0   # bound on the engines' answer to the end-of-run call (a stuck engine must not hang it)


@dataclass
class PartReport:
    """What :func:`live_run` hands to ``on_part`` after each part: rank 0's view of the run.

    ``image``: every ``stride``-th row and column of the field (as the run's PNGs draw it).
    """

    part: int
    parts: int
    step: int
    nsteps: int
    status: str
    image: np.ndarray
    stride: int
    ranks: int
    seconds: float


@dataclass
class LiveResult:
    """``status``: ``finished`` or ``interrupted`` (a checkpoint at ``step`` holds the state)."""

    status: str
    step: int
    nsteps: int
    parts_done: int
    ranks: int
    mean: float | None = None
    resumed_from: int | None = None
    checkpoint: str | None = None


def live_run(cluster: Engines, config, *, parts: int = 10, on_part: Callable[[PartReport], None] | None = None,
             stop_after_parts: int | None = None) -> LiveResult:
    """Run (or resume) ``config`` on all of the cluster's engines in ``parts`` parts of equal steps.

    Each part is ``hpcffi.run.run(config, comm=MPI.COMM_WORLD, until=boundary)`` on every engine; the
    run's checkpoint (``config.checkpoint``, required) carries the state from part to part. After a
    part, ``on_part`` gets a :class:`PartReport`. ``stop_after_parts=K`` stops like an interrupt
    after K parts (for tests and demonstrations). A KeyboardInterrupt (in the wait or in ``on_part``)
    ends the run with a checkpoint: status ``interrupted``.
    """
    from .run import ConfigError

    if config.checkpoint is None:
        raise ConfigError("live_run needs config.checkpoint: the checkpoint carries the run from part to part "
                          "and is what an interrupted run resumes from")
    if not isinstance(parts, int) or isinstance(parts, bool) or parts < 1:
        raise ValueError(f"parts must be an integer >= 1, got {parts!r}")
    config = replace(config, checkpoint=os.path.abspath(config.checkpoint),
                     output_dir=os.path.abspath(config.output_dir),
                     input=None if config.input is None else os.path.abspath(config.input))
    view = cluster.view
    start = _start(view, config.checkpoint)
    boundaries = [b for b in (round(config.steps * i / parts) for i in range(1, parts + 1)) if b > start["step"]]
    if not boundaries or boundaries[-1] != config.steps:
        boundaries.append(config.steps)
    ranks = start["size"]
    step, done, resumed_from = start["step"], 0, (start["step"] or None)
    try:
        for boundary in boundaries:
            if stop_after_parts is not None and done >= stop_after_parts:
                return LiveResult("interrupted", step, config.steps, done, ranks, resumed_from=resumed_from,
                                  checkpoint=config.checkpoint)
            answer = _run_part(cluster, config, boundary)
            step, done = answer["step"], done + 1
            if on_part is not None:
                on_part(PartReport(done, len(boundaries), step, config.steps, answer["status"], answer["image"],
                                   answer["stride"], ranks, answer["seconds"]))
            if answer["status"] == "checkpointed":      # the engines were asked to stop
                raise KeyboardInterrupt
            if answer["status"] == "finished":
                return LiveResult("finished", step, config.steps, done, ranks, mean=answer["mean"],
                                  resumed_from=resumed_from, checkpoint=config.checkpoint)
    except KeyboardInterrupt:
        return LiveResult("interrupted", step, config.steps, done, ranks, resumed_from=resumed_from,
                          checkpoint=config.checkpoint)
    finally:
        _disarm(view)
    raise AssertionError("unreachable: the last part ends the run")


class _HeldInterrupt:
    """Holds SIGINT (Jupyter's Interrupt, Ctrl-C) for the length of a ``with`` block: ``received``
    says whether one came. Only the main thread can hold it (Python runs signal handlers there)."""

    def __enter__(self) -> _HeldInterrupt:
        self.received = False
        self._installed = threading.current_thread() is threading.main_thread()
        if self._installed:
            self._previous = signal.signal(signal.SIGINT, self._hold)
        return self

    def _hold(self, signum, frame):
        self.received = True

    def __exit__(self, *exc) -> None:
        if self._installed:
            # None: the handler was not set from Python; Python's own then, so that Ctrl-C still
            # raises KeyboardInterrupt rather than ending the process.
            signal.signal(signal.SIGINT, signal.default_int_handler if self._previous is None else self._previous)


def _send(view, function, *args):
    """``view.apply_async(function, *args)`` sent to all engines or, if it raised, to none; and
    whether an interrupt came while it was sent."""
    with _HeldInterrupt() as held:
        pending = view.apply_async(function, *args)
    return pending, held.received


def _start(view, checkpoint) -> dict:
    pending, interrupted = _send(view, _engine_start, checkpoint)
    answer = _rank0(pending.get())          # a broadcast: short
    if interrupted:
        raise KeyboardInterrupt
    return answer


def _run_part(cluster: Engines, config, boundary) -> dict:
    """Rank 0's answer of one part; on KeyboardInterrupt, ask the engines to stop and take their checkpoint."""
    pending, interrupted = _send(cluster.view, _engine_part, config, boundary)
    try:
        while not interrupted and not pending.ready():
            pending.wait(0.2)
    except KeyboardInterrupt:
        interrupted = True
    if not interrupted:
        return _part_answer(pending)
    # SIGUSR1 to the engines (not the batch shell): run() sees it after its current chunk,
    # writes the checkpoint and returns status "checkpointed".
    subprocess.run(["scancel", "--signal=USR1", str(cluster.job_id)], capture_output=True)
    answer = _part_answer(pending)
    answer["status"] = "checkpointed" if answer["status"] != "finished" else "finished"
    return answer


def _disarm(view) -> None:
    """Restore the engines' SIGUSR1 handler; bounded, as the engines may be stuck or gone."""
    try:
        pending, _ = _send(view, _engine_disarm)
        pending.get(timeout=DISARM_SECONDS)
    except Exception:
        pass


def _part_answer(pending) -> dict:
    import ipyparallel as ipp

    try:
        return _rank0(pending.get())
    except ipp.error.CompositeError as error:
        raise EnginesError(f"the run failed on the engines: {error}") from error


def _rank0(answers) -> dict:
    return next(answer for answer in answers if answer["rank"] == 0)


# ---------------------------------------------------------------------------
# what the engines execute (module functions: pickled by name, imported there)
# ---------------------------------------------------------------------------
class _EngineStop:
    """The stop request of a live run on an engine: SIGUSR1 is recorded, run() acts after its chunk.
    Armed for the whole live run, so a signal between two parts is recorded too, never fatal."""

    signum = 0
    previous = None


def _handler(signum, frame):
    _EngineStop.signum = signum


def _engine_start(checkpoint) -> dict:
    """Arm the stop request; the step the checkpoint holds (0 without one)."""
    from mpi4py import MPI

    _EngineStop.signum = 0
    if _EngineStop.previous is None:
        _EngineStop.previous = signal.signal(signal.SIGUSR1, _handler)
    from .hdf5io import available

    comm = MPI.COMM_WORLD
    # Debian's h5py picks its MPI build at the first import: make that import the parallel one
    # (run() needs it) before rank 0 reads the checkpoint's step.
    available(comm.Get_size() > 1)
    step = 0
    if comm.Get_rank() == 0 and os.path.exists(checkpoint):
        from .checkpoint import read_info

        step = read_info(checkpoint).step
    return dict(rank=comm.Get_rank(), size=comm.Get_size(), step=comm.bcast(step))


def _engine_disarm() -> dict:
    from mpi4py import MPI

    if _EngineStop.previous is not None:
        signal.signal(signal.SIGUSR1, _EngineStop.previous)
        _EngineStop.previous = None
    return dict(rank=MPI.COMM_WORLD.Get_rank())


def _engine_part(config, until) -> dict:
    """One part of the run on this engine; rank 0 adds the reduced image read from the checkpoint."""
    from mpi4py import MPI

    from .run import run

    comm = MPI.COMM_WORLD
    started = time.perf_counter()
    result = run(config, comm=comm, stop=_EngineStop, until=until, log=None)
    answer = dict(rank=comm.Get_rank(), status=result.status, step=result.step, mean=result.mean,
                  seconds=time.perf_counter() - started)
    if comm.Get_rank() == 0:
        answer["image"], answer["stride"] = _reduced_checkpoint(config.checkpoint, config.image_max_pixels)
    return answer


def _reduced_checkpoint(path, max_pixels):
    """Every k-th row and column of the checkpoint's field (only those are read), k as in the run's images."""
    from .hdf5io import require
    from .images import stride_for

    h5py = require(False)
    with h5py.File(path, "r") as handle:
        dataset = handle["field"]
        k = stride_for(dataset.shape, max_pixels)
        return np.asarray(dataset[::k, ::k], dtype=np.float64), k
