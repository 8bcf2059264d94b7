#!/usr/bin/env python3
"""The `slurm` ctest label: submit every jobs/ script with sbatch and check what it did.

    jobtests.py CASE        (cases: see CASES at the bottom)

Runs against the cluster chosen by cluster.sh setup (mode file): the local
throw-away cluster, or a real one (partition/account from the environment).
Exit 77 = skipped (no cluster to use), 0 = passed, anything else = failed.
Checks real outcomes only: exit codes, final states, log lines in order,
files written, numbers. No timing thresholds: waits are bounded only so a
hung job fails the test instead of hanging it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

SOURCE = Path(os.environ["HPCFFI_TEST_SOURCE_DIR"])
BUILD = Path(os.environ["HPCFFI_TEST_BUILD_DIR"])
RUNS = Path(os.environ["HPCFFI_TEST_RUNS_DIR"])
MODE_FILE = Path(os.environ["HPCFFI_TEST_SLURM_MODE_FILE"])
JOBS = SOURCE / "jobs"
SKIP = 77
WAIT_LIMIT = float(os.environ.get("HPCFFI_TEST_JOB_LIMIT", "240"))  # per job, seconds


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def say(*args):
    print(*args, flush=True)


# ---- where to submit --------------------------------------------------------------
def mode() -> str:
    try:
        text = MODE_FILE.read_text().strip()
    except FileNotFoundError:
        say(f"SKIP: no cluster mode recorded ({MODE_FILE}): the slurm.setup fixture did not run")
        sys.exit(SKIP)
    kind = text.split()[0]
    if kind == "skip":
        say("SKIP:", text.partition(" ")[2])
        sys.exit(SKIP)
    return kind


MODE = None


def slurm_env(extra=None) -> dict:
    env = dict(os.environ)
    if MODE == "remote":
        env.pop("SLURM_CONF", None)      # ctest points it at the local cluster
    env.setdefault("HPCFFI_SOURCE_DIR", str(SOURCE))
    env.setdefault("HPCFFI_BUILD_DIR", str(BUILD))
    for key, value in (extra or {}).items():
        env[key] = str(value)
    return env


def site_options() -> list[str]:
    opts = []
    if MODE == "remote":
        if os.environ.get("HPCFFI_SLURM_PARTITION"):
            opts.append("--partition=" + os.environ["HPCFFI_SLURM_PARTITION"])
        if os.environ.get("HPCFFI_SLURM_ACCOUNT"):
            opts.append("--account=" + os.environ["HPCFFI_SLURM_ACCOUNT"])
    return opts


def run(cmd, env=None, cwd=None, check_rc=True, timeout=None):
    say("$", " ".join(str(c) for c in cmd))
    p = subprocess.run([str(c) for c in cmd], env=env or slurm_env(), cwd=cwd, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    if p.stdout.strip():
        say(p.stdout.rstrip())
    if check_rc and p.returncode != 0:
        raise Failure(f"{cmd[0]} exited with {p.returncode}")
    return p


def workdir(name: str) -> Path:
    d = RUNS / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def sbatch(script, root: Path, env_extra=None, options=(), wait=True, args=(), output="%x-%j.out"):
    """Submit; return (job id, sbatch exit code). With wait, the code is the job's."""
    cmd = ["sbatch", "--parsable", *site_options(), f"--output={root}/{output}", *options]
    if wait:
        cmd.append("--wait")
    cmd += [JOBS / script, *args]
    env = slurm_env({"HPCFFI_OUTPUT_ROOT": root, **(env_extra or {})})
    p = run(cmd, env=env, cwd=root, check_rc=False, timeout=WAIT_LIMIT if wait else 60)
    m = re.search(r"^(\d+)", p.stdout.strip().splitlines()[0] if p.stdout.strip() else "", re.M)
    check(m, f"sbatch printed no job id: {p.stdout!r}")
    return m.group(1), p.returncode


def final_state(job: str) -> tuple[str, str]:
    """(state, exit code) of a finished job: squeue/scontrol while Slurm holds it, then sacct."""
    p = subprocess.run(["scontrol", "-o", "show", "job", job], env=slurm_env(), text=True,
                       capture_output=True)
    if p.returncode == 0 and "JobState=" in p.stdout:
        state = re.search(r"JobState=(\S+)", p.stdout).group(1)
        code = re.search(r"ExitCode=(\S+)", p.stdout).group(1)
        return state, code
    cmd = ["sacct", "-n", "-P", "-X", "-j", job, "-o", "JobID,State,ExitCode"]
    if MODE == "local":
        cmd.insert(1, "-c")           # local cluster: jobcomp/filetxt, no slurmdbd
    p = subprocess.run(cmd, env=slurm_env(), text=True, capture_output=True)
    for line in p.stdout.splitlines():
        fields = line.split("|")
        if fields[0] == job:
            return fields[1].split()[0], fields[2]
    return "UNKNOWN", "?"


def job_state_now(job: str) -> str:
    p = subprocess.run(["squeue", "-h", "-j", job, "-o", "%T"], env=slurm_env(), text=True,
                       capture_output=True)
    return p.stdout.strip() if p.returncode == 0 else ""


def wait_until(predicate, what: str, limit: float = WAIT_LIMIT, poll: float = 0.5):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise Failure(f"gave up waiting for {what} after {limit:.0f} s")


def wait_gone(job: str):
    wait_until(lambda: job_state_now(job) == "", f"job {job} to leave the queue")


def log_of(root: Path, name: str, job: str) -> str:
    path = root / f"{name}-{job}.out"
    check(path.is_file(), f"no log {path}")
    return path.read_text(errors="replace")


def show(log: str, title: str):
    say(f"---- {title}")
    say(log.rstrip())
    say("----")


def lines_in_order(log: str, patterns: list[str]) -> list[re.Match]:
    """Each pattern must match a line after the previous pattern's line."""
    pos, found = 0, []
    for pat in patterns:
        m = re.compile(pat, re.M).search(log, pos)
        check(m, f"log lacks (in order) a line matching {pat!r} after offset {pos}")
        found.append(m)
        pos = m.end()
    return found


def mean_from(log: str) -> float:
    values = re.findall(r"mean temperature:\s*([-+0-9.eE]+)", log)
    check(values, "log has no 'mean temperature:' line")
    return float(values[-1])


def fom_from(log: str) -> float:
    values = re.findall(r"figure of merit:\s*([-+0-9.eE]+)\s*Mpts/s", log)
    check(values, "log has no 'figure of merit: <x> Mpts/s' line")
    return float(values[-1])


def numpy():
    import numpy as np
    return np


def bottle() -> Path | None:
    p = Path(os.environ.get("HPCFFI_SHARED_DATA_DIR", SOURCE.parent / "shared" / "data")) / "bottle.dat"
    return p if p.is_file() else None


# ---- the cases ------------------------------------------------------------------------
def case_demo():
    root = workdir("demo")
    job, rc = sbatch("demo.sbatch", root)
    log = log_of(root, "demo", job)
    show(log, "demo log")
    check(rc == 0, f"demo job exit code {rc}")
    check(final_state(job)[0] == "COMPLETED", f"demo job state {final_state(job)}")
    lines_in_order(log, [r"^hpcffi-job: .*environment:", r"sqrtf\(4\.0\) = 2\.0", r"mode api .*OK",
                         r"mode abi .*OK", r"mode abi-inline .*OK", r"^hpcffi-job: .*finished"])


def case_lesson():
    """jobs/lesson.sbatch: every lesson script with its known output; an unfilled exercise fails the job."""
    root = workdir("lesson")
    job, rc = sbatch("lesson.sbatch", root)
    log = log_of(root, "lesson", job)
    show(log, "lesson log")
    check(rc == 0, f"lesson job exit code {rc}")
    check(final_state(job)[0] == "COMPLETED", f"lesson job state {final_state(job)}")
    lines_in_order(log, [r"^hpcffi-job: .*HPCFFI_LIB=\S+libhpcffi\.so\.\d+ ", r"^sqrtf\(2\.0\) = 1\.4142135381698608$",
                         *[r"^add: \[11\.0, 22\.0, 33\.0, 44\.0\]$"] * 3, r"^0 1 1 2 3 5 8 13 21 34$",
                         r"^mean temperature after 200 steps: 10\.260996486007$", r"^hpcffi-job: .*finished"])
    job, rc = sbatch("lesson.sbatch", root, env_extra={"LESSON_SCRIPTS": "06_fibo_exercise.py"},
                     options=["--job-name=lesson-exercise"])
    log = log_of(root, "lesson-exercise", job)
    show(log, "lesson (unfilled exercise) log")
    check(rc == 1, f"unfilled exercise: job exit code {rc}, expected 1")
    lines_in_order(log, [r"06_fibo_exercise\.py: exercise not done yet", r"^hpcffi-job: .*failed"])


def case_fibonacci():
    root = workdir("fibonacci")
    job, rc = sbatch("fibonacci.sbatch", root, {"FIB_N": 90, "FIB_EXACT": 300, "FIB_FULL": 1})
    log = log_of(root, "fibonacci", job)
    show(log, "fibonacci log")
    check(rc == 0, f"fibonacci job exit code {rc}")
    check(re.search(r"^1779979416004714189$", log, re.M), "F(89) = 1779979416004714189 (the 90th value) not in the log")
    check(not re.search(r"^2880067194370816120$", log, re.M), "F(90) printed: more than FIB_N=90 values")
    check("222232244629420445529739893461909967206666939096499764990979600" in log.replace("\n", ""),
          "exact F(300) not in the log")
    lines_in_order(log, [r"^hpcffi-job: .*finished"])


HEAT_SMALL = {"HEAT_NX": 200, "HEAT_NY": 200, "HEAT_STEPS": 200, "HEAT_PNG_EVERY": 50,
              "HEAT_CHECKPOINT_EVERY": 100}


def expected_mean(params) -> float | None:
    """Independent NumPy reference for the run (when the program's default input is known)."""
    try:
        sys.path.insert(0, str(BUILD / "python"))
        from hpcffi import reference, fieldio
    except Exception as exc:  # noqa: BLE001
        say(f"note: no NumPy reference ({exc})")
        return None
    if not params.get("HEAT_INPUT"):
        return None
    field = fieldio.read_field(params["HEAT_INPUT"])
    out = reference.evolve_steps_numpy(field, int(params["HEAT_STEPS"]), 0.5)
    return float(reference.mean_numpy(out))


def read_final(run_dir: Path):
    """The final field of a heat run folder (final.h5, dataset /field), as a NumPy array."""
    import h5py  # noqa: PLC0415

    with h5py.File(run_dir / "final.h5", "r") as handle:
        return handle["field"][...]


def check_heat_run(root: Path, name: str, job: str, params: dict, log: str):
    out = root / f"{name}-{job}"
    final = out / "final.h5"
    check(final.is_file(), f"no {final}")
    field = read_final(out)
    mean = mean_from(log)
    fom = fom_from(log)
    say(f"mean temperature {mean!r}, figure of merit {fom} Mpts/s, field {field.shape}")
    check(fom > 0, "figure of merit not positive")
    check(abs(float(field.mean()) - mean) <= 1e-9 * max(1.0, abs(mean)),
          f"logged mean {mean} differs from mean of final.h5 {field.mean()}")
    ref = expected_mean(params)
    if ref is not None:
        check(abs(ref - mean) <= 1e-9 * max(1.0, abs(ref)), f"mean {mean} differs from NumPy reference {ref}")
        say(f"NumPy reference mean {ref!r}: ok")
    pngs = sorted(out.glob("heat_*.png"))
    check(pngs, f"no heat_*.png in {out}")
    steps, every = int(params["HEAT_STEPS"]), int(params["HEAT_PNG_EVERY"])
    say(f"{len(pngs)} PNGs: {[p.name for p in pngs]}")
    check(len(pngs) >= steps // every, f"expected at least {steps // every} PNGs, found {len(pngs)}")
    for p in pngs:
        check(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{p} is not a PNG")
    return field


def heat_params():
    params = dict(HEAT_SMALL)
    b = bottle()
    if b:
        params["HEAT_INPUT"] = str(b)
    return params


def case_heat():
    root = workdir("heat")
    params = heat_params()
    job, rc = sbatch("heat.sbatch", root, params)
    log = log_of(root, "heat", job)
    show(log, "heat log")
    check(rc == 0, f"heat job exit code {rc}")
    check(final_state(job)[0] == "COMPLETED", f"heat job state {final_state(job)}")
    lines_in_order(log, [r"1 task x 2 threads", r"^hpcffi-job: .*running:", r"^hpcffi-job: .*finished"])
    field = check_heat_run(root, "heat", job, params, log)
    numpy().save(root / "ref-serial.npy", field)   # heat-mpi compares with it


def case_heat_mpi():
    root = workdir("heat-mpi")
    params = heat_params()
    # 2 x 1 fits the 2 cores of a small test machine; the script's default is 2 x 2.
    ranks, threads = int(os.environ.get("HPCFFI_TEST_MPI_RANKS", 2)), int(os.environ.get("HPCFFI_TEST_MPI_THREADS", 1))
    job, rc = sbatch("heat-mpi.sbatch", root, params,
                     options=[f"--ntasks={ranks}", f"--cpus-per-task={threads}"])
    log = log_of(root, "heat-mpi", job)
    show(log, "heat-mpi log")
    check(rc == 0, f"heat-mpi job exit code {rc}")
    lines_in_order(log, [rf"{ranks} ranks x {threads} threads", r"^hpcffi-job: .*running:",
                         r"^hpcffi-job: .*finished"])
    # The program itself reports the size of the communicator it ran on.
    m = re.search(r"^mpi: (\d+) ranks x (\d+) threads", log, re.M)
    check(m, "the program did not report its MPI layout ('mpi: N ranks x T threads')")
    check((int(m.group(1)), int(m.group(2))) == (ranks, threads),
          f"the program ran on {m.group(1)} ranks x {m.group(2)} threads, expected {ranks} x {threads}")
    # Placement: every rank reports its CPUs; no two ranks may be pinned to one
    # core (what OMP_PROC_BIND did to unbound srun tasks before the job script
    # pinned threads only in confined tasks).
    m = re.search(r"^mpi: rank:host:CPUs (.*)$", log, re.M)
    check(m and len(m.group(1).split()) == ranks, "the program did not report each rank's CPUs")
    check("take turns on it" not in log, "ranks were pinned to the same CPU (see the warning in the log)")
    np = numpy()
    field = check_heat_run(root, "heat-mpi", job, params, log)
    if params.get("HEAT_INPUT"):
        say("MPI mean equals the NumPy reference: ok")
    check(field.shape == (200, 200), f"final field shape {field.shape}")
    # The distributed run gives the serial run's field, bit for bit.
    serial = np.load(RUNS / "heat" / "ref-serial.npy") if (RUNS / "heat" / "ref-serial.npy").is_file() else None
    if serial is not None:
        check(np.array_equal(serial, field), "MPI final field differs from the serial heat job's")
        say("MPI final field identical to the serial job's: ok")


def case_sweep():
    root = workdir("heat-sweep")
    values = "100 150 200"
    job, rc = sbatch("heat-sweep.sbatch", root,
                     {"SWEEP_PARAM": "size", "SWEEP_VALUES": values, "HEAT_STEPS": 50, "HEAT_PNG_EVERY": 25},
                     options=["--array=0-2"], output="%x-%A_%a.out")
    check(rc == 0, f"sbatch --wait on the array returned {rc}")
    for task, value in enumerate(values.split()):
        log_path = root / f"heat-sweep-{job}_{task}.out"
        check(log_path.is_file(), f"no log {log_path}")
        log = log_path.read_text()
        show(log, f"array task {task}")
        state = final_state(f"{job}_{task}")
        check(state[0] == "COMPLETED", f"array task {task} state {state}")
        out = root / f"heat-sweep-{job}" / f"task-{task}-size-{value}"
        field = read_final(out)
        check(field.shape == (int(value), int(value)), f"task {task}: field {field.shape}, expected size {value}")
        check(sorted(out.glob("heat_*.png")), f"task {task}: no PNGs in {out}")
        lines_in_order(log, [rf"array task {task}: size={value}", r"^hpcffi-job: .*finished"])
    dirs = sorted(p.name for p in (root / f"heat-sweep-{job}").iterdir())
    check(len(dirs) == 3, f"expected one folder per task, found {dirs}")


def case_chain():
    root = workdir("heat-chain")
    params = dict(HEAT_SMALL, HEAT_STEPS=100)
    env = slurm_env({"HPCFFI_OUTPUT_ROOT": root, **params})
    p = run(["bash", JOBS / "heat-chain.sh", "--wait", *site_options()], env=env, cwd=root,
            check_rc=False, timeout=2 * WAIT_LIMIT)
    check(p.returncode == 0, f"heat-chain.sh --wait exited {p.returncode}")
    run_id = re.search(r"run job (\d+)", p.stdout).group(1)
    plot_id = re.search(r"plot job (\d+)", p.stdout).group(1)
    run_log, plot_log = log_of(root, "heat", run_id), log_of(root, "heat-plot", plot_id)
    show(run_log, "run log")
    show(plot_log, "plot log")
    for job in (run_id, plot_id):
        check(final_state(job)[0] == "COMPLETED", f"job {job}: {final_state(job)}")
    # afterok: the plot job started after the run finished (order of the logged events).
    t_run_end = re.search(r"^hpcffi-job: (\S+ \S+) finished", run_log, re.M).group(1)
    t_plot_start = re.search(r"^hpcffi-job: (\S+ \S+) job \d+", plot_log, re.M).group(1)
    check(t_plot_start >= t_run_end, f"plot started {t_plot_start} before the run finished {t_run_end}")
    check(re.search(rf"dependency: afterok:{run_id}", plot_log), "plot log does not show its afterok dependency")
    png = root / f"heat-{run_id}" / "final.png"
    check(png.is_file() and png.read_bytes()[:4] == b"\x89PNG", f"no plot {png}")
    check(abs(mean_from(plot_log) - mean_from(run_log)) < 1e-12, "plot mean differs from run mean")


def case_chain_failed_run():
    """A failing run: the afterok plot job is cancelled, never runs."""
    root = workdir("heat-chain-fail")
    env = slurm_env({"HPCFFI_OUTPUT_ROOT": root, "HEAT_NX": "-5"})
    p = run(["bash", JOBS / "heat-chain.sh", "--wait", *site_options()], env=env, cwd=root,
            check_rc=False, timeout=2 * WAIT_LIMIT)
    check(p.returncode != 0, "heat-chain.sh --wait succeeded although the run failed")
    run_id = re.search(r"run job (\d+)", p.stdout).group(1)
    plot_id = re.search(r"plot job (\d+)", p.stdout).group(1)
    wait_gone(plot_id)
    run_state, plot_state = final_state(run_id), final_state(plot_id)
    say(f"run {run_state}, plot {plot_state}")
    check(run_state[0] == "FAILED", f"run job: {run_state}")
    check(plot_state[0] in ("CANCELLED", "UNKNOWN") or plot_state[0].startswith("CANCELLED"),
          f"plot job: {plot_state}")
    check(not (root / f"heat-plot-{plot_id}.out").exists(), "the plot job ran although its dependency failed")


def case_bad_parameter():
    root = workdir("bad-parameter")
    job, rc = sbatch("heat.sbatch", root, {"HEAT_NX": "abc"})
    log = log_of(root, "heat", job)
    show(log, "bad-parameter log")
    check(rc != 0, "a job with HEAT_NX=abc exited 0")
    state = final_state(job)
    check(state[0] == "FAILED", f"job state {state}, expected FAILED")
    check("HEAT_NX must be a positive integer, got 'abc'" in log, "the log lacks the clear parameter message")
    check("running:" not in log, "the program was started despite the bad parameter")


# The signal must reach a running program: after the first periodic checkpoint
# the run goes on for several seconds (8e9 updates at 1-3 Gpts/s on 2 cores,
# plus 32 MB checkpoints), far longer than the scancel -> trap -> srun path.
CHECKPOINT_RUN = {"HEAT_NX": 2000, "HEAT_NY": 2000, "HEAT_STEPS": 2000, "HEAT_PNG_EVERY": 2000,
                  "HEAT_CHECKPOINT_EVERY": 250}


def case_checkpoint():
    checkpoint_case("heat", CHECKPOINT_RUN)


def case_checkpoint_mpi():
    ranks = os.environ.get("HPCFFI_TEST_MPI_RANKS", "2")
    checkpoint_case("heat-mpi", CHECKPOINT_RUN, options=[f"--ntasks={ranks}", "--cpus-per-task=1"])


def checkpoint_case(name, params, options=()):
    """USR1 -> checkpoint -> requeue -> resume -> same final field as an uninterrupted run."""
    root = workdir(f"checkpoint-{name}")
    options = list(options)
    ref_job, rc = sbatch(f"{name}.sbatch", root, params, options=["--job-name=heat-ref", *options])
    check(rc == 0, f"reference run exit code {rc}")
    reference = read_final(root / f"heat-ref-{ref_job}")

    job, rc = sbatch(f"{name}.sbatch", root, params, wait=False, options=options)
    check(rc == 0, f"sbatch exit code {rc}")
    log_path = root / f"{name}-{job}.out"
    out = root / f"{name}-{job}"
    # Progress: the first periodic checkpoint exists, so the program is mid-run.
    wait_until(lambda: (out / "heat-checkpoint.h5").is_file() or job_state_now(job) == "",
               "the first periodic checkpoint")
    check(job_state_now(job) == "RUNNING", f"job {job} is no longer running before the signal: "
          f"use more HEAT_STEPS ({job_state_now(job) or 'finished'})")
    run(["scancel", "--signal=USR1", "--batch", job])
    # Requeued: the log says so (written before `scontrol requeue`, which
    # ends the script) and the job is pending again.
    wait_until(lambda: re.search(r"requeueing job|failed", log_path.read_text()) or job_state_now(job) == "",
               "the job to requeue itself")
    check("requeueing job" in log_path.read_text(), f"the job did not requeue itself:\n{log_path.read_text()}")
    wait_until(lambda: job_state_now(job) == "PENDING", "the requeued job to be pending")
    # Skip the 120 s hold. Not "now": a restart in the same second as the kill
    # is refused by slurmd ("Job credential revoked", 1 s granularity).
    run(["scontrol", "update", f"JobId={job}", "StartTime=now+2"])

    def restarted_and_done():
        text = log_path.read_text()
        after = text.split("(restart 1)", 1)
        if len(after) == 2 and re.search(r"finished|failed", after[1]):
            return True
        return job_state_now(job) == ""          # gone without finishing: checked below
    wait_until(restarted_and_done, "the restarted job to finish")
    wait_gone(job)
    log = log_path.read_text()
    show(log, "checkpoint log")
    state = final_state(job)
    check(state[0] == "COMPLETED", f"job state {state}")
    m = lines_in_order(log, [
        r"\(restart 0\)",
        r"USR1 received",
        # The job script's own line after the program stopped (periodic
        # checkpoints of the program may come between USR1 and the stop).
        r"hpcffi-job: [^\n]* checkpoint written at step (\d+)",
        r"requeueing job",
        r"\(restart 1\)",
        r"resumed from step (\d+)",
        r"finished",
    ])
    written, resumed = int(m[2].group(1)), int(m[5].group(1))
    check(written == resumed, f"checkpoint at step {written} but resumed from step {resumed}")
    check(0 < written < params["HEAT_STEPS"], f"checkpoint step {written} not inside the run")
    final = read_final(out)
    check(final.tobytes() == reference.tobytes(),
          "final.h5 after checkpoint/requeue/resume differs from the uninterrupted run")
    say(f"checkpoint at step {written}, resumed, final field bitwise identical to job {ref_job}")


def case_trivial():
    """The machinery alone: a wrapped command, and the C++ driver when it is built."""
    root = workdir("trivial")
    cmd = ["sbatch", "--parsable", "--wait", *site_options(), f"--output={root}/%x-%j.out", "--job-name=trivial",
           "--wrap", "echo hello from job $SLURM_JOB_ID on $SLURM_CPUS_ON_NODE CPUs"]
    p = run(cmd, cwd=root, check_rc=False, timeout=WAIT_LIMIT)
    job = p.stdout.split()[0]
    check(p.returncode == 0, f"trivial job exit code {p.returncode}")
    log = log_of(root, "trivial", job)
    check(f"hello from job {job}" in log, f"log: {log!r}")
    exe = BUILD / "src" / "apps" / "hpcffi-heat"
    if exe.is_file():
        cmd = ["sbatch", "--parsable", "--wait", *site_options(), f"--output={root}/%x-%j.out",
               "--job-name=cpp-heat", "--cpus-per-task=2",
               "--wrap", f"OMP_NUM_THREADS=2 srun --cpus-per-task=2 {exe} --nx 200 --ny 200 --steps 50"]
        p = run(cmd, cwd=root, check_rc=False, timeout=WAIT_LIMIT)
        job = p.stdout.split()[0]
        log = log_of(root, "cpp-heat", job)
        show(log, "hpcffi-heat log")
        check(p.returncode == 0, f"hpcffi-heat job exit code {p.returncode}")
        mean_from(log)
        fom_from(log)
    else:
        say(f"note: {exe} not built, C++ driver not submitted")


def case_module_env():
    """A job takes its environment from `module load hpcffi` (real Lmod) when the module is available."""
    root = workdir("module-env")
    prefix = root / "prefix"
    run(["cmake", "--install", BUILD, "--prefix", prefix])
    modpath = prefix / "share" / "modulefiles"
    env = {"MODULEPATH": f"{modpath}:{os.environ.get('MODULEPATH', '')}".rstrip(":")}
    job, rc = sbatch("demo.sbatch", root, env, options=["--job-name=demo-module"])
    log = log_of(root, "demo-module", job)
    show(log, "demo (module) log")
    check(rc == 0, f"job exit code {rc}")
    lines_in_order(log, [rf"environment: module hpcffi \(HPCFFI_ROOT={re.escape(str(prefix))}\)",
                         r"mode api .*OK", r"finished"])


def check_rejected_at_submit(script: str, root: Path, options) -> str:
    """sbatch of a job that can never run on this cluster must fail at once with Slurm's
    message (EnforcePartLimits=ALL), not be accepted to pend forever (PartitionConfig).
    No --wait: an accepted job is read, cancelled and reported. Returns sbatch's message."""
    cmd = ["sbatch", "--parsable", *site_options(), f"--output={root}/%x-%j.out", *options, JOBS / script]
    p = run(cmd, cwd=root, check_rc=False, timeout=60)
    if p.returncode == 0:
        job = p.stdout.strip().split(";")[0]
        state = subprocess.run(["squeue", "-h", "-j", job, "-o", "%T (%r)"], env=slurm_env(), text=True,
                               capture_output=True).stdout.strip()
        subprocess.run(["scancel", job], env=slurm_env())
        raise Failure(f"sbatch accepted the impossible job {job}, {state or 'state unknown'}: it would wait"
                      " forever (the cluster lacks EnforcePartLimits=ALL)")
    check("More processors requested than permitted" in p.stdout,
          f"sbatch refused the job (exit {p.returncode}) without Slurm's message: {p.stdout!r}")
    check(not subprocess.run(["squeue", "-h", "-o", "%i"], env=slurm_env(), text=True,
                             capture_output=True).stdout.strip(), "a job is queued after the rejected submit")
    return p.stdout.strip()


def cluster_cpus() -> list[int]:
    """CPUs of each node of the cluster (sinfo)."""
    p = subprocess.run(["sinfo", "-h", "-N", "-o", "%c"], env=slurm_env(), text=True, capture_output=True)
    check(p.returncode == 0 and p.stdout.split(), f"sinfo failed: {p.stdout}{p.stderr}")
    return [int(c) for c in p.stdout.split()]


def case_impossible_job():
    """heat-mpi.sbatch with more ranks x CPUs per task (its default 2) than the cluster has:
    rejected at submit. Only on the local cluster: real centres configure this differently
    (docs/slurm.md says how to read a pending reason there)."""
    if MODE != "local":
        say("SKIP: only the local cluster is known to reject impossible jobs (EnforcePartLimits=ALL)")
        sys.exit(SKIP)
    root = workdir("impossible-job")
    ranks = sum(cluster_cpus()) // 2 + 1          # x 2 CPUs per task: more than the cluster has
    check_rejected_at_submit("heat-mpi.sbatch", root, [f"--ntasks={ranks}"])
    say(f"heat-mpi.sbatch --ntasks={ranks} (x 2 CPUs per task) rejected at submit")


CASES = {
    "trivial": case_trivial,
    "module-env": case_module_env,
    "demo": case_demo,
    "lesson": case_lesson,
    "fibonacci": case_fibonacci,
    "heat": case_heat,
    "heat-mpi": case_heat_mpi,
    "heat-sweep": case_sweep,
    "heat-chain": case_chain,
    "heat-chain-failed-run": case_chain_failed_run,
    "bad-parameter": case_bad_parameter,
    "checkpoint": case_checkpoint,
    "checkpoint-mpi": case_checkpoint_mpi,
    "impossible-job": case_impossible_job,
}


def run_case(argv, cases, *, needs_mode=None, why=""):
    """The command line of a case runner (this file, tests/multinode/nodetests.py):
    `PROGRAM CASE` runs one case and prints PASS or FAIL, exit 0 or 1. needs_mode:
    the cluster mode the cases need; another one skips (exit SKIP) and says why."""
    global MODE
    program = Path(argv[0]).name
    if len(argv) != 2 or argv[1] not in cases:
        print(f"usage: {program} {{{'|'.join(cases)}}}", file=sys.stderr)
        return 2
    MODE = mode()
    if needs_mode is not None and MODE != needs_mode:
        say(f"SKIP: {why}")
        return SKIP
    say(f"cluster mode: {MODE}")
    try:
        cases[argv[1]]()
    except Failure as exc:
        say(f"FAIL: {exc}")
        return 1
    say("PASS")
    return 0


def main(argv):
    return run_case(argv, CASES)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
