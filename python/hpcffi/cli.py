"""The command-line interface: ``python -m hpcffi {demo,fib,heat,kernel,tune} ...``.

Exit codes (every command):

====  ===========================================================================
0     success
1     a run-time problem: unreadable or malformed input, refused checkpoint,
      a library error (for example MPI requested from a library built without it),
      an output that cannot be written (disk full, read-only or removed folder:
      one line naming the cause and the path)
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
import sys
import time
from pathlib import Path

import numpy as np

from .fields import BACKENDS, LIBRARY_BACKENDS
from .run import PYTHON_BACKEND_MAX, ConfigError, HeatConfig, StopRequest, run, signal_name

__all__ = ["main", "build_parser", "heat_config", "EXIT_OK", "EXIT_FAILURE", "EXIT_USAGE", "EXIT_CHECKPOINTED"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CHECKPOINTED = 99

FIB_MAX_VALUES = 100_000          # values `fib N` prints at most
DEFAULT_OUTPUT_DIR = "hpcffi-run"


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
# heat: options -> HeatConfig -> hpcffi.run.run -> exit code
# ---------------------------------------------------------------------------
def heat_config(args) -> HeatConfig:
    """The run configuration for parsed ``heat`` options."""
    return HeatConfig(nx=args.nx, ny=args.ny, input=args.input, steps=args.steps, a=args.a, dx=args.dx, dy=args.dy,
                      dt=args.dt, output_dir=args.output_dir, png_every=args.png_every,
                      snapshot_every=args.snapshot_every, checkpoint=args.checkpoint,
                      checkpoint_every=args.checkpoint_every, backend=args.backend, threads=args.threads,
                      progress=not args.quiet)


def _cmd_heat(args, parser):
    from . import checkpoint, fieldio, hdf5io
    from .errors import Error

    if args.checkpoint_every and not args.checkpoint:
        parser.error("--checkpoint-every needs --checkpoint PATH (where to write the checkpoints)")
    if args.mpi and args.backend not in LIBRARY_BACKENDS:
        parser.error(f"--mpi runs the library's distributed kernel: use --backend "
                     f"{', '.join(LIBRARY_BACKENDS)}, not {args.backend}")
    config = heat_config(args)
    comm = None
    if args.mpi:
        from mpi4py import MPI  # noqa: PLC0415 (initialises MPI: only for --mpi)

        comm = MPI.COMM_WORLD
    root = comm is None or comm.Get_rank() == 0
    # Signals are requests from here on: one that comes while the input is
    # read is acted on at the first chunk boundary, not lost or fatal.
    stop = StopRequest().install()
    try:
        result = run(config, comm, stop=stop, log=_out)
    except ConfigError as error:  # the same on every rank: exit 2 everywhere, the message once
        if root:
            parser.error(str(error))
        raise SystemExit(EXIT_USAGE) from None
    except (fieldio.FieldFormatError, checkpoint.CheckpointError, hdf5io.HDF5UnavailableError) as error:
        if root:
            _err("heat", error)
        return EXIT_FAILURE
    except Error as error:
        if root:
            _err("heat", f"{type(error).__name__}: {error}")
        return EXIT_FAILURE
    except BrokenPipeError:  # `... heat | head`: main() silences it
        raise
    except OSError as error:  # output folder not writable, disk full, ... (raised on every rank)
        if root:
            where = f" ({error.filename})" if error.filename else ""
            _err("heat", f"{error.strerror or error}{where}")
        return EXIT_FAILURE
    finally:
        stop.finish()
    if result.status == "checkpointed":
        return EXIT_CHECKPOINTED
    if result.status == "stopped":
        if root:
            _err("heat", f"stopped by {signal_name(result.signal)} at step {result.step}; no --checkpoint PATH was "
                         "given, nothing saved")
        return 128 + result.signal
    return EXIT_OK


# ---------------------------------------------------------------------------
# kernel: a Jupyter kernelspec for this interpreter (hpcffi.kernel)
# ---------------------------------------------------------------------------
def _cmd_kernel(args, parser):
    from .kernel import KernelSpecError, install_kernelspec

    try:
        where = install_kernelspec(user=args.user, sys_prefix=args.sys_prefix, prefix=args.prefix,
                                   name=args.name, display_name=args.display_name)
    except KernelSpecError as error:
        _err("kernel", error)
        return EXIT_FAILURE
    _out(f"Installed kernelspec {where.name} in {where}")
    return EXIT_OK


def _kernel_name(text):
    from .kernel import is_valid_kernel_name

    if not is_valid_kernel_name(text):
        raise argparse.ArgumentTypeError(f"{text!r}: use ASCII letters, digits, '-', '.' and '_'")
    return text


_kernel_name.__name__ = "kernel name"


def _add_kernel_parser(commands):
    from .kernel import KERNEL_NAME

    kernel = commands.add_parser(
        "kernel", formatter_class=_Formatter,
        help="install a Jupyter kernel for this Python and its hpcffi (pip installs)",
        description="Jupyter kernels. 'kernel install' writes a kernelspec whose argv is this interpreter with "
                    "ipykernel_launcher, the ipykernel convention: --user (your Jupyter data folder), "
                    "--sys-prefix (this environment), --prefix P (P/share/jupyter), or the system-wide folder. "
                    "An installed hpcffi (cmake --install, EasyBuild) ships its own kernel, shown after "
                    "'module load hpcffi'.")
    actions = kernel.add_subparsers(dest="kernel_action", metavar="{install}")
    actions.required = True
    install = actions.add_parser(
        "install", formatter_class=_Formatter, help="install the kernelspec",
        description="Install the kernelspec NAME ('jupyter kernelspec list' shows it; an existing one of that "
                    "name is replaced) and print its folder. Needs ipykernel for this interpreter.")
    where = install.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="in your Jupyter data folder (~/.local/share/jupyter)")
    where.add_argument("--sys-prefix", action="store_true", help="in sys.prefix/share/jupyter (this venv or conda env)")
    where.add_argument("--prefix", metavar="P", help="in P/share/jupyter")
    install.add_argument("--name", type=_kernel_name, default=KERNEL_NAME, help="kernel name (its folder)")
    install.add_argument("--display-name", help="name shown by Jupyter [default: Python (hpcffi VERSION)]")
    install.set_defaults(handler=_cmd_kernel)
    return kernel


# ---------------------------------------------------------------------------
# tune: the heat kernels timed on this machine, the wisdom file written
# ---------------------------------------------------------------------------
def _sizes(text):
    try:
        sizes = [int(part, 10) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not sizes or any(n < 16 or n > 32768 for n in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be in [16, 32768], got {text}")
    return sizes


_sizes.__name__ = "sizes"


def _cmd_tune(args, parser):
    from . import tuning

    if not args.budget <= 86400:
        parser.error(f"argument --budget: at most 86400 seconds, got {args.budget}")
    path = tuning.tune(args.budget, sizes=args.sizes, output=args.output, verbose=not args.quiet)
    _out(f"wrote {path}")
    return EXIT_OK


def _tune_parser(commands):
    from .tuning import DEFAULT_BUDGET

    tune = commands.add_parser(
        "tune", formatter_class=_Formatter,
        help="time the heat kernels on this machine and write the wisdom file 'auto' reads",
        description="Time the heat kernels' configurations (plain or blocked path, ISA variant, blocking depth "
                    "and strip width) for fields in each cache regime at 1 thread and at the library's thread "
                    "count (OMP_NUM_THREADS), sustained rounds after a warm-up, within about --budget seconds, "
                    "and write the choices as a wisdom file keyed by CPU model, cache sizes, thread count and "
                    "hpcffi version. Every later run on this machine (C++, Python, MPI) reads it; results are "
                    "bitwise identical whatever is chosen.\n\n"
                    "Default --output: the per-user cache ($XDG_CACHE_HOME/hpcffi, else ~/.cache/hpcffi). A "
                    "site installation may write it next to the library: --output <prefix>/share/hpcffi/wisdom "
                    "(an existing directory gets the machine's file name).")
    tune.add_argument("--budget", metavar="SECONDS", type=_positive_float, default=DEFAULT_BUDGET,
                      help="about how long to spend (at least 0.1)")
    tune.add_argument("--output", metavar="PATH", help="a file or an existing directory [default: per-user cache]")
    tune.add_argument("--sizes", metavar="N,N,...", type=_sizes,
                      help="n of the n x n fields to tune [default: one per cache regime]")
    tune.add_argument("--quiet", action="store_true", help="no line per size and thread count")
    tune.set_defaults(handler=_cmd_tune)
    return tune


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
    commands = parser.add_subparsers(dest="command", metavar="{demo,fib,heat,kernel,tune}")
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
        help="the 2D heat equation: PNG images, HDF5 fields, checkpoint/resume, MPI",
        description="Evolve a 2D temperature field with the explicit 5-point scheme (hpcffi.run.run with the "
                    "options below as its HeatConfig).\n\n"
                    "INPUT is the lesson's text format ('# nx ny' header, then nx rows of ny numbers; read by one "
                    "process, for small fields), a 2D .npy array, or an HDF5 file with a 2D dataset /field (both "
                    "read block by block under --mpi); without INPUT a bottle-like field (cold bottle in a warm "
                    "square) of --nx x --ny is made in code, block by block. Writes DIR/heat_<step:06d>.png "
                    "(initial, every --png-every steps, final), DIR/final.h5 (dataset /field and the run's "
                    "attributes) with DIR/heat.xmf for ParaView/VisIt, then prints 'mean temperature: ...' and "
                    "'figure of merit: ... Mpts/s'.\n\n"
                    "--checkpoint PATH: an HDF5 checkpoint; resume from PATH if it exists (validated; refused if "
                    "corrupt or from another run; any rank count may resume it), save it every --checkpoint-every "
                    "steps, at the end, and on SIGUSR1/SIGTERM (then exit with code 99).")
    heat.add_argument("input", metavar="INPUT", nargs="?", type=Path,
                      help="initial field: .npy, .h5 or the lesson's .dat text format (default: built-in bottle)")
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
    heat.add_argument("--output-dir", metavar="DIR", default=DEFAULT_OUTPUT_DIR,
                      help="where images, final.h5 and heat.xmf go")
    heat.add_argument("--png-every", metavar="K", type=_integer(0), default=100,
                      help="an image every K steps (0: initial and final only)")
    heat.add_argument("--snapshot-every", metavar="K", type=_integer(0), default=0,
                      help="an HDF5 snapshot DIR/field_<step:06d>.h5 every K steps, listed in heat.xmf (0: none)")
    heat.add_argument("--checkpoint", metavar="PATH", help="checkpoint file (HDF5): resume from it, save to it")
    heat.add_argument("--checkpoint-every", metavar="K", type=_integer(0), default=0,
                      help="save the checkpoint every K steps (0: at the end and on signals only)")
    heat.add_argument("--backend", choices=BACKENDS, default="api",
                      help="libhpcffi through a cffi mode, or the NumPy / pure-Python reference "
                           f"(python: at most {PYTHON_BACKEND_MAX} x {PYTHON_BACKEND_MAX})")
    heat.add_argument("--mpi", action="store_true",
                      help="distribute over the MPI ranks (mpi4py; start with srun or mpiexec)")
    heat.add_argument("--quiet", action="store_true", help="no header or progress lines")
    heat.set_defaults(handler=_cmd_heat)
    kernel = _add_kernel_parser(commands)
    tune = _tune_parser(commands)
    return parser, {"demo": demo, "fib": fib, "heat": heat, "kernel": kernel, "tune": tune}


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
    except BrokenPipeError:
        # `python -m hpcffi fib 1000 | head`: not an error; silence the flush at exit too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:  # output folder not writable, disk full, ...
        where = f" ({error.filename})" if error.filename else ""
        _err(args.command, f"{error.strerror or error}{where}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        _err(args.command, "interrupted")
        return 130
