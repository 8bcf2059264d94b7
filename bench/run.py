"""The Python half of bench/run.sh (run that script, not this file).

Runs the C++ harness (build-bench/bench/heat_bench) twice, sustained (rounds
of seconds after a warm-up: the rates the goals are judged on) and in short
bursts (to show where they differ), then the peers (NumPy, Numba, Devito) the
same two ways, the MPI driver, the portable build against the native one,
Python ints and the Python call overhead, and writes
bench/results/bench-<stamp>.{json,md,png} and bench-<stamp>-readme.png (hpcffi
tuned against the peers, one panel per machine kind). Every measurement is a
median over interleaved rounds; /proc/stat gives the CPU time that other
processes used (and the hypervisor stole) over the whole run: more than a
fifth of a core flags the run as contended.

The parts live in bench/hpcbench/: common (machine, load, timing helpers),
harness (hpcffi's own measurements), peers (NumPy, Numba, Devito, Python
ints), report (goals, tables, plots).
"""

import argparse
import datetime
import glob
import json
import os
import sys
import time

from hpcbench import harness, peers, report
from hpcbench.common import HERE, cpu_snapshot, load1, loadavg, machine_info, other_load

# (seconds per round, rounds): sustained, what users' runs of minutes see;
# bursts, the short rounds earlier reference runs used.
SUSTAINED = {"full": (2.0, 3), "quick": (0.3, 2)}
BURSTS = {"full": (0.2, 5), "quick": (0.06, 3)}


def other_machine_runs(model, notes):
    """The newest reference run (bench/reference/*.json) of every other CPU model: the README plot's other panels."""
    newest = {}
    for path in glob.glob(os.path.join(HERE, "reference", "*.json")):
        try:
            with open(path) as f:
                run = json.load(f)
            if "machine" not in run or "heat_table" not in run:
                continue  # not a benchmark run (the tuning sweeps, for example)
            kind = run["machine"].get("Model name", "?")
            date = run["machine"]["date"]
        except (OSError, ValueError, KeyError) as e:
            notes.append(f"reference {os.path.basename(path)} not used in the README plot: {e}")
            continue
        if kind != model and (kind not in newest or date > newest[kind]["machine"]["date"]):
            newest[kind] = run
    return list(newest.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="about two minutes: fewer sizes, rounds, shorter runs")
    parser.add_argument("--harness", required=True, help="path of the heat_bench executable")
    parser.add_argument("--apps", help="folder with hpcffi-heat and hpcffi-heat-mpi (MPI rows)")
    parser.add_argument("--portable-apps", help="folder with the portable (default) build's hpcffi-heat")
    parser.add_argument("--portable-wisdom", help="the portable build's wisdom file (HPCFFI_WISDOM of its driver)")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--command", default="bench/run.sh")
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    notes = []
    mode = "quick" if args.quick else "full"
    data = {"machine": machine_info(), "command": args.command, "load_start": loadavg(), "notes": notes,
            "sustained": dict(zip(("seconds", "rounds"), SUSTAINED[mode])),
            "bursts": dict(zip(("seconds", "rounds"), BURSTS[mode]))}
    cpu_start = cpu_snapshot()
    sizes = [200, 2000, 4096] if args.quick else [200, 2000, 4096, 8192]
    seconds, rounds = SUSTAINED[mode]
    burst_seconds, burst_rounds = BURSTS[mode]

    print(f"bench: C++ harness, sustained rounds of {seconds} s ({mode}) ...", file=sys.stderr)
    t0 = time.time()
    data["cpp"], stderr = harness.cpp_harness(args.harness, "stream,heat,fib", seconds, rounds, args.quick)
    if stderr:
        notes.append("harness: " + stderr.replace("\n", "; "))
    print(f"bench: C++ harness done in {time.time() - t0:.0f} s; bursts of {burst_seconds} s ...", file=sys.stderr)
    data["cpp_burst"], _ = harness.cpp_harness(args.harness, "heat", burst_seconds, burst_rounds, args.quick)
    data["tuned"] = harness.tuned_choices(sizes, notes)

    print("bench: Python call overhead (C++ and Python drivers interleaved) ...", file=sys.stderr)
    data["cpp_overhead"], data["python_overhead"] = harness.python_overhead(args.harness, args.quick, notes)
    print("bench: peers, sustained ...", file=sys.stderr)
    reference = harness.hpcffi_reference_factory(notes)
    data["python_heat"] = peers.python_heat(sizes, rounds, seconds, reference, notes)
    print("bench: peers, bursts ...", file=sys.stderr)
    data["python_heat_burst"] = peers.python_heat(sizes, burst_rounds, burst_seconds, reference, [])
    print("bench: MPI driver ...", file=sys.stderr)
    data["mpi_heat"] = (harness.mpi_heat(args.apps, sizes, rounds, seconds, data["cpp"].get("heat", []), notes)
                        if args.apps else [])
    print("bench: portable vs native build ...", file=sys.stderr)
    data["portable_heat"] = harness.portable_vs_native(args.apps, args.portable_apps,
                                                       [200, 2000] if args.quick else [200, 2000, 8192], rounds,
                                                       seconds, data["cpp"].get("heat", []), notes,
                                                       portable_wisdom=args.portable_wisdom)
    print("bench: Python ints ...", file=sys.stderr)
    data["python_fib"] = peers.python_fib([10**6, 10**7], 1 if args.quick else 3)
    data["load_end"] = loadavg()

    loads = [load1(data["load_start"]), load1(data["load_end"]), load1(data["cpp"]["load_start"]),
             load1(data["cpp"]["load_end"])]
    loads += [load1(r[k]) for r in data["cpp"].get("heat", []) + data["python_heat"] + data["mpi_heat"]
              + data["portable_heat"]
              for k in ("load_before", "load_after")]
    data["max_load"] = max(loads)
    data["other_cores"], data["stolen_cores"] = other_load(cpu_start, cpu_snapshot())
    # More than a fifth of a core taken by other work, on average, shows in
    # the 2-thread figures on a 2-core machine.
    data["contended"] = data["other_cores"] + data["stolen_cores"] > 0.2
    notes.append(f"other processes used {data['other_cores']:.2f} cores on average during the run, the hypervisor "
                 f"took {data['stolen_cores']:.2f}" + (": CONTENDED, 2-thread figures suffer most" if data["contended"]
                                                       else ": a quiet run"))
    for py in data["python_fib"]:
        for f in data["cpp"].get("fib", []):
            if f["kind"] == "exact" and f["n"] == py["n"] and not f.get("identical", True):
                notes.append(f"F({py['n']}): hpcffi and GMP digits differ!")
    for r in data["cpp"].get("heat", []) + data["cpp_burst"].get("heat", []):
        if r["kernel"] not in ("lesson", "openmp_loop") and not r["identical_to_plain"]:
            notes.append(f"{r['kernel']} {r['threads']}t at {r['nx']}x{r['ny']} NOT bitwise identical to plain!")
    for r in data["python_heat"]:
        d = r.get("max_rel_diff_to_hpcffi")
        if d is not None and d > 1e-9:
            notes.append(f"{r['kernel']} at {r['nx']}x{r['ny']} differs from hpcffi by {d:.2e} (relative)")
    lesson_diffs = [r["max_rel_diff_to_plain"] for r in data["cpp"].get("heat", [])
                    if r["kernel"] in ("lesson", "openmp_loop")]
    py_diffs = [r["max_rel_diff_to_hpcffi"] for r in data["python_heat"] if r.get("max_rel_diff_to_hpcffi")
                is not None]
    notes.append("checks before timing: every hpcffi path is bitwise identical to plain; lesson kernel and "
                 f"OpenMP loop max relative difference {max(lesson_diffs, default=0):.1e}; NumPy/Numba/Devito max "
                 "relative difference to "
                 f"hpcffi {max(py_diffs, default=0):.1e} (divisions vs reciprocals, operation order)")

    report.analyse(data)
    base = os.path.join(args.out, f"bench-{stamp}")
    data["plot"] = report.plot(data, base + ".png")
    data["readme_plot"] = report.readme_plot([data] + other_machine_runs(data["machine"].get("Model name", "?"), notes),
                                             base + "-readme.png", notes)
    text = report.build_report(data)
    with open(base + ".json", "w") as f:
        json.dump(data, f, indent=1)
    with open(base + ".md", "w") as f:
        f.write(text)
    print(text)
    written = [base + ".json", base + ".md"] + [p for p in (data["plot"], data["readme_plot"]) if p]
    print("bench: wrote " + ", ".join(written), file=sys.stderr)


if __name__ == "__main__":
    main()
