#!/usr/bin/env bash
# fuzz.sh -- coverage-guided fuzzing of hpcffi's file readers (atheris), not part of CI.
#
#   scripts/fuzz.sh [RUNS] [TARGET ...]   RUNS inputs per target (default 20000);
#                                         targets: text npy h5 checkpoint (default: all)
#
# Uses the build tree ${HPCFFI_BUILD_DIR:-build} (build it first: scripts/quickstart.sh
# test, or cmake). atheris comes from PyPI into its own venv (build/.venv-fuzz, made
# from Debian's python3 with --system-site-packages so NumPy and h5py are Debian's).
# Corpora and findings go to build/fuzz/<target>/; a finding (crash-*) fails the run.
# The readers are Python (the C++ library reads no files), so there is no libFuzzer target.
set -euo pipefail
project_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${HPCFFI_BUILD_DIR:-$project_dir/build}
runs=${1:-20000}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(text npy h5 checkpoint)
[[ $runs =~ ^[0-9]+$ ]] || { echo "fuzz.sh: RUNS must be a number, got '$runs'" >&2; exit 2; }
[[ -d $build_dir/python/hpcffi ]] || { echo "fuzz.sh: no build tree at $build_dir (build first)" >&2; exit 1; }

venv=$build_dir/.venv-fuzz
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import atheris' 2>/dev/null; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check atheris
fi
status=0
for target in "${targets[@]}"; do
  work=$build_dir/fuzz/$target
  mkdir -p "$work/corpus"
  echo "fuzz.sh: $target, $runs inputs (corpus $work/corpus)"
  if ! (cd "$work" && PYTHONPATH=$build_dir/python "$venv/bin/python" "$project_dir/tests/fuzz/fuzz_readers.py" \
          "$target" -atheris_runs="$runs" -max_len=4096 corpus 2>&1 | tail -n 4); then
    status=1
  fi
  if compgen -G "$work/crash-*" >/dev/null; then
    echo "fuzz.sh: $target: findings in $work (crash-*)"; status=1
  fi
done
exit "$status"
