"""The lesson's scripts (examples/lesson), run as a participant runs them with `python`.

Each test copies the folder to a fresh place (the build scripts write their
modules next to themselves), runs the scripts with the interpreter of this
build and HPCFFI_LIB / HPCFFI_INCLUDE from scripts/hpcffi-env.sh, and checks
the printed results against known values. The exercises, unfilled, must
fail with their own message.
"""
import os
import shutil
import subprocess
import sys

import pytest

LESSON = os.environ["HPCFFI_LESSON_DIR"]


@pytest.fixture()
def lesson(tmp_path):
    """A private copy of examples/lesson; returns a runner for its scripts."""
    folder = tmp_path / "lesson"
    shutil.copytree(LESSON, folder, ignore=shutil.ignore_patterns("__pycache__", "_add_*"))

    def run(script, *args, env=None, check=True):
        # Started from another folder on purpose: no script may depend on the CWD.
        result = subprocess.run([sys.executable, str(folder / script), *args], cwd=tmp_path,
                                env=env, capture_output=True, text=True, timeout=120)
        if check:
            assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
        return result

    return run


def test_environment_is_set():
    assert os.path.isfile(os.environ["HPCFFI_LIB"]), os.environ["HPCFFI_LIB"]
    assert os.path.isfile(os.path.join(os.environ["HPCFFI_INCLUDE"], "hpcffi", "hpcffi.h"))


def test_sqrtf_abi_inline(lesson):
    out = lesson("01_sqrtf_abi_inline.py").stdout.splitlines()
    # sqrt(2) rounded to a C float (0x3fb504f3), not the double sqrt(2).
    assert out == ["sqrtf(4.0) = 2.0", "sqrtf(2.0) = 1.4142135381698608"]


@pytest.mark.parametrize("steps", [
    ["02_add_abi_inline.py"],
    ["03_add_abi_outofline_build.py", "03_add_abi_outofline.py"],
    ["04_add_api_outofline_build.py", "04_add_api_outofline.py"],
], ids=["abi-inline", "abi-outofline", "api-outofline"])
def test_add_in_each_style(lesson, steps):
    *builds, user = steps
    for build in builds:
        assert "wrote" in lesson(build).stdout
    assert lesson(user).stdout.strip() == "add: [11.0, 22.0, 33.0, 44.0]"


def test_user_scripts_say_to_run_the_build_first(lesson):
    for user, build in [("03_add_abi_outofline.py", "03_add_abi_outofline_build.py"),
                        ("04_add_api_outofline.py", "04_add_api_outofline_build.py")]:
        result = lesson(user, check=False)
        assert result.returncode == 1 and f"run {build} first" in result.stderr


def test_missing_environment_is_explained(lesson):
    env = {k: v for k, v in os.environ.items() if k not in ("HPCFFI_LIB", "HPCFFI_INCLUDE")}
    for script in ["02_add_abi_inline.py", "06_fibo_solution.py", "07_evolve_solution.py"]:
        result = lesson(script, env=env, check=False)
        assert result.returncode == 1
        assert "HPCFFI_LIB and HPCFFI_INCLUDE are not set" in result.stderr
        assert "module load hpcffi" in result.stderr


def test_api_inline_verify(lesson):
    out = lesson("05_api_inline_verify.py").stdout.splitlines()
    assert out[2] == "add: [11.0, 22.0, 33.0, 44.0]", out


def test_fibo_solution(lesson):
    sequence, overflow = lesson("06_fibo_solution.py").stdout.splitlines()
    assert sequence == "0 1 1 2 3 5 8 13 21 34"
    assert overflow.startswith("status 4 (HPCFFI_ERR_OVERFLOW = 4): hpcffi_fibo: ")
    # 46 numbers end at F(45) = 1134903170; the 47th needs F(47), past a C int.
    assert lesson("06_fibo_solution.py", "46").stdout.split()[-1] == "1134903170"
    result = lesson("06_fibo_solution.py", "48", check=False)
    assert result.returncode == 1
    assert result.stdout.split()[-1] == "1134903170"
    assert "stopped after F(45): status 4" in result.stderr and "hpcffi_fibo" in result.stderr


def test_evolve_solution(lesson):
    out = lesson("07_evolve_solution.py").stdout.splitlines()
    # Known value; the script also runs the lesson's NumPy step and prints the largest difference.
    assert out[0] == "mean temperature after 200 steps: 10.260996486007"
    difference = float(out[1].split(":")[1])
    assert difference < 1e-10
    # out[2:4]: one step timed in C and in NumPy (machine-dependent, checked in the notebooks label)
    assert out[4].startswith("dt = 10 x the limit is refused: hpcffi_heat_evolve")


@pytest.mark.parametrize("script, message", [
    ("06_fibo_exercise.py", "06_fibo_exercise.py: exercise not done yet: fill the gap marked 'GAP (fibo)'"),
    ("07_evolve_exercise.py", "07_evolve_exercise.py: exercise not done yet: fill the gap marked 'GAP (evolve)'"),
])
def test_unfilled_exercise_fails_with_its_message(lesson, script, message):
    result = lesson(script, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(message), result.stderr
    assert result.stdout == ""

