"""hpcffi's own measurements: the C++ harness, the MPI driver, the portable
build against the native one, the Python call overhead, and the reference
field the peers are checked against."""

import json
import math
import os
import re
import statistics
import subprocess
import sys

from .common import A, DX2, DY2, ROOT, initial_field, loadavg, max_stable_dt

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


def portable_vs_native(native_apps, portable_apps, sizes, rounds, seconds, cpp_heat, notes, portable_wisdom=None):
    """hpcffi-heat of the native build (-march=native) against the portable
    default build's, 2 threads, interleaved in fresh processes, at each size;
    the portable driver also with every other ISA variant it has (HPCFFI_ISA).
    Every configuration must print the native driver's mean temperature to
    the last digit (all variants give the same bits). Returns rows like the
    harness's, kernel "driver_native", "driver_portable" (automatic choice),
    "driver_portable_<isa>". Each build reads its own wisdom: the native one
    HPCFFI_WISDOM from the environment, the portable one portable_wisdom."""
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
        tuned = {"HPCFFI_WISDOM": portable_wisdom} if portable_wisdom else {}
        configs = {"driver_native": (native, {}), "driver_portable": (portable, tuned)}
        try:
            _, reference_mean, native_isa = run([native, *common], {})
            _, mean, auto_isa = run([portable, *common], tuned)
            if mean != reference_mean:
                notes.append(f"portable build at {n}x{n}: mean {mean} differs from the native {reference_mean}!")
            for isa in ("avx512_intel", "avx512", "avx2", "baseline"):
                if isa == auto_isa:
                    continue
                try:
                    _, mean, _ = run([portable, *common], {"HPCFFI_ISA": isa, **tuned})
                except RuntimeError:
                    continue  # not compiled in or not supported by this CPU
                if mean != reference_mean:
                    notes.append(f"portable build, HPCFFI_ISA={isa}, at {n}x{n}: mean {mean} differs from the "
                                 f"native {reference_mean}!")
                configs[f"driver_portable_{isa}"] = (portable, {"HPCFFI_ISA": isa, **tuned})
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
            isa = {"driver_native": "native", "driver_portable": auto_isa}.get(name, name.removeprefix("driver_portable_"))
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
    # On cache line boundaries, as the C++ side's buffers are: the rows compare call overheads,
    # not where NumPy happened to put the arrays (docs/performance.md, field alignment).
    u, up, field, scratch = (hpcffi.zeros_aligned((N, N)) for _ in range(4))
    u[...] = init; up[...] = init; field[...] = init; scratch[...] = init
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


# ---- the C++ harness ------------------------------------------------------------

def cpp_harness(harness, sections, seconds, rounds, quick):
    """heat_bench's JSON for `sections`, every measurement `rounds` interleaved
    rounds of about `seconds` each, after its calibration runs (the last of
    them at least a quarter of a round: the warm-up). hpcffi's own kernel
    settings come from the environment (HPCFFI_WISDOM: the tuned choices)."""
    cmd = [harness, *(["--quick"] if quick else []), "--sections", sections, "--seconds", str(seconds),
           "--rounds", str(rounds)]
    env = dict(os.environ, OMP_PROC_BIND="close", OMP_PLACES="cores")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{proc.stderr}")
    return json.loads(proc.stdout), proc.stderr.strip()


# ---- what auto runs: the tuner's choices ------------------------------------------

def tuned_choices(sizes, notes):
    """What hpcffi_heat_evolve_steps runs at each size on 1 and 2 threads
    (hpcffi.heat_choice), and which wisdom file decided it."""
    try:
        import hpcffi
    except Exception as e:  # noqa: BLE001
        notes.append(f"tuned choices unknown: hpcffi not importable ({type(e).__name__}: {e})")
        return {"wisdom": None, "choices": []}
    info = hpcffi.wisdom_info()
    if not info["in_use"]:
        notes.append("no wisdom in use: auto ran the cache-size rule" + (f" ({info['note']})" if info["note"] else ""))
    choices = []
    for n in sizes:
        for threads in (1, 2):
            with hpcffi.num_threads(threads):
                choices.append({"n": n, "threads": threads, **hpcffi.heat_choice(n, n, 1000)})
    return {"wisdom": info, "choices": choices}
