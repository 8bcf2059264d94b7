#!/usr/bin/env bash
# faults.sh -- inject faults into real hpcffi heat runs (serial and 3 MPI ranks) and print a table.
#
#   scripts/faults.sh [--short] [--build DIR] [--work DIR] [--seed N] [--table FILE] [options...]
#
# Faults: SIGKILL at random moments during checkpoint writes (20 trials per path;
# --short: 2), a full disk during a checkpoint, a snapshot and the final write (a
# small tmpfs: root only, skipped otherwise), the output folder made read-only or
# removed mid-run, SIGTERM and SIGUSR1 at random moments. After each: the exit
# status is the documented one (no signal death but the SIGKILL itself), the
# checkpoint left is complete and resumes bitwise equal to an uninterrupted run,
# and the next successful run leaves no temporary file. Exit status 0 when every
# trial passed, 1 otherwise, 2 for bad options.
#
#   --short         the CI form (ctest -L faults runs it): a few trials of each fault
#   --build DIR     the build tree whose package runs [default: $HPCFFI_BUILD_DIR or <project>/build]
#   --work DIR      scratch folder, emptied first [default: <build>/faults]
#   --mpiexec CMD   MPI launcher with {n} for the rank count [default: $HPCFFI_TEST_MPIEXEC,
#                   else "mpiexec -n {n}" when mpiexec is on PATH]; "" for the serial path only
#   --seed N        repeat the random moments of an earlier run (each run prints its seed)
#   --table FILE    also write the table (Markdown) to FILE
#   --kills N, --signals N, --folder-trials N, --nx N, --steps N: see the Python --help
#
# As root, Open MPI needs OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 in the
# environment (ctest sets them from the CMake cache: HPCFFI_MPI_ALLOW_RUN_AS_ROOT).
# See docs/reliability.md for a full run's table.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${HPCFFI_BUILD_DIR:-$here/../build}
work=""
mpiexec_set=0
mpiexec=${HPCFFI_TEST_MPIEXEC:-}
pass=()
while (($#)); do
  case $1 in
    -h|--help) sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --build) build=${2:?--build needs a folder}; shift 2 ;;
    --work) work=${2:?--work needs a folder}; shift 2 ;;
    --mpiexec) mpiexec=${2?--mpiexec needs a command}; mpiexec_set=1; shift 2 ;;
    *) pass+=("$1"); shift ;;
  esac
done
[[ -f $build/CMakeCache.txt ]] || { echo "faults.sh: $build is not a build tree (--build DIR)" >&2; exit 2; }
if ((!mpiexec_set)) && [[ -z $mpiexec ]] && command -v mpiexec >/dev/null; then
  mpiexec="mpiexec -n {n}"
fi
if [[ -n $mpiexec && $(id -u) -eq 0 && -z ${OMPI_ALLOW_RUN_AS_ROOT:-} ]] && mpiexec --version 2>/dev/null | grep -q "Open MPI"; then
  echo "faults.sh: as root, Open MPI needs OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 (or --mpiexec '' for the serial path only)" >&2
  exit 2
fi
# shellcheck source=scripts/hpcffi-env.sh
source "$here/hpcffi-env.sh" "$build" >/dev/null
exec "$HPCFFI_PYTHON" "$here/fault_injection.py" --work "${work:-$build/faults}" --mpiexec "$mpiexec" "${pass[@]}"
