"""A header that announces a huge field: the same clear message on every serial path and format (issue 19).

Seen before: ``# 100000000 100000000`` through ``python -m hpcffi heat FILE``
ended in NumPy's ``_ArrayMemoryError`` traceback (the field was allocated
before the reader's check). The MPI paths are in ``mpi/test_mpi_cli.py``.
"""

import re

import pytest

from hpcffi import cli, fieldio, hdf5io
from hpcffi.run import ConfigError, HeatConfig, run

from huge_inputs import MESSAGE, write_huge_inputs

FORMATS = ["dat", "npy", "h5"] if hdf5io.available() else ["dat", "npy"]


@pytest.mark.parametrize("kind", FORMATS)
def test_the_command_line_says_the_field_does_not_fit(tmp_path, capsys, kind):
    path = write_huge_inputs(tmp_path)[kind]
    code = cli.main(["heat", path, "--steps", "1", "--output-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_FAILURE
    assert err.startswith(f"hpcffi heat: error: {path}")
    assert len(err.splitlines()) == 1
    assert re.search(MESSAGE, err), err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", FORMATS)
def test_run_raises_the_format_error(tmp_path, kind):
    path = write_huge_inputs(tmp_path)[kind]
    with pytest.raises(fieldio.FieldFormatError, match=MESSAGE):
        run(HeatConfig(input=path, steps=1, output_dir=tmp_path / "out"), log=None)


def test_a_huge_built_in_field_is_a_configuration_error(tmp_path):
    pattern = r"a 100000000 x 100000000 field .*available memory \([0-9.]+ GiB\); choose a smaller"
    with pytest.raises(ConfigError, match=pattern):
        run(HeatConfig(nx=100_000_000, ny=100_000_000, steps=1, output_dir=tmp_path / "out"), log=None)
