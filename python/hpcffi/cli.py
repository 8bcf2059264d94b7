"""The command-line interface: ``python -m hpcffi {demo,fib,heat} ...``.

Exit codes (every command):

====  ===========================================================================
0     success
1     a run-time problem: unreadable or malformed input, refused checkpoint,
      a library error (for example MPI requested from a library built without it)
2     bad command-line options (argparse style; the message says what to change)
99    ``heat`` stopped on SIGUSR1/SIGTERM after writing its checkpoint: run the
      same command again to resume (a Slurm job requeues itself on this code)
====  ===========================================================================

``heat`` prints, last, exactly two lines that tools can check::

    mean temperature: <mean, %.12f>
    figure of merit: <million point-updates per second, %.1f> Mpts/s
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import checkpoint as ckpt
from . import fieldio

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_FAILURE", "EXIT_USAGE", "EXIT_CHECKPOINTED"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CHECKPOINTED = 99

BACKENDS = ("api", "abi", "abi-inline", "numpy", "python")
LIBRARY_BACKENDS = ("api", "abi", "abi-inline")
PYTHON_BACKEND_MAX = 300          # the pure-Python backend refuses larger grids
FIB_MAX_VALUES = 100_000          # values `fib N` prints at most
CHUNK_SECONDS = 0.5               # target duration of one evolution chunk
PROGRESS_FIRST = 0.5              # first progress line after this many seconds
PROGRESS_EVERY = 2.0              # then at most one line per this many seconds
DEFAULT_OUTPUT_DIR = "hpcffi-run"


class CommandError(Exception):
    """A run-time failure reported as ``hpcffi <command>: error: ...`` with exit code 1."""


# ---------------------------------------------------------------------------
# argument types: argparse turns ArgumentTypeError into "argument --x: ..." + exit 2
# ---------------------------------------------------------------------------
def _integer(minimum, what=""):
    def parse(text):
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}{what}, got {value}")
        return value
    parse.__name__ = "integer"
    return parse


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


_positive_float.__name__ = "number"


def _out(*parts, **kwargs):
    print(*parts, **kwargs, flush=True)


def _err(command, message):
    print(f"hpcffi {command}: error: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# demo
# ---------------------------------------------------------------------------
def _cmd_demo(args, parser):
    import ctypes.util

    import cffi

    from . import _ffi
    from .errors import check

    # 1. The lesson's first example: a C library function through ABI in-line mode.
    name = ctypes.util.find_library("m")
    ffi = cffi.FFI()
    ffi.cdef("float sqrtf(float x);")
    libm = ffi.dlopen(name)  # None (no separate libm) opens the C library namespace
    value = libm.sqrtf(4.0)
    _out(f"sqrtf(4.0) = {value}  (C math library {name or '(in libc)'} through cffi ABI in-line: "
         "ffi.cdef + ffi.dlopen, no compiler)")

    # 2. The lesson's add, once per cffi mode, on the same library.
    n = args.n
    a0 = np.array([1.0, 2.0, 3.0, 4.0])
    b0 = np.array([10.0, 20.0, 30.0, 40.0])
    big_a = np.arange(n, dtype=np.float64)
    big_b = np.full(n, 0.5)
    expected = big_a + big_b
    _out(f"add demo (a += b in C, hpcffi_add): {a0} + {b0}; timing on {n} values, best of {args.repeat}")
    failures = 0
    for mode in _ffi.MODES:
        ffi_m, lib = _ffi.load(mode)
        a = a0.copy()
        check(lib.hpcffi_add(ffi_m.from_buffer("double[]", a, require_writable=True),
                             ffi_m.from_buffer("double[]", b0), a.size))
        best = math.inf
        for _ in range(args.repeat):
            work = big_a.copy()
            pa = ffi_m.from_buffer("double[]", work, require_writable=True)
            pb = ffi_m.from_buffer("double[]", big_b)
            start = time.perf_counter()
            check(lib.hpcffi_add(pa, pb, n))
            best = min(best, time.perf_counter() - start)
        ok = np.array_equal(a, a0 + b0) and np.array_equal(work, expected)
        failures += not ok
        # Call overhead: one value per call.
        one_a, one_b = np.zeros(1), np.ones(1)
        pa, pb = ffi_m.from_buffer("double[]", one_a, require_writable=True), ffi_m.from_buffer("double[]", one_b)
        calls = 20000
        add = lib.hpcffi_add
        start = time.perf_counter()
        for _ in range(calls):
            add(pa, pb, 1)
        per_call = (time.perf_counter() - start) / calls
        _out(f"  mode {mode:<10} result {a}  {'OK' if ok else 'WRONG'}  "
             f"{n} values: {best * 1e3:.3f} ms ({n / best / 1e6:.0f} M values/s)  "
             f"call overhead: {per_call * 1e9:.0f} ns")
    return EXIT_OK if failures == 0 and value == 2.0 else EXIT_FAILURE


# ---------------------------------------------------------------------------
# fib
# ---------------------------------------------------------------------------
def _describe_digits(digits: str, full: bool, edge: int = 20) -> str:
    if full or len(digits) <= 2 * edge + 10:
        return digits
    return f"{digits[:edge]}...{digits[-edge:]}"


def _cmd_fib(args, parser):
    import hpcffi

    from .errors import ResultOverflowError, UnsupportedError

    n = args.n
    if args.mod is not None:
        start = time.perf_counter()
        value = hpcffi.fib_mod(n, args.mod)
        _out(f"F({n}) mod {args.mod} = {value}  ({(time.perf_counter() - start) * 1e3:.3f} ms, fast doubling)")
    else:
        # The lesson's exercise: two ints, a = 1, b = 0; print b, step (a, b) <- (a + b, a).
        a = hpcffi.ffi.new("int *", 1)
        b = hpcffi.ffi.new("int *", 0)
        printed = 0
        while printed < n:
            _out(b[0])
            printed += 1
            if printed == n:
                break
            try:
                hpcffi.fibo_step(a, b)
            except ResultOverflowError:
                print(f"hpcffi fib: note: the int path (the lesson's fibo on int *) stops after F({printed - 1}) = "
                      f"{b[0]}: its next step computes F({printed + 1}), more than INT_MAX = 2147483647. "
                      "Continuing with the uint64 kernel, then exact integers.", file=sys.stderr, flush=True)
                break
        if printed < n:
            last_u64 = min(n - 1, hpcffi.MAX_U64_INDEX)
            if last_u64 >= printed:
                for value in hpcffi.fib_sequence(printed, last_u64 - printed + 1):
                    _out(int(value))
                printed = last_u64 + 1
        if printed < n:
            print(f"hpcffi fib: note: F({printed}) and beyond exceed uint64 (2**64 - 1); "
                  "continuing with exact integers", file=sys.stderr, flush=True)
            if hasattr(sys, "set_int_max_str_digits"):
                sys.set_int_max_str_digits(0)
            previous, current = hpcffi.fib(printed - 2), hpcffi.fib(printed - 1)
            while printed < n:
                previous, current = current, previous + current
                _out(current)
                printed += 1
    if args.exact is not None:
        m = args.exact
        start = time.perf_counter()
        try:
            digits = hpcffi.fib_exact(m)
            how = "GMP in libhpcffi"
        except UnsupportedError:
            from .reference import fib_python

            if hasattr(sys, "set_int_max_str_digits"):
                sys.set_int_max_str_digits(0)
            digits = str(fib_python(m))
            how = "Python integers: this libhpcffi has no GMP"
        seconds = time.perf_counter() - start
        _out(f"F({m}) has {len(digits)} digits ({how}, {seconds * 1e3:.1f} ms)")
        text = _describe_digits(digits, args.full)
        if text == digits:
            _out(f"F({m}) = {digits}")
        else:
            _out(f"F({m}) = {text}  (first and last 20 digits; --full prints all)")
    return EXIT_OK


# ---------------------------------------------------------------------------
# heat: backends
# ---------------------------------------------------------------------------
class LibraryBackend:
    """libhpcffi through one cffi mode: evolve_steps in place with a reused scratch buffer."""

    def __init__(self, mode, shape, a, dt, dx, dy):
        from . import _ffi

        self.name = mode
        self.ffi, self.lib = _ffi.load(mode)
        self.shape = shape
        self.a, self.dt, self.dx2, self.dy2 = a, dt, dx * dx, dy * dy
        self.scratch = None  # allocated on first use (MPI runs only use mean on rank 0)

    def evolve(self, field, nsteps):
        from .errors import check

        ffi = self.ffi
        if self.scratch is None:
            self.scratch = np.empty(self.shape, dtype=np.float64)
        check(self.lib.hpcffi_heat_evolve_steps(
            ffi.from_buffer("double[]", field, require_writable=True),
            ffi.from_buffer("double[]", self.scratch, require_writable=True),
            self.shape[0], self.shape[1], self.a, self.dt, self.dx2, self.dy2, nsteps))

    def mean(self, field):
        from .errors import check

        result = self.ffi.new("double *")
        check(self.lib.hpcffi_heat_mean(self.ffi.from_buffer("double[]", field), field.shape[0], field.shape[1],
                                        result))
        return result[0]


class ReferenceBackend:
    """hpcffi.reference: NumPy slicing or pure Python (no C library in the loop)."""

    def __init__(self, name, shape, a, dt, dx, dy):
        from . import reference

        self.name = name
        self.a, self.dt, self.dx, self.dy = a, dt, dx, dy
        if name == "numpy":
            self._evolve, self._mean = reference.evolve_steps_numpy, reference.mean_numpy
        else:
            self._evolve, self._mean = reference.evolve_steps_python, reference.mean_python

    def evolve(self, field, nsteps):
        self._evolve(field, nsteps, self.a, self.dt, self.dx, self.dy)

    def mean(self, field):
        return self._mean(field)


def make_backend(name, shape, a, dt, dx, dy):
    if name in LIBRARY_BACKENDS:
        return LibraryBackend(name, shape, a, dt, dx, dy)
    return ReferenceBackend(name, shape, a, dt, dx, dy)


def max_stable_dt(a, dx, dy):
    """The library's expression (hpcffi_heat_max_stable_dt), evaluated identically in Python."""
    dx2, dy2 = dx * dx, dy * dy
    return dx2 * dy2 / (2.0 * a * (dx2 + dy2))


# ---------------------------------------------------------------------------
# heat: where the field lives (one process, or distributed over MPI ranks)
# ---------------------------------------------------------------------------
class SerialRunner:
    root = True
    description = ""

    def __init__(self, backend, field):
        self.backend = backend
        self.field = field

    def evolve(self, nsteps):
        self.backend.evolve(self.field, nsteps)

    def gather(self):
        return self.field

    def agree(self, flag, seconds):
        return flag, seconds

    def broadcast(self, value):
        return value

    def root_succeeded(self, ok):
        return ok

    def summary(self):
        return None


class _StopRequest:
    """Signal handler state: the handler only records the signal; the chunk loop acts on it."""

    def __init__(self):
        self.signum = 0
        self._previous = {}

    def _handler(self, signum, frame):
        self.signum = signum

    def install(self):
        for signum in (signal.SIGUSR1, signal.SIGTERM):
            self._previous[signum] = signal.signal(signum, self._handler)

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


@dataclass
class HeatSetup:
    field: np.ndarray | None      # initial field (root only in MPI runs)
    source: str
    params: ckpt.RunParams
    start_step: int
    resumed: bool
    resumed_field: np.ndarray | None


def _signal_name(signum):
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _validate_heat_options(args, parser):
    """Checks that need no file: argparse-style errors (exit 2)."""
    if args.input is None:
        nx = args.nx if args.nx is not None else 200
        ny = args.ny if args.ny is not None else 200
        if nx < 3 or ny < 3:
            parser.error(f"--nx and --ny must be >= 3 (one interior point), got {nx} x {ny}")
    if args.checkpoint_every and not args.checkpoint:
        parser.error("--checkpoint-every needs --checkpoint PATH (where to write the checkpoints)")
    if args.mpi and args.backend not in LIBRARY_BACKENDS:
        parser.error(f"--mpi runs the library's distributed kernel: use --backend "
                     f"{', '.join(LIBRARY_BACKENDS)}, not {args.backend}")
    limit = max_stable_dt(args.a, args.dx, args.dy)
    if args.dt is not None and args.dt > limit * (1.0 + 8.0 * np.finfo(np.float64).eps):
        parser.error(f"--dt {args.dt!r} is unstable: the explicit scheme needs dt <= dx^2*dy^2/(2*a*(dx^2+dy^2)) "
                     f"= {limit!r} for a={args.a}, dx={args.dx}, dy={args.dy}; lower --dt or omit it "
                     "(the default is that limit)")


def _check_shape_options(args, parser, shape, source):
    nx, ny = shape
    for option, given, actual in (("--nx", args.nx, nx), ("--ny", args.ny, ny)):
        if given is not None and given != actual:
            parser.error(f"{option} {given} does not match {source} ({nx} x {ny}); omit {option} or fix it")
    if args.backend == "python" and (nx > PYTHON_BACKEND_MAX or ny > PYTHON_BACKEND_MAX):
        parser.error(f"--backend python is for small grids (at most {PYTHON_BACKEND_MAX} x {PYTHON_BACKEND_MAX}), "
                     f"this one is {nx} x {ny}; use --backend numpy or api")


def _prepare(args, parser):
    """Root-side setup: read or make the field, validate a checkpoint. Raises CommandError."""
    if args.input is not None:
        try:
            field = fieldio.read_field(args.input)
        except fieldio.FieldFormatError as error:
            raise CommandError(str(error)) from None
        source = str(args.input)
    else:
        nx = args.nx if args.nx is not None else 200
        ny = args.ny if args.ny is not None else 200
        field = fieldio.bottle_field(nx, ny)
        source = f"built-in bottle {nx} x {ny}"
    _check_shape_options(args, parser, field.shape, source)
    dt = args.dt if args.dt is not None else max_stable_dt(args.a, args.dx, args.dy)
    params = ckpt.RunParams(nsteps=args.steps, nx=field.shape[0], ny=field.shape[1], a=args.a, dt=dt,
                            dx=args.dx, dy=args.dy, initial_sha256=ckpt.field_digest(field))
    start_step, resumed, resumed_field = 0, False, None
    if args.checkpoint is not None:
        path = Path(args.checkpoint)
        if path.is_dir():
            raise CommandError(f"--checkpoint {path} is a directory; give a file path")
        if path.exists():
            try:
                saved = ckpt.load(path)
                ckpt.validate(saved, params, path)
            except ckpt.CheckpointError as error:
                raise CommandError(f"{error}; refusing to resume (delete or move it to start afresh)") from None
            start_step, resumed, resumed_field = saved.step, True, saved.field
    # Everything checked: only now create folders (in MPI runs a failure here still reaches every rank).
    try:
        Path(args.output_dir).mkdir(parents=True, exist_ok=True)
        if args.checkpoint is not None:
            Path(args.checkpoint).parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(f"cannot create {error.filename or args.output_dir}: {error.strerror or error}") from None
    return HeatSetup(field=field, source=source, params=params, start_step=start_step, resumed=resumed,
                     resumed_field=resumed_field)


def _cmd_heat(args, parser):
    _validate_heat_options(args, parser)
    # Signals are requests from here on: one that comes while the input is
    # read is acted on at the first chunk boundary, not lost or fatal.
    stop = _StopRequest()
    stop.install()
    try:
        if args.mpi:
            from .mpi import run_heat_mpi

            return run_heat_mpi(args, parser, stop)
        return _run_heat_serial(args, parser, stop)
    finally:
        stop.finish()


def _run_heat_serial(args, parser, stop):
    try:
        setup = _prepare(args, parser)
    except CommandError as error:
        _err("heat", error)
        return EXIT_FAILURE
    if args.threads is not None:
        _set_threads(args.threads)
    p = setup.params
    backend = make_backend(args.backend, (p.nx, p.ny), p.a, p.dt, p.dx, p.dy)
    field = (setup.resumed_field if setup.resumed else setup.field).copy()
    runner = SerialRunner(backend, field)
    threads = _threads_text(args.backend)
    return run_heat(args, setup, runner, backend, threads, stop)


def _set_threads(n):
    from .core import set_num_threads

    set_num_threads(n)


def _threads_text(backend):
    if backend in LIBRARY_BACKENDS:
        from .core import get_num_threads

        return f"{get_num_threads()} threads"
    return "1 thread (Python)"


class _Progress:
    def __init__(self, enabled, cells, total):
        self.enabled, self.cells, self.total = enabled, cells, total
        self.started = time.perf_counter()
        self.last = None

    def update(self, step, steps_done, seconds, force=False):
        if not self.enabled:
            return
        now = time.perf_counter()
        due = (now - self.started >= PROGRESS_FIRST) if self.last is None else (now - self.last >= PROGRESS_EVERY)
        if not (due or force):
            return
        self.last = now
        rate = self.cells * steps_done / seconds / 1e6 if seconds > 0 else 0.0
        percent = 100.0 * step / self.total if self.total else 100.0
        _out(f"step {step}/{self.total} ({percent:.1f}%), {rate:.1f} Mpts/s")


class _RootFailed(Exception):
    """Raised on the other ranks when the root's output failed (the root raises the real error)."""


def _on_root(runner, action):
    """Run action (file output) on the root only, and let every rank know whether it worked.

    Without this, an OSError on rank 0 (disk full, unwritable folder) would leave the
    other ranks waiting forever in the next collective call.
    """
    error = None
    if runner.root:
        try:
            action()
        except OSError as caught:
            error = caught
    if not runner.root_succeeded(error is None):
        if error is not None:
            raise error
        raise _RootFailed()


def run_heat(args, setup, runner, backend, threads_text, stop):
    """The chunk loop, shared by serial and MPI runs; output only on the root.

    ``stop`` is the caller's installed :class:`_StopRequest`: the loop checks it
    after every chunk and checkpoints on a SIGUSR1/SIGTERM.
    """
    try:
        return _run_heat(args, setup, runner, backend, threads_text, stop)
    except _RootFailed:
        return EXIT_FAILURE  # rank 0 reports the error


def _run_heat(args, setup, runner, backend, threads_text, stop):
    p = setup.params
    root = runner.root
    output_dir = Path(args.output_dir)
    nsteps = p.nsteps
    step = setup.start_step
    vmin = vmax = None
    if root:
        vmin, vmax = float(setup.field.min()), float(setup.field.max())
        if not args.quiet:
            _out(f"heat: {p.nx} x {p.ny} field ({setup.source}), {nsteps} steps, a = {p.a!r}, dx = {p.dx!r}, "
                 f"dy = {p.dy!r}, dt = {p.dt!r}, backend {backend.name}, {threads_text}")
            if runner.description:
                _out(runner.description)
        if setup.resumed:
            _out(f"resumed from checkpoint at step {step}")

    def prepare_outputs():
        output_dir.mkdir(parents=True, exist_ok=True)
        if args.checkpoint is not None:
            Path(args.checkpoint).parent.mkdir(parents=True, exist_ok=True)
        _write_png(args, output_dir, setup.field, 0, vmin, vmax)

    _on_root(runner, prepare_outputs)

    progress = _Progress(root and not args.quiet, p.nx * p.ny, nsteps)
    steps_done = 0
    evolve_seconds = 0.0
    chunk = 1
    while step < nsteps:
        target = min(step + chunk, nsteps)
        if args.png_every:
            target = min(target, (step // args.png_every + 1) * args.png_every)
        if args.checkpoint_every:
            target = min(target, (step // args.checkpoint_every + 1) * args.checkpoint_every)
        count = target - step
        started = time.perf_counter()
        runner.evolve(count)
        seconds = time.perf_counter() - started
        signum, seconds = runner.agree(stop.signum, seconds)
        step = target
        steps_done += count
        evolve_seconds += seconds
        # Aim at CHUNK_SECONDS per chunk; grow at most 4x per chunk.
        if seconds > 0:
            chunk = max(1, min(4 * count, int(count * CHUNK_SECONDS / seconds)))
        else:
            chunk = 4 * count
        if args.png_every and step % args.png_every == 0 and step < nsteps:
            gathered = runner.gather()
            _on_root(runner, lambda: _write_png(args, output_dir, gathered, step, vmin, vmax))
        if signum and step < nsteps:  # (a signal during the last chunk: just finish)
            gathered = runner.gather()
            if args.checkpoint is None:
                if root:
                    _err("heat", f"stopped by {_signal_name(signum)} at step {step}; "
                                 "no --checkpoint PATH was given, nothing saved")
                return 128 + signum
            _on_root(runner, lambda: ckpt.save(args.checkpoint, gathered, step, p, program=ckpt.program_name()))
            if root:
                _out(f"checkpoint written at step {step}")
                _out(f"stopped by {_signal_name(signum)}: run the same command again to resume")
            return EXIT_CHECKPOINTED
        if args.checkpoint_every and step % args.checkpoint_every == 0 and step < nsteps:
            gathered = runner.gather()
            _on_root(runner, lambda: ckpt.save(args.checkpoint, gathered, step, p, program=ckpt.program_name()))
            if root and not args.quiet:
                _out(f"checkpoint written at step {step}")
        if root:
            progress.update(step, steps_done, evolve_seconds)

    final = runner.gather()
    summary = runner.summary()
    if not root:
        return EXIT_OK
    if args.checkpoint is not None:
        ckpt.save(args.checkpoint, final, step, p, program=ckpt.program_name())
    if step > 0:  # step 0's image is the initial one, written above
        _write_png(args, output_dir, final, step, vmin, vmax)
    fieldio.write_npy(output_dir / "final.npy", final)
    if not args.quiet:
        _out(f"wrote {output_dir / 'final.npy'} and images {output_dir / 'heat_*.png'}")
        if summary:
            _out(summary)
    mean = backend.mean(final)
    rate = p.nx * p.ny * steps_done / evolve_seconds / 1e6 if evolve_seconds > 0 else 0.0
    _out(f"mean temperature: {mean:.12f}")
    _out(f"figure of merit: {rate:.1f} Mpts/s")
    return EXIT_OK


def _write_png(args, output_dir, field, step, vmin, vmax):
    from .images import frame_name, save_png

    save_png(output_dir / frame_name(step), field, step, vmin=vmin, vmax=vmax,
             title=f"heat equation, step {step}")


# ---------------------------------------------------------------------------
# the parser
# ---------------------------------------------------------------------------
class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Defaults shown (except None/False); descriptions wrapped paragraph by paragraph."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)

    def _fill_text(self, text, width, indent):
        import textwrap

        return "\n\n".join(textwrap.fill(" ".join(paragraph.split()), width, initial_indent=indent,
                                          subsequent_indent=indent) for paragraph in text.split("\n\n"))


def build_parser():
    from ._build_config import VERSION

    parser = argparse.ArgumentParser(
        prog="python -m hpcffi",
        description="hpcffi: parallel C++ kernels (heat equation, Fibonacci, the cffi lesson's add) from Python.",
        epilog="Exit codes: 0 success, 1 run-time error (bad input file, refused checkpoint, library error), "
               "2 bad options, 99 heat checkpointed on SIGUSR1/SIGTERM (rerun to resume). "
               "Run 'python -m hpcffi <command> --help' for each command.",
        formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"hpcffi {VERSION}")
    commands = parser.add_subparsers(dest="command", metavar="{demo,fib,heat}")
    commands.required = True

    demo = commands.add_parser(
        "demo", formatter_class=_Formatter,
        help="the cffi lesson's demos: sqrtf from libm (ABI in-line) and add in every cffi mode, timed",
        description="sqrtf(4) from the C math library through cffi ABI in-line dlopen, then the lesson's add "
                    "(a += b) through libhpcffi in each cffi mode (api, abi, abi-inline) with its time per call.")
    demo.add_argument("--n", type=_integer(1), default=1_000_000, help="values in the timed add")
    demo.add_argument("--repeat", type=_integer(1), default=5, help="timed repetitions (best is shown)")
    demo.set_defaults(handler=_cmd_demo)

    fib = commands.add_parser(
        "fib", formatter_class=_Formatter,
        help="Fibonacci: the lesson's exercise (fibo on int pointers), modular and exact values",
        description="Print N Fibonacci values F(0) .. F(N-1), one per line, the lesson's way: two C ints from "
                    "ffi.new('int *'), a = 1, b = 0; print b, step. The int path stops when the next step would "
                    "overflow an int (a note on stderr) and the rest comes from the uint64 kernel, then exact "
                    "integers.\n\nWith --mod M, N is an index: print F(N) mod M only (any N < 2**64).\n\n"
                    "With --exact M, also print the exact F(M) (GMP): digit count and the first and last digits "
                    "(all with --full). N may be 0.")
    fib.add_argument("n", metavar="N", type=_integer(0),
                     help=f"how many values to print (at most {FIB_MAX_VALUES}); with --mod: the index")
    fib.add_argument("--mod", metavar="M", type=_integer(1), help="print F(N) mod M instead of the sequence")
    fib.add_argument("--exact", metavar="M", type=_integer(0), help="also print the exact F(M)")
    fib.add_argument("--full", action="store_true", help="with --exact: print every digit")
    fib.set_defaults(handler=_cmd_fib)

    heat = commands.add_parser(
        "heat", formatter_class=_Formatter,
        help="the 2D heat equation: PNG images, final.npy, checkpoint/resume, MPI",
        description="Evolve a 2D temperature field with the explicit 5-point scheme.\n\n"
                    "INPUT is the lesson's text format ('# nx ny' header, then nx rows of ny numbers) or a 2D .npy "
                    "array; without INPUT a bottle-like field (cold bottle in a warm square) of --nx x --ny is "
                    "made in code. Writes DIR/heat_<step:06d>.png (initial, every --png-every steps, final) and "
                    "DIR/final.npy, then prints 'mean temperature: ...' and 'figure of merit: ... Mpts/s'.\n\n"
                    "--checkpoint PATH: resume from PATH if it exists (validated; refused if corrupt or from "
                    "another run), save it every --checkpoint-every steps, at the end, and on SIGUSR1/SIGTERM "
                    "(then exit with code 99).")
    heat.add_argument("input", metavar="INPUT", nargs="?", type=Path,
                      help="initial field: .npy or the lesson's .dat text format (default: built-in bottle)")
    heat.add_argument("--nx", type=int, help="rows of the built-in field (must match INPUT if both given) "
                                             "[default: 200]")
    heat.add_argument("--ny", type=int, help="columns of the built-in field [default: 200]")
    heat.add_argument("--steps", type=_integer(0), default=500, help="time steps in total")
    heat.add_argument("--a", type=_positive_float, default=0.5, help="diffusion constant")
    heat.add_argument("--dx", type=_positive_float, default=0.01, help="grid spacing between rows")
    heat.add_argument("--dy", type=_positive_float, default=0.01, help="grid spacing between columns")
    heat.add_argument("--dt", type=_positive_float,
                      help="time step [default: the stability limit dx^2*dy^2/(2*a*(dx^2+dy^2))]")
    heat.add_argument("--threads", type=_integer(1), help="kernel threads per process [default: OpenMP's]")
    heat.add_argument("--output-dir", metavar="DIR", default=DEFAULT_OUTPUT_DIR, help="where images and final.npy go")
    heat.add_argument("--png-every", metavar="K", type=_integer(0), default=100,
                      help="an image every K steps (0: initial and final only)")
    heat.add_argument("--checkpoint", metavar="PATH", help="checkpoint file: resume from it, save to it")
    heat.add_argument("--checkpoint-every", metavar="K", type=_integer(0), default=0,
                      help="save the checkpoint every K steps (0: at the end and on signals only)")
    heat.add_argument("--backend", choices=BACKENDS, default="api",
                      help="libhpcffi through a cffi mode, or the NumPy / pure-Python reference "
                           f"(python: at most {PYTHON_BACKEND_MAX} x {PYTHON_BACKEND_MAX})")
    heat.add_argument("--mpi", action="store_true",
                      help="distribute over the MPI ranks (mpi4py; start with srun or mpiexec)")
    heat.add_argument("--quiet", action="store_true", help="no header or progress lines")
    heat.set_defaults(handler=_cmd_heat)
    return parser, {"demo": demo, "fib": fib, "heat": heat}


def main(argv=None):
    parser, subparsers = build_parser()
    args = parser.parse_args(argv)
    sub = subparsers[args.command]
    if args.command == "fib" and args.mod is None and args.n > FIB_MAX_VALUES:
        sub.error(f"N = {args.n} values is too many to print (at most {FIB_MAX_VALUES}); "
                  "use --mod M or --exact M for one large index")
    from .errors import Error

    try:
        return args.handler(args, sub)
    except Error as error:
        _err(args.command, f"{type(error).__name__}: {error}")
        return EXIT_FAILURE
    except OSError as error:  # output folder not writable, disk full, ...
        where = f" ({error.filename})" if error.filename else ""
        _err(args.command, f"{error.strerror or error}{where}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        _err(args.command, "interrupted")
        return 130
    except BrokenPipeError:
        # `python -m hpcffi fib 1000 | head`: not an error; silence the flush at exit too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
