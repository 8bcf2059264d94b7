#!/usr/bin/env bash
# bench/run.sh -- the hpcffi benchmark in one command. NOT part of the test
# suite (ctest never runs it): it takes minutes and its numbers depend on the
# machine and on what else runs on it.
#
#   bench/run.sh            full run, about 25 minutes (+ a few on first use)
#   bench/run.sh --quick    smoke run, about 3 minutes
#
# Steps:
#   1. bench/.venv: a venv of /usr/bin/python3 with --system-site-packages
#      (Debian's numpy, cffi, matplotlib) plus the benchmark-only PyPI
#      packages numba and devito, with numpy pinned to Debian's version. An
#      install that fails only makes that column "unavailable".
#   2. build-bench/: hpcffi configured with -DHPCFFI_NATIVE=ON (Release),
#      installed into build-bench/install; the Python package is in
#      build-bench/python.
#   2b. build-bench-portable/: the default (portable) build's hpcffi-heat
#      and Python package, for the portable-vs-native comparison.
#   2c. the tuner (python -m hpcffi tune), once per build, at the benchmark's
#      sizes: build-bench*/wisdom/wisdom-<key>.txt, which every measurement
#      of that build then reads (HPCFFI_WISDOM), so `auto` is the tuned
#      choice. BENCH_TUNE_BUDGET seconds per build (default 240; --quick 30).
#   3. build-bench/bench/: the C++ harness bench/heat_bench/, a separate
#      CMake project that find_package(hpcffi)s that install.
#   4. bench/run.py: runs the harness (bandwidth, every heat path, the lesson
#      kernel, Fibonacci vs GMP), the C++ and Python drivers of the same
#      evolve interleaved (Python overhead), NumPy / Numba / Devito, the MPI
#      driver hpcffi-heat-mpi (2 x 1 and 1 x 2), the portable build's driver
#      against the native one (and each ISA variant via HPCFFI_ISA), Python ints; checks every
#      implementation against hpcffi before timing it, and writes
#      bench/results/bench-<date>-<time>.{json,md,png} and
#      bench-<date>-<time>-readme.png (hpcffi tuned against the peers, one
#      panel per machine kind: this run and the newest bench/reference/ run of
#      every other CPU model); the table is printed too. Python in bench/hpcbench/.
#
# Rates are sustained: medians of interleaved rounds of seconds after a
# warm-up (bursts of 0.2 s are measured too, and reported where they differ); the CPU time other processes
# used during the run is measured (/proc/stat) and a busy run is flagged
# "contended". Environment knobs: BENCH_JOBS (build parallelism, default 2);
# MPIEXEC, MPIEXEC_BIND_FLAGS, MPIEXEC_FREE_FLAGS (see hpcbench/harness.py mpi_heat). The
# C++ harness and both overhead drivers run with OMP_PROC_BIND=close
# OMP_PLACES=cores; the Python process running NumPy/Numba/Devito does not
# (binding its main thread would leave Numba one core). hpcffi's own path
# switches (HPCFFI_HEAT_KERNEL, ...) are set by the harness per measurement.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv="$here/.venv"
build="$root/build-bench"
jobs="${BENCH_JOBS:-2}"
quick=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=(--quick) ;;
    -h|--help) sed -n '2,/^set -euo pipefail$/{/^set -euo/!p;}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $arg (use --quick or nothing)" >&2; exit 2 ;;
  esac
done

log() { echo "bench: $*" >&2; }

# ---- 1. the benchmark venv ------------------------------------------------------
if [[ ! -x "$venv/bin/python" ]]; then
  log "creating $venv"
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
constraints="$venv/constraints.txt"
{
  echo "numpy==$(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)')"
  echo "codepy<2024"   # devito 4.8 calls the pre-2024 codepy toolchain API
} > "$constraints"
# Numba 0.60+ subclasses coverage.types.Tracer whenever `coverage` imports:
# Debian's python3-coverage 6.5 (seen through --system-site-packages) has no
# coverage.types and makes `import numba` fail, so the venv gets coverage 7.
declare -A extra=([numba]="coverage>=7" [devito]="")
for pkg in numba devito; do
  if ! "$venv/bin/python" -c "import $pkg" >/dev/null 2>&1; then
    log "installing $pkg into $venv"
    # shellcheck disable=SC2086  # extra requirements: none or one word
    "$venv/bin/pip" install --quiet -c "$constraints" "$pkg" ${extra[$pkg]} >&2 \
      || log "could not install $pkg: its column will be reported as unavailable"
  fi
done

# ---- 2. hpcffi, native build ------------------------------------------------------
configure() {
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DHPCFFI_NATIVE=ON -DBUILD_TESTING=OFF \
        -DPython3_EXECUTABLE="$venv/bin/python" "$@" >/dev/null
}
log "building hpcffi in $build (-DHPCFFI_NATIVE=ON)"
if ! configure; then
  log "configure failed; retrying without MPI (the MPI kernels are not benchmarked here)"
  configure -DHPCFFI_WITH_MPI=OFF
fi
cmake --build "$build" -j "$jobs" >/dev/null
cmake --install "$build" --prefix "$build/install" >/dev/null

# ---- 2b. hpcffi, portable (default) build: the drivers only -----------------------
# What a user gets from the README's two commands: the kernels compiled for
# several x86-64 levels, the best picked at run time. run.py runs its
# hpcffi-heat against the native build's, interleaved.
portable="$root/build-bench-portable"
log "building hpcffi in $portable (portable default)"
cmake -S "$root" -B "$portable" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
      -DPython3_EXECUTABLE="$venv/bin/python" -DHPCFFI_WITH_MPI=OFF >/dev/null
cmake --build "$portable" -j "$jobs" --target hpcffi-heat hpcffi_python >/dev/null

# ---- 2c. tune each build at the benchmark's sizes ---------------------------------
if [[ ${#quick[@]} -gt 0 ]]; then sizes=200,2000,4096; budget="${BENCH_TUNE_BUDGET:-30}"
else sizes=200,2000,4096,8192; budget="${BENCH_TUNE_BUDGET:-240}"; fi
tune() {  # build-dir -> prints the wisdom file written
  mkdir -p "$1/wisdom"
  log "tuning $1 for about $budget s (sizes $sizes)"
  # cffi's ABI mode: the portable build makes no compiled API-mode module.
  OMP_PROC_BIND=close OMP_PLACES=cores PYTHONPATH="$1/python" HPCFFI_WISDOM=off HPCFFI_MODE=abi \
    "$venv/bin/python" -m hpcffi tune --budget "$budget" --sizes "$sizes" --output "$1/wisdom" | sed -n 's/^wrote //p'
}
native_wisdom="$(tune "$build")"
portable_wisdom="$(tune "$portable")"

# ---- 3. the C++ harness -------------------------------------------------------------
cmake -S "$here" -B "$build/bench" -DCMAKE_PREFIX_PATH="$build/install" >/dev/null
cmake --build "$build/bench" -j "$jobs" >/dev/null

# ---- 4. run -------------------------------------------------------------------------
unset HPCFFI_HEAT_KERNEL HPCFFI_HEAT_BLOCK_DEPTH HPCFFI_HEAT_STRIP_WIDTH HPCFFI_ISA HPCFFI_TUNE
export HPCFFI_WISDOM="$native_wisdom"
export PYTHONPATH="$build/python${PYTHONPATH:+:$PYTHONPATH}"
# mpiexec as root (the MPI rows) needs Open MPI's explicit consent.
if [[ $(id -u) == 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
exec "$venv/bin/python" "$here/run.py" --harness "$build/bench/heat_bench" --apps "$build/src/apps" \
     --portable-apps "$portable/src/apps" --portable-wisdom "$portable_wisdom" \
     --command "bench/run.sh ${quick[*]:-}" "${quick[@]}"
