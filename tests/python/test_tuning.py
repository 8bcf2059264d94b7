"""The tuner and its wisdom file from Python: ``python -m hpcffi tune`` writes a
file that every later process finds and uses (per-user cache), auto gives the
same bits with and without wisdom, a damaged or foreign file is ignored with a
note on stderr, lazy tuning says so. (ctest runs with HPCFFI_WISDOM=off; the
subprocesses here set their own cache and unset it.)"""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import hpcffi

CHILD = r"""
import json, sys
import numpy as np
import hpcffi
rng = np.random.default_rng(5)
field = rng.uniform(-20.0, 80.0, size=(70, 90))
hpcffi.evolve_steps(field, 41, 0.5, dx=0.1, dy=0.2)
print(json.dumps({"info": hpcffi.wisdom_info(), "choice": hpcffi.heat_choice(70, 90, 41), "bits": field.tobytes().hex()}))
"""


# The tests that start processes check the library, not the cffi mode: one mode runs them.
library_only = pytest.mark.skipif(hpcffi.mode != "api", reason="checks the library; run in the api mode")


def child_env(cache, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("HPCFFI_WISDOM", "HPCFFI_TUNE", "HPCFFI_TUNE_BUDGET")}
    env["XDG_CACHE_HOME"] = str(cache)
    env.update(extra)
    return env


def run_child(env):
    proc = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def tune_cli(*args, env):
    return subprocess.run([sys.executable, "-m", "hpcffi", "tune", *args], capture_output=True, text=True, env=env,
                          timeout=120)


@pytest.fixture
def rule_afterwards():
    yield
    hpcffi.load_wisdom()  # the default search again: HPCFFI_WISDOM=off under ctest


@library_only
def test_cli_tiny_budget_writes_the_file_every_later_process_uses(tmp_path):
    env = child_env(tmp_path)
    without, _ = run_child(dict(env, HPCFFI_WISDOM="off"))
    assert not without["info"]["in_use"] and not without["choice"]["from_wisdom"]
    proc = tune_cli("--budget", "0.5", "--sizes", "80", env=env)
    assert proc.returncode == 0, proc.stderr
    written = proc.stdout.strip().removeprefix("wrote ")
    assert os.path.dirname(written) == str(tmp_path / "hpcffi")
    assert os.path.basename(written).startswith("wisdom-")
    assert "tune 80x80, 1 thread(s):" in proc.stderr
    text = pathlib.Path(written).read_text()
    assert text.startswith("hpcffi wisdom 1\n") and f"version {hpcffi.version()}\n" in text
    with_wisdom, stderr = run_child(env)
    assert with_wisdom["info"] == {"in_use": True, "path": written, "note": ""}
    assert with_wisdom["choice"]["from_wisdom"]
    assert with_wisdom["bits"] == without["bits"]
    assert "note" not in stderr


@library_only
@pytest.mark.parametrize(("edit", "note"), [
    (lambda t: t.replace("\ncpu ", "\ncpu Other ", 1), "damaged"),           # edited: checksum mismatch
    (lambda t: t[: len(t) // 3], "damaged"),                                  # truncated
    (lambda t: "\x00\x01 not a wisdom file", "damaged"),
])
def test_damaged_file_in_the_cache_is_ignored_with_a_note(tmp_path, edit, note):
    env = child_env(tmp_path)
    proc = tune_cli("--budget", "0.3", "--sizes", "80", "--quiet", env=env)
    assert proc.returncode == 0, proc.stderr
    written = proc.stdout.strip().removeprefix("wrote ")
    reference, _ = run_child(dict(env, HPCFFI_WISDOM="off"))
    with open(written) as f:
        text = f.read()
    with open(written, "w") as f:
        f.write(edit(text))
    result, stderr = run_child(env)
    assert not result["info"]["in_use"] and not result["choice"]["from_wisdom"]
    assert note in result["info"]["note"] and written in result["info"]["note"]
    assert f"hpcffi: note: ignoring wisdom file {written}: {note}" in stderr
    assert result["bits"] == reference["bits"]


def test_foreign_and_stale_files_are_ignored(tmp_path, rule_afterwards):
    path = hpcffi.tune(0.3, sizes=[80], output=tmp_path / "w.txt")
    assert hpcffi.wisdom_info()["in_use"]
    text = pathlib.Path(path).read_text()
    body = text[: text.rindex("checksum ")]

    def resealed(new_body):
        h = 1469598103934665603
        for byte in new_body.encode():
            h = ((h ^ byte) * 1099511628211) % 2**64
        return new_body + f"checksum {h:016x}\n"

    assert hpcffi.load_wisdom(_write(tmp_path / "same.txt", resealed(body)))  # resealing alone keeps it valid
    for new_body, note in ((body.replace("\ncpu ", "\ncpu Some Other CPU ", 1), "another machine"),
                           (body.replace(f"\nversion {hpcffi.version()}\n", "\nversion 0.0.1\n"), "stale")):
        assert not hpcffi.load_wisdom(_write(tmp_path / "bad.txt", resealed(new_body)))
        info = hpcffi.wisdom_info()
        assert not info["in_use"] and note in info["note"], info
        assert not hpcffi.heat_choice(80, 80, 100)["from_wisdom"]


def _write(path, text):
    path.write_text(text)
    return path


def test_auto_gives_the_same_bits_with_and_without_wisdom(tmp_path, rule_afterwards):
    rng = np.random.default_rng(9)
    start = rng.uniform(-20.0, 80.0, size=(70, 90))
    assert not hpcffi.load_wisdom(tmp_path / "absent.txt")
    rule = start.copy()
    hpcffi.evolve_steps(rule, 41, 0.5, dx=0.1, dy=0.2)
    hpcffi.tune(0.5, sizes=[80], output=tmp_path)
    assert hpcffi.heat_choice(70, 90, 41)["from_wisdom"]
    tuned = start.copy()
    hpcffi.evolve_steps(tuned, 41, 0.5, dx=0.1, dy=0.2)
    assert tuned.tobytes() == rule.tobytes()


@library_only
def test_lazy_tuning_says_so_and_writes_the_cache(tmp_path):
    env = child_env(tmp_path, HPCFFI_TUNE="lazy", HPCFFI_TUNE_BUDGET="1")
    result, stderr = run_child(env)
    assert "HPCFFI_TUNE=lazy and no wisdom for this machine: tuning the heat kernels for about 1 s" in stderr
    assert result["info"]["in_use"] and result["info"]["path"].startswith(str(tmp_path / "hpcffi" / "wisdom-"))
    # Off by default: no line, no file.
    quiet_cache = tmp_path / "quiet"
    result, stderr = run_child(child_env(quiet_cache))
    assert stderr == "" and not result["info"]["in_use"] and not quiet_cache.exists()


@library_only
@pytest.mark.parametrize("args", [["--budget", "0"], ["--budget", "x"], ["--sizes", "8"], ["--sizes", "a,b"],
                                  ["--budget", "1e6"]])
def test_cli_bad_options_exit_2(tmp_path, args):
    proc = tune_cli(*args, env=child_env(tmp_path))
    assert proc.returncode == 2, proc
    assert "error" in proc.stderr
