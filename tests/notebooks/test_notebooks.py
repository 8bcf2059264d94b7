"""The `notebooks` label: every lesson notebook executed with the `hpcffi` Jupyter kernel.

Each test copies examples/lesson to a fresh folder, runs one notebook there cell by cell (nbclient,
the kernel found through JUPYTER_PATH), and checks what its cells printed, drew and raised against
the same known values as the lesson's scripts (tests/examples/test_lesson.py). The exercises,
unfilled, must stop in their gap cell with their own message. The "submit the job" notebook needs
a Slurm cluster: it runs in the `slurm` label (HPCFFI_TEST_SLURM_MODE_FILE set by its fixture).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from notebook_runner import execute, lesson_copy

LESSON = Path(os.environ["HPCFFI_LESSON_DIR"])
ADD = "add: [11.0, 22.0, 33.0, 44.0]"
EVOLVE_MEAN = "mean temperature after 200 steps: 10.260996486007"


@pytest.fixture()
def lesson(tmp_path):
    return lesson_copy(LESSON, tmp_path / "lesson")


def run(lesson, name):
    return execute(lesson / f"{name}.py")


def test_every_lesson_notebook_is_tested():
    """A new notebook in examples/lesson must get a test here (or in the slurm label)."""
    notebooks = sorted(p.stem for p in LESSON.glob("[0-9][0-9]_*.py") if not p.stem.endswith("_build"))
    tested = sorted(name for name in globals() if name.startswith("test_0"))
    assert [f"test_{n}" for n in notebooks] == tested, (notebooks, tested)


def test_01_sqrtf_abi_inline(lesson):
    executed = run(lesson, "01_sqrtf_abi_inline")
    # sqrt(2) rounded to a C float (0x3fb504f3), not the double sqrt(2).
    assert executed.lines() == ["sqrtf(4.0) = 2.0", "sqrtf(2.0) = 1.4142135381698608"]
    assert executed.stream("stderr") == ""


def test_02_add_abi_inline(lesson):
    executed = run(lesson, "02_add_abi_inline")
    assert executed.lines() == [ADD]


def check_out_of_line(lesson, step, module):
    executed = run(lesson, step)
    wrote, result = executed.lines()
    # The `!python ..._build.py` cell built the module next to the notebook, then the next imported it.
    assert wrote.startswith(f"wrote {lesson}/{module}"), wrote
    assert result == ADD


def test_03_add_abi_outofline(lesson):
    check_out_of_line(lesson, "03_add_abi_outofline", "_add_abi.py")


def test_04_add_api_outofline(lesson):
    check_out_of_line(lesson, "04_add_api_outofline", "_add_api.")


def test_05_api_inline_verify(lesson):
    lines = run(lesson, "05_api_inline_verify").lines()
    assert re.fullmatch(r"first start \(compiles\): \d+\.\d{3} s", lines[0]), lines
    assert re.fullmatch(r"second start \(cache\): \d+\.\d{3} s", lines[1]), lines
    assert lines[2] == ADD
    # What verify() left behind: the generated C file and the extension compiled from it.
    cache = eval(lines[3].removeprefix("the cache: "))  # a list of file names  # noqa: S307
    assert [Path(name).suffix for name in cache] == [".c", ".so"], cache


def test_06_fibo_exercise(lesson):
    executed = run(lesson, "06_fibo_exercise")
    assert executed.errors() == [("SystemExit", "06_fibo_exercise.py: exercise not done yet: fill the gap "
                                  "marked 'GAP (fibo)' with a call to lib.hpcffi_fibo(a, b)")]
    assert executed.lines() == []


def test_06_fibo_solution(lesson):
    executed = run(lesson, "06_fibo_solution")
    sequence, overflow = executed.lines()
    assert sequence == "0 1 1 2 3 5 8 13 21 34"
    assert overflow.startswith("status 4 (HPCFFI_ERR_OVERFLOW = 4): hpcffi_fibo: ")
    assert overflow.endswith("a = 1836311903, b = 1134903170")       # left alone
    assert executed.errors() == []


def test_07_evolve_exercise(lesson):
    executed = run(lesson, "07_evolve_exercise")
    gap = ("SystemExit", "07_evolve_exercise.py: exercise not done yet: fill the gap marked 'GAP (evolve)' "
           "with a call to lib.hpcffi_heat_evolve")
    # Every cell that calls evolve() stops in the gap; the field before is drawn all the same.
    assert executed.errors() == [gap, gap, gap]
    assert executed.images() == 1
    assert executed.lines() == []


def test_07_evolve_solution(lesson):
    executed = run(lesson, "07_evolve_solution")
    lines = executed.lines()
    assert lines[0] == EVOLVE_MEAN
    assert float(lines[1].split(":")[1]) < 1e-10                       # C and NumPy agree
    timings = [re.fullmatch(r"one step of (\d+) x \1: C through cffi +[\d.]+ us, NumPy +[\d.]+ us: "
                            r"C is [\d.]+x faster", line) for line in lines[2:4]]
    assert all(timings), lines[2:4]
    assert lines[4].startswith("dt = 10 x the limit is refused: hpcffi_heat_evolve: dt = ")
    assert executed.images() == 2                                     # before and after
    assert executed.errors() == [] and executed.stream("stderr") == ""


def test_08_submit_the_job(lesson):
    """Writes a job, submits it with sbatch --wait, shows its log and the image it drew."""
    mode_file = os.environ.get("HPCFFI_TEST_SLURM_MODE_FILE")
    if not mode_file:
        pytest.skip("needs a Slurm cluster: runs in the slurm label (ctest -L slurm)")
    mode = Path(mode_file).read_text().split()[0] if Path(mode_file).exists() else "skip"
    if mode == "skip":
        pytest.skip(f"no cluster to submit to ({mode_file})")
    executed = run(lesson, "08_submit_the_job")
    lines = executed.lines()
    job = next(re.fullmatch(r"sbatch --wait: exit status 0, job (\d+)", line) for line in lines
               if line.startswith("sbatch --wait:"))
    assert job, lines
    assert EVOLVE_MEAN in lines                                       # step 7 ran as a job step
    assert "mean temperature: 86.358156657167" in lines, lines          # hpcffi heat --mpi, 2 ranks
    assert any(line == "mpi: 2 ranks x 1 threads, process grid 2 x 1" for line in lines), lines
    assert executed.images() == 1
    assert (lesson / f"evolve-job-{job.group(1)}.out").is_file()
