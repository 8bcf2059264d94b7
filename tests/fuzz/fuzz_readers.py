"""Coverage-guided fuzzing of hpcffi's file readers with atheris (not part of CI: scripts/fuzz.sh runs it).

    python tests/fuzz/fuzz_readers.py TARGET [-atheris_runs=N] [-max_len=BYTES] [CORPUS_DIR]

TARGET is one of:
  text        fieldio.read_text: the lesson's '# nx ny' text format
  npy         fieldio.probe_shape + read_block of a .npy input (memory-mapped)
  h5          fieldio.probe_shape + read_block of an HDF5 input (dataset /field)
  checkpoint  checkpoint.read_info + load_into: validation of an HDF5 checkpoint

Every input is written to a file and given to the reader. The readers may
refuse it only with their documented exceptions (FieldFormatError,
CheckpointError); any other exception, a hang or a crash is a finding, which
atheris reports with the input that caused it (crash-<sha1> in the current
folder). Valid seeds are made on start, so mutations begin from real files.
"""

import io
import os
import sys
import tempfile

import atheris
import numpy as np

with atheris.instrument_imports():
    from hpcffi import checkpoint, fieldio, hdf5io
    from hpcffi.fields import Block, LocalField, Physics

TARGETS = ("text", "npy", "h5", "checkpoint")
PARAMS = checkpoint.RunParams(nsteps=10, nx=6, ny=5, a=0.5, dt=1e-5, dx=0.01, dy=0.01)
_folder = tempfile.mkdtemp(prefix="hpcffi-fuzz-")


def _path(suffix):
    return os.path.join(_folder, f"input{suffix}")


def seeds(target):
    """Valid files of the target's format (bytes), the starting corpus."""
    field = np.arange(30.0).reshape(6, 5)
    if target == "text":
        buffer = io.StringIO()
        np.savetxt(buffer, field, fmt="%.17g")
        return [f"# 6 5\n{buffer.getvalue()}".encode(), b"# 3 3\n1 2 3\n4 5 6\n7 8 9\n"]
    if target == "npy":
        buffer = io.BytesIO()
        np.save(buffer, field)
        return [buffer.getvalue()]
    path = _path(".h5")
    if target == "h5":
        h5py = hdf5io.require()
        with h5py.File(path, "w") as handle:
            handle["field"] = field
    else:
        holder = LocalField((6, 5), Physics(0.5, 1e-5, 0.01, 0.01))
        holder.set_block(field)
        checkpoint.save(path, holder, 4, PARAMS)
    with open(path, "rb") as handle:
        return [handle.read()]


def one_input(target, data):
    suffix = {"text": ".dat", "npy": ".npy", "h5": ".h5", "checkpoint": ".h5"}[target]
    path = _path(suffix)
    with open(path, "wb") as handle:
        handle.write(data)
    if target == "text":
        try:
            fieldio.read_text(path)
        except fieldio.FieldFormatError:
            pass
    elif target in ("npy", "h5"):
        try:
            nx, ny = fieldio.probe_shape(path)
            if nx * ny <= 1 << 20:  # a header may announce any size; read small ones whole
                fieldio.read_block(path, Block(0, 0, nx, ny))
            fieldio.read_block(path, Block(1, 1, min(2, nx - 1), min(2, ny - 1)))
        except fieldio.FieldFormatError:
            pass
    else:
        holder = LocalField((6, 5), Physics(0.5, 1e-5, 0.01, 0.01))
        try:
            checkpoint.load_into(path, holder, PARAMS)
        except checkpoint.CheckpointError:
            pass


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        print(__doc__, file=sys.stderr)
        return 2
    target = sys.argv.pop(1)
    corpus = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
    for folder in corpus:  # give atheris the valid seeds
        os.makedirs(folder, exist_ok=True)
        for number, seed in enumerate(seeds(target)):
            with open(os.path.join(folder, f"seed-{number}"), "wb") as handle:
                handle.write(seed)
    atheris.Setup(sys.argv, lambda data: one_input(target, data))
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
