#!/usr/bin/env python3
"""The `multinode` label's interactive cases: a user's `salloc` shell on the local multi-node Slurm.

    salloc_shell.py CASE        (cases: see CASES at the bottom)

salloc runs in a pseudo-terminal (pexpect), as from a user's terminal, with
SHELL=/bin/bash and root's usual rc files. The cluster (tests/slurm/cluster.sh,
scripts/slurm-local.sh start --nodes 3) has LaunchParameters=use_interactive_step,
so the shell is a step on the first allocated node. Every command is typed as
`echo BEG''IN7; CMD; echo DO''NE7-rc$?` and its output read between the markers
`BEGIN7` and `DONE7-rc<N>` (the typed line itself never contains them: the
quotes split them), never by prompt. Waits are bounded so that a hang fails
the test; no duration is asserted. Exit 77 = skipped, 0 = passed.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path

SOURCE = Path(os.environ["HPCFFI_TEST_SOURCE_DIR"])
sys.path.insert(0, str(SOURCE / "tests" / "slurm"))
import jobtests as jt  # noqa: E402  (the slurm label's helpers)
from jobtests import Failure, check, say  # noqa: E402

BUILD = jt.BUILD
PYTHON = os.environ.get("HPCFFI_PYTHON", sys.executable)
LMOD_INIT = Path(os.environ.get("HPCFFI_LMOD_INIT", "/usr/share/lmod/lmod/init/bash"))
NODES = ["node1", "node2", "node3"]
LIMIT = 120          # bound on every wait for the shell (a hang fails, it is not a timing check)
# `python -m hpcffi heat --nx 200 --ny 200 --steps 50` (the built-in bottle), serial or on any
# number of ranks: the value in /work/shared/notes/interactive.md, checked again below
# against a serial run outside Slurm.
KNOWN_MEAN = "86.358100058927"


def pexpect():
    try:
        import pexpect as module
    except ImportError:
        raise Failure("pexpect is missing: run scripts/bootstrap.sh (Debian: python3-pexpect)") from None
    return module


def user_env(marker: str) -> dict:
    """A user's terminal environment: the cluster's SLURM_CONF, SHELL, and nothing of
    this build (the shell gets hpcffi from `module load`). `marker` tags every
    process the test starts, so that leftovers are found by it, not by name."""
    env = {key: os.environ[key] for key in ("HOME", "LANG", "USER", "LOGNAME") if key in os.environ}
    env.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "SHELL": "/bin/bash", "TERM": "dumb",
                "SLURM_CONF": os.environ["SLURM_CONF"]})
    key, _, value = marker.partition("=")
    env[key] = value
    return env


def marked_pids(marker: str) -> list[str]:
    """Live processes whose environment holds `marker` (the test's own, and everything they started)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if marker.encode() in f.read().split(b"\0"):
                    found.append(pid)
        except OSError:
            pass
    return found


def describe(pids) -> str:
    p = subprocess.run(["ps", "-o", "pid=,args=", "-p", ",".join(pids)], text=True, capture_output=True)
    return p.stdout.strip() or " ".join(pids)


def squeue_jobs() -> str:
    p = subprocess.run(["squeue", "-h", "-o", "%i %T %r"], env=jt.slurm_env(), text=True, capture_output=True)
    check(p.returncode == 0, f"squeue failed: {p.stdout}{p.stderr}")
    return p.stdout.strip()


def hostnames(nodelist: str) -> list[str]:
    p = subprocess.run(["scontrol", "show", "hostnames", nodelist], env=jt.slurm_env(), text=True,
                       capture_output=True, check=True)
    return p.stdout.split()


class Shell:
    """A salloc session in a pseudo-terminal."""

    def __init__(self, args, env, cwd, log):
        self.px = pexpect()
        say("$ salloc " + " ".join(args))
        self.child = self.px.spawn("salloc", list(args), env=env, cwd=str(cwd), encoding="utf-8",
                                   codec_errors="replace", timeout=LIMIT, dimensions=(50, 400))
        self.child.logfile_read = log
        self.count = 0

    def expect(self, patterns, what):
        patterns = list(patterns) + [self.px.EOF, self.px.TIMEOUT]
        i = self.child.expect(patterns)
        if i == len(patterns) - 2:
            raise Failure(f"salloc ended while waiting for {what}")
        if i == len(patterns) - 1:
            raise Failure(f"no {what} within {LIMIT} s")
        return i

    def wait_exit(self) -> int:
        """Wait for salloc to end; its exit status."""
        if self.child.expect([self.px.EOF, self.px.TIMEOUT]) == 1:
            raise Failure(f"salloc did not exit within {LIMIT} s")
        self.child.close()
        return self.child.exitstatus

    def run(self, command: str) -> tuple[str, int]:
        """Type one command line; return its output (markers and echo stripped) and exit code."""
        self.count += 1
        tag = f"{self.count:03d}"
        self.child.sendline(f"echo BEG''IN7-{tag}; {command}; echo DO''NE7-{tag}-rc$?")
        self.expect([rf"BEGIN7-{tag}\r?\n(.*?)DONE7-{tag}-rc(\d+)"], f"end of '{command}'")
        m = self.child.match
        out = m.group(1).replace("\r\n", "\n").replace("\r", "")
        return out, int(m.group(2))

    def must(self, command: str) -> str:
        out, rc = self.run(command)
        check(rc == 0, f"'{command}' exited {rc} in the salloc shell:\n{out}")
        return out


# ---- the cases -------------------------------------------------------------------------------
def case_salloc_impossible():
    """An allocation that can never be satisfied: Slurm's message at once, no allocation left."""
    px = pexpect()
    root = jt.workdir("salloc-impossible")
    marker = f"HPCFFI_SALLOC_TEST={uuid.uuid4()}"
    log = open(root / "salloc.log", "w")
    try:
        shell = Shell(["-n", "99", "-t", "5"], user_env(marker), root, log)
        i = shell.expect([r"error: .*More processors requested than permitted",
                          r"Pending job allocation (\d+)|Granted job allocation (\d+)"],
                         "salloc's answer to -n 99")
        if i == 1:
            job = shell.child.match.group(1) or shell.child.match.group(2)
            reason = squeue_jobs()
            shell.child.sendintr()        # a user's Ctrl-C: salloc cancels its request
            shell.child.expect([px.EOF, px.TIMEOUT])
            raise Failure(f"salloc -n 99 was accepted as job {job} ({reason}) instead of rejected at submit:"
                          " the cluster lacks EnforcePartLimits=ALL")
        say(f"salloc -n 99: {shell.child.after.strip()}")
        status = shell.wait_exit()
        check(status == 1, f"salloc -n 99 exited {status}, expected 1")
        check(squeue_jobs() == "", f"squeue not empty after the rejected salloc: {squeue_jobs()}")
        say("rejected at submit with Slurm's message, exit 1, nothing queued")
    finally:
        log.close()
        check_nothing_left(marker)


def case_salloc_shell():
    """salloc -N 2 -n 2: a shell on node1; module load, srun, MPI and a heat run inside; exit releases."""
    check(LMOD_INIT.is_file(), f"Lmod's init script {LMOD_INIT} not found (Debian: lmod; HPCFFI_LMOD_INIT)")
    root = jt.workdir("salloc-shell")
    # The module tree a user loads: this build installed to a scratch prefix.
    prefix = root / "prefix"
    say(f"$ cmake --install {BUILD} --prefix {prefix}")
    p = subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], text=True, capture_output=True, timeout=LIMIT)
    check(p.returncode == 0, f"cmake --install failed:\n{p.stdout}{p.stderr}")
    modules = prefix / "share" / "modulefiles"
    check((modules / "hpcffi").is_dir(), f"no hpcffi modulefiles under {modules}")
    # The reference: the same heat problem serially, outside Slurm.
    serial = jt.run([PYTHON, "-m", "hpcffi", "heat", "--nx", "200", "--ny", "200", "--steps", "50",
                     "--output-dir", root / "serial"],
                    env=dict(os.environ, PYTHONPATH=str(BUILD / "python"), LD_LIBRARY_PATH=str(BUILD / "src")),
                    timeout=LIMIT).stdout
    serial_mean = re.search(r"mean temperature: (\S+)", serial).group(1)
    check(serial_mean == KNOWN_MEAN, f"serial mean {serial_mean}, expected the known {KNOWN_MEAN}")

    marker = f"HPCFFI_SALLOC_TEST={uuid.uuid4()}"
    log = open(root / "salloc.log", "w")
    shell = None
    job = None
    try:
        check(squeue_jobs() == "", f"jobs queued before the test: {squeue_jobs()}")
        shell = Shell(["-N", "2", "-n", "2", "-t", "5"], user_env(marker), root, log)
        shell.expect([r"Granted job allocation (\d+)"], "the allocation")
        job = shell.child.match.group(1)
        allocated = hostnames(subprocess.run(["squeue", "-h", "-j", job, "-o", "%N"], env=jt.slurm_env(),
                                             text=True, capture_output=True).stdout.strip())
        check(len(allocated) == 2 and set(allocated) <= set(NODES), f"job {job} got nodes {allocated}")
        say(f"job {job} on {allocated}")

        # Where the shell runs: the first allocated node, not this machine.
        out = shell.must("hostname; echo \"step=$SLURM_STEP_ID mpi=${SLURM_MPI_TYPE-unset} job=$SLURM_JOB_ID\"")
        host = out.split()[0]
        check(host == allocated[0], f"the salloc shell runs on {host!r}, expected the allocated {allocated[0]}"
              f" (the machine is {socket.gethostname()!r}); is LaunchParameters=use_interactive_step set?")
        check(host != socket.gethostname(), f"the shell runs on the submitting machine {host}")
        check(f"job={job}" in out, f"the shell is not inside job {job}: {out!r}")
        check("mpi=none" not in out, f"the shell carries SLURM_MPI_TYPE=none (InteractiveStepOptions): {out!r}")
        steps = subprocess.run(["squeue", "-h", "-s", "-j", job, "-o", "%i"], env=jt.slurm_env(), text=True,
                               capture_output=True).stdout.split()
        check(f"{job}.interactive" in steps, f"no {job}.interactive step in squeue -s: {steps}")
        say(f"shell on {host} ({out.splitlines()[-1]}), step {job}.interactive")

        # srun inside the shell: both allocated nodes, at once (not waiting on the shell's CPUs).
        out = shell.must("srun -n 2 hostname")
        check(sorted(out.split()) == sorted(allocated), f"srun -n 2 hostname gave {out.split()}, expected {allocated}")

        # The module, as a user loads it (a non-login shell: Lmod's init first).
        out = shell.must(f"source {LMOD_INIT}; module use {modules}; module load hpcffi; "
                         "$HPCFFI_PYTHON -c 'import hpcffi; print(\"IMPORTED\", hpcffi.__file__)'")
        where = re.search(r"IMPORTED (\S+)", out)
        check(where and where.group(1).startswith(str(prefix)), f"hpcffi not imported from the module's {prefix}: {out}")
        say(f"module load hpcffi: {where.group(1)}")

        out = shell.must("srun -n 2 $HPCFFI_PYTHON -c 'from mpi4py import MPI; c = MPI.COMM_WORLD; "
                         "print(\"SIZE\", c.size, \"RANK\", c.rank, MPI.Get_processor_name())'")
        ranks = re.findall(r"^SIZE (\d+) RANK (\d+) (\S+)$", out, re.M)
        check(sorted(ranks) == sorted([("2", "0", allocated[0]), ("2", "1", allocated[1])]),
              f"mpi4py under srun -n 2: {ranks}, expected size 2, ranks 0 and 1 on {allocated}")
        say(f"mpi4py: {ranks}")

        out_dir = root / "heat"
        out = shell.must(f"srun -n 2 $HPCFFI_PYTHON -m hpcffi heat --mpi --nx 200 --ny 200 --steps 50 "
                         f"--output-dir {out_dir}")
        m = re.search(r"mean temperature: (\S+)", out)
        check(m and m.group(1) == KNOWN_MEAN, f"heat --mpi in the shell: mean {m and m.group(1)}, expected {KNOWN_MEAN}")
        placement = re.search(r"^mpi: rank:host:CPUs (.*)$", out, re.M)
        check(placement and [item.split(":")[1] for item in placement.group(1).split()] == allocated,
              f"heat ranks not on {allocated}: {placement and placement.group(0)}")
        for name in ("final.h5", "heat.xmf", "heat_000000.png", "heat_000050.png"):
            check((out_dir / name).is_file(), f"the heat run in the shell did not write {name}")
        final, reference = jt.read_final(out_dir), jt.read_final(root / "serial")
        check(jt.numpy().array_equal(final, reference), "final field of the run in the shell differs from serial")
        say(f"heat --mpi in the shell: mean {KNOWN_MEAN}, {placement.group(0)}, field equal to the serial run")

        # exit: salloc gives the allocation back and returns the shell's status.
        shell.child.sendline("exit")
        shell.expect([rf"Relinquishing job allocation {job}"], "salloc's release of the allocation")
        status = shell.wait_exit()
        check(status == 0, f"salloc exited {status} after exit")
        jt.wait_until(lambda: squeue_jobs() == "", f"job {job} to leave squeue", limit=LIMIT)
        say(f"exit: job {job} released, squeue empty")
        job = None
    finally:
        if job is not None:           # failed inside: give the allocation back
            subprocess.run(["scancel", job], env=jt.slurm_env())
        if shell is not None and shell.child.isalive():
            shell.child.close(force=True)
        log.close()
        say(f"---- the terminal (salloc.log) ----\n{(root / 'salloc.log').read_text(errors='replace')}")
        check_nothing_left(marker)


def check_nothing_left(marker: str):
    """No process of the test is left (found by its marker, never by name), and squeue is empty."""
    try:
        jt.wait_until(lambda: not marked_pids(marker), "the test's processes to end", limit=LIMIT)
    except Failure:
        raise Failure(f"processes of the test still run:\n{describe(marked_pids(marker))}") from None
    jt.wait_until(lambda: squeue_jobs() == "", "squeue to be empty", limit=LIMIT)
    say("nothing left: no process carries the test's marker, squeue is empty")


CASES = {
    "salloc-shell": case_salloc_shell,
    "salloc-impossible": case_salloc_impossible,
}


def main(argv):
    return jt.run_case(argv, CASES, needs_mode="local",
                       why="the salloc tests need the local multi-node cluster")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
