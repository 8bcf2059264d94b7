#!/usr/bin/env bash
# run-main-job.sh BUILD_DIR -- the README's main job: jobs/heat.sbatch through Slurm.
#
#   - sbatch reaches a cluster: submit jobs/heat.sbatch there and say where its
#     log and outputs will be (partition/account from HPCFFI_SLURM_PARTITION /
#     HPCFFI_SLURM_ACCOUNT when set; else the site's defaults).
#   - no cluster, root: start a throw-away local Slurm (scripts/slurm-local.sh,
#     in BUILD_DIR/slurm-local), `sbatch --wait` the job, print its log and
#     outputs, stop the cluster (also on error or Ctrl-C).
#   - otherwise: explain and fail.
# Heat parameters: the HEAT_* variables of jobs/heat.sbatch; outputs go to
# $HPCFFI_OUTPUT_ROOT (default <project>/hpcffi-run)/heat-<job id>/.
set -euo pipefail

project_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prog=run-main-job.sh
[[ ${1:-} == -h || ${1:-} == --help ]] && { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0; }
[[ $# -eq 1 ]] || { echo "usage: $prog BUILD_DIR" >&2; exit 2; }
[[ -d $1 ]] || { echo "$prog: build folder '$1' does not exist: build first (scripts/quickstart.sh job)" >&2; exit 1; }
build_dir=$(cd "$1" && pwd)
command -v sbatch >/dev/null || { echo "$prog: sbatch not found: install Slurm's client (scripts/bootstrap.sh) or run on a cluster login node" >&2; exit 1; }

export HPCFFI_BUILD_DIR=$build_dir HPCFFI_SOURCE_DIR=$project_dir
root=${HPCFFI_OUTPUT_ROOT:-$project_dir/hpcffi-run}
mkdir -p "$root"
root=$(cd "$root" && pwd)
export HPCFFI_OUTPUT_ROOT=$root
job_script=$project_dir/jobs/heat.sbatch
site=(${HPCFFI_SLURM_PARTITION:+--partition="$HPCFFI_SLURM_PARTITION"} ${HPCFFI_SLURM_ACCOUNT:+--account="$HPCFFI_SLURM_ACCOUNT"})

reaches_cluster() {
  local out
  out=$(env -u SLURM_CONF timeout 15 scontrol ping 2>/dev/null) && [[ $out == *"is UP"* ]] && return 0
  [[ -n ${SLURM_CONF:-} ]] && out=$(timeout 15 scontrol ping 2>/dev/null) && [[ $out == *"is UP"* ]]
}

if reaches_cluster; then
  job=$(cd "$root" && sbatch --parsable --output="$root/%x-%j.out" "${site[@]}" "$job_script")
  job=${job%%;*}
  echo "$prog: submitted job $job to $(scontrol show config 2>/dev/null | sed -n 's/^ClusterName *= *//p')"
  echo "  follow it:   squeue --job $job   (log: $root/heat-$job.out)"
  echo "  outputs:     $root/heat-$job/ (heat_*.png, final.h5, heat-checkpoint.h5)"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "$prog: no Slurm cluster reachable, and starting a local one needs root." >&2
  echo "$prog: run this on a cluster login node, or as root (scripts/slurm-local.sh), or run the program directly:" >&2
  echo "  source scripts/hpcffi-env.sh $build_dir && \"\$HPCFFI_PYTHON\" -m hpcffi heat --help" >&2
  exit 1
fi

cluster_dir=${HPCFFI_SLURM_DIR:-$build_dir/slurm-local}
local_cluster=$project_dir/scripts/slurm-local.sh
stop_cluster() { bash "$local_cluster" stop --dir "$cluster_dir" || true; }
trap stop_cluster EXIT
trap 'exit 130' INT TERM
bash "$local_cluster" start --dir "$cluster_dir"
eval "$(bash "$local_cluster" env --dir "$cluster_dir" 2>/dev/null)"

echo "$prog: sbatch --wait $job_script (local cluster; log and outputs under $root)"
start=$SECONDS
set +e
job=$(cd "$root" && sbatch --parsable --wait --output="$root/%x-%j.out" "$job_script")
rc=$?
set -e
job=${job%%;*}
[[ -n $job ]] || { echo "$prog: sbatch failed (exit $rc)" >&2; exit 1; }
log=$root/heat-$job.out
echo "$prog: job $job ended with exit code $rc after $((SECONDS - start)) s; its log ($log):"
sed 's/^/  | /' "$log" 2>/dev/null || echo "  (no log)"
out=$root/heat-$job
echo "$prog: outputs"
echo "  log:          $log"
echo "  final field:  $out/final.h5"
echo "  images:       $(cd "$out" 2>/dev/null && ls heat_*.png 2>/dev/null | tr '\n' ' ') (in $out)"
exit "$rc"
