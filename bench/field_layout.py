#!/usr/bin/env python3
"""Where a field and its scratch start within a cache line, and what it costs: evolve_steps side by side.

Not a test (rates prove nothing on a shared machine; the bits are checked
here and in tests/python/test_alignment.py). Run it with a build's package:

    PYTHONPATH=build/python OMP_PROC_BIND=close OMP_PLACES=cores \\
        /usr/bin/python3 bench/field_layout.py [N] [THREADS] [STEPS] [ROUNDS]

(defaults 200 1 100000 5). Four layouts of the same N x N field, timed in
interleaved rounds in one process, medians, each as a ratio to the first:
  - a NumPy field and a NumPy scratch (each starts 16-byte aligned, at one of
    four offsets in a 64-byte line; the line printed says which),
  - a NumPy field with a 64-byte aligned scratch (what hpcffi allocated for
    scratch=None before 2026-12-06),
  - a NumPy field with scratch=None (the library's scratch, now at the field's
    offset in a line),
  - a 64-byte aligned field with a scratch at the same offset (what
    hpcffi.fields.LocalField, under `python -m hpcffi heat`, uses).
Every layout must end with the same bits; the last line says whether they did.
"""

import statistics
import sys
import time

import numpy as np

import hpcffi


def main(n=200, threads=1, steps=100_000, rounds=5):
    hpcffi.set_num_threads(threads)
    start = np.random.default_rng(1).uniform(0.0, 90.0, size=(n, n))
    points = (n - 2) ** 2
    numpy_field, numpy_scratch = start.copy(), np.empty_like(start)
    aligned_field = hpcffi.zeros_aligned((n, n))
    layouts = {
        "numpy field, numpy scratch": (numpy_field, numpy_scratch),
        "numpy field, 64-byte aligned scratch (old scratch=None)": (numpy_field, hpcffi.empty_aligned((n, n))),
        "numpy field, scratch=None (the field's offset)": (numpy_field, None),
        "64-byte aligned field, scratch at its offset": (aligned_field,
                                                          hpcffi.empty_aligned((n, n), like=aligned_field)),
    }
    print(f"{n}x{n}, {threads} thread(s), {steps} steps, {rounds} rounds, hpcffi {hpcffi.__version__}, "
          f"kernels {hpcffi.isa()}; the NumPy field starts {numpy_field.ctypes.data % 64} and the NumPy "
          f"scratch {numpy_scratch.ctypes.data % 64} bytes into a 64-byte line")
    rates = {name: [] for name in layouts}
    bits = {}
    for _ in range(rounds):
        for name, (field, scratch) in layouts.items():
            field[...] = start
            t0 = time.perf_counter()
            hpcffi.evolve_steps(field, steps, 0.5, scratch=scratch)
            rates[name].append(points * steps / (time.perf_counter() - t0) / 1e6)
            bits[name] = field.tobytes()
    baseline = statistics.median(rates["numpy field, numpy scratch"])
    for name, values in rates.items():
        rate = statistics.median(values)
        print(f"  {name:58s} {rate:7.0f} Mpts/s  x{rate / baseline:.2f}")
    same = len(set(bits.values())) == 1
    print(f"  the same bits in every layout: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:5])))
