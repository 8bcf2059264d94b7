#!/usr/bin/env bash
# run_reframe.sh setup|run|sanity-failure|performance-failure|cleanup -- the `reframe`
# ctest label (see CMakeLists.txt here). sanity-failure and performance-failure
# prove that the checks can fail: a wrong mean, and an unreachable reference,
# each must make reframe exit non-zero in that phase.
set -euo pipefail
: "${HPCFFI_TEST_SOURCE_DIR:?} ${HPCFFI_TEST_BUILD_DIR:?} ${HPCFFI_TEST_SCRATCH:?} ${HPCFFI_TEST_SLURM_MODE_FILE:?}"
src=$HPCFFI_TEST_SOURCE_DIR
scratch=$HPCFFI_TEST_SCRATCH
prefix=$scratch/prefix
cluster=$src/tests/slurm/cluster.sh

fail() { echo "FAIL: $*" >&2; exit 1; }

case ${1:-} in
  setup)
    rm -rf -- "$scratch"
    mkdir -p -- "$scratch"
    chmod 755 "$scratch"
    rc=0
    bash "$cluster" setup || rc=$?
    ((rc == 0)) || exit "$rc"
    mode=$(cut -d' ' -f1 "$HPCFFI_TEST_SLURM_MODE_FILE")
    if [[ $mode != local ]]; then
      echo "SKIP: the reframe tests use their own local cluster; sbatch reaches a real one here: run reframe with your site's configuration (docs/validate.md)"
      exit 77
    fi
    echo "== cmake --install into $prefix"
    cmake --install "$HPCFFI_TEST_BUILD_DIR" --prefix "$prefix" >"$scratch/install.log" \
      || { tail -n 20 "$scratch/install.log" >&2; fail "cmake --install failed"; }
    ls "$prefix/share/modulefiles/hpcffi"
    ;;
  run|sanity-failure|performance-failure)
    mode=$(cut -d' ' -f1 "$HPCFFI_TEST_SLURM_MODE_FILE" 2>/dev/null || echo none)
    [[ $mode == local ]] || { echo "SKIP: no local cluster (mode: $mode)"; exit 77; }
    tools=${HPCFFI_TOOLS_VENV:?}
    [[ -x $tools/bin/reframe ]] || fail "no $tools/bin/reframe: run scripts/bootstrap.sh (it makes the tools venv)"
    rfm=$scratch/rfm-$1
    rm -rf -- "$rfm"
    mkdir -p -- "$rfm"/{home,tmp}
    # ReFrame keeps reports and a topology file in $HOME/.reframe and logs in
    # $TMPDIR: both inside the scratch folder. Nothing of the build tree leaks in.
    export HOME=$rfm/home TMPDIR=$rfm/tmp
    unset PYTHONPATH HPCFFI_LIBRARY HPCFFI_MODE HPCFFI_PYTHON HPCFFI_ROOT VIRTUAL_ENV
    export HPCFFI_MODULEPATH=$prefix/share/modulefiles
    # Lmod: LMOD_CMD for ReFrame, and the exported `module` function for the jobs.
    set +u
    # shellcheck disable=SC1090
    source "${HPCFFI_LMOD_INIT:-/usr/share/lmod/lmod/init/bash}"
    set -u
    report=$rfm/report.json
    reframe=("$tools/bin/reframe" -C "$src/reframe/config/hpcffi_local.py" --prefix "$rfm" --report-file "$report")
    checks=$src/reframe/checks
    case $1 in
      sanity-failure)
        # Another problem size: the mean differs, the sanity function must fail the run.
        rc=0
        "${reframe[@]}" -c "$checks" -n '^HpcffiHeatOpenMP$' -S 'HpcffiHeatOpenMP.executable_opts=--nx,1000,--ny,1000,--steps,199' -r \
          >"$rfm/out.txt" 2>&1 || rc=$?
        grep -iE 'failing phase|reason' "$rfm/out.txt"
        ((rc != 0)) || fail "reframe exited 0 although the mean was wrong"
        grep -qi 'failing phase: sanity' "$rfm/out.txt" || { cat "$rfm/out.txt"; fail "the run did not fail in the sanity phase"; }
        echo "PASS: a wrong mean fails the check (reframe exit code $rc)"
        exit 0 ;;
      performance-failure)
        # The same check with a reference no machine reaches (1e9 Mpts/s, at least 2 % of it).
        mkdir -p "$rfm/checks"
        sed 's/"HpcffiHeatOpenMP": {"mpts": (1000.0, -0.98/"HpcffiHeatOpenMP": {"mpts": (1e9, -0.98/' \
          "$checks/hpcffi_checks.py" >"$rfm/checks/hpcffi_checks.py"
        ! cmp -s "$checks/hpcffi_checks.py" "$rfm/checks/hpcffi_checks.py" || fail "could not raise the reference"
        rc=0
        "${reframe[@]}" -c "$rfm/checks" -n '^HpcffiHeatOpenMP$' -r >"$rfm/out.txt" 2>&1 || rc=$?
        grep -iE 'P: mpts|failing phase|reason' "$rfm/out.txt"
        ((rc != 0)) || fail "reframe exited 0 although the figure of merit was below the reference"
        grep -qi 'failing phase: performance' "$rfm/out.txt" || { cat "$rfm/out.txt"; fail "the run did not fail in the performance phase"; }
        echo "PASS: a figure of merit below the reference fails the check (reframe exit code $rc)"
        exit 0 ;;
    esac
    rc=0
    "${reframe[@]}" -c "$checks" -r || rc=$?
    # A run that selected no check must not pass.
    "$tools/bin/python" - "$report" <<'PY' || rc=1
import json, sys
report = json.load(open(sys.argv[1]))
session = report["session_info"]
runs = report["runs"][-1]["testcases"]
print(f"report: {session['num_cases']} cases, {session['num_failures']} failures")
for case in runs:
    perf = ", ".join(f"{k.split(':')[-1]}={v[0]} {v[4] if len(v) > 4 else ''}".strip()
                     for k, v in (case.get("perfvalues") or {}).items())
    print(f"  {case['result']:4} {case['display_name']} @{case['system']}+{case['environ']} {perf}")
if session["num_cases"] != 5:
    sys.exit(f"FAIL: expected 5 test cases (OpenMP, MPI 2x1 and 1x2, Python, Fibonacci job), got {session['num_cases']}")
PY
    find "$rfm/perflogs" -type f -name '*.log' -exec tail -n +1 {} + 2>/dev/null || true
    exit "$rc"
    ;;
  cleanup)
    bash "$cluster" cleanup
    ;;
  *) echo "usage: run_reframe.sh setup|run|sanity-failure|performance-failure|cleanup" >&2; exit 2 ;;
esac
