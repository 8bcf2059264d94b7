"""The Python half of bench/run.sh (run that script, not this file).

Runs the C++ harness (build-bench/bench/heat_bench), then the Python-side
measurements (NumPy, Numba, Devito, Python ints, the Python call overhead),
and writes bench/results/bench-<stamp>.{json,md,png}. Every measurement is a
median over interleaved rounds; /proc/loadavg is recorded before and after
each part, and /proc/stat gives the CPU time that other processes used (and
the hypervisor stole) over the whole run: more than a fifth of a core flags
the run as contended (other work inflates times and their spread).
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time

# Before Numba or Devito is imported: Numba's OpenMP threading layer shares
# libgomp's thread pool with hpcffi and Devito (its default workqueue layer
# ran 5-10x slower here, its threads competing with the OpenMP ones); Devito
# generates OpenMP code and stays quiet.
os.environ.setdefault("NUMBA_THREADING_LAYER", "omp")
os.environ.setdefault("DEVITO_LANGUAGE", "openmp")
os.environ.setdefault("DEVITO_LOGGING", "ERROR")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

A = 0.5
DX2 = DY2 = 0.0001  # the lesson's dx = dy = 0.01


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def load1(text):
    return float(text.split()[0])


def cpu_snapshot():
    """(wall, machine busy CPU seconds, machine steal seconds, this process tree's CPU seconds)."""
    tick = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    own = os.times()
    return (time.monotonic(), (user + nice + system + irq + softirq) / tick, steal / tick,
            own.user + own.system + own.children_user + own.children_system)


def other_load(start, end):
    """Cores used on average by everything but this benchmark (its children
    included), plus time stolen by the hypervisor, between two snapshots. The
    load average cannot tell: it counts the benchmark's own threads."""
    wall = end[0] - start[0]
    others = (end[1] - start[1]) - (end[3] - start[3])
    stolen = end[2] - start[2]
    return max(0.0, others) / wall, stolen / wall


def machine_info():
    info = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "host": platform.node(),
            "python": platform.python_version(), "cores": os.cpu_count()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "L1d cache", "L2 cache", "L3 cache", "Flags"):
                value = value.strip()
                if key.strip() == "Flags":
                    value = "avx512f" if "avx512f" in value.split() else ("avx2" if "avx2" in value.split() else "")
                    key = "SIMD"
                info[key.strip()] = value
    except (OSError, subprocess.CalledProcessError):
        pass
    try:
        info["commit"] = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                                        text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        info["commit"] = "unknown"
    with open("/proc/meminfo") as f:
        info["mem_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    info["mhz"] = cpu_mhz()
    return info


def cpu_mhz():
    """The clock /proc/cpuinfo reports for cpu0 (nominal on a VM), or None.

    Updates per cycle are computed from it: the cycle counter itself is not
    readable on this VM kind (perf stat: cycles <not supported>)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":")[1])
    except (OSError, ValueError):
        pass
    return None


def initial_field(np, n):
    """The harness's initial field (heat_bench.cpp initial_field)."""
    i = np.arange(n).reshape(-1, 1)
    j = np.arange(n).reshape(1, -1)
    x = (i - n / 2.0) / n
    y = (j - n / 2.0) / n
    u = np.where(x * x + y * y < 0.09, 65.0, 5.0)
    u[0, :] = 85.0
    u[:, 0] = 85.0
    return np.ascontiguousarray(u)


def max_stable_dt():
    return DX2 * DY2 / (2 * A * (DX2 + DY2))


# ---- the Python implementations of the same update --------------------------

def make_numpy_kernel(np):
    def evolve_numpy(u, u_previous, steps, dt):
        """The lesson's NumPy version: slicing, a new field each step, copy back."""
        for _ in range(steps):
            u[1:-1, 1:-1] = u_previous[1:-1, 1:-1] + A * dt * (
                (u_previous[2:, 1:-1] - 2 * u_previous[1:-1, 1:-1] + u_previous[:-2, 1:-1]) / DX2 +
                (u_previous[1:-1, 2:] - 2 * u_previous[1:-1, 1:-1] + u_previous[1:-1, :-2]) / DY2)
            u_previous[:] = u
        return u
    return evolve_numpy


def make_numba_kernel():
    import numba

    @numba.njit(parallel=True)
    def evolve_numba(field, scratch, steps, a_dt, inv_dx2, inv_dy2):
        """Same expression and order as hpcffi's update_row; buffers swapped."""
        nx, ny = field.shape
        scratch[:, :] = field
        src, dst = field, scratch
        for _ in range(steps):
            for i in numba.prange(1, nx - 1):
                for j in range(1, ny - 1):
                    c = src[i, j]
                    dst[i, j] = c + a_dt * ((src[i + 1, j] - 2.0 * c + src[i - 1, j]) * inv_dx2 +
                                            (src[i, j + 1] - 2.0 * c + src[i, j - 1]) * inv_dy2)
            src, dst = dst, src
        if steps % 2 == 1:
            field[:, :] = scratch
        return field

    return evolve_numba, numba


def make_devito_operator(n, dt):
    """Devito (OpenMP) operator for the same explicit scheme on the interior."""
    import devito
    import numpy as np
    grid = devito.Grid(shape=(n, n), extent=((n - 1) * math.sqrt(DX2), (n - 1) * math.sqrt(DY2)), dtype=np.float64)
    u = devito.TimeFunction(name="u", grid=grid, space_order=2, time_order=1, dtype=np.float64)
    eq = devito.Eq(u.forward, u + A * dt * u.laplace, subdomain=grid.interior)
    op = devito.Operator([eq], opt=("advanced", {"openmp": True}))
    return devito, u, op


# ---- measurement helpers -------------------------------------------------------

def calibrate(run, seconds, multiple=1, start=1):
    """Steps so that one run takes about `seconds`."""
    steps = start
    t = run(steps)
    while t < seconds / 4 and steps < 10**6:
        steps *= 2
        t = run(steps)
    want = max(start, int(steps * seconds / t))
    return max(multiple, -(-want // multiple) * multiple)


def interleaved(configs, rounds):
    """configs: {name: (run, steps)}; returns {name: [seconds per round]}."""
    times = {name: [] for name in configs}
    for _ in range(rounds):
        for name, (run, steps) in configs.items():
            times[name].append(run(steps))
    return times


def python_heat(sizes, rounds, seconds, reference, notes):
    """NumPy, Numba and Devito at every size; checks each against hpcffi first."""
    import numpy as np
    results = []
    dt = max_stable_dt()
    evolve_numpy = make_numpy_kernel(np)
    try:
        evolve_numba, numba = make_numba_kernel()
    except Exception as e:  # noqa: BLE001 (report any import or setup failure)
        evolve_numba = None
        notes.append(f"Numba unavailable: {type(e).__name__}: {e}")
    try:
        import devito  # noqa: F401
        have_devito = True
    except Exception as e:  # noqa: BLE001
        have_devito = False
        notes.append(f"Devito unavailable: {type(e).__name__}: {e}")

    for n in sizes:
        init = initial_field(np, n)
        points = (n - 2) * (n - 2)
        u, up = init.copy(), init.copy()
        field, scratch = init.copy(), init.copy()

        def run_numpy(steps):
            u[:] = init
            up[:] = init
            t0 = time.perf_counter()
            evolve_numpy(u, up, steps, dt)
            return time.perf_counter() - t0

        configs = {}
        check_steps = 13
        ref = reference(n, check_steps)  # hpcffi's field after 13 steps (None: not available)
        run_numpy(check_steps)
        numpy_err = float(np.max(np.abs(u - ref) / np.abs(ref))) if ref is not None else None
        configs["numpy"] = (run_numpy, calibrate(run_numpy, seconds))
        checks = {"numpy": numpy_err}

        if evolve_numba is not None:
            for threads in (1, 2):
                def run_numba(steps, threads=threads):
                    numba.set_num_threads(threads)
                    field[:] = init
                    t0 = time.perf_counter()
                    evolve_numba(field, scratch, steps, A * dt, 1.0 / DX2, 1.0 / DY2)
                    return time.perf_counter() - t0
                run_numba(1)  # compile
                if threads == 1 and n == sizes[0]:
                    notes.append(f"Numba {numba.__version__}, threading layer {numba.threading_layer()}")
                run_numba(check_steps)
                checks[f"numba_{threads}"] = (float(np.max(np.abs(field - ref) / np.abs(ref)))
                                              if ref is not None else None)
                configs[f"numba_{threads}"] = (run_numba, calibrate(run_numba, seconds))

        if have_devito:
            try:
                devito, du, op = make_devito_operator(n, dt)
                if n == sizes[0]:
                    notes.append(f"Devito {devito.__version__}, float64, DEVITO_LANGUAGE=openmp, opt=advanced")

                for threads in (1, 2):
                    def run_devito(steps, threads=threads):
                        du.data[0, :, :] = init
                        du.data[1, :, :] = init
                        t0 = time.perf_counter()
                        op.apply(time_m=0, time_M=steps - 1, dt=dt, nthreads=threads)
                        return time.perf_counter() - t0
                    run_devito(1)  # JIT compile
                    run_devito(check_steps)
                    got = np.asarray(du.data[check_steps % 2])
                    checks[f"devito_{threads}"] = (float(np.max(np.abs(got - ref) / np.abs(ref)))
                                                   if ref is not None else None)
                    configs[f"devito_{threads}"] = (run_devito, calibrate(run_devito, seconds))
            except Exception as e:  # noqa: BLE001
                notes.append(f"Devito failed at {n}x{n}: {type(e).__name__}: {e}")

        before = loadavg()
        times = interleaved(configs, rounds)
        after = loadavg()
        for name, (_, steps) in configs.items():
            kernel, _, threads = name.partition("_")
            t = statistics.median(times[name])
            results.append({"nx": n, "ny": n, "kernel": kernel, "threads": int(threads or 1), "steps": steps,
                            "seconds": t, "mpts": points * steps / t / 1e6,
                            "mpts_min": points * steps / max(times[name]) / 1e6,
                            "mpts_max": points * steps / min(times[name]) / 1e6,
                            "rounds": rounds, "max_rel_diff_to_hpcffi": checks.get(name),
                            "load_before": before, "load_after": after})
        print(f"  python kernels {n}x{n} done (load {after})", file=sys.stderr)
    return results


# ---- MPI: the C++ driver hpcffi-heat-mpi under mpiexec ---------------------------

# name -> (ranks, threads per rank, extra environment). 2 x 1 and 1 x 2 use the
# library's default halo depth (deep halos: one exchange per `depth` steps,
# temporal blocking inside each rank); "overlap" forces one exchange per step,
# overlapped with the inner update (HPCFFI_HEAT_MPI_DEPTH=1).
MPI_CONFIGS = {"mpi_2x1": (2, 1, {}), "mpi_1x2": (1, 2, {}), "mpi_2x1_overlap": (2, 1, {"HPCFFI_HEAT_MPI_DEPTH": "1"})}


# The drivers' step counts: whole multiples of 64, two full passes at the
# deepest default blocking depth (32, heat_tuning.cpp). The blocked path splits
# a run into an even number of near-equal passes, so fewer steps would time
# shallower passes than a long run makes.
DRIVER_STEP_MULTIPLE = 64


def driver_steps(wanted):
    return max(1, -(-int(wanted) // DRIVER_STEP_MULTIPLE)) * DRIVER_STEP_MULTIPLE


def mpi_heat(apps, sizes, rounds, seconds, cpp_heat, notes):
    """hpcffi-heat-mpi at each size, checked against the serial driver first.

    Launcher: $MPIEXEC (default mpiexec); ranks are bound to cores when each
    has one thread ($MPIEXEC_BIND_FLAGS, default "--bind-to core") and left
    free for a rank with several threads ($MPIEXEC_FREE_FLAGS, default
    "--bind-to none", threads then pinned by OMP_PROC_BIND=close).
    """
    serial, mpi = os.path.join(apps, "hpcffi-heat"), os.path.join(apps, "hpcffi-heat-mpi")
    if not (os.access(serial, os.X_OK) and os.access(mpi, os.X_OK)):
        notes.append(f"MPI rows skipped: no {mpi} (built without MPI?)")
        return []
    launcher = os.environ.get("MPIEXEC", "mpiexec").split()
    bind = os.environ.get("MPIEXEC_BIND_FLAGS", "--bind-to core").split()
    free = os.environ.get("MPIEXEC_FREE_FLAGS", "--bind-to none").split()

    def run(cmd, extra_env):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, **extra_env))
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
        fom = re.search(r"^figure of merit: ([0-9.]+) Mpts/s", proc.stdout, re.M)
        mean = re.search(r"^mean temperature: (\S+)", proc.stdout, re.M)
        return float(fom.group(1)), mean.group(1)

    estimate = {r["nx"]: r["mpts"] for r in cpp_heat if r["kernel"] == "auto" and r["threads"] == 2}
    results = []
    for n in sizes:
        points = (n - 2) * (n - 2)
        steps = driver_steps(seconds * estimate.get(n, 1000.0) * 1e6 / points)
        common = ["--nx", str(n), "--ny", str(n), "--steps", str(steps)]
        commands = {}
        for name, (ranks, threads, extra) in MPI_CONFIGS.items():
            if name.endswith("overlap") and n != max(sizes):
                continue
            flags = bind if threads == 1 else free
            env = dict(extra, OMP_PROC_BIND="close", OMP_PLACES="cores") if threads > 1 else dict(extra)
            commands[name] = ([*launcher, "-n", str(ranks), *flags, mpi, *common, "--threads", str(threads)], env)
        try:
            # Correctness first: every configuration prints the serial mean, to the last digit.
            _, reference_mean = run([serial, *common, "--threads", "1"], {})
            for name, (cmd, env) in commands.items():
                _, mean = run(cmd, env)
                if mean != reference_mean:
                    notes.append(f"{name} at {n}x{n}: mean {mean} differs from the serial {reference_mean}!")
            before = loadavg()
            rates = {name: [] for name in commands}
            for _ in range(rounds):
                for name, (cmd, env) in commands.items():
                    rates[name].append(run(cmd, env)[0])
            after = loadavg()
        except (RuntimeError, OSError) as e:
            notes.append(f"MPI rows at {n}x{n} failed: {e}")
            continue
        for name, values in rates.items():
            ranks, threads, _ = MPI_CONFIGS[name]
            results.append({"nx": n, "ny": n, "kernel": name, "threads": ranks * threads, "steps": steps,
                            "mpts": statistics.median(values), "mpts_min": min(values), "mpts_max": max(values),
                            "rounds": rounds, "mean": reference_mean, "load_before": before, "load_after": after})
        print(f"  mpi {n}x{n} done (load {after})", file=sys.stderr)
    return results


def portable_vs_native(native_apps, portable_apps, sizes, rounds, seconds, cpp_heat, notes):
    """hpcffi-heat of the native build (-march=native) against the portable
    default build's, 2 threads, interleaved in fresh processes, at each size;
    the portable driver also with every other ISA variant it has (HPCFFI_ISA).
    Every configuration must print the native driver's mean temperature to
    the last digit (all variants give the same bits). Returns rows like the
    harness's, kernel "driver_native", "driver_portable" (automatic choice),
    "driver_portable_<isa>"."""
    native, portable = os.path.join(native_apps or "", "hpcffi-heat"), os.path.join(portable_apps or "", "hpcffi-heat")
    if not (os.access(native, os.X_OK) and os.access(portable, os.X_OK)):
        notes.append(f"portable-vs-native rows skipped: no {portable} or {native}")
        return []
    placement = dict(OMP_PROC_BIND="close", OMP_PLACES="cores")

    def run(cmd, extra_env):
        env = dict(os.environ, **placement, **extra_env)
        for k in ("HPCFFI_HEAT_KERNEL", "HPCFFI_HEAT_BLOCK_DEPTH", "HPCFFI_HEAT_STRIP_WIDTH"):
            env.pop(k, None)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
        fom = re.search(r"^figure of merit: ([0-9.]+) Mpts/s", proc.stdout, re.M)
        mean = re.search(r"^mean temperature: (\S+)", proc.stdout, re.M)
        isa = re.search(r"kernels: (\S+)", proc.stdout)
        return float(fom.group(1)), mean.group(1), isa.group(1) if isa else "?"

    estimate = {r["nx"]: r["mpts"] for r in cpp_heat if r["kernel"] == "auto" and r["threads"] == 2}
    results = []
    for n in sizes:
        points = (n - 2) * (n - 2)
        steps = driver_steps(seconds * estimate.get(n, 1000.0) * 1e6 / points)
        common = ["--nx", str(n), "--ny", str(n), "--steps", str(steps), "--threads", "2"]
        configs = {"driver_native": (native, {}), "driver_portable": (portable, {})}
        try:
            _, reference_mean, native_isa = run([native, *common], {})
            _, mean, auto_isa = run([portable, *common], {})
            if mean != reference_mean:
                notes.append(f"portable build at {n}x{n}: mean {mean} differs from the native {reference_mean}!")
            for isa in ("avx512", "avx2", "baseline"):
                if isa == auto_isa:
                    continue
                try:
                    _, mean, _ = run([portable, *common], {"HPCFFI_ISA": isa})
                except RuntimeError:
                    continue  # not compiled in or not supported by this CPU
                if mean != reference_mean:
                    notes.append(f"portable build, HPCFFI_ISA={isa}, at {n}x{n}: mean {mean} differs from the "
                                 f"native {reference_mean}!")
                configs[f"driver_portable_{isa}"] = (portable, {"HPCFFI_ISA": isa})
            before = loadavg()
            rates = {name: [] for name in configs}
            for _ in range(rounds):
                for name, (exe, env) in configs.items():
                    rates[name].append(run([exe, *common], env)[0])
            after = loadavg()
        except (RuntimeError, OSError) as e:
            notes.append(f"portable-vs-native rows at {n}x{n} failed: {e}")
            continue
        for name, values in rates.items():
            isa = {"driver_native": "native", "driver_portable": auto_isa}.get(name, name.rsplit("_", 1)[-1])
            results.append({"nx": n, "ny": n, "kernel": name, "threads": 2, "steps": steps, "isa": isa,
                            "mpts": statistics.median(values), "mpts_min": min(values), "mpts_max": max(values),
                            "rounds": rounds, "mean": reference_mean, "load_before": before, "load_after": after})
        print(f"  portable vs native {n}x{n} done (load {after})", file=sys.stderr)
    return results


def hpcffi_reference_factory(notes):
    """hpcffi's field after k steps, through the Python package (None if absent)."""
    try:
        import numpy as np
        import hpcffi
    except Exception as e:  # noqa: BLE001
        notes.append(f"hpcffi Python package not importable ({type(e).__name__}: {e}); Python checks skipped")
        return lambda n, k: None

    def reference(n, k):
        f = initial_field(np, n)
        hpcffi.evolve_steps(f, k, A, max_stable_dt(), math.sqrt(DX2), math.sqrt(DY2))
        return f
    return reference


# ---- Fibonacci with Python ints ------------------------------------------------

def fib_pair(n):
    """(F(n), F(n+1)) by fast doubling."""
    if n == 0:
        return 0, 1
    a, b = fib_pair(n >> 1)
    c = a * (2 * b - a)
    d = a * a + b * b
    return (d, c + d) if n & 1 else (c, d)


def python_fib(ns, reps):
    out = []
    for n in ns:
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            f, _ = fib_pair(n)
            times.append(time.perf_counter() - t0)
        last30 = f % 10**30
        out.append({"n": n, "python_int_seconds": statistics.median(times),
                    "last30": str(last30).zfill(30), "bits": f.bit_length()})
    return out


# ---- Python call overhead (a subprocess per cffi mode) -------------------------

OVERHEAD_SCRIPT = r"""
import json, math, statistics, sys, time
import numpy as np
import hpcffi
A, DX2, DY2, N, STEPS, REPS = 0.5, 1e-4, 1e-4, 200, 200, int(sys.argv[1])
dt = DX2 * DY2 / (2 * A * (DX2 + DY2))
init = np.full((N, N), 5.0); init[0, :] = 85.0; init[:, 0] = 85.0
out = {"mode": hpcffi.mode}
for threads in (1, 2):
    hpcffi.set_num_threads(threads)
    u, up, field, scratch = init.copy(), init.copy(), init.copy(), init.copy()
    ts, tm = [], []
    for _ in range(REPS):
        u[:] = init; up[:] = init
        t0 = time.perf_counter()
        for _ in range(STEPS):
            hpcffi.evolve(u, up, A, dt, DX2, DY2)
        ts.append(time.perf_counter() - t0)
        field[:] = init
        t0 = time.perf_counter()
        hpcffi.evolve_steps(field, STEPS, A, dt, math.sqrt(DX2), math.sqrt(DY2), scratch=scratch)
        tm.append(time.perf_counter() - t0)
    out[str(threads)] = {"single_step_loop_seconds": statistics.median(ts),
                         "evolve_steps_seconds": statistics.median(tm)}
print(json.dumps(out))
"""


def python_overhead(harness, quick, notes):
    """C++ and Python (api, abi) drivers of the same evolve, side by side.

    Each round runs the harness's overhead section and the Python script once
    per mode, back to back, each in a fresh process started from here before
    any other kernel has run in this process (spinning OpenMP or Numba threads
    of this process would otherwise take a core from them). Per driver: the
    median over the rounds of each round's median. Returns (cpp, python).
    """
    pkg = os.path.join(ROOT, "build-bench", "python")
    if not os.path.isdir(os.path.join(pkg, "hpcffi")):
        notes.append("Python overhead rows skipped: build-bench/python/hpcffi not built")
        return [], []
    reps, rounds = (5, 2) if quick else (21, 5)  # the harness's --quick also runs 5 reps
    placement = dict(OMP_PROC_BIND="close", OMP_PLACES="cores")  # the same for both drivers
    cpp_rounds, py_rounds = [], {"api": [], "abi": []}
    for _ in range(rounds):
        proc = subprocess.run([harness, "--sections", "overhead"] + (["--quick"] if quick else []),
                              capture_output=True, text=True, env=dict(os.environ, **placement))
        if proc.returncode != 0:
            notes.append(f"C++ overhead run failed: {proc.stderr.strip()[-200:]}")
            return [], []
        cpp_rounds.append(json.loads(proc.stdout)["overhead"])
        for mode in py_rounds:
            env = dict(os.environ, HPCFFI_MODE=mode, PYTHONPATH=pkg, **placement)
            env.pop("HPCFFI_HEAT_KERNEL", None)
            proc = subprocess.run([sys.executable, "-c", OVERHEAD_SCRIPT, str(reps)], env=env, capture_output=True,
                                  text=True)
            if proc.returncode != 0:
                notes.append(f"Python overhead ({mode} mode) failed: {proc.stderr.strip().splitlines()[-1:]}")
                return [], []
            py_rounds[mode].append(json.loads(proc.stdout))
    keys = ("single_step_loop_seconds", "evolve_steps_seconds")
    cpp = [dict(threads=t, **{k: statistics.median(r[i][k] for r in cpp_rounds) for k in keys})
           for i, t in enumerate(o["threads"] for o in cpp_rounds[0])]
    python = [dict(mode=mode, **{str(t): {k: statistics.median(r[str(t)][k] for r in runs) for k in keys}
                                 for t in (1, 2)})
              for mode, runs in py_rounds.items()]
    return cpp, python


# ---- report --------------------------------------------------------------------

def fmt(x, digits=0):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def ratio(a, b):
    return a / b if a and b else None


def build_report(data):
    lines = []
    info = data["machine"]
    lines.append(f"# hpcffi benchmark, {info['date']}")
    lines.append("")
    lines.append(f"Machine: {info.get('Model name', '?')}, {info['cores']} cores, SIMD {info.get('SIMD', '?')}, "
                 f"L2 {info.get('L2 cache', '?')}, L3 {info.get('L3 cache', '?')}, {info['mem_gib']} GiB; "
                 f"commit {info['commit']}; command `{data['command']}`.")
    lines.append(f"Load average: start {data['load_start']}, end {data['load_end']}"
                 + ("  **contended: other processes used CPU during the run; times are inflated and noisy**"
                    if data["contended"] else "") + ".")
    lines.append("All numbers are medians of interleaved rounds (min-max in the JSON). Mpts/s = million interior "
                 "point updates per second.")
    lines.append("")

    # bandwidth
    lines.append("## Memory bandwidth (STREAM-style, arrays far beyond L3)")
    lines.append("")
    lines.append("| kernel | stores | threads | STREAM GB/s | bus traffic GB/s |")
    lines.append("|---|---|---:|---:|---:|")
    for s in data["cpp"].get("stream", []):
        lines.append(f"| {s['kernel']} | {'non-temporal' if s['nt'] else 'normal'} | {s['threads']} | "
                     f"{fmt(s['stream_gbs'], 1)} | {fmt(s['traffic_gbs'], 1)} |")
    lines.append("")
    b = data["bounds"]
    lines.append("One-sweep bound from the copy traffic: "
                 + ", ".join(f"{t} thread{'s' if t != '1' else ''}: {fmt(b[t]['plain'])} Mpts/s at 24 B/pt, "
                             f"{fmt(b[t]['nt'])} Mpts/s at 16 B/pt (NT stores)" for t in sorted(b)) + ".")
    lines.append("")

    # heat
    lines.append("## Heat equation, Mpts/s")
    lines.append("")
    lines.append("| size | implementation | threads | Mpts/s | x bound 24B | x bound 16B | x plain | x OpenMP loop "
                 "| x lesson | x NumPy | x Numba | x Devito |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in data["heat_table"]:
        lines.append(f"| {row['size']} | {row['label']} | {row['threads']} | {fmt(row['mpts'])} | "
                     f"{fmt(row['x_bound24'], 2)} | {fmt(row['x_bound16'], 2)} | {fmt(row['x_plain'], 2)} | "
                     f"{fmt(row['x_loop'], 2)} | "
                     f"{fmt(row['x_lesson'], 1)} | {fmt(row['x_numpy'], 1)} | {fmt(row['x_numba'], 2)} | "
                     f"{fmt(row['x_devito'], 2)} |")
    lines.append("")
    lines.append("x columns: this row's Mpts/s divided by the bound or by that baseline at the same size (plain, "
                 "OpenMP loop, Numba, Devito: same thread count; lesson, NumPy: serial). `auto` is what "
                 "`hpcffi_heat_evolve_steps` picks; plain/streaming/blocked are forced with HPCFFI_HEAT_KERNEL.")
    lines.append("")

    # portable vs native
    if data.get("portable_table"):
        lines.append("## Portable default build vs native build (hpcffi-heat, 2 threads)")
        lines.append("")
        lines.append("The same C++ driver from two builds, interleaved in fresh processes: `-DHPCFFI_NATIVE=ON` "
                     "(-march=native) and the default build, whose kernels are compiled for baseline x86-64, "
                     "x86-64-v3 (avx2) and x86-64-v4 (avx512) and picked at run time; the other variants forced "
                     "with HPCFFI_ISA. Every one printed the same mean temperature, to the last digit.")
        lines.append("")
        lines.append("| size | native Mpts/s | portable (auto) Mpts/s | portable / native | other variants "
                     "(x native) |")
        lines.append("|---|---:|---:|---:|---|")
        for row in data["portable_table"]:
            others = ", ".join(f"{isa}: {fmt(v)} ({fmt(x, 2)})" for isa, v, x in row["others"])
            lines.append(f"| {row['size']} | {fmt(row['native'])} | {fmt(row['portable'])} ({row['isa']}) | "
                         f"{fmt(row['ratio'], 2)} | {others} |")
        lines.append("")

    # updates per cycle
    if data.get("upc_table"):
        lines.append("## Point updates per cycle per core (hpcffi auto)")
        lines.append("")
        lines.append(f"At the {fmt(data['machine'].get('mhz'))} MHz /proc/cpuinfo reports (nominal: the VM's "
                     "cycle counter is not readable, `perf stat` says cycles <not supported>; turbo or "
                     "throttling shift these).")
        lines.append("")
        lines.append("| size | 1 thread | 2 threads |")
        lines.append("|---|---:|---:|")
        for row in data["upc_table"]:
            lines.append(f"| {row['size']} | {fmt(row.get(1), 2)} | {fmt(row.get(2), 2)} |")
        lines.append("")

    # fib
    lines.append("## Fibonacci")
    lines.append("")
    lines.append("| what | hpcffi | GMP direct (C++) | Python ints | hpcffi / GMP |")
    lines.append("|---|---:|---:|---:|---:|")
    for f in data["fib_table"]:
        lines.append(f"| {f['what']} | {f['hpcffi']} | {f['gmp']} | {f['python']} | {f['ratio']} |")
    lines.append("")

    # overhead
    if data["overhead_table"]:
        lines.append("## Python call overhead: 200 steps of 200x200")
        lines.append("")
        lines.append("| driver | threads | 200 x single step (ms) | x C++ | evolve_steps(200) (ms) | x C++ |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for o in data["overhead_table"]:
            lines.append(f"| {o['driver']} | {o['threads']} | {fmt(o['single_ms'], 2)} | {fmt(o['x_single'], 2)} | "
                         f"{fmt(o['multi_ms'], 2)} | {fmt(o['x_multi'], 2)} |")
        lines.append("")

    lines.append("## Goals")
    lines.append("")
    for g in data["goals"]:
        lines.append(f"- {'MET' if g['met'] else 'NOT MET'}: {g['goal']}: {g['value']}")
    if data["notes"]:
        lines.append("")
        lines.append("## Notes")
        lines.append("")
        for n in data["notes"]:
            lines.append(f"- {n}")
    return "\n".join(lines) + "\n"


def analyse(data):
    cpp = data["cpp"]
    # bounds from the copy kernel
    bounds = {}
    for t in (1, 2):
        cp = {s["nt"]: s for s in cpp.get("stream", []) if s["kernel"] == "copy" and s["threads"] == t}
        if cp:
            bounds[str(t)] = {"plain": cp[False]["traffic_gbs"] * 1e3 / 24, "nt": cp[True]["traffic_gbs"] * 1e3 / 16}
    data["bounds"] = bounds

    heat = {}
    for r in cpp.get("heat", []) + data["python_heat"] + data["mpi_heat"]:
        heat[(r["nx"], r["kernel"], r["threads"])] = r
    sizes = sorted({k[0] for k in heat})
    labels = {"auto": "hpcffi auto", "plain": "hpcffi plain", "streaming": "hpcffi streaming (NT)",
              "blocked": "hpcffi blocked", "single_step_api": "hpcffi single-step API (lesson ABI)",
              "lesson": "lesson C kernel (memcpy, divisions)", "numpy": "NumPy slicing (lesson)",
              "openmp_loop": "plain C++ OpenMP loop (divisions, parallel for per step)",
              "numba": "Numba njit parallel", "devito": "Devito OpenMP",
              "mpi_2x1": "hpcffi MPI 2 ranks x 1 thread (deep halos)", "mpi_1x2": "hpcffi MPI 1 rank x 2 threads",
              "mpi_2x1_overlap": "hpcffi MPI 2 ranks x 1 thread (1 exchange/step, overlapped)"}
    order = ["auto", "plain", "streaming", "blocked", "mpi_2x1", "mpi_1x2", "mpi_2x1_overlap", "single_step_api",
             "openmp_loop", "lesson", "numpy", "numba", "devito"]
    table = []
    for n in sizes:
        lesson = heat.get((n, "lesson", 1), {}).get("mpts")
        numpy_ = heat.get((n, "numpy", 1), {}).get("mpts")
        for kernel in order:
            for t in (1, 2):
                r = heat.get((n, kernel, t))
                if r is None:
                    continue
                b = bounds.get(str(t), {})
                table.append({"size": f"{n}x{n}", "n": n, "kernel": kernel, "label": labels[kernel], "threads": t,
                              "mpts": r["mpts"], "x_bound24": ratio(r["mpts"], b.get("plain")),
                              "x_bound16": ratio(r["mpts"], b.get("nt")),
                              "x_plain": ratio(r["mpts"], heat.get((n, "plain", t), {}).get("mpts")),
                              "x_loop": ratio(r["mpts"], heat.get((n, "openmp_loop", t), {}).get("mpts")),
                              "x_lesson": ratio(r["mpts"], lesson), "x_numpy": ratio(r["mpts"], numpy_),
                              "x_numba": ratio(r["mpts"], heat.get((n, "numba", t), {}).get("mpts")),
                              "x_devito": ratio(r["mpts"], heat.get((n, "devito", t), {}).get("mpts"))})
    data["heat_table"] = table

    # portable vs native
    portable_rows = []
    for n in sorted({r["nx"] for r in data.get("portable_heat", [])}):
        rows_n = {r["kernel"]: r for r in data["portable_heat"] if r["nx"] == n}
        nat, por = rows_n.get("driver_native"), rows_n.get("driver_portable")
        if not (nat and por):
            continue
        others = [(r["isa"], r["mpts"], ratio(r["mpts"], nat["mpts"])) for k, r in sorted(rows_n.items())
                  if k.startswith("driver_portable_")]
        portable_rows.append({"size": f"{n}x{n}", "n": n, "native": nat["mpts"], "portable": por["mpts"],
                              "isa": por["isa"], "ratio": ratio(por["mpts"], nat["mpts"]), "others": others})
    data["portable_table"] = portable_rows

    # updates per cycle per core
    mhz = data["machine"].get("mhz")
    data["upc_table"] = ([{"size": f"{n}x{n}", **{t: heat[(n, "auto", t)]["mpts"] / (mhz * t)
                                                  for t in (1, 2) if (n, "auto", t) in heat}} for n in sizes]
                         if mhz else [])

    # Fibonacci
    fib_rows = []
    py = {p["n"]: p for p in data["python_fib"]}
    for f in cpp.get("fib", []):
        if f["kind"] == "exact":
            p = py.get(f["n"])
            fib_rows.append({"what": f"exact F({f['n']:.0e}) to decimal ({f['digits']:,} digits)".replace("e+0", "e"),
                             "hpcffi": f"{f['hpcffi_seconds'] * 1e3:,.1f} ms",
                             "gmp": f"{f['gmp_seconds'] * 1e3:,.1f} ms",
                             "python": (f"{p['python_int_seconds'] * 1e3:,.0f} ms (binary int only)" if p else "n/a"),
                             "ratio": f"{f['hpcffi_seconds'] / f['gmp_seconds']:.3f}",
                             "n": f["n"], "x": f["hpcffi_seconds"] / f["gmp_seconds"]})
    fill_bw = {s["threads"]: s["stream_gbs"] for s in cpp.get("stream", []) if s["kernel"] == "fill" and not s["nt"]}
    fill_bw_nt = {s["threads"]: s["stream_gbs"] for s in cpp.get("stream", []) if s["kernel"] == "fill" and s["nt"]}
    for f in cpp.get("fib", []):
        if f["kind"] == "mod_fill":
            t = f["threads"]
            fib_rows.append({"what": f"F(k) mod 1e9+7, k < {f['count']:.0e}, {t} thread{'s' if t > 1 else ''}"
                             .replace("e+0", "e"),
                             "hpcffi": f"{f['gbs']:.1f} GB/s", "gmp": "",
                             "python": "",
                             "ratio": (f"{f['gbs'] / fill_bw[t]:.2f} of fill bandwidth ({fill_bw[t]:.1f} GB/s; "
                                       f"NT fill {fill_bw_nt.get(t, 0):.1f})" if t in fill_bw else "n/a")})
    data["fib_table"] = fib_rows

    # overhead
    rows = []
    cpp_over = {o["threads"]: o for o in data["cpp_overhead"]}
    for t, o in sorted(cpp_over.items()):
        rows.append({"driver": "C++", "threads": t, "single_ms": o["single_step_loop_seconds"] * 1e3, "x_single": 1.0,
                     "multi_ms": o["evolve_steps_seconds"] * 1e3, "x_multi": 1.0})
    for p in data["python_overhead"]:
        for t in (1, 2):
            o, c = p.get(str(t)), cpp_over.get(t)
            if o and c:
                rows.append({"driver": f"Python ({p['mode']} mode)", "threads": t,
                             "single_ms": o["single_step_loop_seconds"] * 1e3,
                             "x_single": o["single_step_loop_seconds"] / c["single_step_loop_seconds"],
                             "multi_ms": o["evolve_steps_seconds"] * 1e3,
                             "x_multi": o["evolve_steps_seconds"] / c["evolve_steps_seconds"]})
    data["overhead_table"] = rows

    # goals
    goals = []

    def g(goal, met, value):
        goals.append({"goal": goal, "met": bool(met), "value": value})

    def m(n, k, t):
        return heat.get((n, k, t), {}).get("mpts")

    if 8192 in sizes:
        v, b2 = m(8192, "blocked", 2), bounds.get("2", {})
        g("8192x8192, 2 threads, blocked >= 2200 Mpts/s and above the one-sweep bound", v and v >= 2200 and
          v > b2.get("nt", 1e18), f"{fmt(v)} Mpts/s; bound {fmt(b2.get('plain'))} (24 B/pt) / {fmt(b2.get('nt'))} "
          f"(16 B/pt)")
        for t in (1, 2):
            v, b = m(8192, "streaming", t), bounds.get(str(t), {})
            g(f"8192x8192 {t} thread(s): one-sweep path with NT stores >= 0.9 of its bound", v and b and
              v >= 0.9 * b["nt"], f"{fmt(v)} Mpts/s = {fmt(ratio(v, b.get('nt')), 2)} of {fmt(b.get('nt'))}")
    for n, want in ((2000, 1.5), (200, 1.2)):
        if n in sizes:
            for t in (2, 1):
                # The "plain C++ OpenMP loop" (reciprocals, restrict, one
                # sweep per step) is hpcffi's plain path, which runs at or above
                # the figures for it; the division loop is the weaker,
                # textbook baseline.
                v, p = m(n, "auto", t), m(n, "plain", t)
                g(f"{n}x{n} {t} thread(s): auto >= {want}x the plain one-sweep OpenMP loop", v and p and v >= want * p,
                  f"{fmt(v)} vs {fmt(p)} = {fmt(ratio(v, p), 2)}x (the textbook loop with divisions: "
                  f"{fmt(ratio(v, m(n, 'openmp_loop', t)), 2)}x)")
    for n in sizes:
        best = max((m(n, "auto", t) or 0) for t in (1, 2))
        les, npy = m(n, "lesson", 1), m(n, "numpy", 1)
        g(f"{n}x{n}: >= 4x the lesson kernel", les and best >= 4 * les, f"{fmt(ratio(best, les), 1)}x")
        g(f"{n}x{n}: >= 30x NumPy", npy and best >= 30 * npy, f"{fmt(ratio(best, npy), 1)}x")
        for other in ("numba", "devito"):
            o = [m(n, other, t) for t in (1, 2)]
            if any(o):
                mine = [m(n, "auto", t) for t in (1, 2)]
                ahead = all(a and (b is None or a > b) for a, b in zip(mine, o))
                g(f"{n}x{n}: ahead of {other} at 1 and 2 threads", ahead,
                  " / ".join(f"{fmt(a)} vs {fmt(b)}" for a, b in zip(mine, o)))
    if 8192 in sizes:
        v, w = m(8192, "mpi_2x1", 2), m(8192, "mpi_1x2", 2)
        g("8192x8192: MPI 2 ranks x 1 thread >= 0.9 of 1 rank x 2 threads (deep halos, the library's default depth)",
          v and w and v >= 0.9 * w, f"{fmt(v)} vs {fmt(w)} = {fmt(ratio(v, w), 2)}"
          + (f"; one exchange per step: {fmt(m(8192, 'mpi_2x1_overlap', 2))}" if m(8192, "mpi_2x1_overlap", 2) else ""))
    # Goals of issue 11 (performance, round two).
    for row in portable_rows:
        g(f"{row['size']}: portable default build within 0.95x of the native build (2 threads)",
          row["ratio"] and row["ratio"] >= 0.95, f"{fmt(row['portable'])} ({row['isa']}) vs {fmt(row['native'])} "
          f"= {fmt(row['ratio'], 2)}")
    missing_portable = [n for n in (200, 2000, 8192) if n in sizes and n not in {r["n"] for r in portable_rows}]
    if missing_portable:
        g("portable default build within 0.95x of native", False, f"not measured at {missing_portable}")
    for other in ("devito", "numba"):
        pairs = [(n, t, m(n, "auto", t), m(n, other, t)) for n in sizes for t in (1, 2) if m(n, other, t)]
        if pairs:
            worst = min(pairs, key=lambda p: ratio(p[2], p[3]) or 0)
            g(f">= 1.5x {other} at every size and thread count", all(a and a >= 1.5 * b for _, _, a, b in pairs),
              f"lowest {fmt(ratio(worst[2], worst[3]), 2)}x at {worst[0]}x{worst[0]}, {worst[1]} thread(s) "
              f"({fmt(worst[2])} vs {fmt(worst[3])}); all: "
              + ", ".join(f"{n}/{t}t {fmt(ratio(a, b), 2)}" for n, t, a, b in pairs))
    if 8192 in sizes and 200 in sizes:
        big, small = m(8192, "auto", 2), m(200, "auto", 2)
        g("8192x8192 on 2 threads >= 0.85 of the 200x200 rate on 2 threads", big and small and big >= 0.85 * small,
          f"{fmt(big)} vs {fmt(small)} = {fmt(ratio(big, small), 2)}")
    identical = (all(r["identical_to_plain"] for r in cpp.get("heat", [])
                     if r["kernel"] not in ("lesson", "openmp_loop"))
                 and not any("differs from" in n for n in data["notes"]))
    g("every path bitwise identical to every other (harness memcmp at 1-2 threads; drivers of every ISA variant "
      "and MPI rank count print the same mean to the last digit)", identical,
      "identical" if identical else "see the notes")
    for o in rows:
        if o["driver"] == "Python (api mode)":
            g(f"Python (api) evolve_steps(200) on 200x200 within 1.05x of C++, {o['threads']} thread(s)",
              o["x_multi"] <= 1.05, f"{o['x_multi']:.2f}x ({o['multi_ms']:.2f} vs "
              f"{o['multi_ms'] / o['x_multi']:.2f} ms)")
    for row in fib_rows:
        if row.get("n") == 10**7:
            g("exact F(10^7) within 1.1x of direct GMP", row["x"] <= 1.1, f"{row['x']:.3f}x")
    data["goals"] = goals


def plot(data, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:  # noqa: BLE001
        data["notes"].append(f"no plot: matplotlib unavailable ({e})")
        return None
    rows = [r for r in data["heat_table"] if r["threads"] == 2 or r["kernel"] in ("lesson", "numpy")]
    sizes = sorted({r["n"] for r in rows})
    kernels = ["auto", "blocked", "streaming", "plain", "mpi_2x1", "single_step_api", "openmp_loop", "devito", "numba",
               "lesson", "numpy"]
    kernels = [k for k in kernels if any(r["kernel"] == k for r in rows)]
    fig, ax = plt.subplots(figsize=(11, 5.5))
    width = 0.8 / len(kernels)
    for k_index, k in enumerate(kernels):
        xs, ys = [], []
        for s_index, n in enumerate(sizes):
            for r in rows:
                if r["n"] == n and r["kernel"] == k:
                    xs.append(s_index + (k_index - len(kernels) / 2 + 0.5) * width)
                    ys.append(r["mpts"])
        label = next(r["label"] for r in rows if r["kernel"] == k)
        label += "" if k in ("lesson", "numpy") else " (2 threads)"
        ax.bar(xs, ys, width, label=label, color=plt.cm.tab20(k_index % 20))  # distinct colours for up to 20
    b = data["bounds"].get("2")
    if b:
        ax.axhline(b["plain"], color="k", linestyle="--", linewidth=1, label="one-sweep bound, 2 threads, 24 B/pt")
        ax.axhline(b["nt"], color="k", linestyle=":", linewidth=1, label="one-sweep bound, 2 threads, 16 B/pt (NT)")
    ax.set_yscale("log")
    ax.set_xticks(range(len(sizes)))
    ax.set_xticklabels([f"{n}x{n}" for n in sizes])
    ax.set_ylabel("Mpts/s (median, log scale)")
    ax.set_title(f"2D heat, 5-point stencil: {data['machine'].get('Model name', '')}, {data['machine']['date']}"
                 + (" (contended)" if data["contended"] else ""))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="about one minute: fewer sizes, rounds, shorter runs")
    parser.add_argument("--harness", required=True, help="path of the heat_bench executable")
    parser.add_argument("--apps", help="folder with hpcffi-heat and hpcffi-heat-mpi (MPI rows)")
    parser.add_argument("--portable-apps", help="folder with the portable (default) build's hpcffi-heat")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--command", default="bench/run.sh")
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    notes = []
    data = {"machine": machine_info(), "command": args.command, "load_start": loadavg(), "notes": notes}
    cpu_start = cpu_snapshot()
    sizes = [200, 2000, 4096] if args.quick else [200, 2000, 4096, 8192]
    rounds = 3 if args.quick else 5
    seconds = 0.06 if args.quick else 0.25

    print(f"bench: C++ harness ({'quick' if args.quick else 'full'}) ...", file=sys.stderr)
    t0 = time.time()
    cmd = [args.harness, "--sections", "stream,heat,fib"] + (["--quick"] if args.quick else [])
    env = dict(os.environ, OMP_PROC_BIND="close", OMP_PLACES="cores")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{proc.stderr}")
    if proc.stderr.strip():
        notes.append("harness: " + proc.stderr.strip().replace("\n", "; "))
    data["cpp"] = json.loads(proc.stdout)
    print(f"bench: C++ harness done in {time.time() - t0:.0f} s", file=sys.stderr)

    print("bench: Python call overhead (C++ and Python drivers interleaved) ...", file=sys.stderr)
    data["cpp_overhead"], data["python_overhead"] = python_overhead(args.harness, args.quick, notes)
    print("bench: Python-side kernels ...", file=sys.stderr)
    data["python_heat"] = python_heat(sizes, rounds, seconds, hpcffi_reference_factory(notes), notes)
    print("bench: MPI driver ...", file=sys.stderr)
    data["mpi_heat"] = (mpi_heat(args.apps, sizes, rounds, 2 * seconds, data["cpp"].get("heat", []), notes)
                        if args.apps else [])
    print("bench: portable vs native build ...", file=sys.stderr)
    data["portable_heat"] = portable_vs_native(args.apps, args.portable_apps,
                                               [200, 2000] if args.quick else [200, 2000, 8192], rounds,
                                               2 * seconds, data["cpp"].get("heat", []), notes)
    print("bench: Python ints ...", file=sys.stderr)
    data["python_fib"] = python_fib([10**6, 10**7], 1 if args.quick else 3)
    data["load_end"] = loadavg()

    loads = [load1(data["load_start"]), load1(data["load_end"]), load1(data["cpp"]["load_start"]),
             load1(data["cpp"]["load_end"])]
    loads += [load1(r[k]) for r in data["cpp"].get("heat", []) + data["python_heat"] + data["mpi_heat"]
              + data["portable_heat"]
              for k in ("load_before", "load_after")]
    data["max_load"] = max(loads)
    data["other_cores"], data["stolen_cores"] = other_load(cpu_start, cpu_snapshot())
    # More than a fifth of a core taken by other work, on average, shows in
    # the 2-thread figures on a 2-core machine.
    data["contended"] = data["other_cores"] + data["stolen_cores"] > 0.2
    notes.append(f"other processes used {data['other_cores']:.2f} cores on average during the run, the hypervisor "
                 f"took {data['stolen_cores']:.2f}" + (": CONTENDED, 2-thread figures suffer most" if data["contended"]
                                                       else ": a quiet run"))
    for py in data["python_fib"]:
        for f in data["cpp"].get("fib", []):
            if f["kind"] == "exact" and f["n"] == py["n"] and not f.get("identical", True):
                notes.append(f"F({py['n']}): hpcffi and GMP digits differ!")
    for r in data["cpp"].get("heat", []):
        if r["kernel"] not in ("lesson", "openmp_loop") and not r["identical_to_plain"]:
            notes.append(f"{r['kernel']} {r['threads']}t at {r['nx']}x{r['ny']} NOT bitwise identical to plain!")
    for r in data["python_heat"]:
        d = r.get("max_rel_diff_to_hpcffi")
        if d is not None and d > 1e-9:
            notes.append(f"{r['kernel']} at {r['nx']}x{r['ny']} differs from hpcffi by {d:.2e} (relative)")
    lesson_diffs = [r["max_rel_diff_to_plain"] for r in data["cpp"].get("heat", [])
                    if r["kernel"] in ("lesson", "openmp_loop")]
    py_diffs = [r["max_rel_diff_to_hpcffi"] for r in data["python_heat"] if r.get("max_rel_diff_to_hpcffi")
                is not None]
    notes.append("checks before timing: every hpcffi path is bitwise identical to plain; lesson kernel and "
                 f"OpenMP loop max relative difference {max(lesson_diffs, default=0):.1e}; NumPy/Numba/Devito max "
                 "relative difference to "
                 f"hpcffi {max(py_diffs, default=0):.1e} (divisions vs reciprocals, operation order)")

    analyse(data)
    base = os.path.join(args.out, f"bench-{stamp}")
    data["plot"] = plot(data, base + ".png")
    report = build_report(data)
    with open(base + ".json", "w") as f:
        json.dump(data, f, indent=1)
    with open(base + ".md", "w") as f:
        f.write(report)
    print(report)
    print(f"bench: wrote {base}.json, {base}.md" + (f", {base}.png" if data["plot"] else ""), file=sys.stderr)


if __name__ == "__main__":
    main()
