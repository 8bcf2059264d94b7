"""python -m hpcffi: end-to-end runs in fresh interpreters, plus in-process option checks.

The CLI chooses its cffi mode per run (--backend), so this module runs once, in
the suite's api run; the abi and abi-inline runs skip it.
"""

import re
import signal
import subprocess
import sys

import numpy as np
import pytest

import hpcffi
from hpcffi import checkpoint, cli, fieldio, fingerprint, reference
from hpcffi.fields import LocalField, Physics, max_stable_dt

pytestmark = pytest.mark.skipif(hpcffi.mode != "api", reason="CLI tests cover every cffi mode via --backend; "
                                                              "they run once, in the api run")

LAST_LINES = re.compile(r"mean temperature: (-?\d+\.\d{12})\nfigure of merit: (\d+\.\d) Mpts/s\n\Z")
PROGRESS = re.compile(r"^step (\d+)/(\d+) \((\d+\.\d)%\), (\d+\.\d) Mpts/s$", re.MULTILINE)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_cli(*args, timeout=120, **kwargs):
    return subprocess.run([sys.executable, "-m", "hpcffi", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def serial(field, nsteps, a=0.5, dx=0.01, dy=0.01, dt=None):
    """The uninterrupted reference: one evolve_steps call (one thread: the result is the same for any count)."""
    out = np.array(field, dtype=np.float64, copy=True)
    with hpcffi.num_threads(1):
        hpcffi.evolve_steps(out, nsteps, a, dt, dx, dy)
    return out


def read_final(folder):
    """The final field of a run folder: dataset /field of final.h5."""
    import h5py

    with h5py.File(folder / "final.h5", "r") as handle:
        return handle["field"][...]


def read_checkpoint(path):
    """(info, field) of a checkpoint file."""
    import h5py

    with h5py.File(path, "r") as handle:
        field = handle["field"][...]
    return checkpoint.read_info(path), field


def final_lines(stdout):
    match = LAST_LINES.search(stdout)
    assert match, f"the two final lines are missing:\n{stdout}"
    return float(match.group(1)), float(match.group(2))


# ---------------------------------------------------------------- help, demo, fib
def test_help_lists_every_command():
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    for command in ("demo", "fib", "heat"):
        assert command in result.stdout
    for command in ("demo", "fib", "heat"):
        sub = run_cli(command, "--help")
        assert sub.returncode == 0 and sub.stdout.startswith(f"usage: python -m hpcffi {command}")
    assert "--checkpoint-every" in sub.stdout and "--backend" in sub.stdout


def test_no_command_is_a_usage_error():
    result = run_cli()
    assert result.returncode == 2 and "required" in result.stderr


def test_demo_mentions_every_mode_and_sqrt():
    result = run_cli("demo", "--n", 10000, "--repeat", 2)
    assert result.returncode == 0, result.stderr
    assert "sqrtf(4.0) = 2.0" in result.stdout
    for mode in ("api", "abi", "abi-inline"):
        line = next(l for l in result.stdout.splitlines() if l.strip().startswith(f"mode {mode} "))
        assert "[11. 22. 33. 44.]  OK" in line and " ms " in line


def test_fib_10_is_the_lessons_output():
    result = run_cli("fib", 10)
    assert result.returncode == 0
    assert result.stdout == "0\n1\n1\n2\n3\n5\n8\n13\n21\n34\n"
    assert result.stderr == ""


def test_fib_past_int_and_uint64_reports_and_continues():
    result = run_cli("fib", 120)
    assert result.returncode == 0, result.stderr
    assert [int(v) for v in result.stdout.split()] == reference.fib_sequence_python(0, 120)
    assert "stops after F(45) = 1134903170" in result.stderr and "INT_MAX" in result.stderr
    assert "F(94) and beyond exceed uint64" in result.stderr


def test_fib_46_and_47_values():
    assert run_cli("fib", 46).stdout.split()[-1] == "1134903170"
    result = run_cli("fib", 47)
    assert result.stdout.split()[-1] == "1836311903" and "INT_MAX" in result.stderr


def test_fib_mod_known_value():
    result = run_cli("fib", 10**18, "--mod", 10**9 + 7)
    assert result.returncode == 0
    assert result.stdout.startswith("F(1000000000000000000) mod 1000000007 = 209783453 ")


def test_fib_exact_digits():
    expected = str(reference.fib_python(1000))
    result = run_cli("fib", 0, "--exact", 1000)
    assert result.returncode == 0, result.stderr
    assert f"F(1000) has {len(expected)} digits" in result.stdout
    assert f"F(1000) = {expected[:20]}...{expected[-20:]}" in result.stdout
    full = run_cli("fib", 3, "--exact", 1000, "--full")
    assert full.stdout.splitlines()[:3] == ["0", "1", "1"]
    assert f"F(1000) = {expected}\n" in full.stdout


def test_fib_bad_options():
    assert run_cli("fib", -1).returncode == 2
    result = run_cli("fib", 10**9)
    assert result.returncode == 2 and "--mod" in result.stderr
    assert run_cli("fib", 5, "--mod", 0).returncode == 2


# ---------------------------------------------------------------- heat: full runs
def test_heat_default_run(tmp_path):
    out = tmp_path / "run"
    result = run_cli("heat", "--output-dir", out, "--threads", 1, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = serial(fieldio.bottle_field(200, 200), 500)
    final = read_final(out)
    assert final.tobytes() == expected.tobytes()
    mean, rate = final_lines(result.stdout)
    assert f"mean temperature: {hpcffi.mean(expected):.12f}" in result.stdout
    assert rate > 0
    images = sorted(p.name for p in out.glob("*.png"))
    assert images == [f"heat_{s:06d}.png" for s in range(0, 501, 100)]
    for name in images:
        assert (out / name).read_bytes()[:8] == PNG_MAGIC
    assert sorted(p.name for p in out.iterdir()) == sorted(images + ["final.h5", "heat.xmf"])


def test_heat_quiet_prints_exactly_two_lines(tmp_path):
    result = run_cli("heat", "--nx", 20, "--ny", 30, "--steps", 10, "--png-every", 0, "--quiet",
                     "--output-dir", tmp_path / "q")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    final_lines(result.stdout)
    assert sorted(p.name for p in (tmp_path / "q").iterdir()) == ["final.h5", "heat.xmf", "heat_000000.png", "heat_000010.png"]


def test_heat_backends_agree(tmp_path):
    args = ("heat", "--nx", 40, "--ny", 53, "--steps", 120, "--png-every", 0, "--quiet", "--dt", 2e-5,
            "--threads", 1)
    finals, means = {}, {}
    for backend in cli.BACKENDS:
        result = run_cli(*args, "--backend", backend, "--output-dir", tmp_path / backend)
        assert result.returncode == 0, result.stderr
        finals[backend] = read_final(tmp_path / backend)
        means[backend] = final_lines(result.stdout)[0]
    expected = serial(fieldio.bottle_field(40, 53), 120, dt=2e-5)
    for backend in ("api", "abi", "abi-inline"):
        assert finals[backend].tobytes() == expected.tobytes(), backend
        assert means[backend] == means["api"]
    for backend in ("numpy", "python"):
        np.testing.assert_allclose(finals[backend], expected, rtol=1e-12, atol=0)
        assert means[backend] == pytest.approx(means["api"], rel=1e-12)
    assert not np.array_equal(expected, fieldio.bottle_field(40, 53))


def test_heat_chunks_pngs_and_threads_do_not_change_the_result(tmp_path):
    args = ("heat", "--nx", 33, "--ny", 47, "--steps", 250, "--quiet")
    a = run_cli(*args, "--png-every", 0, "--threads", 1, "--output-dir", tmp_path / "a")
    b = run_cli(*args, "--png-every", 60, "--threads", 2, "--output-dir", tmp_path / "b")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert read_final(tmp_path / "a").tobytes() == read_final(tmp_path / "b").tobytes()
    steps = sorted(int(p.stem.split("_")[1]) for p in (tmp_path / "b").glob("heat_*.png"))
    assert steps == [0, 60, 120, 180, 240, 250]


def test_heat_reads_npy_and_text(tmp_path):
    field = np.random.default_rng(5).uniform(0, 100, size=(17, 23))
    np.save(tmp_path / "in.npy", field)
    fieldio.write_text(tmp_path / "in.dat", field)
    expected = serial(field, 50)
    for name in ("in.npy", "in.dat"):
        result = run_cli("heat", tmp_path / name, "--steps", 50, "--png-every", 0, "--quiet", "--threads", 1,
                         "--output-dir", tmp_path / f"out-{name}")
        assert result.returncode == 0, result.stderr
        assert read_final(tmp_path / f"out-{name}").tobytes() == expected.tobytes()


def test_heat_lessons_bottle(tmp_path, bottle_path):
    result = run_cli("heat", bottle_path, "--steps", 200, "--png-every", 0, "--threads", 1,
                     "--output-dir", tmp_path / "b")
    assert result.returncode == 0, result.stderr
    expected = serial(fieldio.read_field(bottle_path), 200)
    assert read_final(tmp_path / "b").tobytes() == expected.tobytes()
    assert f"mean temperature: {hpcffi.mean(expected):.12f}" in result.stdout
    assert f"({bottle_path})" in result.stdout


# ---------------------------------------------------------------- heat: bad input
BAD_TEXT = [
    ("", 1, "header"),
    ("200 200\n", 1, "header"),
    ("# 3 x\n1 2 3\n", 1, "header"),
    ("# 3 3\n1 2 3\n4 5 6\n", 4, "expected 3 rows"),
    ("# 3 3\n1 2 3\n4 5 6\n7 8 9\n1 1 1\n", 5, "more rows"),
    ("# 3 3\n1 2 3\n4 5\n7 8 9\n", 3, "expected 3 values"),
    ("# 3 3\n1 2 3\n4 5 6 6\n7 8 9\n", 3, "found 4"),
    ("# 3 3\n1 2 3\n4 five 6\n7 8 9\n", 3, "not a number: 'five'"),
    ("# 3 3\nnan 2 3\n4 5 6\n7 8 9\n", 2, "not finite"),
    ("# 3 3\n1 2 3\n4 5 6\n7 8 inf\n", 4, "not finite"),
]


@pytest.mark.parametrize("text, line, words", BAD_TEXT)
def test_malformed_text_exit_1_names_file_and_line(tmp_path, capsys, text, line, words):
    path = tmp_path / "bad.dat"
    path.write_text(text)
    out = tmp_path / "out"
    assert cli.main(["heat", str(path), "--output-dir", str(out)]) == 1
    captured = capsys.readouterr()
    assert f"{path}:{line}: " in captured.err and words in captured.err
    assert captured.out == ""
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.dat"]


@pytest.mark.parametrize("array, words", [
    (np.zeros((4, 4, 4)), "2D"),
    (np.array([[1.0, 2, 3], [4, np.inf, 6], [7, 8, 9]]), "non-finite"),
    (np.array([["a", "b", "c"]] * 3), "real numbers"),
])
def test_malformed_npy_exit_1(tmp_path, capsys, array, words):
    path = tmp_path / "bad.npy"
    np.save(path, array)
    assert cli.main(["heat", str(path), "--output-dir", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and words in err
    assert not (tmp_path / "out").exists()


def test_malformed_input_in_a_subprocess(tmp_path):
    path = tmp_path / "bad.dat"
    path.write_text("# 3 3\n1 2 3\n4 5 6\n7 8\n")
    result = run_cli("heat", path, "--output-dir", tmp_path / "out", "--checkpoint", tmp_path / "c.h5")
    assert result.returncode == 1
    assert result.stderr.strip() == f"hpcffi heat: error: {path}:4: expected 3 values (from the header), found 2"
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.dat"]


def test_missing_input_file(tmp_path, capsys):
    assert cli.main(["heat", str(tmp_path / "nope.dat"), "--output-dir", str(tmp_path / "out")]) == 1
    assert "nope.dat: cannot read" in capsys.readouterr().err


# ---------------------------------------------------------------- heat: bad options
@pytest.mark.parametrize("options, words", [
    (["--steps", "-5"], "argument --steps: must be >= 0, got -5"),
    (["--steps", "many"], "argument --steps: expected an integer"),
    (["--dt", "1e-3"], "dt 0.001 is unstable"),
    (["--a", "0"], "argument --a: must be a finite number > 0"),
    (["--dx", "nan"], "argument --dx: must be a finite number > 0"),
    (["--nx", "2"], "nx and ny must be integers >= 3"),
    (["--ny", "1"], "nx and ny must be integers >= 3"),
    (["--backend", "fortran"], "argument --backend: invalid choice: 'fortran'"),
    (["--backend", "python", "--nx", "301"], "backend python is for small grids"),
    (["--threads", "0"], "argument --threads: must be >= 1"),
    (["--png-every", "-1"], "argument --png-every: must be >= 0"),
    (["--checkpoint-every", "10"], "--checkpoint-every needs --checkpoint PATH"),
    (["--mpi", "--backend", "numpy"], "--mpi runs the library's distributed kernel"),
])
def test_bad_options_exit_2_and_say_what_to_change(tmp_path, capsys, options, words):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        cli.main(["heat", "--output-dir", str(out), *options])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert words in err and err.startswith("usage: python -m hpcffi heat")
    assert not out.exists()


def test_shape_options_must_match_the_input(tmp_path, capsys):
    np.save(tmp_path / "in.npy", np.ones((5, 6)))
    with pytest.raises(SystemExit) as info:
        cli.main(["heat", str(tmp_path / "in.npy"), "--nx", "6", "--output-dir", str(tmp_path / "out")])
    assert info.value.code == 2
    assert "nx 6 does not match" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- heat: checkpoints
def heat_args(tmp_path, name, nx, ny, steps, *extra):
    return ("heat", "--nx", nx, "--ny", ny, "--steps", steps, "--png-every", 0, "--threads", 1,
            "--output-dir", tmp_path / name, *extra)


def test_signal_checkpoint_then_resume_is_bitwise_identical(tmp_path):
    nx, ny, steps = 128, 128, 150_000
    path = tmp_path / "run.h5"
    # The uninterrupted run, alongside (one thread each on two cores).
    reference_run = subprocess.Popen([sys.executable, "-m", "hpcffi", *map(str, heat_args(
        tmp_path, "whole", nx, ny, steps, "--quiet"))], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    interrupted = subprocess.Popen([sys.executable, "-m", "hpcffi", *map(str, heat_args(
        tmp_path, "parts", nx, ny, steps, "--checkpoint", path))], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    # Signal right after the header line: the run is then writing its first
    # image, and acts on the request at its first chunk boundary. (Waiting for a
    # progress line raced the end of the run once the kernel got faster.)
    lines = []
    for line in interrupted.stdout:
        lines.append(line)
        if line.startswith("heat: "):
            interrupted.send_signal(signal.SIGUSR1)
            break
    rest, err = interrupted.communicate(timeout=120)
    stdout = "".join(lines) + rest
    assert interrupted.returncode == 99, stdout + err
    match = re.search(r"^checkpoint written at step (\d+)$", stdout, re.MULTILINE)
    assert match, stdout
    stopped_at = int(match.group(1))
    assert 0 < stopped_at < steps
    assert checkpoint.read_info(path).step == stopped_at
    assert not (tmp_path / "parts" / "final.h5").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["run.h5"]

    resumed = run_cli(*heat_args(tmp_path, "parts", nx, ny, steps, "--checkpoint", path))
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed from checkpoint at step {stopped_at}\n" in resumed.stdout
    assert reference_run.wait(timeout=120) == 0, reference_run.stderr.read()
    reference_run.stdout.close()
    reference_run.stderr.close()
    whole = read_final(tmp_path / "whole").tobytes()
    assert read_final(tmp_path / "parts").tobytes() == whole
    # A finished run leaves its final checkpoint: a requeued job just redoes the outputs.
    assert checkpoint.read_info(path).step == steps
    again = run_cli(*heat_args(tmp_path, "again", nx, ny, steps, "--checkpoint", path))
    assert again.returncode == 0 and f"resumed from checkpoint at step {steps}\n" in again.stdout
    assert read_final(tmp_path / "again").tobytes() == whole
    assert final_lines(again.stdout)[1] == 0.0


def test_sigterm_checkpoints_and_exits_99(tmp_path):
    path = tmp_path / "t.h5"
    process = subprocess.Popen([sys.executable, "-m", "hpcffi", *map(str, heat_args(
        tmp_path, "t", 128, 128, 10**7, "--checkpoint", path))], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    for line in process.stdout:
        if PROGRESS.match(line.rstrip("\n")):
            process.send_signal(signal.SIGTERM)
            break
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 99, stderr
    assert "stopped by SIGTERM" in stdout
    step = int(re.search(r"checkpoint written at step (\d+)", stdout).group(1))
    info, field = read_checkpoint(path)
    assert info.step == step
    assert field.tobytes() == serial(fieldio.bottle_field(128, 128), step).tobytes()


def test_sigterm_without_checkpoint_stops_cleanly(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "hpcffi", *map(str, heat_args(
        tmp_path, "n", 128, 128, 10**7))], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stdout:
        if PROGRESS.match(line.rstrip("\n")):
            process.send_signal(signal.SIGTERM)
            break
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert "no --checkpoint PATH was given, nothing saved" in stderr


def make_checkpoint(path, nx, ny, nsteps, step, a=0.5, dx=0.01, dy=0.01):
    """A checkpoint of the built-in field after `step` steps, written by another process's code path."""
    initial = fieldio.bottle_field(nx, ny)
    dt = max_stable_dt(a, dx, dy)
    params = checkpoint.RunParams(nsteps=nsteps, nx=nx, ny=ny, a=a, dt=dt, dx=dx, dy=dy,
                                  initial_fingerprint=fingerprint.to_text(fingerprint.field_fingerprint(initial)))
    holder = LocalField((nx, ny), Physics(a, dt, dx, dy))
    holder.set_block(serial(initial, step))
    checkpoint.save(path, holder, step, params)
    return initial


def test_resume_from_a_checkpoint_of_another_process(tmp_path):
    path = tmp_path / "c.h5"
    initial = make_checkpoint(path, 30, 40, 300, 120)
    result = run_cli(*heat_args(tmp_path, "out", 30, 40, 300, "--checkpoint", path, "--checkpoint-every", 50))
    assert result.returncode == 0, result.stderr
    assert "resumed from checkpoint at step 120\n" in result.stdout
    assert re.findall(r"checkpoint written at step (\d+)", result.stdout) == ["150", "200", "250"]
    assert read_final(tmp_path / "out").tobytes() == serial(initial, 300).tobytes()
    assert checkpoint.read_info(path).step == 300


def test_checkpoint_every_writes_on_schedule(tmp_path, capsys):
    path = tmp_path / "c.h5"
    out = tmp_path / "o"
    code = cli.main(["heat", "--nx", "12", "--ny", "9", "--steps", "30", "--png-every", "0", "--output-dir",
                     str(out), "--checkpoint", str(path), "--checkpoint-every", "10"])
    assert code == 0
    stdout = capsys.readouterr().out
    assert re.findall(r"checkpoint written at step (\d+)", stdout) == ["10", "20"]
    info, field = read_checkpoint(path)
    assert info.step == 30 and info.params.nsteps == 30
    assert field.tobytes() == read_final(out).tobytes()


def field_offset(path):
    """Byte offset of the field's values in an HDF5 checkpoint (contiguous layout)."""
    import h5py

    with h5py.File(path, "r") as handle:
        return handle["field"].id.get_offset()


@pytest.mark.parametrize("damage", ["flip-value", "flip-header", "truncate", "garbage", "empty"])
def test_corrupt_checkpoint_is_refused(tmp_path, capsys, damage):
    path = tmp_path / "c.h5"
    make_checkpoint(path, 10, 12, 50, 20)
    blob = path.read_bytes()
    if damage == "flip-value":
        at = field_offset(path) + 8 * 37 + 3  # one bit of one value: only the fingerprint can tell
        blob = blob[:at] + bytes([blob[at] ^ 1]) + blob[at + 1:]
    elif damage == "flip-header":
        blob = blob[:4] + bytes([blob[4] ^ 0x40]) + blob[5:]  # the HDF5 signature
    elif damage == "truncate":
        blob = blob[:len(blob) // 2]
    elif damage == "garbage":
        blob = b"this is not a checkpoint at all, just some text" * 3
    else:
        blob = b""
    path.write_bytes(blob)
    out = tmp_path / "out"
    code = cli.main(["heat", "--nx", "10", "--ny", "12", "--steps", "50", "--output-dir", str(out),
                     "--checkpoint", str(path)])
    assert code == 1
    err = capsys.readouterr().err
    assert f"checkpoint {path}:" in err and "refusing to resume" in err
    assert not out.exists()
    assert path.read_bytes() == blob  # never overwritten


@pytest.mark.parametrize("options, words", [
    (["--steps", "60"], "nsteps is 50 in the checkpoint but 60"),
    (["--a", "0.25"], "a is 0.5 in the checkpoint but 0.25"),
    (["--dt", "1e-5"], "dt is 4.9999999999999996e-05 in the checkpoint but 1e-05"),
    (["--dx", "0.02"], "dx is 0.01 in the checkpoint but 0.02"),
    (["--nx", "11"], "nx is 10 in the checkpoint but 11"),
])
def test_mismatched_checkpoint_is_refused(tmp_path, capsys, options, words):
    path = tmp_path / "c.h5"
    make_checkpoint(path, 10, 12, 50, 20)
    before = path.read_bytes()
    options_map = {"--nx": "10", "--ny": "12", "--steps": "50", **dict(zip(options[::2], options[1::2]))}
    argv = ["heat", "--output-dir", str(tmp_path / "out"), "--checkpoint", str(path)]
    for key, value in options_map.items():
        argv += [key, value]
    code = cli.main(argv)
    assert code == 1
    err = capsys.readouterr().err
    assert words in err and "refusing to resume" in err
    assert not (tmp_path / "out").exists() and path.read_bytes() == before


def test_checkpoint_from_another_input_is_refused(tmp_path, capsys):
    path = tmp_path / "c.h5"
    make_checkpoint(path, 10, 12, 50, 20)
    other = fieldio.bottle_field(10, 12) + 1.0
    np.save(tmp_path / "other.npy", other)
    code = cli.main(["heat", str(tmp_path / "other.npy"), "--steps", "50", "--output-dir", str(tmp_path / "out"),
                     "--checkpoint", str(path)])
    assert code == 1
    assert "the initial field differs" in capsys.readouterr().err



def test_unwritable_output_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code = cli.main(["heat", "--nx", "5", "--ny", "5", "--steps", "3", "--output-dir", str(blocker / "out")])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("hpcffi heat: error: ") and str(blocker / "out") in err


def test_checkpoint_folder_is_created(tmp_path):
    path = tmp_path / "deep" / "er" / "c.h5"
    assert cli.main(["heat", "--nx", "5", "--ny", "6", "--steps", "4", "--png-every", "0", "--quiet",
                     "--output-dir", str(tmp_path / "o"), "--checkpoint", str(path)]) == 0
    assert checkpoint.read_info(path).step == 4


def test_usr1_after_the_run_is_ignored(tmp_path):
    """A checkpoint request that races the end of a run (Slurm's --signal) must
    not turn the finished run into one killed by SIGUSR1 (exit 138)."""
    code = ("import os, signal, sys; from hpcffi import cli\n"
            f"rc = cli.main(['heat', '--nx', '20', '--ny', '20', '--steps', '5', '--quiet', "
            f"'--output-dir', {str(tmp_path)!r}])\n"
            "os.kill(os.getpid(), signal.SIGUSR1)\n"
            "print('alive after USR1'); sys.exit(rc)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("alive after USR1\n")
