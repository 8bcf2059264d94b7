"""Look at an HDF5 field file's metadata; run as a child process by :func:`hpcffi.hdf5io.describe`.

libhdf5 1.10 dies with a segmentation fault on some damaged files (fuzzing
found a one-byte change in an object header that does it as soon as the
dataset is looked up). A run must not die without a message on a bad input
or checkpoint, so the first look at a file happens in a child process
(``python _hdf5_probe.py PATH``, printing one JSON object): if libhdf5 crashes
there, the parent reports a damaged file. This file imports only h5py and
NumPy, never hpcffi, so the child starts quickly and never initialises MPI.

:func:`check_dataset` is also used in the parent before every read of
``/field``: it refuses a dataset whose data cannot all be inside the file
(another crash found by fuzzing: a layout damaged into "compact").
"""

import json
import os
import sys

DATASET = "field"


def check_dataset(handle, path):
    """The ``/field`` dataset of an open h5py file, checked to be a 2D real field stored in the file."""
    import numpy as np

    dataset = handle.get(DATASET)
    if dataset is None or not hasattr(dataset, "shape"):
        raise ValueError(f"{path}: no dataset '/{DATASET}' (not a field written by hpcffi or a compatible tool)")
    if len(dataset.shape) != 2:
        raise ValueError(f"{path}: dataset '/{DATASET}' has shape {dataset.shape}, expected a 2D field")
    if not (np.issubdtype(dataset.dtype, np.floating) or np.issubdtype(dataset.dtype, np.integer)):
        raise ValueError(f"{path}: dataset '/{DATASET}' holds {dataset.dtype}, expected real numbers")
    if dataset.chunks is None:  # chunked data: HDF5 checks each chunk's address itself
        offset = dataset.id.get_offset()
        stored = dataset.id.get_storage_size()
        expected = dataset.size * dataset.dtype.itemsize
        if offset is None:
            raise ValueError(f"{path}: dataset '/{DATASET}' has no data stored in the file (a compact or damaged "
                             "layout; hpcffi reads contiguous and chunked datasets)")
        if stored != expected or offset + stored > os.path.getsize(path):
            raise ValueError(f"{path}: dataset '/{DATASET}' does not hold its {expected} bytes inside the file "
                             f"(offset {offset}, {stored} bytes stored): a damaged or truncated file")
    return dataset


def decoded(value):
    """An attribute value as plain JSON-able Python."""
    import numpy as np

    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return [decoded(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def describe(path):
    """{"shape": [nx, ny], "attrs": {...}} of a field file, or {"error": "..."}."""
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            dataset = check_dataset(handle, path)
            attrs = {key: decoded(value) for key, value in handle.attrs.items()}
            return {"shape": [int(n) for n in dataset.shape], "attrs": attrs}
    except OSError as error:
        return {"error": f"{path}: not a readable HDF5 file ({error})"}
    except (ValueError, KeyError, TypeError, RuntimeError) as error:
        return {"error": str(error) if str(error).startswith(str(path)) else f"{path}: {error}"}


if __name__ == "__main__":
    print(json.dumps(describe(sys.argv[1]), allow_nan=True))
