#!/usr/bin/env python3
"""The `multinode` ctest label: jobs across the hosts of a local multi-node Slurm.

    nodetests.py CASE        (cases: see CASES at the bottom)

The cluster (scripts/slurm-local.sh start --nodes 3: node1..node3, each a
slurmd in namespaces of its own) is started by the fixture test
multinode.setup through tests/slurm/cluster.sh; the helpers of the `slurm`
label (tests/slurm/jobtests.py) submit and read the jobs. Only a local
cluster is used: these tests crash nodes. Exit 77 = skipped, 0 = passed.
Assertions are on outcomes (hosts of the ranks, fields bitwise equal to a
serial run outside Slurm, job states, log lines in order); waits are bounded
so that a hang fails the test, and never assert a duration.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

SOURCE = Path(os.environ["HPCFFI_TEST_SOURCE_DIR"])
sys.path.insert(0, str(SOURCE / "tests" / "slurm"))
import jobtests as jt  # noqa: E402  (the slurm label's helpers: submit, wait, read logs)
from jobtests import Failure, check, say  # noqa: E402

BUILD = jt.BUILD
CLUSTER = Path(os.environ["HPCFFI_TEST_SLURM_DIR"])
LOCAL_CLUSTER = SOURCE / "scripts" / "slurm-local.sh"
PYTHON = os.environ.get("HPCFFI_PYTHON", sys.executable)
NODES = ["node1", "node2", "node3"]


# ---- the one place that knows a run's output files (issue 9 moves them to HDF5) -------
def read_final_field(run_dir: Path):
    """The final temperature field a heat run wrote into run_dir (final.h5, dataset /field)."""
    path = Path(run_dir) / "final.h5"
    check(path.is_file(), f"no final field {path}")
    return jt.read_final(Path(run_dir))


def checkpoint_file(run_dir: Path) -> Path:
    """The checkpoint jobs/heat-mpi.sbatch keeps in its run folder."""
    return Path(run_dir) / "heat-checkpoint.h5"


# ---- helpers ----------------------------------------------------------------------------
def hpcffi_env() -> dict:
    """The environment of a program of this build outside Slurm (what scripts/hpcffi-env.sh sets)."""
    env = dict(os.environ)
    for var, path in (("PYTHONPATH", BUILD / "python"), ("LD_LIBRARY_PATH", BUILD / "src")):
        env[var] = f"{path}:{env[var]}" if env.get(var) else str(path)
    return env


def serial_heat(root: Path, params: dict) -> Path:
    """The same problem with `python -m hpcffi heat` outside Slurm, no MPI: the reference."""
    out = root / "serial"
    cmd = [PYTHON, "-m", "hpcffi", "heat", "--nx", params["HEAT_NX"], "--ny", params.get("HEAT_NY", params["HEAT_NX"]),
           "--steps", params["HEAT_STEPS"], "--a", "0.5", "--dx", "0.01", "--dy", "0.01", "--threads", "1",
           "--png-every", params["HEAT_STEPS"], "--output-dir", out, "--quiet"]
    jt.run(cmd, env=hpcffi_env(), timeout=jt.WAIT_LIMIT)
    return out


def hosts_of_job(log: str, restart: int = 0) -> list[str]:
    """The nodes of run `restart` of a heat-mpi job, from its '(restart N) on NODELIST' line."""
    m = re.search(rf"\(restart {restart}\) on (\S+):", log)
    check(m, f"log has no '(restart {restart}) on NODELIST' line")
    p = subprocess.run(["scontrol", "show", "hostnames", m.group(1)], env=jt.slurm_env(), text=True,
                       capture_output=True, check=True)
    return p.stdout.split()


def placements(log: str) -> list[list[tuple[int, str]]]:
    """Every 'mpi: rank:host:CPUs ...' line of the log, as [(rank, host), ...] per run."""
    runs = []
    for line in re.findall(r"^mpi: rank:host:CPUs (.*)$", log, re.M):
        runs.append([(int(r), h) for r, h, _cpus in (item.split(":") for item in line.split())])
    check(runs, "the program printed no placement line ('mpi: rank:host:CPUs ...')")
    return runs


def check_block_placement(placement, hosts, per_node):
    """srun's default (block) distribution: ranks k*per_node .. (k+1)*per_node-1 on the k-th host."""
    expected = [(rank, hosts[rank // per_node]) for rank in range(len(hosts) * per_node)]
    check(placement == expected, f"ranks placed {placement}, expected {expected}")
    check(len({h for _, h in placement}) == len(hosts), f"ranks not on {len(hosts)} distinct hosts: {placement}")
    say(f"placement {' '.join(f'{r}:{h}' for r, h in placement)}: ranks on {len(hosts)} distinct hosts, as expected")


def layout(nodes: int, per_node: int, threads: int) -> list[str]:
    # --ntasks as well: heat-mpi.sbatch's `#SBATCH --ntasks=2` otherwise caps
    # the job at 2 ranks whatever --ntasks-per-node says (see docs/multinode.md).
    return [f"--nodes={nodes}", f"--ntasks={nodes * per_node}", f"--ntasks-per-node={per_node}",
            f"--cpus-per-task={threads}"]


def node_state(node: str) -> str:
    p = subprocess.run(["sinfo", "-h", "-n", node, "-o", "%T"], env=jt.slurm_env(), text=True, capture_output=True)
    return p.stdout.strip()


def cluster(*args) -> subprocess.CompletedProcess:
    return jt.run(["bash", LOCAL_CLUSTER, *args, "--dir", CLUSTER], check_rc=False, timeout=120)


def uts_namespace(pid: str) -> str:
    try:
        return os.readlink(f"/proc/{pid}/ns/uts")
    except OSError:
        return ""


def pids_in_namespace(ns: str) -> list[str]:
    return [p for p in os.listdir("/proc") if p.isdigit() and uts_namespace(p) == ns]


def slurmd_pid(node: str) -> str:
    return (CLUSTER / "run" / f"slurmd-{node}.pid").read_text().strip()


# ---- heat-mpi across nodes ---------------------------------------------------------------
def heat_across(name: str, nodes: int, per_node: int, threads: int):
    root = jt.workdir(name)
    params = {"HEAT_NX": 300, "HEAT_NY": 200, "HEAT_STEPS": 200, "HEAT_PNG_EVERY": 200, "HEAT_CHECKPOINT_EVERY": 100}
    job, rc = jt.sbatch("heat-mpi.sbatch", root, params, options=layout(nodes, per_node, threads))
    log = jt.log_of(root, "heat-mpi", job)
    jt.show(log, f"heat-mpi on {nodes} nodes x {per_node} ranks x {threads} threads")
    check(rc == 0, f"job exit code {rc}")
    check(jt.final_state(job)[0] == "COMPLETED", f"job state {jt.final_state(job)}")
    ranks = nodes * per_node
    jt.lines_in_order(log, [rf"{ranks} ranks x {threads} threads", rf"^mpi: {ranks} ranks x {threads} threads",
                            r"^mpi: rank:host:CPUs", r"^hpcffi-job: .*finished"])
    hosts = hosts_of_job(log)
    check(len(hosts) == nodes and set(hosts) <= set(NODES), f"job ran on {hosts}, expected {nodes} of {NODES}")
    check_block_placement(placements(log)[0], hosts, per_node)
    field = read_final_field(root / f"heat-mpi-{job}")
    serial = read_final_field(serial_heat(root, params))
    check(jt.numpy().array_equal(field, serial), "final field across nodes differs from the serial run's")
    say(f"final field {field.shape} bitwise equal to the serial run outside Slurm: ok")


def case_heat_2x2():
    heat_across("heat-2x2", nodes=2, per_node=2, threads=1)


def case_heat_3x1x2():
    heat_across("heat-3x1x2", nodes=3, per_node=1, threads=2)


# ---- Fibonacci across nodes -----------------------------------------------------------------
def case_fibonacci():
    root = jt.workdir("fibonacci")
    count, exact = 94, 300
    program = SOURCE / "tests" / "multinode" / "fib_mpi.py"
    gtests = BUILD / "tests" / "mpi" / "hpcffi_mpi_tests"
    env_script = SOURCE / "scripts" / "hpcffi-env.sh"
    script = root / "fib-mpi.sh"
    script.write_text("#!/bin/bash\nset -e\n"
                      f"source {env_script} {BUILD}\n"
                      f"srun {PYTHON} {program} {count} {exact}\n"
                      # the C++ tests of the same functions, across the nodes too
                      + (f"srun {gtests} --gtest_filter='FibMpi.*'\n" if gtests.is_file() else ""))
    p = jt.run(["sbatch", "--parsable", "--wait", "--job-name=fib-mpi", f"--output={root}/%x-%j.out",
                "--nodes=3", "--ntasks=3", "--ntasks-per-node=1", "--cpus-per-task=1", script],
               cwd=root, check_rc=False, timeout=jt.WAIT_LIMIT)
    job = p.stdout.split()[0]
    log = jt.log_of(root, "fib-mpi", job)
    jt.show(log, "Fibonacci over 3 nodes")
    check(p.returncode == 0, f"job exit code {p.returncode}")
    m = re.search(r"^fib-mpi: rank:host (.*)$", log, re.M)
    check(m, "no 'fib-mpi: rank:host' line")
    hosts = [item.split(":")[1] for item in m.group(1).split()]
    check(len(hosts) == 3 and set(hosts) == set(NODES), f"ranks on {hosts}, expected one on each of {NODES}")
    values = re.findall(r"^(\d+)$", log, re.M)
    # (jt.run merges stderr: the serial command's notes come between the values)
    serial = re.findall(r"^(\d+)$", jt.run([PYTHON, "-m", "hpcffi", "fib", str(count)], env=hpcffi_env()).stdout, re.M)
    check(len(serial) == count, f"serial run printed {len(serial)} values")
    check(values == serial, f"MPI values differ from the serial ones:\n{values}\n{serial}")
    say(f"F(0)..F({count - 1}) over 3 nodes equal the serial values (last {values[-1]})")
    serial_exact = jt.run([PYTHON, "-m", "hpcffi", "fib", "1", "--exact", str(exact), "--full"],
                          env=hpcffi_env()).stdout
    want = re.search(rf"^F\({exact}\) = (\d+)$", serial_exact, re.M).group(1)
    got = re.search(rf"^F\({exact}\) = (\d+)$", log, re.M)
    check(got and got.group(1) == want, f"F({exact}) over MPI differs from the serial value {want}")
    check(f"F({exact}) on 1 distinct value(s) over 3 ranks" in log, "ranks received different F(exact)")
    if gtests.is_file():
        # (the job's exit code already covers a failing rank; each rank reports)
        check(len(re.findall(r"^\[  PASSED  \] \d+ tests?", log, re.M)) == 3,
              "the FibMpi GoogleTests did not pass on all 3 ranks across the nodes")


# ---- node failure ---------------------------------------------------------------------------
# Long enough that the crash comes mid-run: periodic checkpoints from step
# 250 on, about 4e9 point updates in all.
FAILURE_RUN = {"HEAT_NX": 1000, "HEAT_NY": 1000, "HEAT_STEPS": 4000, "HEAT_PNG_EVERY": 4000,
               "HEAT_CHECKPOINT_EVERY": 250}


def case_node_failure():
    """heat-mpi on 2 of 3 nodes; one of its nodes crashes; Slurm requeues it onto the others."""
    np = jt.numpy()
    root = jt.workdir("node-failure")
    # Idle first (a job of an earlier test may still be completing: KillWait).
    try:
        jt.wait_until(lambda: all(node_state(n) == "idle" for n in NODES), "all nodes idle", limit=60)
    except Failure:
        raise Failure(f"nodes not idle before the test: {[(n, node_state(n)) for n in NODES]}") from None
    job, rc = jt.sbatch("heat-mpi.sbatch", root, FAILURE_RUN, wait=False, options=["--requeue", *layout(2, 1, 1)])
    check(rc == 0, f"sbatch exit code {rc}")
    log_path, out = root / f"heat-mpi-{job}.out", root / f"heat-mpi-{job}"
    jt.wait_until(lambda: checkpoint_file(out).is_file() or jt.job_state_now(job) == "", "the first periodic checkpoint")
    check(jt.job_state_now(job) == "RUNNING",
          f"job {job} no longer runs after its first checkpoint ({jt.job_state_now(job) or 'finished'}): more HEAT_STEPS")
    first = placements(log_path.read_text())[0]
    victim = first[-1][1]            # the node of the last rank, not the batch host
    check(victim != first[0][1], f"ranks 0 and {first[-1][0]} on the same node {victim}")
    ns = uts_namespace(slurmd_pid(victim))
    check(ns and ns != uts_namespace("self"), f"{victim}'s slurmd has no namespace of its own")

    t0 = time.monotonic()
    p = cluster("crash-node", victim)
    check(p.returncode == 0, f"crash-node {victim} failed")
    events = {"kill": 0.0}
    restarts = ""

    def watch():
        nonlocal restarts
        now = time.monotonic() - t0
        state, job_state = node_state(victim), jt.job_state_now(job)
        if "down" in state:
            events.setdefault("node down", now)
        if job_state == "PENDING":
            events.setdefault("requeued", now)
        if job_state == "RUNNING" and "requeued" in events:
            events.setdefault("started again", now)
            q = subprocess.run(["scontrol", "show", "job", job], env=jt.slurm_env(), text=True, capture_output=True)
            restarts = (re.findall(r"Restarts=(\d+)", q.stdout) or [restarts])[0]
        if job_state == "":
            events.setdefault("finished", now)
            return True
        return False

    jt.wait_until(watch, f"job {job} to be requeued, run again and finish", poll=0.25)
    say("timeline (s after the kill): " + ", ".join(f"{k} {v:.1f}" for k, v in events.items()))
    for earlier, later in (("kill", "node down"), ("node down", "requeued"), ("requeued", "started again"),
                           ("started again", "finished")):
        check(earlier in events and later in events and events[earlier] <= events[later],
              f"events out of order or missing: {events}")
    check(restarts == "1", f"scontrol showed Restarts={restarts!r} in the rerun, expected 1")

    log = log_path.read_text()
    jt.show(log, "node-failure log")
    state = jt.final_state(job)
    check(state[0] == "COMPLETED", f"job state {state}")
    m = jt.lines_in_order(log, [r"\(restart 0\)", r"checkpoint written at step (\d+)", r"(?i)node failure",
                                r"\(restart 1\)", r"resumed from step (\d+)", r"^hpcffi-job: .*finished"])
    resumed = int(m[4].group(1))
    check(0 < resumed < FAILURE_RUN["HEAT_STEPS"], f"resumed from step {resumed}, not inside the run")
    second = hosts_of_job(log, restart=1)
    check(victim not in second and len(second) == 2, f"rerun on {second}: must be 2 nodes without {victim}")
    check(set(h for _, h in placements(log)[-1]) == set(second), f"rerun ranks not on {second}")
    say(f"rerun on {second}, resumed from step {resumed} (SLURM_RESTART_COUNT=1)")
    field = read_final_field(out)
    serial = read_final_field(serial_heat(root, FAILURE_RUN))
    check(np.array_equal(field, serial), "final field after node failure and requeue differs from an uninterrupted run")
    say("final field bitwise equal to an uninterrupted serial run: ok")

    # Nothing of the crashed node runs, and Slurm still has it down.
    left = pids_in_namespace(ns)
    check(not left, f"processes of the crashed {victim} still run: {left}")
    check("down" in node_state(victim), f"{victim} is {node_state(victim)!r}, expected down")
    say(f"nothing of {victim} runs; Slurm has it {node_state(victim)}")
    # Back to three nodes for the next test (ReturnToService=2 takes it back).
    check(cluster("start-node", victim).returncode == 0, f"start-node {victim} failed")


# ---- one node's input is bad ----------------------------------------------------------------
def case_bad_input_one_node():
    """A node-local copy of the input is corrupt on the node of rank 0 (a failed
    stage-in) and good on the other: the job fails on every node with the
    program's message, no rank waits forever."""
    np = jt.numpy()
    root = jt.workdir("bad-input")
    field = np.linspace(0.0, 100.0, 120 * 80).reshape(120, 80)
    # Node-local scratch: DIR/scratch inside node N is DIR/nodes/nodeN/scratch outside.
    scratch = {n: CLUSTER / "nodes" / n / "scratch" for n in NODES}
    for n in NODES:
        np.save(scratch[n] / "input.npy", field)
    input_path = CLUSTER / "scratch" / "input.npy"   # the path the job sees, node-local
    params = {"HEAT_INPUT": input_path, "HEAT_STEPS": 20, "HEAT_PNG_EVERY": 20, "HEAT_CHECKPOINT_EVERY": 20}
    options = ["--nodelist=node1,node2", *layout(2, 1, 1)]

    # Control: with good copies everywhere the same job succeeds.
    job, rc = jt.sbatch("heat-mpi.sbatch", root, params, options=["--job-name=good-input", *options])
    good_log = jt.log_of(root, "good-input", job)
    check(rc == 0, f"the job with good copies on every node failed (exit {rc}):\n{good_log}")
    check(read_final_field(root / f"good-input-{job}").shape == (120, 80), "wrong final field shape")

    # node1 (rank 0, which reads the input) gets a truncated copy.
    data = (scratch["node1"] / "input.npy").read_bytes()
    (scratch["node1"] / "input.npy").write_bytes(data[: len(data) // 2])
    job, rc = jt.sbatch("heat-mpi.sbatch", root, params, options=["--job-name=bad-input", *options])
    log = jt.log_of(root, "bad-input", job)
    jt.show(log, "bad input on node1")
    check(rc != 0, "the job with a corrupt input on node1 exited 0")
    state = jt.final_state(job)
    check(state[0] == "FAILED", f"job state {state}, expected FAILED")
    check(re.search(rf"hpcffi heat: error: {re.escape(str(input_path))}: not a valid \.npy array", log),
          "the log lacks the program's clear message about the input")
    # Every node's rank ended: with the error (exit code 1: both ranks raise the
    # same error), or ended by srun --kill-on-bad-exit when the other rank's
    # exit came first. None may be left running or report success.
    placement_hosts = {"node1", "node2"}
    for node in sorted(placement_hosts):
        check(re.search(rf"srun: error: {node}: task \d+: (Exited with exit code [1-9]|Terminated)", log),
              f"no rank on {node} ended with an error (srun's report)")
    check("finished" not in log, "the job reports success")
    say("every node's rank exited with an error; the message names the bad file")


# ---- a job that can never run -----------------------------------------------------------------
def case_impossible_job():
    """The issue's example: 2 nodes x 2 ranks x heat-mpi.sbatch's 2 CPUs per task = 8 CPUs on
    2 nodes of 2: rejected at submit with Slurm's message, not left pending forever."""
    root = jt.workdir("impossible-job")
    jt.check_rejected_at_submit("heat-mpi.sbatch", root, ["--nodes=2", "--ntasks=4"])
    say("heat-mpi.sbatch --nodes=2 --ntasks=4 rejected at submit")


CASES = {
    "heat-2x2": case_heat_2x2,
    "heat-3x1x2": case_heat_3x1x2,
    "fibonacci": case_fibonacci,
    "bad-input-one-node": case_bad_input_one_node,
    "impossible-job": case_impossible_job,
    "node-failure": case_node_failure,
}


def main(argv):
    say(f"cluster: {CLUSTER}")
    return jt.run_case(argv, CASES, needs_mode="local",
                       why="the multinode tests need the local multi-node cluster (they crash its nodes)")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
