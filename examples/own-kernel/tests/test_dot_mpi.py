"""test_dot_mpi.py -- run under mpiexec at any rank count: the distributed dot product.

Each rank holds an uneven slice of one global vector; every rank must get
the serial answer of the same blocks summed in rank order, bitwise, and a bad
argument on one rank must fail on every rank (no hang). Exit 1 on failure.
"""
import sys

import numpy as np
from mpi4py import MPI

import hpcffi
import hpcdot

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
n = 100_003
x = np.arange(n, dtype=np.float64)
y = n - x
bounds = [n * r // size for r in range(size + 1)]
lo, hi = bounds[rank], bounds[rank + 1]
failures = []

result = hpcdot.dot_mpi(np.ascontiguousarray(x[lo:hi]), np.ascontiguousarray(y[lo:hi]), comm)
expected = 0.0
for r in range(size):  # the serial kernel per rank, added in rank order
    expected += hpcdot.dot(np.ascontiguousarray(x[bounds[r]:bounds[r + 1]]), np.ascontiguousarray(y[bounds[r]:bounds[r + 1]]))
if result.hex() != expected.hex() or result != (n - 1) * n * (n + 1) // 6:
    failures.append(f"rank {rank}: dot_mpi = {result!r}, expected {expected!r}")

# Rank 0 passes a NULL result: every rank must raise, none may hang.
try:
    px = hpcdot.ffi.from_buffer("double[]", x)
    out = hpcdot.ffi.NULL if rank == 0 else hpcdot.ffi.new("double *")
    hpcdot._check(hpcdot.lib.hpcdot_dot_mpi(comm.py2f(), px, px, 1, out))
    failures.append(f"rank {rank}: a NULL result on rank 0 was accepted")
except hpcffi.InvalidArgumentError as error:
    if ("this rank" in str(error)) != (rank == 0):
        failures.append(f"rank {rank}: unexpected message {error}")

all_failures = comm.allgather(failures)
if rank == 0:
    for rank_failures in all_failures:
        for failure in rank_failures:
            print("FAIL:", failure)
    print(f"dot_mpi on {size} ranks: {'FAILED' if any(all_failures) else 'ok'} (result {result!r})")
sys.exit(1 if any(all_failures) else 0)
