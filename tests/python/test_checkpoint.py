"""hpcffi.checkpoint: HDF5 checkpoints in one process (the MPI side: tests/python/mpi/test_mpi_io.py)."""

import h5py
import numpy as np
import pytest

from hpcffi import checkpoint, fingerprint
from hpcffi.checkpoint import CheckpointError, CheckpointMismatch, RunParams
from hpcffi.fields import LocalField, Physics

PARAMS = RunParams(nsteps=100, nx=5, ny=7, a=0.5, dt=2.5e-05, dx=0.01, dy=0.01, initial_fingerprint="0123456789abcdef")


@pytest.fixture
def field():
    return np.random.default_rng(3).normal(size=(PARAMS.nx, PARAMS.ny))


def holding(values, params=PARAMS):
    holder = LocalField(values.shape, Physics(params.a, params.dt, params.dx, params.dy))
    holder.set_block(values)
    return holder


def load(path, params=PARAMS):
    """(step, field) loaded the way a resuming run does."""
    holder = LocalField((params.nx, params.ny), Physics(params.a, params.dt, params.dx, params.dy))
    step = checkpoint.load_into(path, holder, params)
    return step, holder.get_block()


def test_round_trip_is_exact(tmp_path, field):
    path = tmp_path / "run.h5"
    checkpoint.save(path, holding(field), 40, PARAMS)
    step, loaded = load(path)
    assert step == 40
    assert loaded.tobytes() == field.tobytes()
    info = checkpoint.read_info(path)
    assert info.params == PARAMS and info.step == 40
    checkpoint.validate(info, PARAMS, path)
    assert [p.name for p in tmp_path.iterdir()] == ["run.h5"]


def test_layout_matches_the_documented_format(tmp_path, field):
    """Plain h5py sees the whole field and the attributes the module docstring lists."""
    path = tmp_path / "run.h5"
    checkpoint.save(path, holding(field), 7, PARAMS)
    with h5py.File(path, "r") as handle:
        assert list(handle.keys()) == ["field"]
        assert handle["field"].dtype == np.dtype("<f8") and handle["field"].shape == (5, 7)
        assert handle["field"][...].tobytes() == field.tobytes()
        attrs = dict(handle.attrs)
    assert attrs["format"] == "hpcffi-checkpoint" and attrs["format_version"] == 2
    assert (attrs["step"], attrs["nsteps"], attrs["nx"], attrs["ny"]) == (7, 100, 5, 7)
    assert (attrs["a"], attrs["dt"], attrs["dx"], attrs["dy"]) == (0.5, 2.5e-05, 0.01, 0.01)
    assert attrs["initial_fingerprint"] == PARAMS.initial_fingerprint
    assert attrs["field_fingerprint"] == fingerprint.to_text(fingerprint.field_fingerprint(field))
    assert attrs["hpcffi_version"]


def test_overwrite_replaces_atomically(tmp_path, field):
    path = tmp_path / "run.h5"
    checkpoint.save(path, holding(field), 10, PARAMS)
    checkpoint.save(path, holding(field + 1), 20, PARAMS)
    step, loaded = load(path)
    assert step == 20
    np.testing.assert_array_equal(loaded, field + 1)
    assert [p.name for p in tmp_path.iterdir()] == ["run.h5"]


def test_a_failed_write_keeps_the_last_good_checkpoint(tmp_path, field, monkeypatch):
    """A write that dies half way (here: the attribute writer raises) leaves the old file and no temporary."""
    path = tmp_path / "run.h5"
    checkpoint.save(path, holding(field), 10, PARAMS)
    before = path.read_bytes()
    from hpcffi import hdf5io

    def broken(value):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(hdf5io, "_attribute", broken)
    with pytest.raises(OSError, match=r"disk full \(no space left on device\).*run\.h5"):
        checkpoint.save(path, holding(field + 1), 20, PARAMS)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.h5"]


def test_every_flipped_value_bit_is_detected(tmp_path, field):
    path = tmp_path / "run.h5"
    checkpoint.save(path, holding(field), 10, PARAMS)
    with h5py.File(path, "r") as handle:
        offset = handle["field"].id.get_offset()
    good = path.read_bytes()
    for at in range(offset, offset + field.size * 8, 5):
        blob = bytearray(good)
        blob[at] ^= 1 << (at % 8)
        path.write_bytes(bytes(blob))
        with pytest.raises(CheckpointError, match="fingerprint mismatch|non-finite"):
            load(path)


@pytest.mark.parametrize("cut", [0, 8, 100, 1000, -16])
def test_truncated_files_are_refused(tmp_path, field, cut):
    path = tmp_path / "run.h5"
    checkpoint.save(path, holding(field), 10, PARAMS)
    blob = path.read_bytes()
    path.write_bytes(blob[:cut] if cut >= 0 else blob[:cut])
    with pytest.raises(CheckpointError, match=f"checkpoint {path}: "):
        load(path)


def test_other_files_are_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a checkpoint\n")
    with pytest.raises(CheckpointError, match="not an hpcffi checkpoint"):
        load(text)
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as handle:
        handle["field"] = np.zeros((5, 7))
    with pytest.raises(CheckpointError, match="attribute 'format' is None"):
        load(foreign)
    with pytest.raises(CheckpointError, match="no such file"):
        load(tmp_path / "missing.h5")


def test_future_version_is_refused(tmp_path, field):
    path = tmp_path / "run.h5"
    checkpoint.save(path, holding(field), 10, PARAMS)
    with h5py.File(path, "r+") as handle:
        handle.attrs["format_version"] = 3
    with pytest.raises(CheckpointError, match="format version 3"):
        load(path)


@pytest.mark.parametrize("change, words", [
    (dict(step=101), "step 101 outside 0..100"),
    (dict(nx=6), "the field dataset is 5 x 7 but the attributes say 6 x 7"),
    (dict(a="0.5"), "attribute 'a' missing or not a number"),
    (dict(nsteps=1.5), "attribute 'nsteps' missing or not an integer"),
])
def test_consistent_but_bad_attributes_are_refused(tmp_path, field, change, words):
    """A file whose attributes a buggy tool wrote inconsistently."""
    path = tmp_path / "odd.h5"
    checkpoint.save(path, holding(field), 10, PARAMS)
    with h5py.File(path, "r+") as handle:
        for key, value in change.items():
            handle.attrs[key] = value
    with pytest.raises(CheckpointError, match=words):
        checkpoint.read_info(path)


@pytest.mark.parametrize("change, words", [
    (dict(nsteps=200), "nsteps is 100 in the checkpoint but 200"),
    (dict(a=0.25), "a is 0.5"),
    (dict(dt=2.5e-05 * (1 + 2**-52)), "dt"),
    (dict(dx=0.02, dy=0.02), "dx is 0.01 in the checkpoint but 0.02 in this run; dy"),
    (dict(initial_fingerprint="fedcba9876543210"), "the initial field differs"),
])
def test_mismatched_parameters_are_named(tmp_path, field, change, words):
    path = tmp_path / "run.h5"
    checkpoint.save(path, holding(field), 10, PARAMS)
    expected = RunParams(**{**PARAMS.__dict__, **change})
    with pytest.raises(CheckpointMismatch, match=words.replace(".", r"\.")):
        checkpoint.validate(checkpoint.read_info(path), expected, path)


def test_save_refuses_inconsistent_arguments(tmp_path, field):
    with pytest.raises(ValueError, match="shape"):
        checkpoint.save(tmp_path / "c", holding(field[:, :3]), 1, PARAMS)
    with pytest.raises(ValueError, match="step"):
        checkpoint.save(tmp_path / "c", holding(field), 101, PARAMS)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the fingerprint
def test_fingerprint_is_the_same_for_every_tiling():
    field = np.random.default_rng(9).normal(size=(37, 29))
    whole = fingerprint.field_fingerprint(field)
    for rows, cols in ((1, 1), (2, 3), (5, 2), (37, 29)):
        r_edges = np.linspace(0, 37, rows + 1).astype(int)
        c_edges = np.linspace(0, 29, cols + 1).astype(int)
        parts = [fingerprint.block_sum(field[r0:r1, c0:c1], r0, c0, 29)
                 for r0, r1 in zip(r_edges[:-1], r_edges[1:]) for c0, c1 in zip(c_edges[:-1], c_edges[1:])]
        assert fingerprint.combine(parts) == whole


def test_fingerprint_sees_one_changed_bit_a_swap_and_a_sign():
    field = np.random.default_rng(4).normal(size=(20, 30))
    whole = fingerprint.field_fingerprint(field)
    bits = field.copy().view(np.uint64)
    bits[7, 11] ^= np.uint64(1)
    assert fingerprint.field_fingerprint(bits.view(np.float64)) != whole
    swapped = field.copy()
    swapped[[3, 4]] = swapped[[4, 3]]
    assert fingerprint.field_fingerprint(swapped) != whole
    zeros = np.zeros((4, 4))
    negative = zeros.copy()
    negative[1, 1] = -0.0
    assert fingerprint.field_fingerprint(zeros) != fingerprint.field_fingerprint(negative)
    assert fingerprint.to_text(whole) == f"{whole:016x}" and len(fingerprint.to_text(0)) == 16
