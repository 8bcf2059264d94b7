#!/usr/bin/env bash
# heat-chain.sh -- a heat run, then its plot, as two jobs chained with afterok.
# Both are submitted up front: the plot job waits (--dependency=afterok) and is
# cancelled by Slurm if the run fails (--kill-on-invalid-dep=yes), instead of
# pending forever.
#
#   jobs/heat-chain.sh [--wait] [SBATCH OPTIONS...]
#     --wait           return when the plot job ends, with its exit code
#     SBATCH OPTIONS   given to both sbatch calls, e.g. --account=<project> --partition=<p>
# Heat parameters: the HEAT_* variables of jobs/heat.sbatch (exported to the run).
# Outputs: $HPCFFI_OUTPUT_ROOT (default ./hpcffi-run)/heat-<run id>/ and the two logs there.
set -euo pipefail

jobs_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wait_flag=()
opts=()
for arg in "$@"; do
  case $arg in
    --wait) wait_flag=(--wait) ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) opts+=("$arg") ;;
  esac
done
root=${HPCFFI_OUTPUT_ROOT:-$PWD/hpcffi-run}
mkdir -p "$root"
root=$(cd "$root" && pwd)
export HPCFFI_OUTPUT_ROOT=$root
export HPCFFI_SOURCE_DIR=${HPCFFI_SOURCE_DIR:-$(dirname "$jobs_dir")}

run_id=$(sbatch --parsable --job-name=heat --output="$root/%x-%j.out" "${opts[@]}" "$jobs_dir/heat.sbatch")
run_id=${run_id%%;*}
echo "heat-chain: run job $run_id -> $root/heat-$run_id"
((${#wait_flag[@]})) && echo "heat-chain: submitting the plot job and waiting for it"
set +e
plot_id=$(sbatch --parsable "${wait_flag[@]}" --job-name=heat-plot --output="$root/%x-%j.out" \
       --dependency="afterok:$run_id" --kill-on-invalid-dep=yes \
       --export="ALL,HEAT_RUN_DIR=$root/heat-$run_id,HEAT_DEPENDENCY=afterok:$run_id" \
       "${opts[@]}" "$jobs_dir/heat-plot.sbatch")
rc=$?
set -e
plot_id=${plot_id%%;*}
[[ -n $plot_id ]] || { echo "heat-chain: submitting the plot job failed (run job $run_id stays queued)" >&2; exit 1; }
echo "heat-chain: plot job $plot_id (afterok:$run_id) -> $root/heat-$run_id/final.png"
if ((${#wait_flag[@]})); then
  # sbatch --wait returns 0 for a job cancelled before it ran (failed dependency).
  job_state() {
    local s
    s=$(scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' || true)
    s=${s#JobState=}
    [[ -n $s ]] || s=$(sacct -n -X -P -j "$1" -o State 2>/dev/null | head -n1 || true)
    [[ -n $s ]] || s=$(sacct -c -n -X -P -j "$1" -o State 2>/dev/null | head -n1 || true)
    echo "${s%% *}"
  }
  run_state=$(job_state "$run_id")
  plot_state=$(job_state "$plot_id")
  echo "heat-chain: run job $run_id ${run_state:-UNKNOWN}, plot job $plot_id ${plot_state:-UNKNOWN} (exit code $rc)"
  if ((rc == 0)) && [[ $plot_state != COMPLETED ]]; then
    echo "heat-chain: the plot job did not run to completion (run job $run_id: ${run_state:-?}); see $root/heat-$run_id.out" >&2
    rc=1
  fi
fi
exit $rc
