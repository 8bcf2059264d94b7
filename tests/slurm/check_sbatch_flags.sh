#!/usr/bin/env bash
# check_sbatch_flags.sh [JOBS_DIR] -- every #SBATCH line (also commented ##SBATCH
# examples) in every jobs/ script uses a long-form flag (--name[=value]) and
# carries a trailing comment saying why. After CSCfi/csc-user-guide's
# tests/check_long_slurm_flags.sh.
set -euo pipefail
jobs_dir=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../jobs" && pwd)}
bad=0
count=0
shopt -s nullglob
files=("$jobs_dir"/*)
((${#files[@]})) || { echo "FAIL: no files in $jobs_dir"; exit 1; }
for f in "${files[@]}"; do
  [[ -f $f ]] || continue
  while IFS= read -r hit; do
    n=${hit%%:*}; line=${hit#*:}
    count=$((count + 1))
    flag=$(sed -E 's/^#+SBATCH[[:space:]]+//' <<<"$line")
    if [[ ! $flag =~ ^--[a-z] ]]; then
      echo "$f:$n: short or malformed flag: $line"; bad=1
    elif [[ ! $flag =~ [[:space:]]#[[:space:]]*[^[:space:]] ]]; then
      echo "$f:$n: flag without a comment: $line"; bad=1
    fi
  done < <(grep -nE '^#+SBATCH' "$f" || true)
done
((count > 0)) || { echo "FAIL: no #SBATCH lines found in $jobs_dir"; exit 1; }
if ((bad)); then echo "FAIL: use long-form #SBATCH flags (--ntasks, not -n), one per line, each with a comment"; exit 1; fi
echo "ok: $count #SBATCH lines in ${#files[@]} files, all long-form with comments"
