"""What every part of the benchmark shares: paths, the problem's constants,
the machine description, its load, the initial field and the timing helpers."""

import datetime
import os
import platform
import subprocess
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # bench/
ROOT = os.path.dirname(HERE)

A = 0.5
DX2 = DY2 = 0.0001  # the lesson's dx = dy = 0.01


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def load1(text):
    return float(text.split()[0])


def cpu_snapshot():
    """(wall, machine busy CPU seconds, machine steal seconds, this process tree's CPU seconds)."""
    tick = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    own = os.times()
    return (time.monotonic(), (user + nice + system + irq + softirq) / tick, steal / tick,
            own.user + own.system + own.children_user + own.children_system)


def other_load(start, end):
    """Cores used on average by everything but this benchmark (its children
    included), plus time stolen by the hypervisor, between two snapshots. The
    load average cannot tell: it counts the benchmark's own threads."""
    wall = end[0] - start[0]
    others = (end[1] - start[1]) - (end[3] - start[3])
    stolen = end[2] - start[2]
    return max(0.0, others) / wall, stolen / wall


def machine_info():
    info = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "host": platform.node(),
            "python": platform.python_version(), "cores": os.cpu_count()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "L1d cache", "L2 cache", "L3 cache", "Flags"):
                value = value.strip()
                if key.strip() == "Flags":
                    value = "avx512f" if "avx512f" in value.split() else ("avx2" if "avx2" in value.split() else "")
                    key = "SIMD"
                info[key.strip()] = value
    except (OSError, subprocess.CalledProcessError):
        pass
    try:
        info["commit"] = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                                        text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        info["commit"] = "unknown"
    with open("/proc/meminfo") as f:
        info["mem_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    info["mhz"] = cpu_mhz()
    return info


def cpu_mhz():
    """The clock /proc/cpuinfo reports for cpu0 (nominal on a VM), or None.

    Updates per cycle are computed from it: the cycle counter itself is not
    readable on this VM kind (perf stat: cycles <not supported>)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":")[1])
    except (OSError, ValueError):
        pass
    return None


def initial_field(np, n):
    """The harness's initial field (bench/heat_bench/heat_runs.cpp initial_field)."""
    i = np.arange(n).reshape(-1, 1)
    j = np.arange(n).reshape(1, -1)
    x = (i - n / 2.0) / n
    y = (j - n / 2.0) / n
    u = np.where(x * x + y * y < 0.09, 65.0, 5.0)
    u[0, :] = 85.0
    u[:, 0] = 85.0
    return np.ascontiguousarray(u)


def max_stable_dt():
    return DX2 * DY2 / (2 * A * (DX2 + DY2))


# ---- measurement helpers -------------------------------------------------------

def calibrate(run, seconds, multiple=1, start=1):
    """Steps so that one run takes about `seconds`."""
    steps = start
    t = run(steps)
    while t < seconds / 4 and steps < 10**6:
        steps *= 2
        t = run(steps)
    want = max(start, int(steps * seconds / t))
    return max(multiple, -(-want // multiple) * multiple)


def interleaved(configs, rounds):
    """configs: {name: (run, steps)}; returns {name: [seconds per round]}."""
    times = {name: [] for name in configs}
    for _ in range(rounds):
        for name, (run, steps) in configs.items():
            times[name].append(run(steps))
    return times
