"""The report: goals, tables and plots from the collected data (no measuring here)."""

import math

def fmt(x, digits=0):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def ratio(a, b):
    return a / b if a and b else None


def build_report(data):
    lines = []
    info = data["machine"]
    lines.append(f"# hpcffi benchmark, {info['date']}")
    lines.append("")
    lines.append(f"Machine: {info.get('Model name', '?')}, {info['cores']} cores, SIMD {info.get('SIMD', '?')}, "
                 f"L2 {info.get('L2 cache', '?')}, L3 {info.get('L3 cache', '?')}, {info['mem_gib']} GiB; "
                 f"commit {info['commit']}; command `{data['command']}`.")
    lines.append(f"Load average: start {data['load_start']}, end {data['load_end']}"
                 + ("  **contended: other processes used CPU during the run; times are inflated and noisy**"
                    if data["contended"] else "") + ".")
    lines.append("All numbers are medians of interleaved rounds (min-max in the JSON). Mpts/s = million interior "
                 "point updates per second.")
    lines.append("")

    # bandwidth
    lines.append("## Memory bandwidth (STREAM-style, arrays far beyond L3)")
    lines.append("")
    lines.append("| kernel | stores | threads | STREAM GB/s | bus traffic GB/s |")
    lines.append("|---|---|---:|---:|---:|")
    for s in data["cpp"].get("stream", []):
        lines.append(f"| {s['kernel']} | {'non-temporal' if s['nt'] else 'normal'} | {s['threads']} | "
                     f"{fmt(s['stream_gbs'], 1)} | {fmt(s['traffic_gbs'], 1)} |")
    lines.append("")
    b = data["bounds"]
    lines.append("One-sweep bound from the copy traffic: "
                 + ", ".join(f"{t} thread{'s' if t != '1' else ''}: {fmt(b[t]['plain'])} Mpts/s at 24 B/pt, "
                             f"{fmt(b[t]['nt'])} Mpts/s at 16 B/pt (NT stores)" for t in sorted(b)) + ".")
    lines.append("")

    # heat
    lines.append("## Heat equation, Mpts/s")
    lines.append("")
    lines.append("| size | implementation | threads | Mpts/s | x bound 24B | x bound 16B | x plain | x OpenMP loop "
                 "| x lesson | x NumPy | x Numba | x Devito |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in data["heat_table"]:
        lines.append(f"| {row['size']} | {row['label']} | {row['threads']} | {fmt(row['mpts'])} | "
                     f"{fmt(row['x_bound24'], 2)} | {fmt(row['x_bound16'], 2)} | {fmt(row['x_plain'], 2)} | "
                     f"{fmt(row['x_loop'], 2)} | "
                     f"{fmt(row['x_lesson'], 1)} | {fmt(row['x_numpy'], 1)} | {fmt(row['x_numba'], 2)} | "
                     f"{fmt(row['x_devito'], 2)} |")
    lines.append("")
    lines.append("x columns: this row's Mpts/s divided by the bound or by that baseline at the same size (plain, "
                 "OpenMP loop, Numba, Devito: same thread count; lesson, NumPy: serial). `auto` is what "
                 "`hpcffi_heat_evolve_steps` picks; plain/streaming/blocked are forced with HPCFFI_HEAT_KERNEL.")
    lines.append("")

    # tuned choice, oracle, peers
    if data.get("tuned_table"):
        w = data.get("tuned", {}).get("wisdom") or {}
        sus, bur = data.get("sustained", {}), data.get("bursts", {})
        lines.append("## What auto runs, against the oracle and the peers (sustained)")
        lines.append("")
        lines.append(f"Sustained: {sus.get('rounds')} interleaved rounds of about {sus.get('seconds')} s per "
                     "measurement, after warm-up runs; the goals are judged on these. Wisdom: "
                     + (f"`{w['path']}`" if w.get("in_use") else "none (the cache-size rule)")
                     + ". Oracle: the fastest hpcffi path measured in this run (auto, plain, streaming, blocked).")
        lines.append("")
        lines.append("| size | threads | tuned choice | auto | oracle | auto / oracle | best peer | auto / peer |")
        lines.append("|---|---:|---|---:|---:|---:|---:|---:|")
        for r in data["tuned_table"]:
            lines.append(f"| {r['size']} | {r['threads']} | {r['choice']} | {fmt(r['auto'])} | {r['oracle_path']} "
                         f"{fmt(r['oracle'])} | {fmt(r['x_oracle'], 2)} | {r['peer'] or 'n/a'} {fmt(r['peer_mpts'])} | "
                         f"{fmt(r['x_peer'], 2)} |")
        lines.append("")
        lines.append(f"### Where bursts ({bur.get('rounds')} rounds of about {bur.get('seconds')} s) differ from "
                     "sustained rates by more than 5 %")
        lines.append("")
        if data.get("burst_table"):
            lines.append("| size | implementation | threads | sustained | bursts | bursts / sustained |")
            lines.append("|---|---|---:|---:|---:|---:|")
            for r in data["burst_table"]:
                lines.append(f"| {r['size']} | {r['kernel']} | {r['threads']} | {fmt(r['sustained'])} | "
                             f"{fmt(r['burst'])} | {fmt(r['x'], 2)} |")
        else:
            lines.append("Nowhere.")
        lines.append("")
        for change in data.get("burst_rank_changes", []):
            lines.append(f"- ranking changed: {change}")
        if data.get("burst_rank_changes"):
            lines.append("")

    # portable vs native
    if data.get("portable_table"):
        lines.append("## Portable default build vs native build (hpcffi-heat, 2 threads)")
        lines.append("")
        lines.append("The same C++ driver from two builds, interleaved in fresh processes: `-DHPCFFI_NATIVE=ON` "
                     "(-march=native) and the default build, whose kernels are compiled for baseline x86-64, "
                     "x86-64-v3 (avx2) and x86-64-v4 (avx512, and avx512_intel: the same with Intel's scheduling) "
                     "and picked at run time; the other variants forced "
                     "with HPCFFI_ISA. Every one printed the same mean temperature, to the last digit.")
        lines.append("")
        lines.append("| size | native Mpts/s | portable (auto) Mpts/s | portable / native | other variants "
                     "(x native) |")
        lines.append("|---|---:|---:|---:|---|")
        for row in data["portable_table"]:
            others = ", ".join(f"{isa}: {fmt(v)} ({fmt(x, 2)})" for isa, v, x in row["others"])
            lines.append(f"| {row['size']} | {fmt(row['native'])} | {fmt(row['portable'])} ({row['isa']}) | "
                         f"{fmt(row['ratio'], 2)} | {others} |")
        lines.append("")

    # updates per cycle
    if data.get("upc_table"):
        lines.append("## Point updates per cycle per core (hpcffi auto)")
        lines.append("")
        lines.append(f"At the {fmt(data['machine'].get('mhz'))} MHz /proc/cpuinfo reports (nominal: the VM's "
                     "cycle counter is not readable, `perf stat` says cycles <not supported>; turbo or "
                     "throttling shift these).")
        lines.append("")
        lines.append("| size | 1 thread | 2 threads |")
        lines.append("|---|---:|---:|")
        for row in data["upc_table"]:
            lines.append(f"| {row['size']} | {fmt(row.get(1), 2)} | {fmt(row.get(2), 2)} |")
        lines.append("")

    # fib
    lines.append("## Fibonacci")
    lines.append("")
    lines.append("| what | hpcffi | GMP direct (C++) | Python ints | hpcffi / GMP |")
    lines.append("|---|---:|---:|---:|---:|")
    for f in data["fib_table"]:
        lines.append(f"| {f['what']} | {f['hpcffi']} | {f['gmp']} | {f['python']} | {f['ratio']} |")
    lines.append("")

    # overhead
    if data["overhead_table"]:
        lines.append("## Python call overhead: 200 steps of 200x200")
        lines.append("")
        lines.append("| driver | threads | 200 x single step (ms) | x C++ | evolve_steps(200) (ms) | x C++ |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for o in data["overhead_table"]:
            lines.append(f"| {o['driver']} | {o['threads']} | {fmt(o['single_ms'], 2)} | {fmt(o['x_single'], 2)} | "
                         f"{fmt(o['multi_ms'], 2)} | {fmt(o['x_multi'], 2)} |")
        lines.append("")

    lines.append("## Goals")
    lines.append("")
    for g in data["goals"]:
        lines.append(f"- {'MET' if g['met'] else 'NOT MET'}: {g['goal']}: {g['value']}")
    if data["notes"]:
        lines.append("")
        lines.append("## Notes")
        lines.append("")
        for n in data["notes"]:
            lines.append(f"- {n}")
    return "\n".join(lines) + "\n"


def analyse(data):
    cpp = data["cpp"]
    # bounds from the copy kernel
    bounds = {}
    for t in (1, 2):
        cp = {s["nt"]: s for s in cpp.get("stream", []) if s["kernel"] == "copy" and s["threads"] == t}
        if cp:
            bounds[str(t)] = {"plain": cp[False]["traffic_gbs"] * 1e3 / 24, "nt": cp[True]["traffic_gbs"] * 1e3 / 16}
    data["bounds"] = bounds

    heat = {}
    for r in cpp.get("heat", []) + data["python_heat"] + data["mpi_heat"]:
        heat[(r["nx"], r["kernel"], r["threads"])] = r
    sizes = sorted({k[0] for k in heat})
    labels = {"auto": "hpcffi auto", "plain": "hpcffi plain", "streaming": "hpcffi streaming (NT)",
              "blocked": "hpcffi blocked", "single_step_api": "hpcffi single-step API (lesson ABI)",
              "lesson": "lesson C kernel (memcpy, divisions)", "numpy": "NumPy slicing (lesson)",
              "openmp_loop": "plain C++ OpenMP loop (divisions, parallel for per step)",
              "numba": "Numba njit parallel", "devito": "Devito OpenMP",
              "mpi_2x1": "hpcffi MPI 2 ranks x 1 thread (deep halos)", "mpi_1x2": "hpcffi MPI 1 rank x 2 threads",
              "mpi_2x1_overlap": "hpcffi MPI 2 ranks x 1 thread (1 exchange/step, overlapped)"}
    order = ["auto", "plain", "streaming", "blocked", "mpi_2x1", "mpi_1x2", "mpi_2x1_overlap", "single_step_api",
             "openmp_loop", "lesson", "numpy", "numba", "devito"]
    table = []
    for n in sizes:
        lesson = heat.get((n, "lesson", 1), {}).get("mpts")
        numpy_ = heat.get((n, "numpy", 1), {}).get("mpts")
        for kernel in order:
            for t in (1, 2):
                r = heat.get((n, kernel, t))
                if r is None:
                    continue
                b = bounds.get(str(t), {})
                table.append({"size": f"{n}x{n}", "n": n, "kernel": kernel, "label": labels[kernel], "threads": t,
                              "mpts": r["mpts"], "x_bound24": ratio(r["mpts"], b.get("plain")),
                              "x_bound16": ratio(r["mpts"], b.get("nt")),
                              "x_plain": ratio(r["mpts"], heat.get((n, "plain", t), {}).get("mpts")),
                              "x_loop": ratio(r["mpts"], heat.get((n, "openmp_loop", t), {}).get("mpts")),
                              "x_lesson": ratio(r["mpts"], lesson), "x_numpy": ratio(r["mpts"], numpy_),
                              "x_numba": ratio(r["mpts"], heat.get((n, "numba", t), {}).get("mpts")),
                              "x_devito": ratio(r["mpts"], heat.get((n, "devito", t), {}).get("mpts"))})
    data["heat_table"] = table

    # portable vs native
    portable_rows = []
    for n in sorted({r["nx"] for r in data.get("portable_heat", [])}):
        rows_n = {r["kernel"]: r for r in data["portable_heat"] if r["nx"] == n}
        nat, por = rows_n.get("driver_native"), rows_n.get("driver_portable")
        if not (nat and por):
            continue
        others = [(r["isa"], r["mpts"], ratio(r["mpts"], nat["mpts"])) for k, r in sorted(rows_n.items())
                  if k.startswith("driver_portable_")]
        portable_rows.append({"size": f"{n}x{n}", "n": n, "native": nat["mpts"], "portable": por["mpts"],
                              "isa": por["isa"], "ratio": ratio(por["mpts"], nat["mpts"]), "others": others})
    data["portable_table"] = portable_rows

    # updates per cycle per core
    mhz = data["machine"].get("mhz")
    data["upc_table"] = ([{"size": f"{n}x{n}", **{t: heat[(n, "auto", t)]["mpts"] / (mhz * t)
                                                  for t in (1, 2) if (n, "auto", t) in heat}} for n in sizes]
                         if mhz else [])

    # Fibonacci
    fib_rows = []
    py = {p["n"]: p for p in data["python_fib"]}
    for f in cpp.get("fib", []):
        if f["kind"] == "exact":
            p = py.get(f["n"])
            fib_rows.append({"what": f"exact F({f['n']:.0e}) to decimal ({f['digits']:,} digits)".replace("e+0", "e"),
                             "hpcffi": f"{f['hpcffi_seconds'] * 1e3:,.1f} ms",
                             "gmp": f"{f['gmp_seconds'] * 1e3:,.1f} ms",
                             "python": (f"{p['python_int_seconds'] * 1e3:,.0f} ms (binary int only)" if p else "n/a"),
                             "ratio": f"{f['hpcffi_seconds'] / f['gmp_seconds']:.3f}",
                             "n": f["n"], "x": f["hpcffi_seconds"] / f["gmp_seconds"]})
    fill_bw = {s["threads"]: s["stream_gbs"] for s in cpp.get("stream", []) if s["kernel"] == "fill" and not s["nt"]}
    fill_bw_nt = {s["threads"]: s["stream_gbs"] for s in cpp.get("stream", []) if s["kernel"] == "fill" and s["nt"]}
    for f in cpp.get("fib", []):
        if f["kind"] == "mod_fill":
            t = f["threads"]
            fib_rows.append({"what": f"F(k) mod 1e9+7, k < {f['count']:.0e}, {t} thread{'s' if t > 1 else ''}"
                             .replace("e+0", "e"),
                             "hpcffi": f"{f['gbs']:.1f} GB/s", "gmp": "",
                             "python": "",
                             "ratio": (f"{f['gbs'] / fill_bw[t]:.2f} of fill bandwidth ({fill_bw[t]:.1f} GB/s; "
                                       f"NT fill {fill_bw_nt.get(t, 0):.1f})" if t in fill_bw else "n/a")})
    data["fib_table"] = fib_rows

    # overhead
    rows = []
    cpp_over = {o["threads"]: o for o in data["cpp_overhead"]}
    for t, o in sorted(cpp_over.items()):
        rows.append({"driver": "C++", "threads": t, "single_ms": o["single_step_loop_seconds"] * 1e3, "x_single": 1.0,
                     "multi_ms": o["evolve_steps_seconds"] * 1e3, "x_multi": 1.0})
    for p in data["python_overhead"]:
        for t in (1, 2):
            o, c = p.get(str(t)), cpp_over.get(t)
            if o and c:
                rows.append({"driver": f"Python ({p['mode']} mode)", "threads": t,
                             "single_ms": o["single_step_loop_seconds"] * 1e3,
                             "x_single": o["single_step_loop_seconds"] / c["single_step_loop_seconds"],
                             "multi_ms": o["evolve_steps_seconds"] * 1e3,
                             "x_multi": o["evolve_steps_seconds"] / c["evolve_steps_seconds"]})
    data["overhead_table"] = rows

    # goals
    goals = []

    def g(goal, met, value):
        goals.append({"goal": goal, "met": bool(met), "value": value})

    def m(n, k, t):
        return heat.get((n, k, t), {}).get("mpts")

    if 8192 in sizes:
        v, b2 = m(8192, "blocked", 2), bounds.get("2", {})
        g("8192x8192, 2 threads, blocked >= 2200 Mpts/s and above the one-sweep bound", v and v >= 2200 and
          v > b2.get("nt", 1e18), f"{fmt(v)} Mpts/s; bound {fmt(b2.get('plain'))} (24 B/pt) / {fmt(b2.get('nt'))} "
          f"(16 B/pt)")
        for t in (1, 2):
            v, b = m(8192, "streaming", t), bounds.get(str(t), {})
            g(f"8192x8192 {t} thread(s): one-sweep path with NT stores >= 0.9 of its bound", v and b and
              v >= 0.9 * b["nt"], f"{fmt(v)} Mpts/s = {fmt(ratio(v, b.get('nt')), 2)} of {fmt(b.get('nt'))}")
    for n, want in ((2000, 1.5), (200, 1.2)):
        if n in sizes:
            for t in (2, 1):
                # The "plain C++ OpenMP loop" (reciprocals, restrict, one
                # sweep per step) is hpcffi's plain path, which runs at or above
                # the figures for it; the division loop is the weaker,
                # textbook baseline.
                v, p = m(n, "auto", t), m(n, "plain", t)
                g(f"{n}x{n} {t} thread(s): auto >= {want}x the plain one-sweep OpenMP loop", v and p and v >= want * p,
                  f"{fmt(v)} vs {fmt(p)} = {fmt(ratio(v, p), 2)}x (the textbook loop with divisions: "
                  f"{fmt(ratio(v, m(n, 'openmp_loop', t)), 2)}x)")
    for n in sizes:
        best = max((m(n, "auto", t) or 0) for t in (1, 2))
        les, npy = m(n, "lesson", 1), m(n, "numpy", 1)
        g(f"{n}x{n}: >= 4x the lesson kernel", les and best >= 4 * les, f"{fmt(ratio(best, les), 1)}x")
        g(f"{n}x{n}: >= 30x NumPy", npy and best >= 30 * npy, f"{fmt(ratio(best, npy), 1)}x")
        for other in ("numba", "devito"):
            o = [m(n, other, t) for t in (1, 2)]
            if any(o):
                mine = [m(n, "auto", t) for t in (1, 2)]
                ahead = all(a and (b is None or a > b) for a, b in zip(mine, o))
                g(f"{n}x{n}: ahead of {other} at 1 and 2 threads", ahead,
                  " / ".join(f"{fmt(a)} vs {fmt(b)}" for a, b in zip(mine, o)))
    if 8192 in sizes:
        v, w = m(8192, "mpi_2x1", 2), m(8192, "mpi_1x2", 2)
        g("8192x8192: MPI 2 ranks x 1 thread >= 0.9 of 1 rank x 2 threads (deep halos, the library's default depth)",
          v and w and v >= 0.9 * w, f"{fmt(v)} vs {fmt(w)} = {fmt(ratio(v, w), 2)}"
          + (f"; one exchange per step: {fmt(m(8192, 'mpi_2x1_overlap', 2))}" if m(8192, "mpi_2x1_overlap", 2) else ""))
    # Goals of issue 11 (performance, round two).
    for row in portable_rows:
        g(f"{row['size']}: portable default build within 0.95x of the native build (2 threads)",
          row["ratio"] and row["ratio"] >= 0.95, f"{fmt(row['portable'])} ({row['isa']}) vs {fmt(row['native'])} "
          f"= {fmt(row['ratio'], 2)}")
    missing_portable = [n for n in (200, 2000, 8192) if n in sizes and n not in {r["n"] for r in portable_rows}]
    if missing_portable:
        g("portable default build within 0.95x of native", False, f"not measured at {missing_portable}")
    for other in ("devito", "numba"):
        pairs = [(n, t, m(n, "auto", t), m(n, other, t)) for n in sizes for t in (1, 2) if m(n, other, t)]
        if pairs:
            worst = min(pairs, key=lambda p: ratio(p[2], p[3]) or 0)
            g(f">= 1.5x {other} at every size and thread count", all(a and a >= 1.5 * b for _, _, a, b in pairs),
              f"lowest {fmt(ratio(worst[2], worst[3]), 2)}x at {worst[0]}x{worst[0]}, {worst[1]} thread(s) "
              f"({fmt(worst[2])} vs {fmt(worst[3])}); all: "
              + ", ".join(f"{n}/{t}t {fmt(ratio(a, b), 2)}" for n, t, a, b in pairs))
    if 8192 in sizes and 200 in sizes:
        big, small = m(8192, "auto", 2), m(200, "auto", 2)
        g("8192x8192 on 2 threads >= 0.85 of the 200x200 rate on 2 threads", big and small and big >= 0.85 * small,
          f"{fmt(big)} vs {fmt(small)} = {fmt(ratio(big, small), 2)}")
    identical = (all(r["identical_to_plain"] for r in cpp.get("heat", [])
                     if r["kernel"] not in ("lesson", "openmp_loop"))
                 and not any("differs from" in n for n in data["notes"]))
    g("every path bitwise identical to every other (harness memcmp at 1-2 threads; drivers of every ISA variant "
      "and MPI rank count print the same mean to the last digit)", identical,
      "identical" if identical else "see the notes")
    for o in rows:
        if o["driver"] == "Python (api mode)":
            g(f"Python (api) evolve_steps(200) on 200x200 within 1.05x of C++, {o['threads']} thread(s)",
              o["x_multi"] <= 1.05, f"{o['x_multi']:.2f}x ({o['multi_ms']:.2f} vs "
              f"{o['multi_ms'] / o['x_multi']:.2f} ms)")
    for row in fib_rows:
        if row.get("n") == 10**7:
            g("exact F(10^7) within 1.1x of direct GMP", row["x"] <= 1.1, f"{row['x']:.3f}x")
    tuned_goals(data, heat, sizes, g)
    data["goals"] = goals


HPCFFI_PATHS = ("auto", "plain", "streaming", "blocked")
PEERS = ("numba", "devito")


def tuned_analysis(data):
    """Per size and thread count: the tuned choice, auto, the oracle (the best
    hpcffi path measured in the same run) and the best peer, all sustained;
    and where short bursts ranked or rated differently."""
    heat = {(r["nx"], r["kernel"], r["threads"]): r["mpts"]
            for r in data["cpp"].get("heat", []) + data["python_heat"]}
    burst = {(r["nx"], r["kernel"], r["threads"]): r["mpts"]
             for r in data.get("cpp_burst", {}).get("heat", []) + data.get("python_heat_burst", [])}
    choices = {(c["n"], c["threads"]): c for c in data.get("tuned", {}).get("choices", [])}
    rows = []
    for n in sorted({k[0] for k in heat}):
        for t in (1, 2):
            paths = {k: heat[(n, k, t)] for k in HPCFFI_PATHS if (n, k, t) in heat}
            if "auto" not in paths:
                continue
            oracle = max(paths, key=paths.get)
            peers = {k: heat[(n, k, t)] for k in PEERS if (n, k, t) in heat}
            best_peer = max(peers, key=peers.get) if peers else None
            c = choices.get((n, t))
            choice = (f"{c['path']} {c['isa']}" + (f" d{c['depth']} w{c['strip_width']}" if c["path"] == "blocked"
                                                   else "") + ("" if c["from_wisdom"] else " (rule)")) if c else "?"
            rows.append({"size": f"{n}x{n}", "n": n, "threads": t, "choice": choice, "auto": paths["auto"],
                         "oracle_path": oracle, "oracle": paths[oracle], "x_oracle": ratio(paths["auto"], paths[oracle]),
                         "peer": best_peer, "peer_mpts": peers.get(best_peer),
                         "x_peer": ratio(paths["auto"], peers.get(best_peer))})
    data["tuned_table"] = rows
    differ = []
    for (n, k, t), v in sorted(heat.items()):
        b = burst.get((n, k, t))
        if b and k in HPCFFI_PATHS + PEERS + ("numpy",) and abs(b / v - 1) > 0.05:
            differ.append({"size": f"{n}x{n}", "kernel": k, "threads": t, "sustained": v, "burst": b,
                           "x": b / v})
    data["burst_table"] = differ
    ranks = []
    for n in sorted({k[0] for k in heat}):
        for t in (1, 2):
            s_rank = sorted((k for k in HPCFFI_PATHS if (n, k, t) in heat), key=lambda k: -heat[(n, k, t)])
            b_rank = sorted((k for k in HPCFFI_PATHS if (n, k, t) in burst), key=lambda k: -burst[(n, k, t)])
            if s_rank and b_rank and s_rank[0] != b_rank[0]:
                ranks.append(f"{n}x{n}, {t} thread(s): sustained best {s_rank[0]}, bursts best {b_rank[0]}")
    data["burst_rank_changes"] = ranks


def tuned_goals(data, heat, sizes, g):
    tuned_analysis(data)
    rows = data["tuned_table"]
    if rows:
        worst = min(rows, key=lambda r: r["x_oracle"] or 0)
        g("auto >= 0.97 x oracle (the best hpcffi path of this run) at every size and thread count, sustained",
          all(r["x_oracle"] and r["x_oracle"] >= 0.97 for r in rows),
          f"lowest {fmt(worst['x_oracle'], 2)} at {worst['size']}, {worst['threads']} thread(s) "
          f"(auto {fmt(worst['auto'])} vs {worst['oracle_path']} {fmt(worst['oracle'])})")
    for row in data.get("portable_table", []):
        best = max([row["native"], row["portable"]] + [v for _, v, _ in row["others"]])
        g(f"{row['size']}: the default build's auto >= 0.97 of the best hpcffi path of either build (drivers, "
          f"2 threads)", row["portable"] >= 0.97 * best, f"{fmt(row['portable'])} vs {fmt(best)} = "
          f"{fmt(ratio(row['portable'], best), 2)}")


def readme_plot(runs, path, notes):
    """The README's plot: hpcffi (auto, tuned) against the peers at 2 threads,
    the ratio hpcffi / peer written on each peer's bar, one panel per machine
    kind (runs: this one first, then the newest reference of every other)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:  # noqa: BLE001
        notes.append(f"no README plot: matplotlib unavailable ({e})")
        return None
    kernels = [("auto", "hpcffi (tuned auto)", "tab:blue"), ("numba", "Numba njit parallel", "tab:orange"),
               ("devito", "Devito OpenMP", "tab:green")]
    fig, axes = plt.subplots(1, len(runs), figsize=(6.2 * len(runs), 4.6), squeeze=False)
    for ax, run in zip(axes[0], runs):
        rows = {(r["n"], r["kernel"]): r["mpts"] for r in run.get("heat_table", []) if r["threads"] == 2}
        tuned = ((run.get("tuned") or {}).get("wisdom") or {}).get("in_use")
        sizes = sorted({n for n, k in rows if k == "auto"})
        width = 0.8 / len(kernels)
        for index, (kernel, label, colour) in enumerate(kernels):
            for s_index, n in enumerate(sizes):
                value = rows.get((n, kernel))
                if value is None:
                    continue
                x = s_index + (index - (len(kernels) - 1) / 2) * width
                if kernel == "auto" and not tuned:
                    label = "hpcffi auto (cache-size rule, no tuning)"
                ax.bar(x, value, width, color=colour, label=label if s_index == 0 else None)
                mine = rows.get((n, "auto"))
                text = f"{value:,.0f}" if kernel == "auto" else f"{mine / value:.1f}x"
                ax.text(x, value, text, ha="center", va="bottom", fontsize=7)
        machine = run["machine"]
        ax.set_xticks(range(len(sizes)))
        ax.set_xticklabels([f"{n}x{n}" for n in sizes])
        ax.set_ylabel("Mpts/s, 2 threads (sustained)" if run.get("sustained") else "Mpts/s, 2 threads")
        ax.set_title(f"{machine.get('Model name', '?')}\n{machine['date'][:10]}"
                     + (", sustained" if run.get("sustained") else ", bursts") + (" (contended)" if run.get("contended")
                                                                                   else ""), fontsize=9)
        top = max((v for (_, k), v in rows.items() if k in ("auto", "numba", "devito")), default=1.0)
        ax.set_ylim(0, top * 1.22)  # room for the legend above the bars
        ax.legend(fontsize=7, loc="upper center", ncol=3)
    fig.suptitle("2D heat, 5-point stencil: hpcffi against its peers (on the peers' bars: hpcffi / peer)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot(data, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:  # noqa: BLE001
        data["notes"].append(f"no plot: matplotlib unavailable ({e})")
        return None
    rows = [r for r in data["heat_table"] if r["threads"] == 2 or r["kernel"] in ("lesson", "numpy")]
    sizes = sorted({r["n"] for r in rows})
    kernels = ["auto", "blocked", "streaming", "plain", "mpi_2x1", "single_step_api", "openmp_loop", "devito", "numba",
               "lesson", "numpy"]
    kernels = [k for k in kernels if any(r["kernel"] == k for r in rows)]
    fig, ax = plt.subplots(figsize=(11, 5.5))
    width = 0.8 / len(kernels)
    for k_index, k in enumerate(kernels):
        xs, ys = [], []
        for s_index, n in enumerate(sizes):
            for r in rows:
                if r["n"] == n and r["kernel"] == k:
                    xs.append(s_index + (k_index - len(kernels) / 2 + 0.5) * width)
                    ys.append(r["mpts"])
        label = next(r["label"] for r in rows if r["kernel"] == k)
        label += "" if k in ("lesson", "numpy") else " (2 threads)"
        ax.bar(xs, ys, width, label=label, color=plt.cm.tab20(k_index % 20))  # distinct colours for up to 20
    b = data["bounds"].get("2")
    if b:
        ax.axhline(b["plain"], color="k", linestyle="--", linewidth=1, label="one-sweep bound, 2 threads, 24 B/pt")
        ax.axhline(b["nt"], color="k", linestyle=":", linewidth=1, label="one-sweep bound, 2 threads, 16 B/pt (NT)")
    ax.set_yscale("log")
    ax.set_xticks(range(len(sizes)))
    ax.set_xticklabels([f"{n}x{n}" for n in sizes])
    ax.set_ylabel("Mpts/s (median, log scale)")
    ax.set_title(f"2D heat, 5-point stencil: {data['machine'].get('Model name', '')}, {data['machine']['date']}"
                 + (" (contended)" if data["contended"] else ""))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path
