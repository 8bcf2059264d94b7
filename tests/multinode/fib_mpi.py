#!/usr/bin/env python3
"""Fibonacci over the MPI ranks of a job, for the `multinode` tests (run under srun).

    srun python fib_mpi.py COUNT EXACT

Every rank computes its block of F(0) .. F(COUNT - 1) with
hpcffi_fib_mpi_sequence_mod (gathered on rank 0) and receives the exact
F(EXACT) from the last rank (hpcffi_fib_mpi_exact_bcast). Rank 0 prints the
host of every rank, the values one per line (as `python -m hpcffi fib COUNT`
does) and F(EXACT); the test compares them with the serial command.
The modulus is 2**64 - 1: F(k) < 2**64 - 1 for k <= 93, so the residues are the
values themselves.
"""

import sys

from mpi4py import MPI

import hpcffi
from hpcffi.errors import check

MODULUS = 2**64 - 1


def main(count, exact):
    comm = MPI.COMM_WORLD
    ffi, lib = hpcffi.ffi, hpcffi.lib
    hosts = comm.gather(MPI.Get_processor_name(), root=0)

    out = ffi.new("uint64_t[]", max(count, 1))
    check(lib.hpcffi_fib_mpi_sequence_mod(comm.py2f(), 0, count, MODULUS, out, 0))

    size = ffi.new("size_t *")
    check(lib.hpcffi_fib_exact_size(exact, size))
    buffer, ndigits = ffi.new("char[]", size[0]), ffi.new("size_t *")
    check(lib.hpcffi_fib_mpi_exact_bcast(comm.py2f(), exact, buffer, size[0], ndigits, comm.size - 1))
    digits = comm.gather(ffi.string(buffer, ndigits[0]).decode(), root=0)

    if comm.rank == 0:
        print("fib-mpi: rank:host " + " ".join(f"{r}:{h}" for r, h in enumerate(hosts)), flush=True)
        for k in range(count):
            print(int(out[k]))
        # Every rank got the same digits from the broadcast.
        print(f"fib-mpi: F({exact}) on {len(set(digits))} distinct value(s) over {comm.size} ranks")
        print(f"F({exact}) = {digits[0]}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
