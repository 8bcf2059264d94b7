#!/usr/bin/env bash
# quickstart.sh -- the README's two commands.
#
#   scripts/quickstart.sh job    set up, build, and run the main job
#   scripts/quickstart.sh test   set up, build, and run the whole test suite
#
# Environment: HPCFFI_BUILD_DIR (default build), HPCFFI_VENV (default .venv),
# HPCFFI_CTEST_ARGS (extra ctest arguments, e.g. "-L unit").
set -euo pipefail

project_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${HPCFFI_BUILD_DIR:-$project_dir/build}
venv_dir=${HPCFFI_VENV:-$project_dir/.venv}
export HPCFFI_VENV=$venv_dir

usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

configure_and_build() {
  bash "$project_dir/scripts/bootstrap.sh"
  cmake -S "$project_dir" -B "$build_dir" -DPython3_EXECUTABLE="$venv_dir/bin/python"
  cmake --build "$build_dir" --parallel "$(nproc)"
}

case "${1:-}" in
  job)
    configure_and_build
    exec bash "$project_dir/scripts/run-main-job.sh" "$build_dir"
    ;;
  test)
    configure_and_build
    # shellcheck disable=SC2086  # HPCFFI_CTEST_ARGS is a list of words
    ctest --test-dir "$build_dir" --output-on-failure --no-tests=error ${HPCFFI_CTEST_ARGS:-}
    ;;
  -h|--help) usage ;;
  *) usage >&2; exit 2 ;;
esac
