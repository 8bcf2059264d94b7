"""bench_dot.py [--quick] -- hpcdot.dot against NumPy's dot, in GB/s of input read.

Every figure is checked first (hpcdot agrees with math.fsum to 1e-12), then
timed: the median of several rounds, the two candidates interleaved so that
a noisy machine hurts both alike. A dot product reads 16 bytes per element
and does 2 flops: it is bound by memory bandwidth beyond the caches, where
NumPy's BLAS and this loop should meet. Never a pass/fail on speed.
"""
import argparse
import math
import statistics
import time

import hpcffi
import numpy as np

import hpcdot


def timed(function, repeat):
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few rounds (what the test runs)")
    parser.add_argument("--threads", type=int, default=0, help="hpcffi threads (0: OMP_NUM_THREADS)")
    args = parser.parse_args()
    sizes = [10_000, 1_000_000] if args.quick else [10_000, 1_000_000, 10_000_000, 100_000_000]
    rounds = 3 if args.quick else 7
    hpcffi.set_num_threads(args.threads)
    print(f"hpcdot.dot vs numpy.dot, {hpcffi.get_num_threads()} hpcffi thread(s), median of {rounds} rounds")
    print(f"{'n':>12} {'hpcdot GB/s':>12} {'numpy GB/s':>11} {'ratio':>6}")
    rng = np.random.default_rng(1)
    for n in sizes:
        x, y = rng.standard_normal(n), rng.standard_normal(n)
        reference = math.fsum(x * y)
        got = hpcdot.dot(x, y)
        if abs(got - reference) > 1e-12 * math.fsum(abs(x * y)):
            raise SystemExit(f"bench_dot: n = {n}: hpcdot.dot = {got!r}, math.fsum gives {reference!r}")
        repeat = max(1, 20_000_000 // n)
        ours, theirs = [], []
        for _ in range(rounds):
            ours.append(timed(lambda: hpcdot.dot(x, y), repeat))
            theirs.append(timed(lambda: np.dot(x, y), repeat))
        gb = 16 * n / 1e9
        a, b = gb / statistics.median(ours), gb / statistics.median(theirs)
        print(f"{n:>12} {a:>12.1f} {b:>11.1f} {a / b:>6.2f}")
    print("bench_dot: results checked against math.fsum: ok")


if __name__ == "__main__":
    main()
