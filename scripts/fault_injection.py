"""Faults injected into real heat runs, serial and on 3 MPI ranks; one table of what happened.

Run through ``scripts/faults.sh`` (it puts a build tree on PYTHONPATH and reads
the MPI launcher); ``scripts/faults.sh --help`` lists the options. Every trial
starts ``python -m hpcffi heat`` (under ``mpiexec -n 3`` for the MPI path),
injects one fault, and then checks:

* the exit status is the documented one (``hpcffi.cli``): 1 with one error
  line for a failed write, 99 for SIGUSR1/SIGTERM (checkpointed), 0 when the
  fault came after the last write; no signal death but the SIGKILL itself;
* the checkpoint left behind, if any, is complete (``hpcffi.checkpoint.read_info``);
* the same command run again (after the fault is lifted) resumes from it and
  its final field is bitwise equal to an uninterrupted run's;
* after that run no temporary file (``*.tmp``) is left anywhere.

Faults: SIGKILL at random moments during checkpoint writes (a temporary of
the checkpoint exists; for MPI, one random rank is killed, as a node failure
would); a full disk during a checkpoint, a snapshot and the final write (a
small tmpfs, root only); the output folder made read-only (a read-only bind
mount as root, chmod otherwise); the output folder removed; SIGTERM and
SIGUSR1 at random moments of the time loop (to every rank, as ``scancel
--signal`` does). Random moments come from one seed (printed; ``--seed``
repeats a run), each trial's own seed is in the log.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "faults"))
from small_disk import can_mount, small_disk  # noqa: E402

import h5py  # noqa: E402

from hpcffi import checkpoint  # noqa: E402

RUN_TIMEOUT = 300  # seconds for one run: a hang is a failed trial, not a stuck command
MIB = 1 << 20
ALLOWANCE = 2 * MIB  # what a field file needs beyond the field: hpcffi.hdf5io's metadata allowance and reserve


# ---------------------------------------------------------------------------
# runs
# ---------------------------------------------------------------------------

def processes():
    """(pid, the fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session, ...)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    yield int(entry), stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue


class Run:
    """One ``hpcffi heat`` process (or mpiexec with its ranks), its output read as it comes."""

    def __init__(self, launcher, argv, env):
        self.lines = []
        self.arrivals = []
        self.started = time.monotonic()
        self.process = subprocess.Popen(launcher + ["-m", "hpcffi", "heat", *argv], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
        self._readers = [threading.Thread(target=self._read, args=(stream, tag), daemon=True)
                         for stream, tag in ((self.process.stdout, "out"), (self.process.stderr, "err"))]
        for reader in self._readers:
            reader.start()

    def _read(self, stream, tag):
        for line in stream:
            self.lines.append((tag, line.rstrip("\n")))
            self.arrivals.append((time.monotonic(), line))
        stream.close()

    def seconds_between(self, first, last):
        """Seconds from the first line holding ``first`` to the first holding ``last``."""
        start = next(t for t, line in self.arrivals if first in line)
        end = next(t for t, line in self.arrivals if last in line)
        return end - start

    def saw(self, text):
        return any(text in line for _, line in list(self.lines))

    def errors(self):
        return [line for tag, line in self.lines if tag == "err" and line.startswith("hpcffi heat: error:")]

    def ranks(self):
        """Process ids of the interpreters: the process itself, or mpiexec's children."""
        children = [pid for pid, stat in processes() if int(stat[1]) == self.process.pid]
        return children or [self.process.pid]

    def wait(self):
        try:
            code = self.process.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            code = "hang"
        for reader in self._readers:
            reader.join()
        return code

    def kill_group(self):
        """The whole session (mpiexec and its ranks): after a trial, nothing of it may live on.

        Returns once every process of the session has exited, as a batch system's next job
        starts only after the previous one's processes are gone: a SIGKILLed rank still in the
        middle of a disk write can take a moment to die, and until then it is, rightly, a live
        writer whose temporary the next run must not remove.
        """
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        deadline = time.monotonic() + 60
        while self._session_alive():
            if time.monotonic() > deadline:
                raise RuntimeError(f"processes of session {self.process.pid} outlived SIGKILL for 60 s")
            time.sleep(0.01)

    def _session_alive(self):
        """Whether a process of this run's session still lives (zombies, which write nothing, do not count)."""
        return any(int(stat[3]) == self.process.pid and stat[0] not in ("Z", "X") for _, stat in processes())


def final_field(folder):
    with h5py.File(os.path.join(folder, "final.h5"), "r") as handle:
        return handle["field"][...]


def temporaries(*folders):
    found = []
    for folder in folders:
        for root, _, files in os.walk(folder):
            found += [os.path.join(root, name) for name in files if name.endswith(".tmp")]
    return found


# ---------------------------------------------------------------------------
# the trials
# ---------------------------------------------------------------------------
class Faults:
    def __init__(self, args):
        self.args = args
        self.env = dict(os.environ, OMP_NUM_THREADS="1")
        self.python = args.python
        self.mpiexec = args.mpiexec
        self.rows = collections.OrderedDict()  # (fault, path) -> {"codes": Counter, ...}
        self.log = []
        self.references = {}
        self.failures = 0

    # -- helpers ------------------------------------------------------------
    def launcher(self, path):
        if path == "serial":
            return [self.python]
        return shlex.split(self.mpiexec.format(n=3)) + [self.python]

    def argv(self, path, nx, steps, out, ckpt, extra=()):
        argv = ["--nx", str(nx), "--ny", str(nx), "--steps", str(steps), "--threads", "1", "--png-every", "0",
                "--output-dir", out, *extra]
        if ckpt:
            argv += ["--checkpoint", ckpt]
        if path == "mpi":
            argv.append("--mpi")
        return argv

    def reference(self, nx, steps):
        """The final field of an uninterrupted serial run (MPI runs equal it bitwise: tests/python/mpi)."""
        key = (nx, steps)
        if key not in self.references:
            folder = os.path.join(self.args.work, f"reference-{nx}-{steps}")
            shutil.rmtree(folder, ignore_errors=True)
            run = Run(self.launcher("serial"), self.argv("serial", nx, steps, folder, None), self.env)
            code = run.wait()
            if code != 0:
                raise SystemExit(f"faults: the reference run failed ({code}): {run.lines[-5:]}")
            self.references[key] = final_field(folder)
        return self.references[key]

    def record(self, fault, path, code, verdict, detail, resumed_from=None):
        row = self.rows.setdefault((fault, path), {"trials": 0, "codes": collections.Counter(), "ok": 0,
                                                   "resumed": [], "details": []})
        row["trials"] += 1
        row["codes"][code] += 1
        row["ok"] += verdict
        if resumed_from is not None:
            row["resumed"].append(resumed_from)
        if not verdict:
            row["details"].append(detail)
            self.failures += 1
        mark = "ok  " if verdict else "FAIL"
        line = f"  {mark} {fault:<24s} {path:<6s} exit {code!s:<5s} {detail}"
        print(line, flush=True)
        self.log.append(line)

    def resume_and_check(self, path, nx, steps, out, ckpt, extra=()):
        """Run the same command again: it must finish, equal the reference and leave no temporaries."""
        run = Run(self.launcher(path), self.argv(path, nx, steps, out, ckpt, extra), self.env)
        code = run.wait()
        resumed = None
        for _, line in run.lines:
            match = re.match(r"resumed from checkpoint at step (\d+)", line)
            if match:
                resumed = int(match.group(1))
        if code != 0:
            return False, f"the rerun exited {code}: {run.errors() or run.lines[-3:]}", resumed
        if final_field(out).tobytes() != self.reference(nx, steps).tobytes():
            return False, "the resumed final field differs from the uninterrupted run's", resumed
        left = temporaries(out, os.path.dirname(ckpt) if ckpt else out)
        if left:
            return False, f"temporaries left after the rerun: {left}", resumed
        return True, f"resumed from step {resumed if resumed is not None else '- (none)'}, bitwise equal, " \
                     "no temporaries", resumed

    def checkpoint_complete(self, ckpt):
        if ckpt is None or not os.path.exists(ckpt):
            return True, "no checkpoint yet"
        try:
            info = checkpoint.read_info(ckpt)
        except checkpoint.CheckpointError as error:
            return False, f"incomplete checkpoint left: {error}"
        return True, f"checkpoint at step {info.step}"

    def error_line_ok(self, run, code, names):
        """Exit 1 with one error line that names one of ``names``; or exit 0 with none."""
        errors = run.errors()
        if code == 0:
            return not errors, "finished before the fault mattered"
        if code != 1:
            return False, f"exit {code}, expected 1 (or 0): {errors or run.lines[-3:]}"
        if len(errors) != 1 or not any(name in errors[0] for name in names):
            return False, f"expected one error line naming {names}: {errors}"
        if any("Traceback" in line for _, line in run.lines):
            return False, "a traceback"
        return True, errors[0].removeprefix("hpcffi heat: error: ")[:90]

    # -- faults ---------------------------------------------------------------
    def sigkill(self, path, trial_seed):
        rng = random.Random(trial_seed)
        nx, steps = self.args.nx, self.args.steps
        folder = tempfile.mkdtemp(prefix="kill-", dir=self.args.work)
        out, ckpt = os.path.join(folder, "out"), os.path.join(folder, "k.h5")
        argv = self.argv(path, nx, steps, out, ckpt, ["--checkpoint-every", "1", "--quiet"])
        run = Run(self.launcher(path), argv, self.env)
        prefix = ".k.h5."
        victim = None
        try:
            # Wait for the n-th checkpoint write to be under way (n random), then a random few ms more.
            writes = rng.randint(1, max(1, steps // 2))
            seen, last = 0, set()
            deadline = time.monotonic() + RUN_TIMEOUT
            while run.process.poll() is None and time.monotonic() < deadline:
                current = {name for name in os.listdir(folder) if name.startswith(prefix)}
                seen += len(current - last)
                last = current
                if seen >= writes and current:
                    break
                time.sleep(0.001)
            time.sleep(rng.uniform(0.0, 0.02))
            during = any(name.startswith(prefix) for name in os.listdir(folder))
            ranks = run.ranks()
            victim = rng.choice(ranks)
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
            code = run.wait()
        finally:
            run.kill_group()
        killed = code == -signal.SIGKILL if path == "serial" else code not in (0, "hang")
        complete, state = self.checkpoint_complete(ckpt)
        ok, detail, resumed = self.resume_and_check(path, nx, steps, out, ckpt)  # (checkpoints: not part of it)
        where = "during a checkpoint write" if during else "between writes"
        self.record("SIGKILL", path, code, killed and complete and ok,
                    f"seed {trial_seed}: killed {where} after write {writes}; {state}; {detail}", resumed)
        shutil.rmtree(folder, ignore_errors=True)

    def stop_signal(self, path, signum, trial_seed):
        rng = random.Random(trial_seed)
        nx, steps = self.args.nx, self.args.steps
        folder = tempfile.mkdtemp(prefix="signal-", dir=self.args.work)
        out, ckpt = os.path.join(folder, "out"), os.path.join(folder, "k.h5")
        extra = ["--png-every", "5", "--checkpoint-every", "5"]  # writes along the way, so moments spread out
        argv = self.argv(path, nx, steps, out, ckpt, extra)
        run = Run(self.launcher(path), argv, self.env)
        try:
            # The handlers are installed once the header is printed; a random moment of the time loop after it.
            deadline = time.monotonic() + RUN_TIMEOUT
            while not run.saw("heat: ") and run.process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, self.args.loop_seconds))
            sent = not run.saw("mean temperature:") and run.process.poll() is None
            if sent:
                for pid in run.ranks():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signum)
            code = run.wait()
        finally:
            run.kill_group()
        name = signal.Signals(signum).name
        expected = (99, 0) if sent else (0,)
        status_ok = code in expected and (code != 0 or run.saw("mean temperature:"))
        complete, state = self.checkpoint_complete(ckpt)
        ok, detail, resumed = self.resume_and_check(path, nx, steps, out, ckpt, extra)
        note = "sent" if sent else "not sent (run already done)"
        self.record(name, path, code, status_ok and complete and ok, f"seed {trial_seed}: {note}; {state}; {detail}",
                    resumed)
        shutil.rmtree(folder, ignore_errors=True)

    def disk_full(self, path, where):
        """A tmpfs sized so that the first field file fits and a later one (``where``) does not."""
        nx = self.args.nx
        field = 8 * nx * nx
        need = field + ALLOWANCE
        steps = 30
        if where == "checkpoint":
            size, extra = need + field // 2, ["--checkpoint-every", "10"]
        elif where == "snapshot":
            size, extra = need + field + field // 2, ["--checkpoint-every", "10", "--snapshot-every", "10"]
        else:  # final: the checkpoint at the end fits, final.h5 after it does not
            size, extra = need + field // 2, []
        with small_disk(f"{size // 1024}k") as folder:
            out, ckpt = os.path.join(folder, "out"), os.path.join(folder, "k.h5")
            run = Run(self.launcher(path), self.argv(path, nx, steps, out, ckpt, extra + ["--quiet"]), self.env)
            code = run.wait()
            status_ok, message = self.error_line_ok(run, code, ["disk full"])
            status_ok = status_ok and code == 1
            complete, state = self.checkpoint_complete(ckpt)
            subprocess.run(["mount", "-o", f"remount,size={4 * size // 1024}k", folder], check=True)
            ok, detail, resumed = self.resume_and_check(path, nx, steps, out, ckpt, extra)
        self.record(f"disk full: {where}", path, code, status_ok and complete and ok,
                    f"{message}; {state}; {detail}", resumed)

    def folder_fault(self, path, kind, trial_seed):
        """The output folder (which holds the checkpoint) made read-only, or removed, at a random moment."""
        rng = random.Random(trial_seed)
        nx, steps = self.args.nx, self.args.steps
        folder = tempfile.mkdtemp(prefix=f"{kind}-", dir=self.args.work)
        out = os.path.join(folder, "out")
        ckpt = os.path.join(out, "k.h5")
        extra = ["--checkpoint-every", "5", "--png-every", "5"]
        run = Run(self.launcher(path), self.argv(path, nx, steps, out, ckpt, extra), self.env)
        bound = False
        try:
            deadline = time.monotonic() + RUN_TIMEOUT
            while not os.path.exists(ckpt) and run.process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, self.args.loop_seconds))
            if kind == "read-only":
                if os.geteuid() == 0:  # root writes through chmod: a read-only bind mount stops it
                    subprocess.run(["mount", "--bind", out, out], check=True)
                    bound = True
                    # The kernel refuses (EBUSY) while a file is open for writing through the new
                    # mount: try again at the next moment the run has none open.
                    while subprocess.run(["mount", "-o", "remount,ro,bind", out], stderr=subprocess.DEVNULL,
                                         check=False).returncode != 0 and run.process.poll() is None:
                        time.sleep(0.001)
                else:
                    os.chmod(out, 0o555)
            else:
                shutil.rmtree(out, ignore_errors=True)
            code = run.wait()
        finally:
            run.kill_group()
            if bound and subprocess.run(["umount", out], check=False).returncode != 0:
                subprocess.run(["umount", "-l", out], check=False)
            if kind == "read-only" and os.path.isdir(out):
                os.chmod(out, 0o755)
        names = ["Read-only file system", "Permission denied"] if kind == "read-only" else ["No such file"]
        status_ok, message = self.error_line_ok(run, code, names)
        complete, state = self.checkpoint_complete(ckpt)
        ok, detail, resumed = self.resume_and_check(path, nx, steps, out, ckpt, extra)
        self.record(f"output folder {kind}", path, code, status_ok and complete and ok,
                    f"seed {trial_seed}: {message}; {state}; {detail}", resumed)
        shutil.rmtree(folder, ignore_errors=True)

    # -- the plan ---------------------------------------------------------------
    def run_all(self):
        args = self.args
        master = random.Random(args.seed)
        paths = ["serial", "mpi"] if self.mpiexec else ["serial"]
        started = time.monotonic()
        for path in paths:
            short_mpi = args.short and path == "mpi"  # the CI form: MPI launches cost most, a subset there
            for _ in range(args.kills):
                self.sigkill(path, master.randrange(2**32))
            for signum in (signal.SIGUSR1,) if short_mpi else (signal.SIGTERM, signal.SIGUSR1):
                for _ in range(args.signals):
                    self.stop_signal(path, signum, master.randrange(2**32))
            for kind in ("read-only",) if short_mpi else ("read-only", "removed"):
                for _ in range(args.folder_trials):
                    self.folder_fault(path, kind, master.randrange(2**32))
            for where in args.disk_full:
                if can_mount():
                    self.disk_full(path, where)
                else:
                    print(f"  skip disk full: {where} ({path}): mounting a small tmpfs needs root", flush=True)
        return time.monotonic() - started


def table(faults, seconds, args):
    lines = [
        f"| fault | path | trials | exit statuses | resumed from steps | outcome |",
        "|---|---|---:|---|---|---|",
    ]
    for (fault, path), row in faults.rows.items():
        codes = ", ".join(f"{code} x{count}" if count > 1 else f"{code}" for code, count in sorted(
            row["codes"].items(), key=lambda item: str(item[0])))
        resumed = sorted(set(row["resumed"]))
        shown = ", ".join(map(str, resumed[:8])) + (" ..." if len(resumed) > 8 else "") if resumed else "-"
        outcome = "all checks passed" if row["ok"] == row["trials"] else f"{row['trials'] - row['ok']} FAILED"
        lines.append(f"| {fault} | {path} | {row['trials']} | {codes} | {shown} | {outcome} |")
    total = sum(row["trials"] for row in faults.rows.values())
    lines.append("")
    lines.append(f"{total} trials, {faults.failures} failed, seed {args.seed}, field {args.nx} x {args.nx}, "
                 f"{args.steps} steps, {seconds:.0f} s")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="scripts/faults.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true",
                        help="the CI form: a few trials of each fault (on the MPI path: SIGKILL, SIGUSR1, read-only, "
                             "disk full)")
    parser.add_argument("--kills", type=int, help="SIGKILL trials per path [default: 20, short: 2]")
    parser.add_argument("--signals", type=int, help="trials per signal and path [default: 5, short: 1]")
    parser.add_argument("--folder-trials", type=int, help="read-only and removed trials per path [default: 3, "
                                                           "short: 1]")
    parser.add_argument("--seed", type=int, help="seed of the random moments [default: a new one, printed]")
    parser.add_argument("--nx", type=int, help="rows and columns of the field [default: 600, short: 400]")
    parser.add_argument("--steps", type=int, default=40, help="steps of each run")
    parser.add_argument("--work", required=True, help="scratch folder (made; emptied first)")
    parser.add_argument("--python", default=os.environ.get("HPCFFI_PYTHON", sys.executable))
    parser.add_argument("--mpiexec", default=os.environ.get("HPCFFI_TEST_MPIEXEC", ""),
                        help="MPI launcher with {n} for the rank count, e.g. 'mpiexec -n {n}' (empty: serial only)")
    parser.add_argument("--table", help="also write the table (Markdown) to this file")
    args = parser.parse_args(argv)
    args.kills = args.kills if args.kills is not None else (2 if args.short else 20)
    args.signals = args.signals if args.signals is not None else (1 if args.short else 5)
    args.folder_trials = args.folder_trials if args.folder_trials is not None else (1 if args.short else 3)
    args.disk_full = ["checkpoint"] if args.short else ["checkpoint", "snapshot", "final"]
    args.nx = args.nx if args.nx is not None else (400 if args.short else 600)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(2**32)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    args.work = os.path.abspath(args.work)
    faults = Faults(args)
    print(f"faults: seed {args.seed} (repeat with --seed {args.seed}), field {args.nx} x {args.nx}, {args.steps} steps,"
          f" paths: serial{', mpi (3 ranks)' if args.mpiexec else ' (no --mpiexec: no MPI path)'}", flush=True)
    faults.reference(args.nx, args.steps)
    # How long the time loop of a trial runs (header to last line): random moments for signals and folder
    # faults fall in its first 70%, so that they land before its end (after the end SIGTERM has its
    # default action back: see hpcffi.run.StopRequest.finish).
    folder = os.path.join(args.work, "loop")
    probe = Run(faults.launcher("serial"), faults.argv("serial", args.nx, args.steps, folder, None,
                                                      ["--png-every", "5", "--checkpoint-every", "5",
                                                       "--checkpoint", os.path.join(folder, "k.h5")]), faults.env)
    if probe.wait() != 0:
        raise SystemExit(f"faults: the timing run failed: {probe.lines[-5:]}")
    args.loop_seconds = max(0.02, 0.7 * probe.seconds_between("heat: ", "mean temperature:"))
    print(f"faults: the time loop of a trial takes {args.loop_seconds / 0.7:.2f} s here", flush=True)
    seconds = faults.run_all()
    text = table(faults, seconds, args)
    print()
    print(text, flush=True)
    if args.table:
        with open(args.table, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    return 1 if faults.failures else 0


if __name__ == "__main__":
    sys.exit(main())
