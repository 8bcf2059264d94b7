#!/usr/bin/env bash
# mpi_scaling.sh -- strong and weak scaling of hpcffi-heat-mpi, side by side
# with the OpenMP driver hpcffi-heat as baseline, in one table. Not a test.
#
# usage: bench/mpi_scaling.sh [SIZE [STEPS]]
#   SIZE   strong scaling grid SIZE x SIZE, weak scaling SIZE x SIZE per rank
#          (default 1500)
#   STEPS  time steps per run (default 200)
# environment:
#   HPCFFI_BIN     folder with hpcffi-heat and hpcffi-heat-mpi
#                  (default: build-mpi/src/apps next to this script, else PATH)
#   MPIEXEC        launcher (default mpiexec); MPIEXEC_FLAGS (default
#                  "--bind-to none" so threads of a rank may use several cores)
#   REPEATS        runs per configuration, best one kept (default 3)
#   MAX_PES        largest ranks x threads tried (default 4)
#
# Columns: Mpts/s = million grid-point updates per second (the drivers'
# figure of merit); speedup and efficiency against 1 rank x 1 thread
# (strong: speedup / (ranks x threads); weak: per-PE rate / 1-PE rate);
# comm = communication / (computation + communication), max over ranks.
# Beyond the machine's core count the runs are oversubscribed: efficiency
# then measures time sharing, not scaling.
set -euo pipefail

size=${1:-1500}
steps=${2:-200}
repeats=${REPEATS:-3}
max_pes=${MAX_PES:-4}
here=$(cd "$(dirname "$0")" && pwd)
bin=${HPCFFI_BIN:-$here/../build-mpi/src/apps}
if [[ -x $bin/hpcffi-heat && -x $bin/hpcffi-heat-mpi ]]; then
  serial=$bin/hpcffi-heat mpi=$bin/hpcffi-heat-mpi
else
  serial=$(command -v hpcffi-heat) mpi=$(command -v hpcffi-heat-mpi) || {
    echo "mpi_scaling.sh: hpcffi-heat/hpcffi-heat-mpi not found (set HPCFFI_BIN)" >&2; exit 2; }
fi
if ! [[ $size =~ ^[0-9]+$ && $size -ge 3 && $steps =~ ^[0-9]+$ && $steps -ge 1 ]]; then
  echo "usage: $0 [SIZE>=3 [STEPS>=1]]" >&2; exit 2
fi
read -r -a launcher <<< "${MPIEXEC:-mpiexec} ${MPIEXEC_FLAGS:---bind-to none}"
cores=$(nproc)
if [[ $(id -u) == 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OMPI_MCA_rmaps_base_oversubscribe=1

# run <ranks|serial> <threads> <nx> <ny>: best of $repeats; prints
# "mpts comm_share mean".
run() {
  local ranks=$1 threads=$2 nx=$3 ny=$4 best="" out mpts comp comm mean
  local -a cmd env=()
  if [[ $ranks == serial ]]; then cmd=("$serial"); else cmd=("${launcher[@]}" -n "$ranks" "$mpi"); fi
  local pes=$threads
  if [[ $ranks != serial ]]; then pes=$(( ranks * threads )); fi
  # Spinning OpenMP threads starve each other when oversubscribed.
  if (( pes > cores )); then env=(OMP_WAIT_POLICY=PASSIVE); fi
  for ((r = 0; r < repeats; ++r)); do
    out=$(env "${env[@]}" "${cmd[@]}" --nx "$nx" --ny "$ny" --steps "$steps" --threads "$threads")
    mpts=$(sed -n 's/^figure of merit: \([0-9.]*\) Mpts\/s/\1/p' <<< "$out")
    mean=$(sed -n 's/^mean temperature: //p' <<< "$out")
    comp=$(sed -n 's/.*computation \([0-9.]*\) s.*/\1/p' <<< "$out")
    comm=$(sed -n 's/.*communication \([0-9.]*\) s.*/\1/p' <<< "$out")
    if [[ -z $best ]] || awk -v a="$mpts" -v b="${best%% *}" 'BEGIN { exit !(a > b) }'; then
      best="$mpts $(awk -v c="${comp:-0}" -v m="${comm:-0}" 'BEGIN { printf "%.3f", (c + m > 0) ? m / (c + m) : 0 }') $mean"
    fi
  done
  echo "$best"
}

# row <kind> <ranks|serial> <threads> <nx> <ny> [<mpts> <share> <mean>]:
# one line of the table (runs the configuration unless results are given).
row() {
  local kind=$1 ranks=$2 threads=$3 nx=$4 ny=$5 mpts=${6:-} share=${7:-} mean=${8:-} pes note
  if [[ -z $mpts ]]; then read -r mpts share mean < <(run "$ranks" "$threads" "$nx" "$ny"); fi
  pes=$threads
  if [[ $ranks != serial ]]; then pes=$(( ranks * threads )); fi
  note=""
  if (( pes > cores )); then note="oversubscribed"; fi
  # The strong-scaling runs solve the baseline's problem: same mean expected.
  if [[ $kind != weak && $mean != "$reference" ]]; then note="$note MEAN DIFFERS ($mean)"; fi
  if [[ $kind == base ]]; then note="reference mean $mean"; fi
  # Speedup: rate over the 1 x 1 rate (for weak scaling the aggregate rate,
  # so efficiency = per-PE rate over the 1-PE rate); efficiency = speedup / PEs.
  awk -v k="$kind" -v r="$ranks" -v t="$threads" -v g="${nx}x${ny}" -v m="$mpts" -v b="$base" -v p="$pes" \
      -v s="$share" -v n="$note" 'BEGIN {
        speed = (b > 0) ? m / b : 0
        printf "%-7s %7s x %-3s %13s %10.1f %8.2f %7.0f%% %6.1f%%  %s\n", k, r, t, g, m, speed, 100 * speed / p, 100 * s, n
      }'
}

echo "hpcffi MPI scaling: strong ${size}x${size}, weak ${size}x${size} per rank, $steps steps," \
     "best of $repeats, $cores cores, launcher: ${launcher[*]}"
printf "%-7s %13s %13s %10s %8s %8s %7s  %s\n" kind "ranks x thr" grid Mpts/s speedup effic. comm note
# Baseline: the OpenMP driver on one thread.
read -r base base_share reference < <(run serial 1 "$size" "$size")
row base serial 1 "$size" "$size" "$base" "$base_share" "$reference"
for threads in 2 4; do
  if (( threads <= max_pes )); then row openmp serial "$threads" "$size" "$size"; fi
done
# Strong scaling: the same grid, more ranks, then ranks x threads mixes.
for ranks in 1 2 3 4; do
  if (( ranks <= max_pes )); then row strong "$ranks" 1 "$size" "$size"; fi
done
for mix in "1 2" "2 2" "1 4"; do
  read -r ranks threads <<< "$mix"
  if (( ranks * threads <= max_pes )); then row strong "$ranks" "$threads" "$size" "$size"; fi
done
# Weak scaling: size x size points per rank (columns grow with the ranks).
for ranks in 1 2 3 4; do
  if (( ranks <= max_pes )); then row weak "$ranks" 1 "$size" $(( size * ranks )); fi
done
