#!/usr/bin/env python3
"""Call overhead of hpcffi from Python: the three cffi modes vs ctypes vs pure Python.

Not a test: prints ns per call (median and min of repeated timeit runs, loop
overhead included) for
  * a trivial call: hpcffi_has_openmp()
  * an array call:  hpcffi_add(a, b, 1000) with ffi.from_buffer() on every call
    (ctypes: a.ctypes.data_as() on every call; baseline: NumPy's own a += b)
and the ratio of each median to API mode; then the cost of check_finite (the
default NaN/infinity check of the array API) side by side, checked vs
unchecked, for add and for evolve_steps on fields of a few sizes. Run it from a
build tree:

    .venv/bin/python bench/call_overhead.py [--repeat 15] [--number 20000]

(PYTHONPATH=<build>/python if the venv is not registered with the build).
Timings on a shared machine are orders of magnitude only.
"""

import argparse
import ctypes
import statistics
import timeit

import numpy as np

import hpcffi
from hpcffi import _ffi


def measure(stmt, number, repeat):
    times = timeit.repeat(stmt, number=number, repeat=repeat)
    per_call = [t / number * 1e9 for t in times]
    return statistics.median(per_call), min(per_call)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timeit repeats (median and min over them)")
    parser.add_argument("--number", type=int, default=20000, help="calls per repeat")
    parser.add_argument("--size", type=int, default=1000, help="doubles per array call")
    parser.add_argument("--threads", type=int, default=1,
                        help="library threads (default 1: an OpenMP fork/join costs about 1 us, more than the call)")
    args = parser.parse_args()
    hpcffi.set_num_threads(args.threads)

    n = args.size
    a = np.zeros(n)
    b = np.full(n, 1e-9)
    rows = []  # (label, trivial-call stmt or None, array-call stmt or None)

    for mode in _ffi.MODES:
        ffi, lib = _ffi.load(mode)
        has_openmp = lib.hpcffi_has_openmp
        add = lib.hpcffi_add
        from_buffer = ffi.from_buffer
        rows.append((f"cffi {mode}", has_openmp,
                     lambda add=add, fb=from_buffer: add(fb("double[]", a), fb("double[]", b), n)))

    ffi, lib = _ffi.load("api")
    pa, pb = ffi.from_buffer("double[]", a), ffi.from_buffer("double[]", b)
    rows.append(("cffi api, pointers made once", None, lambda: lib.hpcffi_add(pa, pb, n)))
    rows.append((f"hpcffi.add (checked wrapper, {hpcffi.mode})", None, lambda: hpcffi.add(a, b)))

    cdll = ctypes.CDLL(_ffi.library_path())
    c_has_openmp = cdll.hpcffi_has_openmp
    c_has_openmp.argtypes, c_has_openmp.restype = [], ctypes.c_int
    c_add = cdll.hpcffi_add
    c_add.argtypes = [ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_double), ctypes.c_int64]
    c_add.restype = ctypes.c_int
    dptr = ctypes.POINTER(ctypes.c_double)
    rows.append(("ctypes (argtypes set)", c_has_openmp,
                 lambda: c_add(a.ctypes.data_as(dptr), b.ctypes.data_as(dptr), n)))

    def python_trivial():
        return 1

    rows.append(("pure Python function / NumPy a += b", python_trivial, lambda: np.add(a, b, out=a)))

    results = []
    for label, trivial, array in rows:
        t = measure(trivial, args.number, args.repeat) if trivial else None
        r = measure(array, args.number, args.repeat) if array else None
        results.append((label, t, r))

    api_t, api_r = results[0][1][0], results[0][2][0]
    print(f"hpcffi {hpcffi.__version__}, library {_ffi.library_path()}, {hpcffi.get_num_threads()} library thread(s)")
    print(f"ns per call, median / min of {args.repeat} x {args.number} calls; ratio = median / cffi api median")
    print(f"{'call':42s} {'trivial (has_openmp)':>24s} {'ratio':>6s}   {f'add, {n} doubles':>24s} {'ratio':>6s}")

    def cell(value, ref):
        if value is None:
            return f"{'-':>24s} {'':>6s}"
        return f"{value[0]:>12.0f} / {value[1]:>9.0f} {value[0] / ref:>6.2f}"

    for label, t, r in results:
        print(f"{label:42s} {cell(t, api_t)}   {cell(r, api_r)}")
    print()
    finite_check_cost(args)


def finite_check_cost(args):
    """check_finite=True (the default) vs False: the same call, median ns, and what the check adds."""
    print("check_finite: median / min ns per call, checked (default) vs check_finite=False")
    print(f"{'call':42s} {'unchecked':>20s} {'checked':>20s} {'check adds':>11s}")
    cases = []
    n = args.size
    a, b = np.zeros(n), np.full(n, 1e-9)
    cases.append((f"hpcffi.add, {n} doubles", args.number,
                  lambda check: (lambda: hpcffi.add(a, b, check_finite=check))))
    for side, steps in ((200, 1), (2000, 1), (2000, 10)):
        field = np.full((side, side), 20.0)
        scratch = np.empty_like(field)
        number = max(3, args.number // (side * side * steps // 1000 + 1))
        cases.append((f"hpcffi.evolve_steps, {side}x{side}, {steps} step{'s' if steps > 1 else ''}", number,
                      lambda check, field=field, scratch=scratch, steps=steps:
                      (lambda: hpcffi.evolve_steps(field, steps, 0.5, scratch=scratch, check_finite=check))))
    for label, number, make in cases:
        off = measure(make(False), number, args.repeat)
        on = measure(make(True), number, args.repeat)
        print(f"{label:42s} {off[0]:>9.0f} / {off[1]:>8.0f} {on[0]:>9.0f} / {on[1]:>8.0f} "
              f"{100.0 * (on[0] - off[0]) / off[0]:>+10.1f}%")


if __name__ == "__main__":
    main()
