"""hpcffi.fieldio: the lesson's text format, .npy, and the built-in bottle field."""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hpcffi import fieldio
from hpcffi.fieldio import FieldFormatError

BOTTLE = os.environ.get("HPCFFI_BOTTLE", "")


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_text_round_trip_exact(tmp_path):
    rng = np.random.default_rng(1)
    field = rng.normal(size=(5, 7)) * 1e3
    path = tmp_path / "f.dat"
    fieldio.write_text(path, field)
    back = fieldio.read_field(path)
    assert back.dtype == np.float64 and back.flags.c_contiguous
    np.testing.assert_array_equal(back, field)
    assert path.read_text().splitlines()[0] == "# 5 7"


def test_text_reads_lesson_layout(tmp_path):
    path = write(tmp_path, "small.dat", "# 3 4\n1 2 3 4\n5.5 6 7 8\n9 10 11 1e2\n\n")
    np.testing.assert_array_equal(
        fieldio.read_field(path), [[1, 2, 3, 4], [5.5, 6, 7, 8], [9, 10, 11, 100]])


@settings(max_examples=25, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=3, max_side=8),
                  elements=st.floats(allow_nan=False, allow_infinity=False, width=64)))
def test_text_and_npy_round_trip_any_finite_field(tmp_path_factory, field):
    folder = tmp_path_factory.mktemp("rt")
    fieldio.write_text(folder / "f.dat", field)
    fieldio.write_npy(folder / "f.npy", field)
    np.testing.assert_array_equal(fieldio.read_field(folder / "f.dat"), field)
    np.testing.assert_array_equal(fieldio.read_field(folder / "f.npy"), field)


def test_npy_converts_integer_and_float32(tmp_path):
    np.save(tmp_path / "i.npy", np.arange(12, dtype=np.int32).reshape(3, 4))
    field = fieldio.read_field(tmp_path / "i.npy")
    assert field.dtype == np.float64
    np.testing.assert_array_equal(field, np.arange(12).reshape(3, 4))
    np.save(tmp_path / "f.npy", np.asfortranarray(np.ones((4, 3), dtype=np.float32)))
    assert fieldio.read_field(tmp_path / "f.npy").flags.c_contiguous


@pytest.mark.parametrize("text, line, words", [
    ("", 1, "header"),
    ("1 2 3\n", 1, "header"),
    ("# 3\n1 2 3\n", 1, "header"),
    ("# three 3\n", 1, "header"),
    ("# -3 3\n", 1, "header"),
    ("# 2 3\n1 2 3\n4 5 6\n", 1, "at least 3 x 3"),
    ("# 3 3\n1 2 3\n4 5 6\n", 4, "expected 3 rows"),
    ("# 3 3\n1 2 3\n4 5 6\n7 8 9\n10 11 12\n", 5, "more rows"),
    ("# 3 3\n1 2 3\n4 5\n7 8 9\n", 3, "expected 3 values"),
    ("# 3 3\n1 2 3\n4 5 6 7\n7 8 9\n", 3, "found 4"),
    ("# 3 3\n1 2 3\n\n4 5 6\n7 8 9\n", 3, "found 0"),
    ("# 3 3\n1 2 3\n4 x 6\n7 8 9\n", 3, "value 2 is not a number: 'x'"),
    ("# 3 3\n1 2 3\n4 5 6\n7 8 nan\n", 4, "value 3 is not finite"),
    ("# 3 3\n1 2 3\n4 5 6\n7 -inf 9\n", 4, "value 2 is not finite"),
    ("# 3 3\n1 2 3\n4 5 6\n7 8 1e999\n", 4, "not finite"),
])
def test_malformed_text_names_file_and_line(tmp_path, text, line, words):
    path = write(tmp_path, "bad.dat", text)
    with pytest.raises(FieldFormatError) as info:
        fieldio.read_field(path)
    error = info.value
    assert error.line == line
    assert str(error).startswith(f"{path}:{line}: ")
    assert words in str(error)


def test_binary_garbage_is_refused(tmp_path):
    path = tmp_path / "bin.dat"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(FieldFormatError, match="bin.dat"):
        fieldio.read_field(path)


def test_missing_file(tmp_path):
    with pytest.raises(FieldFormatError, match="cannot read"):
        fieldio.read_field(tmp_path / "absent.dat")


@pytest.mark.parametrize("array, words", [
    (np.zeros(5), "2D"),
    (np.zeros((2, 5)), "at least 3 x 3"),
    (np.array([[1, 2, 3]] * 3, dtype=complex), "real numbers"),
    (np.array([[1.0, 2, 3], [4, np.nan, 6], [7, 8, 9]]), "row 1, column 1"),
])
def test_malformed_npy(tmp_path, array, words):
    path = tmp_path / "bad.npy"
    np.save(path, array)
    with pytest.raises(FieldFormatError, match=words) as info:
        fieldio.read_field(path)
    assert str(info.value).startswith(str(path))


def test_npy_refuses_pickles_and_junk(tmp_path):
    path = tmp_path / "obj.npy"
    np.save(path, np.array([[1, None, 3]] * 3, dtype=object), allow_pickle=True)
    with pytest.raises(FieldFormatError, match="obj.npy"):
        fieldio.read_field(path)
    junk = tmp_path / "junk.npy"
    junk.write_bytes(b"not numpy at all")
    with pytest.raises(FieldFormatError, match="junk.npy"):
        fieldio.read_field(junk)


def test_write_npy_is_atomic_and_leaves_no_temporaries(tmp_path):
    field = np.arange(12.0).reshape(3, 4)
    fieldio.write_npy(tmp_path / "final.npy", field)
    fieldio.write_npy(tmp_path / "final.npy", field * 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["final.npy"]
    np.testing.assert_array_equal(np.load(tmp_path / "final.npy"), field * 2)


def test_every_output_is_replaced_atomically_with_umask_permissions(tmp_path):
    """Fields, checkpoints and PNGs all go through hpcffi._files.atomic_write:
    new files get 0666 minus the umask (not mkstemp's 0600), a failed write
    keeps the old file and leaves no temporary behind."""
    from hpcffi import checkpoint, images
    from hpcffi.fields import LocalField, Physics

    field = np.arange(12.0).reshape(3, 4)
    params = checkpoint.RunParams(nsteps=5, nx=3, ny=4, a=0.5, dt=1e-5, dx=0.01, dy=0.01)
    holder = LocalField(field.shape, Physics(0.5, 1e-5, 0.01, 0.01))
    holder.set_block(field)
    old_mask = os.umask(0o027)
    try:
        fieldio.write_npy(tmp_path / "final.npy", field)
        fieldio.write_text(tmp_path / "final.dat", field)
        checkpoint.save(tmp_path / "run.h5", holder, 2, params)
        images.save_png(tmp_path / "heat.png", field, 2)
    finally:
        os.umask(old_mask)
    names = ["final.dat", "final.npy", "heat.png", "run.h5"]
    assert sorted(p.name for p in tmp_path.iterdir()) == names
    for name in names:
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o640, name

    class Boom(Exception):
        pass

    def failing(handle):
        handle.write(b"partial")
        raise Boom()

    from hpcffi._files import atomic_write

    with pytest.raises(Boom):
        atomic_write(tmp_path / "final.npy", failing)
    assert sorted(p.name for p in tmp_path.iterdir()) == names
    np.testing.assert_array_equal(np.load(tmp_path / "final.npy"), field)


@pytest.mark.parametrize("shape", [(200, 200), (3, 3), (64, 100), (101, 37)])
def test_bottle_field_shape_and_values(shape):
    field = fieldio.bottle_field(*shape)
    assert field.shape == shape and field.dtype == np.float64 and field.flags.c_contiguous
    assert set(np.unique(field)) <= {fieldio.BOTTLE_HOT, fieldio.BOTTLE_COLD}
    edges = np.concatenate([field[0], field[-1], field[:, 0], field[:, -1]])
    assert (edges == fieldio.BOTTLE_HOT).all()


def test_bottle_field_looks_like_the_lesson():
    field = fieldio.bottle_field()
    cold = field == fieldio.BOTTLE_COLD
    # A bottle: about a tenth of the square, upright, neck narrower than body.
    assert 0.07 < cold.mean() < 0.12
    rows = np.nonzero(cold.any(axis=1))[0]
    widths = cold.sum(axis=1)
    assert widths[rows[0] + 5] < widths[rows[-1] - 5]
    assert 80.0 < field.mean() < 90.0


@pytest.mark.skipif(not os.path.isfile(BOTTLE), reason="HPCFFI_BOTTLE not set or absent")
def test_reads_the_lessons_bottle():
    field = fieldio.read_field(BOTTLE)
    assert field.shape == (200, 200)
    assert field.mean() == pytest.approx(86.51385)
    generated = fieldio.bottle_field()
    # Same palette and roughly the same picture.
    assert set(np.unique(field)) == set(np.unique(generated))
    assert np.mean(field == generated) > 0.95


# ---------------------------------------------------------------- per-block reading (MPI runs)
def tiles(shape, rows, cols):
    from hpcffi.fields import Block

    r = np.linspace(0, shape[0], rows + 1).astype(int)
    c = np.linspace(0, shape[1], cols + 1).astype(int)
    return [Block(int(r0), int(c0), int(r1 - r0), int(c1 - c0))
            for r0, r1 in zip(r[:-1], r[1:]) for c0, c1 in zip(c[:-1], c[1:])]


@pytest.mark.parametrize("suffix", [".npy", ".h5"])
def test_blocks_of_a_file_tile_the_whole_field(tmp_path, suffix):
    import h5py

    field = np.random.default_rng(2).normal(size=(23, 17))
    path = tmp_path / f"in{suffix}"
    if suffix == ".npy":
        np.save(path, field.astype(np.float32))  # converted per block like the whole-file reader
        field = field.astype(np.float32).astype(np.float64)
    else:
        with h5py.File(path, "w") as handle:
            handle["field"] = field
    assert fieldio.probe_shape(path) == (23, 17)
    assert fieldio.read_field(path).tobytes() == field.tobytes()
    rebuilt = np.full(field.shape, np.nan)
    for block in tiles(field.shape, 3, 2):
        rebuilt[block.rows, block.cols] = fieldio.read_block(path, block)
    assert rebuilt.tobytes() == field.tobytes()


def test_bottle_blocks_tile_the_bottle():
    for shape in ((200, 200), (3, 3), (101, 37)):
        whole = fieldio.bottle_field(*shape)
        rebuilt = np.full(shape, np.nan)
        for block in tiles(shape, 3, 2) if min(shape) >= 3 else []:
            rebuilt[block.rows, block.cols] = fieldio.bottle_block(*shape, block.row0, block.col0, block.nx, block.ny)
        assert rebuilt.tobytes() == whole.tobytes()


def test_bad_blocked_inputs_are_refused_with_the_file_name(tmp_path):
    import h5py

    from hpcffi.fields import Block

    bad = np.ones((5, 6))
    bad[4, 5] = np.inf
    np.save(tmp_path / "inf.npy", bad)
    with pytest.raises(fieldio.FieldFormatError, match=r"inf\.npy: non-finite value inf at row 4, column 5"):
        fieldio.read_block(tmp_path / "inf.npy", Block(3, 3, 2, 3))
    with h5py.File(tmp_path / "nofield.h5", "w") as handle:
        handle["other"] = np.ones((4, 4))
    with pytest.raises(fieldio.FieldFormatError, match=r"nofield\.h5: no dataset '/field'"):
        fieldio.probe_shape(tmp_path / "nofield.h5")
    (tmp_path / "junk.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"junk" * 10)
    with pytest.raises(fieldio.FieldFormatError, match=r"junk\.h5: not a readable HDF5 file"):
        fieldio.probe_shape(tmp_path / "junk.h5")
    np.save(tmp_path / "3d.npy", np.ones((3, 3, 3)))
    with pytest.raises(fieldio.FieldFormatError, match="expected a 2D array"):
        fieldio.probe_shape(tmp_path / "3d.npy")


def test_a_text_header_larger_than_memory_is_a_clear_error(tmp_path):
    """Seen before: '# 100000000 100000000' gave a MemoryError traceback."""
    path = tmp_path / "huge.dat"
    path.write_text("# 100000000 100000000\n1 2 3\n")
    assert fieldio.probe_shape(path) == (100000000, 100000000)  # the header alone is fine
    with pytest.raises(fieldio.FieldFormatError, match=r"huge\.dat:1: the header announces a 100000000 x 100000000 "
                                                       r"field \(74505806\.0 GiB as float64\); this process needs "
                                                       r"74505806\.0 GiB for its part of it, more than this "
                                                       r"machine's available memory"):
        fieldio.read_text(path)


def test_a_npy_header_numpys_parser_chokes_on_is_a_format_error(tmp_path):
    """Found by scripts/fuzz.sh (atheris): NumPy raised tokenize.TokenError, not ValueError."""
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (6, 5), }" + b" " * 20 + b": '<f8'\n"
    path = tmp_path / "odd.npy"
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + bytes(240))
    for read in (fieldio.probe_shape, fieldio.read_npy):
        with pytest.raises(fieldio.FieldFormatError, match=r"odd\.npy: not a valid \.npy array"):
            read(path)


def test_an_hdf5_layout_that_crashed_libhdf5_is_refused():
    """tests/python/data/damaged-layout.h5: one byte changed by scripts/fuzz.sh (atheris) in a valid
    field file; libhdf5 1.10.8 died with a segmentation fault reading its dataset."""
    from pathlib import Path

    from hpcffi.fields import Block

    path = Path(__file__).parent / "data" / "damaged-layout.h5"
    with pytest.raises(fieldio.FieldFormatError, match="has no data stored in the file"):
        fieldio.probe_shape(path)
    with pytest.raises(fieldio.FieldFormatError, match="has no data stored in the file"):
        fieldio.read_block(path, Block(0, 0, 6, 5))


def test_an_hdf5_file_that_crashes_libhdf5_is_a_clear_error():
    """tests/python/data/crashes-libhdf5.h5: found by scripts/fuzz.sh; libhdf5 1.10.8 dies with a
    segmentation fault as soon as /field is looked up. The first look at a file happens in a child
    process (hdf5io.describe), so this process reports it instead of dying."""
    from pathlib import Path

    from hpcffi import checkpoint

    path = Path(__file__).parent / "data" / "crashes-libhdf5.h5"
    with pytest.raises(fieldio.FieldFormatError, match=r"libhdf5 crashed \(SIGSEGV\) reading the file's metadata"):
        fieldio.probe_shape(path)
    with pytest.raises(checkpoint.CheckpointError, match=r"libhdf5 crashed \(SIGSEGV\)"):
        checkpoint.read_info(path)
