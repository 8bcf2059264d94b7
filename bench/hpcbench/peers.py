"""The peers: the same update in NumPy (the lesson's slicing), Numba and Devito,
each checked against hpcffi before it is timed; Fibonacci with Python ints."""

import math
import os
import statistics
import sys
import time

# Before Numba or Devito is imported: Numba's OpenMP threading layer shares
# libgomp's thread pool with hpcffi and Devito (its default workqueue layer
# ran 5-10x slower here, its threads competing with the OpenMP ones); Devito
# generates OpenMP code and stays quiet.
os.environ.setdefault("NUMBA_THREADING_LAYER", "omp")
os.environ.setdefault("DEVITO_LANGUAGE", "openmp")
os.environ.setdefault("DEVITO_LOGGING", "ERROR")

from .common import A, DX2, DY2, calibrate, initial_field, interleaved, loadavg, max_stable_dt  # noqa: E402

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
