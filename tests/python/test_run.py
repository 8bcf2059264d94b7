"""hpcffi.run: a heat run from Python (the library API under the CLI), in one process.

The same API under MPI: tests/python/mpi/test_mpi_io.py and test_mpi_cli.py.
"""

import re
import xml.etree.ElementTree as ElementTree

import h5py
import numpy as np
import pytest

import hpcffi
from hpcffi import checkpoint, fieldio, hdf5io, images
from hpcffi.fields import LocalField, Physics
from hpcffi.run import ConfigError, HeatConfig, run

pytestmark = pytest.mark.skipif(hpcffi.mode != "api", reason="the run module is mode-independent: api run only")


def serial(field, nsteps, dt=None):
    out = np.array(field, dtype=np.float64, copy=True)
    with hpcffi.num_threads(1):
        hpcffi.evolve_steps(out, nsteps, 0.5, dt)
    return out


def final_field(folder):
    with h5py.File(folder / "final.h5", "r") as handle:
        return handle["field"][...], dict(handle.attrs)


def test_a_checkpointed_run_with_images_in_a_few_lines(tmp_path, capsys):
    """What the README shows: configure, run, read the result."""
    config = HeatConfig(nx=60, ny=50, steps=120, png_every=40, output_dir=tmp_path / "out",
                        checkpoint=tmp_path / "out" / "heat.h5", checkpoint_every=50, threads=1)
    result = run(config)
    expected = serial(fieldio.bottle_field(60, 50), 120)
    assert (result.status, result.step, result.nsteps, result.resumed_from) == ("finished", 120, 120, None)
    assert result.mean == hpcffi.mean(expected)
    field, attrs = final_field(tmp_path / "out")
    assert field.tobytes() == expected.tobytes()
    assert (attrs["step"], attrs["nsteps"], attrs["nx"], attrs["ny"], attrs["a"]) == (120, 120, 60, 50, 0.5)
    assert attrs["hpcffi_version"] == hpcffi.__version__
    assert attrs["initial_fingerprint"] == checkpoint.read_info(config.checkpoint).params.initial_fingerprint
    assert sorted(p.name for p in (tmp_path / "out").glob("heat_*.png")) == [
        "heat_000000.png", "heat_000040.png", "heat_000080.png", "heat_000120.png"]
    out = capsys.readouterr().out
    assert re.findall(r"checkpoint written at step (\d+)", out) == ["50", "100"]
    assert out.endswith(f"mean temperature: {result.mean:.12f}\nfigure of merit: {result.mpts_per_second:.1f} "
                        "Mpts/s\n")


def test_until_pauses_and_a_second_call_resumes_bitwise(tmp_path, capsys):
    config = HeatConfig(nx=41, ny=37, steps=90, png_every=0, output_dir=tmp_path / "o",
                        checkpoint=tmp_path / "c.h5", threads=1)
    first = run(config, until=35, log=None)
    assert (first.status, first.step) == ("paused", 35)
    assert checkpoint.read_info(tmp_path / "c.h5").step == 35
    assert not (tmp_path / "o" / "final.h5").exists()
    second = run(config, log=None)
    assert (second.status, second.step, second.resumed_from) == ("finished", 90, 35)
    assert final_field(tmp_path / "o")[0].tobytes() == serial(fieldio.bottle_field(41, 37), 90).tobytes()
    assert capsys.readouterr().out == ""  # log=None: silent


def test_snapshots_and_the_xdmf_series(tmp_path):
    run(HeatConfig(nx=20, ny=30, steps=25, png_every=0, snapshot_every=10, output_dir=tmp_path, threads=1),
        log=None)
    assert sorted(p.name for p in tmp_path.glob("*.h5")) == ["field_000010.h5", "field_000020.h5", "final.h5"]
    with h5py.File(tmp_path / "field_000010.h5", "r") as handle:
        assert handle["field"][...].tobytes() == serial(fieldio.bottle_field(20, 30), 10).tobytes()
        assert handle.attrs["step"] == 10
    root = ElementTree.parse(tmp_path / "heat.xmf").getroot()
    items = [item.text for item in root.iter("DataItem") if item.get("Format") == "HDF"]
    assert items == ["field_000010.h5:/field", "field_000020.h5:/field", "final.h5:/field"]
    dims = {item.get("Dimensions") for item in root.iter("DataItem") if item.get("Format") == "HDF"}
    assert dims == {"20 30"}
    dt = hpcffi.max_stable_dt(0.5)
    times = [float(t.get("Value")) for t in root.iter("Time")]
    assert times == [10 * dt, 20 * dt, 25 * dt]


@pytest.mark.parametrize("change, words", [
    (dict(steps=-1), "steps must be an integer >= 0"),
    (dict(dt=1.0), "dt 1.0 is unstable"),
    (dict(checkpoint_every=5), "checkpoint_every needs a checkpoint path"),
    (dict(backend="fortran"), "backend 'fortran' is not one of"),
    (dict(nx=2), "nx and ny must be integers >= 3"),
    (dict(image_max_pixels=0), "image_max_pixels must be an integer >= 1"),
])
def test_bad_configurations_raise_config_error(tmp_path, change, words):
    with pytest.raises(ConfigError, match=re.escape(words)):
        run(HeatConfig(output_dir=tmp_path / "o", **change), log=None)
    assert not (tmp_path / "o").exists()


def test_without_hdf5_a_run_still_works_and_checkpoints_say_why_not(tmp_path, monkeypatch):
    from hpcffi import _build_config

    monkeypatch.setattr(_build_config, "HAS_HDF5", False, raising=False)
    result = run(HeatConfig(nx=10, ny=12, steps=5, png_every=0, output_dir=tmp_path / "o", threads=1), log=None)
    assert result.status == "finished"
    assert np.load(tmp_path / "o" / "final.npy").tobytes() == serial(fieldio.bottle_field(10, 12), 5).tobytes()
    with pytest.raises(hdf5io.HDF5UnavailableError, match="built without HDF5"):
        run(HeatConfig(nx=10, ny=12, steps=5, output_dir=tmp_path / "p", checkpoint=tmp_path / "c.h5"), log=None)


def test_images_come_from_a_reduced_field():
    assert images.stride_for((8192, 8192), 1024) == 8
    assert images.stride_for((200, 200), 1024) == 1
    assert images.stride_for((1025, 3), 1024) == 2
    field = np.random.default_rng(1).normal(size=(2050, 700))
    holder = LocalField(field.shape, Physics(0.5, 1e-5, 0.01, 0.01))
    holder.set_block(field)
    reduced = images.reduced_field(holder, 1024)
    assert reduced.tobytes() == field[::3, ::3].tobytes()
