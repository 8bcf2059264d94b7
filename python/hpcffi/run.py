"""A heat run from start to finish: the library API that the command line, jobs and notebooks share.

::

    from hpcffi.run import HeatConfig, run

    result = run(HeatConfig(nx=2000, ny=2000, steps=1000, output_dir="out", checkpoint="out/heat.h5"))
    print(result.mean, result.step)

Under ``mpiexec``/``srun``, pass a communicator and every rank runs the same
call; the field is distributed and no rank holds more than its block::

    from mpi4py import MPI
    result = run(config, comm=MPI.COMM_WORLD)

:func:`run` makes the initial field (the built-in bottle, or an input file read
block by block), resumes from ``config.checkpoint`` if that file exists
(validated: same parameters and initial field), removes the temporary files
that a killed earlier run left next to its outputs and checkpoint (only those
whose writer is provably gone: :mod:`hpcffi._files`), advances in chunks, writes
images (``heat_<step>.png``, drawn from a reduced field), HDF5 snapshots and
checkpoints on schedule, and at the end the final field ``final.h5`` (with
``heat.xmf`` for ParaView/VisIt), the final checkpoint and image. It prints a
header and progress lines (``config.progress``) and, last, the two lines tools
check::

    mean temperature: <mean, %.12f>
    figure of merit: <million point-updates per second, %.1f> Mpts/s

Signals: pass a :class:`StopRequest` (the command line installs one for
SIGUSR1/SIGTERM); after each chunk the ranks agree whether one arrived, and
then all write the checkpoint and return ``status == "checkpointed"``.
``until=K`` stops after step K the same way (status ``"paused"``), which lets
a script advance a run in parts, possibly on another rank count each time.

Errors are raised on every rank alike: :class:`ConfigError` (a ValueError) for
a configuration that cannot run, :class:`hpcffi.fieldio.FieldFormatError`,
:class:`hpcffi.checkpoint.CheckpointError`,
:class:`hpcffi.hdf5io.HDF5UnavailableError`, ``OSError`` for files that cannot
be written, :class:`hpcffi.Error` from the library.
"""

from __future__ import annotations

import math
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import checkpoint as ckpt
from . import fieldio, fingerprint, hdf5io, images
from ._collective import Group
from ._files import remove_stale_temporaries
from .fields import BACKENDS, LIBRARY_BACKENDS, LocalField, MPIField, Physics, max_stable_dt

__all__ = ["HeatConfig", "RunResult", "ConfigError", "StopRequest", "run", "signal_name", "FINAL_NAME", "XDMF_NAME",
           "snapshot_name", "DEFAULT_SIZE", "PYTHON_BACKEND_MAX"]

DEFAULT_SIZE = 200              # rows and columns of the built-in field when none is given
PYTHON_BACKEND_MAX = 300        # the pure-Python backend refuses larger grids
CHUNK_SECONDS = 0.5             # target duration of one evolution chunk
PROGRESS_FIRST = 0.5            # first progress line after this many seconds
PROGRESS_EVERY = 2.0            # then at most one line per this many seconds
FINAL_NAME = "final.h5"
FINAL_NPY_NAME = "final.npy"    # the final field when HDF5 is unavailable (one-process runs only)
XDMF_NAME = "heat.xmf"


def snapshot_name(step: int) -> str:
    """File name of the HDF5 snapshot after ``step`` steps."""
    return f"field_{step:06d}.h5"


class ConfigError(ValueError):
    """A configuration that cannot run (the message says what to change)."""


@dataclass(frozen=True)
class HeatConfig:
    """Everything that defines a heat run. Paths may be str or Path.

    ``nx``/``ny`` default to the input file's shape, or 200 without input (then
    they must match the input if given). ``dt`` defaults to the stability
    limit ``dx^2*dy^2/(2*a*(dx^2+dy^2))``. ``png_every=0``: initial and final
    image only; ``snapshot_every=K``: an HDF5 field every K steps (listed in
    heat.xmf); ``checkpoint_every=K``: a checkpoint every K steps besides the
    one at the end and on a stop request. ``threads``: kernel threads per
    process (None: OpenMP's default). ``image_max_pixels``: longest side of
    the reduced field drawn into images.
    """

    nx: int | None = None
    ny: int | None = None
    input: str | os.PathLike | None = None
    steps: int = 500
    a: float = 0.5
    dx: float = 0.01
    dy: float = 0.01
    dt: float | None = None
    output_dir: str | os.PathLike = "hpcffi-run"
    png_every: int = 100
    snapshot_every: int = 0
    checkpoint: str | os.PathLike | None = None
    checkpoint_every: int = 0
    backend: str = "api"
    threads: int | None = None
    write_final: bool = True
    image_max_pixels: int = images.DEFAULT_MAX_PIXELS
    progress: bool = True

    def time_step(self) -> float:
        return self.dt if self.dt is not None else max_stable_dt(self.a, self.dx, self.dy)


@dataclass
class RunResult:
    """What a run did. ``status``: ``finished``, ``checkpointed`` (stop request, checkpoint written),
    ``stopped`` (stop request, no checkpoint configured), ``paused`` (``until`` reached)."""

    status: str
    step: int
    nsteps: int
    mean: float | None = None
    mpts_per_second: float = 0.0
    signal: int = 0
    resumed_from: int | None = None
    outputs: list = field(default_factory=list)


class StopRequest:
    """SIGUSR1/SIGTERM as requests: the handler only records the signal; the run acts at its next chunk end."""

    SIGNALS = (signal.SIGUSR1, signal.SIGTERM)

    def __init__(self):
        self.signum = 0
        self._previous = {}

    def _handler(self, signum, frame):
        self.signum = signum

    def install(self):
        for signum in self.SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handler)
        return self

    def restore(self):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def finish(self):
        """After the last step: SIGTERM gets its old handler back, SIGUSR1 is
        ignored. A checkpoint request that races the end of the run (Slurm's
        --signal, scancel --signal) has nothing left to save, and USR1's default
        action would turn the finished run into one killed by a signal."""
        self.restore()
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


# ---------------------------------------------------------------------------
# configuration checks (the same on every rank: no communication needed)
# ---------------------------------------------------------------------------
def _check_config(config: HeatConfig, parallel: bool) -> None:
    def positive_int(name, value, minimum):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
            raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")

    positive_int("steps", config.steps, 0)
    for name in ("png_every", "snapshot_every", "checkpoint_every"):
        positive_int(name, getattr(config, name), 0)
    positive_int("image_max_pixels", config.image_max_pixels, 1)
    if config.threads is not None:
        positive_int("threads", config.threads, 1)
    for name in ("a", "dx", "dy"):
        value = getattr(config, name)
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ConfigError(f"{name} must be a finite number > 0, got {value!r}")
    if config.dt is not None:
        if not (isinstance(config.dt, (int, float)) and math.isfinite(config.dt) and config.dt > 0):
            raise ConfigError(f"dt must be a finite number > 0, got {config.dt!r}")
        limit = max_stable_dt(config.a, config.dx, config.dy)
        if config.dt > limit * (1.0 + 8.0 * np.finfo(np.float64).eps):
            raise ConfigError(
                f"dt {config.dt!r} is unstable: the explicit scheme needs dt <= dx^2*dy^2/(2*a*(dx^2+dy^2)) "
                f"= {limit!r} for a={config.a}, dx={config.dx}, dy={config.dy}; lower dt or omit it "
                "(the default is that limit)")
    if config.backend not in BACKENDS:
        raise ConfigError(f"backend {config.backend!r} is not one of {', '.join(BACKENDS)}")
    if parallel and config.backend not in LIBRARY_BACKENDS:
        raise ConfigError(f"an MPI run uses the library's distributed kernel: backend "
                          f"{', '.join(LIBRARY_BACKENDS)}, not {config.backend}")
    if config.checkpoint_every and config.checkpoint is None:
        raise ConfigError("checkpoint_every needs a checkpoint path (where to write the checkpoints)")
    if config.input is None:
        nx = DEFAULT_SIZE if config.nx is None else config.nx
        ny = DEFAULT_SIZE if config.ny is None else config.ny
        if not (isinstance(nx, (int, np.integer)) and isinstance(ny, (int, np.integer)) and nx >= 3 and ny >= 3):
            raise ConfigError(f"nx and ny must be integers >= 3 (one interior point), got {nx!r} x {ny!r}")


def _shape(config: HeatConfig, group: Group):
    """The field's shape and a description of its source; reads only the input's header (on rank 0)."""
    if config.input is None:
        nx = DEFAULT_SIZE if config.nx is None else int(config.nx)
        ny = DEFAULT_SIZE if config.ny is None else int(config.ny)
        return (nx, ny), f"built-in bottle {nx} x {ny}"
    source = os.fspath(config.input)
    shape = group.bcast(group.on_root(fieldio.probe_shape, config.input))
    for name, given, actual in (("nx", config.nx, shape[0]), ("ny", config.ny, shape[1])):
        if given is not None and given != actual:
            raise ConfigError(f"{name} {given} does not match {source} ({shape[0]} x {shape[1]}); "
                              f"omit {name} or fix it")
    return shape, source


#: float64 copies of the field (or of its block) a process holds: the field and the kernel's scratch
#: (the NumPy and Python references make temporaries too).
_COPIES = {"numpy": 4, "python": 3}


def _check_memory(config: HeatConfig, shape, group: Group) -> None:
    """Refuse a field this host cannot hold, before anything is allocated (the same message on every path).

    Each process holds its block and the kernel's scratch; a text input is
    also read whole by rank 0. The ranks of one host share its memory.
    """
    import socket  # noqa: PLC0415

    nx, ny = shape
    hosts = group.allgather(socket.gethostname())
    here = hosts.count(hosts[group.rank])
    copies = _COPIES.get(config.backend, 2)
    needed = 8 * nx * ny * copies * here // group.size
    if config.input is not None and not fieldio.reads_per_block(config.input) and group.is_root:
        needed += 8 * nx * ny
    try:
        fieldio.check_fits_in_memory(config.input, shape, needed=needed)
    except fieldio.FieldFormatError:
        raise
    except ValueError as error:
        raise ConfigError(str(error)) from None


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------
class _Progress:
    def __init__(self, log, cells, total):
        self.log, self.cells, self.total = log, cells, total
        self.started = time.perf_counter()
        self.last = None

    def update(self, step, steps_done, seconds):
        if self.log is None:
            return
        now = time.perf_counter()
        due = (now - self.started >= PROGRESS_FIRST) if self.last is None else (now - self.last >= PROGRESS_EVERY)
        if not due:
            return
        self.last = now
        rate = self.cells * steps_done / seconds / 1e6 if seconds > 0 else 0.0
        percent = 100.0 * step / self.total if self.total else 100.0
        self.log(f"step {step}/{self.total} ({percent:.1f}%), {rate:.1f} Mpts/s")


def _print(line: str) -> None:
    print(line, flush=True)


def _set_initial_field(holder, config: HeatConfig, group: Group) -> np.ndarray:
    """Make or read this rank's block of the initial field, give it to the holder, and return it."""
    block = holder.block
    nx, ny = holder.shape
    if config.input is None:
        initial = fieldio.bottle_block(nx, ny, block.row0, block.col0, block.nx, block.ny)
    elif fieldio.reads_per_block(config.input):
        initial = group.agree(fieldio.read_block, config.input, block, group)
    elif group.parallel:
        holder.scatter_from_root(group.on_root(fieldio.read_text, config.input))
        return holder.get_block()
    else:
        initial = fieldio.read_text(config.input)
    holder.set_block(initial)
    return initial


def _make_holder(config: HeatConfig, shape, physics: Physics, comm):
    if comm is None:
        if config.backend == "python" and max(shape) > PYTHON_BACKEND_MAX:
            raise ConfigError(f"backend python is for small grids (at most {PYTHON_BACKEND_MAX} x "
                              f"{PYTHON_BACKEND_MAX}), this one is {shape[0]} x {shape[1]}; use numpy or api")
        return LocalField(shape, physics, config.backend)
    from .core import has_mpi
    from .errors import UnsupportedError
    from .mpi import check_same_mpi

    if not has_mpi():
        raise UnsupportedError("this libhpcffi was built without MPI (hpcffi_has_mpi() == 0), so an MPI run cannot "
                               "start: rebuild with -DHPCFFI_WITH_MPI=ON, or run in one process")
    Group(comm).agree(check_same_mpi)
    return MPIField(shape, physics, comm, config.backend)


def _field_attrs(params: ckpt.RunParams, step: int) -> dict:
    from ._build_config import VERSION

    return dict(format="hpcffi-field", step=int(step), nsteps=params.nsteps, nx=params.nx, ny=params.ny,
                a=params.a, dt=params.dt, dx=params.dx, dy=params.dy,
                initial_fingerprint=params.initial_fingerprint, hpcffi_version=VERSION)


def run(config: HeatConfig, comm=None, *, stop=None, until: int | None = None,
        log: Callable[[str], None] | None = _print) -> RunResult:
    """Run (or resume) a heat run; collective over ``comm`` (None: this process alone).

    ``log`` receives the report lines on rank 0 (None: silent). ``stop``: an
    object with an int attribute ``signum`` (a :class:`StopRequest`), checked
    after every chunk. ``until``: stop after this step (status ``paused``).
    """
    group = Group(comm)
    _check_config(config, group.parallel)
    say = log if (log is not None and group.is_root) else None
    if config.threads is not None and config.backend in LIBRARY_BACKENDS:
        from .core import set_num_threads

        set_num_threads(config.threads)
    dt = config.time_step()
    physics = Physics(config.a, dt, config.dx, config.dy)
    shape, source = _shape(config, group)
    group.agree(_check_memory, config, shape, group)
    # Every rank must take the same decision (a rank writing HDF5 collectively
    # while another does not would hang), so it is taken from all ranks' answers.
    hdf5_everywhere = all(group.allgather(hdf5io.available(group.parallel)))
    needs_hdf5 = (config.checkpoint is not None or config.snapshot_every > 0
                  or (config.write_final and group.parallel))
    if needs_hdf5 and not hdf5_everywhere:
        group.agree(hdf5io.require, group.parallel)  # the reason, raised on every rank alike
    final_format = "h5" if hdf5_everywhere else "npy"
    holder = _make_holder(config, shape, physics, comm)
    try:
        return _run(config, group, holder, shape, source, physics, final_format, stop, until, say)
    finally:
        holder.close()


def _run(config, group, holder, shape, source, physics, final_format, stop, until, say):
    nx, ny = shape
    output_dir = Path(config.output_dir)
    checkpoint_path = None if config.checkpoint is None else Path(config.checkpoint)

    initial = _set_initial_field(holder, config, group)
    block = holder.block
    digest = fingerprint.combine(group.allgather(fingerprint.block_sum(initial, block.row0, block.col0, ny)))
    vmin = group.allreduce_min(float(initial.min()))
    vmax = group.allreduce_max(float(initial.max()))
    del initial
    params = ckpt.RunParams(nsteps=config.steps, nx=nx, ny=ny, a=physics.a, dt=physics.dt, dx=physics.dx,
                            dy=physics.dy, initial_fingerprint=fingerprint.to_text(digest))

    step, resumed_from = 0, None
    if checkpoint_path is not None:
        def inspect():
            if checkpoint_path.is_dir():
                raise ConfigError(f"checkpoint {checkpoint_path} is a directory; give a file path")
            return checkpoint_path.exists()

        if group.bcast(group.on_root(inspect)):
            try:
                step = resumed_from = ckpt.load_into(checkpoint_path, holder, params)
            except ckpt.CheckpointError as error:
                raise type(error)(error.path, f"{error.reason}; refusing to resume (delete or move it to start "
                                              "afresh)") from None

    def make_folders():
        output_dir.mkdir(parents=True, exist_ok=True)
        if checkpoint_path is not None:
            checkpoint_path.parent.mkdir(parents=True, exist_ok=True)

    group.on_root(make_folders)
    removed = group.on_root(_remove_stale_temporaries, output_dir, checkpoint_path)
    if say and removed:
        for path in removed:
            say(f"removed {path}: a temporary file of an earlier run that was killed while writing")

    threads = _threads_text(config.backend)
    if group.parallel:
        threads = f"{group.size} ranks x {int(group.allreduce_max(_thread_count()))} threads"
    if say and config.progress:
        say(f"heat: {nx} x {ny} field ({source}), {config.steps} steps, a = {physics.a!r}, dx = {physics.dx!r}, "
            f"dy = {physics.dy!r}, dt = {physics.dt!r}, backend {config.backend}, {threads}"
            f"{_kernels_text(config.backend)}")
    if group.parallel:
        _report_placement(holder, group, threads, say if config.progress else None)
    if say and resumed_from is not None:
        say(f"resumed from checkpoint at step {step}")

    stride = images.stride_for(shape, config.image_max_pixels)

    def image(at_step):
        reduced = images.reduced_field(holder, config.image_max_pixels)
        group.on_root(lambda: images.save_png(output_dir / images.frame_name(at_step), reduced, at_step, vmin=vmin,
                                              vmax=vmax, title=f"heat equation, step {at_step}", stride=stride))

    image(step)
    progress = _Progress(say if config.progress else None, nx * ny, config.steps)
    target_end = config.steps if until is None else max(step, min(int(until), config.steps))
    steps_done, evolve_seconds, chunk = 0, 0.0, 1
    while step < target_end:
        target = min(step + chunk, target_end)
        for every in (config.png_every, config.snapshot_every, config.checkpoint_every):
            if every:
                target = min(target, (step // every + 1) * every)
        count = target - step
        started = time.perf_counter()
        holder.evolve(count)
        seconds = time.perf_counter() - started
        signum = int(group.allreduce_max(float(getattr(stop, "signum", 0) or 0)))
        seconds = group.allreduce_max(seconds)
        step = target
        steps_done += count
        evolve_seconds += seconds
        # Aim at CHUNK_SECONDS per chunk; grow at most 4x per chunk.
        chunk = max(1, min(4 * count, int(count * CHUNK_SECONDS / seconds))) if seconds > 0 else 4 * count
        if step < config.steps:
            if config.png_every and step % config.png_every == 0:
                image(step)
            if config.snapshot_every and step % config.snapshot_every == 0:
                hdf5io.write_field(output_dir / snapshot_name(step), holder, _field_attrs(params, step))
            if signum:  # (a signal during the last chunk: just finish)
                if checkpoint_path is None:  # the caller says so (status "stopped")
                    return RunResult("stopped", step, config.steps, signal=signum, resumed_from=resumed_from)
                ckpt.save(checkpoint_path, holder, step, params)
                if say:
                    say(f"checkpoint written at step {step}")
                    say(f"stopped by {signal_name(signum)}: run the same command again to resume")
                return RunResult("checkpointed", step, config.steps, signal=signum, resumed_from=resumed_from,
                                 outputs=[checkpoint_path])
            if config.checkpoint_every and step % config.checkpoint_every == 0:
                ckpt.save(checkpoint_path, holder, step, params)
                if say and config.progress:
                    say(f"checkpoint written at step {step}")
        progress.update(step, steps_done, evolve_seconds)

    if step < config.steps:  # until= reached
        outputs = []
        if checkpoint_path is not None:
            ckpt.save(checkpoint_path, holder, step, params)
            outputs.append(checkpoint_path)
            if say and config.progress:
                say(f"checkpoint written at step {step}")
        return RunResult("paused", step, config.steps, resumed_from=resumed_from, outputs=outputs)

    summary = holder.summary()
    outputs = []
    if checkpoint_path is not None:
        ckpt.save(checkpoint_path, holder, step, params)
        outputs.append(checkpoint_path)
    if step > 0 and step != resumed_from:  # the image of this step was written above otherwise
        image(step)
    if config.write_final:
        outputs.append(_write_final(holder, group, output_dir, params, step, final_format))
    mean = holder.mean()
    rate = nx * ny * steps_done / evolve_seconds / 1e6 if evolve_seconds > 0 else 0.0
    if say:
        if config.progress:
            written = f"wrote {outputs[-1]} and images {output_dir / 'heat_*.png'}" if config.write_final else \
                f"wrote images {output_dir / 'heat_*.png'}"
            say(written)
            if summary:
                say(summary)
        say(f"mean temperature: {mean:.12f}")
        say(f"figure of merit: {rate:.1f} Mpts/s")
    return RunResult("finished", step, config.steps, mean=mean, mpts_per_second=rate, resumed_from=resumed_from,
                     outputs=outputs)


_OUTPUT_NAME = re.compile(r"^(final\.h5|final\.npy|heat\.xmf|heat_\d{6,}\.png|field_\d{6,}\.h5)$")


def _remove_stale_temporaries(output_dir: Path, checkpoint_path: Path | None) -> list:
    """Temporaries of this run's files left by a killed writer (see hpcffi._files): removed, never a live one's."""
    removed = remove_stale_temporaries(output_dir, _OUTPUT_NAME.match)
    if checkpoint_path is not None:
        removed += remove_stale_temporaries(checkpoint_path.parent, lambda name: name == checkpoint_path.name)
    return removed


def _write_final(holder, group, output_dir, params, step, final_format):
    if final_format == "npy":  # one process without HDF5: the whole field is here anyway
        path = output_dir / FINAL_NPY_NAME
        fieldio.write_npy(path, holder.get_block())
        return path
    path = output_dir / FINAL_NAME
    hdf5io.write_field(path, holder, _field_attrs(params, step))

    def series():
        snapshots = sorted(output_dir.glob("field_[0-9]*.h5"))
        entries = [(int(p.stem.split("_")[1]) * params.dt, p.name) for p in snapshots
                   if p.stem.split("_")[1].isdigit() and int(p.stem.split("_")[1]) < step]
        entries.append((step * params.dt, FINAL_NAME))
        hdf5io.write_xdmf(output_dir / XDMF_NAME, entries, (params.nx, params.ny))

    group.on_root(series)
    return path


def _thread_count() -> int:
    from .core import get_num_threads

    return get_num_threads()


def _threads_text(backend: str) -> str:
    if backend in LIBRARY_BACKENDS:
        return f"{_thread_count()} threads"
    return "1 thread (Python)"


def _kernels_text(backend: str) -> str:
    """Which ISA variant of the kernels runs (hpcffi.isa), for the header line."""
    if backend not in LIBRARY_BACKENDS:
        return ""
    from .core import isa

    return f", kernels: {isa()}"


def _report_placement(holder, group, threads, say) -> None:
    from .mpi import placement_report, placement_warnings, rank_placement

    placements = group.gather(rank_placement())
    if not group.is_root:
        return
    if say:
        say(f"mpi: {threads}, {holder.description}")
        say(placement_report(placements))
    for warning in placement_warnings(placements):
        print(f"hpcffi heat: warning: {warning}", file=sys.stderr, flush=True)
