"""hpcffi.checkpoint: the self-checking checkpoint file (format in the module docstring)."""

import hashlib
import json
import struct

import numpy as np
import pytest

from hpcffi import checkpoint
from hpcffi.checkpoint import CheckpointError, CheckpointMismatch, RunParams

PARAMS = RunParams(nsteps=100, nx=5, ny=7, a=0.5, dt=2.5e-05, dx=0.01, dy=0.01)


@pytest.fixture
def field():
    return np.random.default_rng(3).normal(size=(PARAMS.nx, PARAMS.ny))


def test_round_trip_is_exact(tmp_path, field):
    path = tmp_path / "run.ckpt"
    checkpoint.save(path, field, 40, PARAMS)
    loaded = checkpoint.load(path)
    assert loaded.step == 40
    assert loaded.params == PARAMS
    assert loaded.field.dtype == np.float64 and loaded.field.flags.writeable
    assert loaded.field.tobytes() == field.tobytes()
    checkpoint.validate(loaded, PARAMS, path)
    assert [p.name for p in tmp_path.iterdir()] == ["run.ckpt"]


def test_layout_matches_the_documented_format(tmp_path, field):
    path = tmp_path / "run.ckpt"
    checkpoint.save(path, field, 7, PARAMS)
    blob = path.read_bytes()
    magic, version, length = struct.unpack_from("<8sII", blob)
    assert (magic, version) == (b"HPCFFICK", 1)
    header = json.loads(blob[16:16 + length])
    assert header["step"] == 7 and header["nx"] == 5 and header["ny"] == 7 and header["dtype"] == "<f8"
    raw = blob[16 + length:-32]
    assert raw == field.astype("<f8").tobytes()
    assert header["field_sha256"] == hashlib.sha256(raw).hexdigest()
    assert blob[-32:] == hashlib.sha256(blob[:-32]).digest()


def test_overwrite_replaces_atomically(tmp_path, field):
    path = tmp_path / "run.ckpt"
    checkpoint.save(path, field, 10, PARAMS)
    checkpoint.save(path, field + 1, 20, PARAMS)
    loaded = checkpoint.load(path)
    assert loaded.step == 20
    np.testing.assert_array_equal(loaded.field, field + 1)
    assert [p.name for p in tmp_path.iterdir()] == ["run.ckpt"]


def test_every_flipped_byte_is_detected(tmp_path, field):
    path = tmp_path / "run.ckpt"
    checkpoint.save(path, field, 10, PARAMS)
    blob = path.read_bytes()
    for offset in range(0, len(blob), 13):
        damaged = bytearray(blob)
        damaged[offset] ^= 0x40
        path.write_bytes(bytes(damaged))
        with pytest.raises(CheckpointError):
            checkpoint.load(path)


@pytest.mark.parametrize("cut", [0, 10, 100, -1, -33])
def test_truncated_files_are_refused(tmp_path, field, cut):
    path = tmp_path / "run.ckpt"
    checkpoint.save(path, field, 10, PARAMS)
    blob = path.read_bytes()
    path.write_bytes(blob[:cut])
    with pytest.raises(CheckpointError, match="run.ckpt"):
        checkpoint.load(path)


def test_other_files_are_refused(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.zeros((5, 7)))
    with pytest.raises(CheckpointError, match="not an hpcffi checkpoint"):
        checkpoint.load(path)


def test_future_version_is_refused(tmp_path, field):
    path = tmp_path / "run.ckpt"
    checkpoint.save(path, field, 10, PARAMS)
    blob = bytearray(path.read_bytes())
    blob[8:12] = struct.pack("<I", 2)
    path.write_bytes(bytes(blob))
    with pytest.raises(CheckpointError, match="version 2"):
        checkpoint.load(path)


def test_consistent_but_bad_header_is_refused(tmp_path):
    """A file with valid checksums but an impossible header (written by a buggy tool)."""
    raw = np.zeros((3, 3)).tobytes()
    header = dict(nsteps=5, nx=3, ny=3, a=0.5, dt=1e-5, dx=0.01, dy=0.01, step=9, dtype="<f8",
                  field_sha256=hashlib.sha256(raw).hexdigest())
    text = json.dumps(header).encode()
    body = struct.pack("<8sII", b"HPCFFICK", 1, len(text)) + text + raw
    path = tmp_path / "odd.ckpt"
    path.write_bytes(body + hashlib.sha256(body).digest())
    with pytest.raises(CheckpointError, match="step 9 outside 0..5"):
        checkpoint.load(path)


@pytest.mark.parametrize("change, words", [
    (dict(nsteps=200), "nsteps is 100 in the checkpoint but 200"),
    (dict(nx=6), "nx"),
    (dict(a=0.25), "a is 0.5"),
    (dict(dt=2.5e-05 * (1 + 2**-52)), "dt"),
    (dict(dx=0.02, dy=0.02), "dx is 0.01 in the checkpoint but 0.02 on the command line; dy"),
])
def test_mismatched_parameters_are_named(tmp_path, field, change, words):
    path = tmp_path / "run.ckpt"
    checkpoint.save(path, field, 10, PARAMS)
    expected = RunParams(**{**PARAMS.__dict__, **change})
    with pytest.raises(CheckpointMismatch, match=words.replace(".", r"\.")):
        checkpoint.validate(checkpoint.load(path), expected, path)


def test_save_refuses_inconsistent_arguments(tmp_path, field):
    with pytest.raises(ValueError, match="shape"):
        checkpoint.save(tmp_path / "c", field[:, :3], 1, PARAMS)
    with pytest.raises(ValueError, match="step"):
        checkpoint.save(tmp_path / "c", field, 101, PARAMS)
    assert list(tmp_path.iterdir()) == []
