"""Peak memory per rank of a distributed heat run with a checkpoint and images (run under mpiexec -n 4).

    mpiexec -n 4 python tests/python/mpi/check_peak_memory.py [N] [FOLDER]

Runs hpcffi.run on an N x N field (default 8192: 512 MiB, more than any one
rank may hold) for 4 steps with an image and a checkpoint every 2 steps and the
final HDF5 field, then compares each rank's own peak RSS (getrusage): rank 0,
which writes the images and renames the files, may use at most 1.25 times the
median of the other ranks. Before the distributed I/O, rank 0 gathered the
whole field for every image and checkpoint: 3.58 GiB against 564 MiB at 2 ranks.
Peak memory is the figure; no timings are asserted.
"""

import resource
import shutil
import statistics
import sys
import tempfile

from mpi4py import MPI

from hpcffi.run import HeatConfig, run

LIMIT = 1.25


def main():
    comm = MPI.COMM_WORLD
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8192
    folder = sys.argv[2] if len(sys.argv) > 2 else None
    made = None
    if folder is None:
        made = comm.bcast(tempfile.mkdtemp(prefix="hpcffi-memory-") if comm.rank == 0 else None)
        folder = made
    config = HeatConfig(nx=n, ny=n, steps=4, png_every=2, checkpoint_every=2, checkpoint=f"{folder}/heat.h5",
                        output_dir=f"{folder}/out", threads=1)
    result = run(config, comm=comm, log=print if comm.rank == 0 else None)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peaks = comm.gather(peak_mib)
    code = 0
    if comm.rank == 0:
        field_mib = 8 * n * n / 2**20
        others = statistics.median(peaks[1:]) if len(peaks) > 1 else peaks[0]
        print(f"field {n} x {n}: {field_mib:.0f} MiB; {comm.size} ranks, status {result.status}")
        for rank, peak in enumerate(peaks):
            print(f"rank {rank}: peak RSS {peak:.0f} MiB ({peak / field_mib:.2f} x the field)")
        ratio = peaks[0] / others
        print(f"rank 0 / median of the others: {ratio:.3f} (limit {LIMIT})")
        if result.status != "finished" or ratio > LIMIT:
            print("FAIL: rank 0 holds more than its share", file=sys.stderr)
            code = 1
        if made:
            shutil.rmtree(made, ignore_errors=True)
    return comm.bcast(code)


if __name__ == "__main__":
    sys.exit(main())
