"""Input files whose header announces a 100000000 x 100000000 field (74505806 GiB) and hold almost nothing.

One per input format: the lesson's text (``.dat``), ``.npy`` (a header and no
data) and ``.h5`` (a chunked dataset with no chunk written: a few KiB). Used by
the serial and the MPI tests of issue 19, defect 3.
"""

import numpy as np

HUGE = 100_000_000
MESSAGE = (r"announces a 100000000 x 100000000 field \(74505806\.0 GiB as float64\); this process needs [0-9.]+ GiB "
           r"for its part of it, more than this machine's available memory")


def write_huge_inputs(folder):
    """The three files in ``folder``; returns their paths by format."""
    import h5py

    paths = {"dat": f"{folder}/huge.dat", "npy": f"{folder}/huge.npy", "h5": f"{folder}/huge.h5"}
    with open(paths["dat"], "w", encoding="ascii") as handle:
        handle.write(f"# {HUGE} {HUGE}\n1 2 3\n")
    with open(paths["npy"], "wb") as handle:
        np.lib.format.write_array_header_1_0(handle, {"descr": "<f8", "fortran_order": False,
                                                      "shape": (HUGE, HUGE)})
    with h5py.File(paths["h5"], "w") as handle:
        handle.create_dataset("field", shape=(HUGE, HUGE), dtype="<f8", chunks=(1000, 1000))
    return paths
