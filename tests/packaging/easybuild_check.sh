#!/usr/bin/env bash
# easybuild_check.sh -- build and install easybuild/hpcffi-<version>.eb with the real `eb`
# (tools venv) into a scratch prefix, then load the module EasyBuild generated with the
# real Lmod in a fresh shell and run a short heat job through it; the module shows the
# Jupyter kernel hpcffi (JUPYTER_PATH), and that kernel, started by a "server" that
# did not load the module, imports hpcffi from the EasyBuild prefix.
#
# The source tarball is the working tree's tracked files (`git stash create`: a commit
# object of the index and working tree, nothing changed; HEAD when clean), so local
# edits are what gets built. Outside a git checkout: a tar of the folder.
# Environment (CMakeLists.txt): HPCFFI_TEST_SOURCE_DIR, HPCFFI_TEST_BUILD_DIR,
# HPCFFI_TEST_SCRATCH, HPCFFI_TEST_VERSION, HPCFFI_TOOLS_VENV, HPCFFI_LMOD_INIT.
set -euo pipefail
: "${HPCFFI_TEST_SOURCE_DIR:?} ${HPCFFI_TEST_BUILD_DIR:?} ${HPCFFI_TEST_SCRATCH:?} ${HPCFFI_TEST_VERSION:?}"
src=$HPCFFI_TEST_SOURCE_DIR
version=$HPCFFI_TEST_VERSION
tools=${HPCFFI_TOOLS_VENV:?}
lmod_init=${HPCFFI_LMOD_INIT:-/usr/share/lmod/lmod/init/bash}
scratch=$HPCFFI_TEST_SCRATCH/easybuild
easyconfig=$src/easybuild/hpcffi-$version.eb

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $* ($(date +%T))"; }

[[ -x $tools/bin/eb ]] || fail "no $tools/bin/eb: run scripts/bootstrap.sh (it makes the tools venv)"
[[ -r $lmod_init ]] || fail "no Lmod at $lmod_init (Debian package lmod; scripts/bootstrap.sh installs it)"
[[ -f $easyconfig ]] || fail "no $easyconfig"

rm -rf -- "$scratch"
mkdir -p -- "$scratch"/{sources/h/hpcffi,tmp,run}
chmod 755 "$scratch"

step "source tarball hpcffi-$version.tar.gz"
tarball=$scratch/sources/h/hpcffi/hpcffi-$version.tar.gz
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  tree=$(git -C "$src" stash create 2>/dev/null || true)
  git -C "$src" archive --format=tar.gz --prefix="hpcffi-$version/" -o "$tarball" "${tree:-HEAD}"
  echo "git archive of ${tree:+the working tree (}${tree:-HEAD}${tree:+)}"
else
  tar -C "$(dirname "$src")" --exclude='build*' --exclude='.venv*' --transform="s|^$(basename "$src")|hpcffi-$version|" \
      -czf "$tarball" "$(basename "$src")"
  echo "tar of $src (not a git checkout)"
fi

# One config file: every EasyBuild path inside the scratch folder.
cat >"$scratch/eb.cfg" <<CFG
[config]
prefix = $scratch/prefix
buildpath = $scratch/build
installpath = $scratch/prefix
sourcepath = $scratch/sources
sourcepath-data = $scratch/sources
repositorypath = $scratch/ebfiles_repo
tmpdir = $scratch/tmp
CFG
export EASYBUILD_CONFIGFILES=$scratch/eb.cfg
export EB_PYTHON=$tools/bin/python TMPDIR=$scratch/tmp
[[ $(id -u) -ne 0 ]] || export EASYBUILD_ALLOW_USE_AS_ROOT_AND_ACCEPT_CONSEQUENCES=1
unset PYTHONPATH HPCFFI_LIBRARY HPCFFI_MODE VIRTUAL_ENV
# EasyBuild needs Lmod's binary (LMOD_CMD), which Lmod's init sets.
set +u
# shellcheck disable=SC1090
source "$lmod_init"
set -u

step "eb $(basename "$easyconfig")"
# The easyconfig's install-time tuning, on a budget that keeps CI short (a valid file either way).
export HPCFFI_INSTALL_TUNE_BUDGET=4
start=$SECONDS
"$tools/bin/eb" "$easyconfig" --trace 2>&1 | tee "$scratch/eb.log" | grep -E '^(== |  >> )|ERROR|COMPLETED|FAILED' || true
grep -q 'COMPLETED: Installation ended successfully' "$scratch/eb.log" \
  || { tail -n 40 "$scratch/eb.log" >&2; fail "eb did not complete (log: $scratch/eb.log)"; }
echo "eb took $((SECONDS - start)) s"
modfile=$scratch/prefix/modules/all/hpcffi/$version.lua
[[ -f $modfile ]] || fail "EasyBuild wrote no module $modfile"

# The reference: the same runs in the build tree.
want_cpp=$("$HPCFFI_TEST_BUILD_DIR/src/apps/hpcffi-heat" --nx 300 --ny 200 --steps 50 --threads 2 | grep '^mean temperature:')
want_py=$(cd "$scratch/run" && PYTHONPATH=$HPCFFI_TEST_BUILD_DIR/python "$HPCFFI_TEST_BUILD_PYTHON" -m hpcffi heat --steps 10 --quiet \
            --output-dir "$scratch/run/build-tree" | grep '^mean temperature:')

step "module load hpcffi/$version (EasyBuild's module, real Lmod, fresh shell)"
# shellcheck disable=SC2016  # the script expands in the child shell
# An empty per-user cache: the wisdom found must be the installation's.
out=$(cd "$scratch/run" && env -i HOME="$HOME" XDG_CACHE_HOME="$scratch/run/cache" PATH=/usr/bin:/bin TERM=dumb bash --noprofile --norc -c '
  set -e
  source "$1"
  module use "$2/modules/all"
  module load "hpcffi/$3"
  echo "EBROOTHPCFFI=$EBROOTHPCFFI"
  echo "HPCFFI_ROOT=$HPCFFI_ROOT"
  echo "HPCFFI_PYTHON=$HPCFFI_PYTHON"
  echo "HPCFFI_LIB=$HPCFFI_LIB"
  echo "HPCFFI_INCLUDE=$HPCFFI_INCLUDE"
  echo "heat=$(command -v hpcffi-heat)"
  echo "JUPYTER_PATH=$JUPYTER_PATH"
  jupyter kernelspec list | awk '"'"'$1 == "hpcffi" { print "kernelspec=" $2 }'"'"'
  hpcffi-heat --nx 300 --ny 200 --steps 50 --threads 2
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
    mpiexec -n 2 hpcffi-heat-mpi --nx 300 --ny 200 --steps 50 --threads 1
  "$HPCFFI_PYTHON" -m hpcffi --version
  "$HPCFFI_PYTHON" -m hpcffi heat --steps 10 --quiet --output-dir module-run | sed "s/^mean/python: mean/"
  "$HPCFFI_PYTHON" -c "import hpcffi, hpcffi._ffi as f; print(\"python package:\", hpcffi.__file__); print(\"library:\", f.library_path())"
  "$HPCFFI_PYTHON" -c "import hpcffi; w = hpcffi.wisdom_info(); print(\"wisdom:\", w[\"in_use\"], w[\"path\"], w[\"note\"])"
' bash "$lmod_init" "$scratch/prefix" "$version" 2>&1) || { echo "$out"; fail "the job through the module failed"; }
echo "$out"
prefix=$scratch/prefix/software/hpcffi/$version
grep -qx "EBROOTHPCFFI=$prefix" <<<"$out" || fail "EBROOTHPCFFI is not $prefix"
grep -qx "HPCFFI_ROOT=$prefix" <<<"$out" || fail "HPCFFI_ROOT is not $prefix"
grep -qx "heat=$prefix/bin/hpcffi-heat" <<<"$out" || fail "hpcffi-heat does not come from $prefix"
grep -qx "HPCFFI_LIB=$prefix/lib/libhpcffi.so.0" <<<"$out" || fail "HPCFFI_LIB is not $prefix/lib/libhpcffi.so.0"
[[ -f $prefix/lib/libhpcffi.so.0 && -f $prefix/include/hpcffi/hpcffi_decls.h ]] || fail "library or header missing in $prefix"
grep -qx "HPCFFI_INCLUDE=$prefix/include" <<<"$out" || fail "HPCFFI_INCLUDE is not $prefix/include"
grep -qx "python package: $prefix/lib/python3.11/site-packages/hpcffi/__init__.py" <<<"$out" || fail "the Python package does not come from $prefix"
grep -qx "library: $prefix/lib/libhpcffi.so.0" <<<"$out" || fail "the ABI library is not $prefix/lib/libhpcffi.so.0"
wisdom=$(compgen -G "$prefix/share/hpcffi/wisdom/wisdom-*.txt" || true)
if [[ $(wc -l <<<"$wisdom") != 1 || ! -f $wisdom ]]; then
  fail "the install step wrote no (or more than one) wisdom file in $prefix/share/hpcffi/wisdom"
fi
wisdom=$(realpath "$wisdom")
grep -qxF "wisdom: True $wisdom " <<<"$out" || fail "the module's hpcffi does not use the installation's wisdom $wisdom"
grep -qx "JUPYTER_PATH=$prefix/share/jupyter" <<<"$out" || fail "EasyBuild's module does not set JUPYTER_PATH=$prefix/share/jupyter"
grep -qx "kernelspec=$prefix/share/jupyter/kernels/hpcffi" <<<"$out" || fail "jupyter kernelspec list does not show hpcffi in $prefix after module load"
grep -qx "hpcffi $version" <<<"$out" || fail "python -m hpcffi --version does not print hpcffi $version"
grep -q '^ranks x threads: 2 x 1' <<<"$out" || fail "the MPI driver did not run on 2 ranks"
n=$(grep -cxF "$want_cpp" <<<"$out" || true)
[[ $n == 2 ]] || fail "expected '$want_cpp' from both drivers (as the build tree prints), got $n"
grep -qxF "python: $want_py" <<<"$out" || fail "python -m hpcffi heat through the module did not print '$want_py' (the build tree's)"

step "the kernel hpcffi, started without the module (JUPYTER_PATH only)"
grep -q "\"$prefix/libexec/hpcffi/hpcffi-kernel\"" "$prefix/share/jupyter/kernels/hpcffi/kernel.json" \
  || fail "kernel.json does not start $prefix/libexec/hpcffi/hpcffi-kernel"
out=$(cd "$scratch/run" && env -i HOME="$scratch/run" PATH=/usr/bin:/bin JUPYTER_PATH="$prefix/share/jupyter" \
        /usr/bin/python3 "$src/tests/modules/run_kernel.py" hpcffi \
        'import os, hpcffi; print("kernel:", hpcffi.__file__, os.environ["HPCFFI_LIB"], hpcffi.fib(90))' 2>&1) \
  || { echo "$out"; fail "the kernel hpcffi did not run"; }
echo "$out"
grep -qx "kernel: $prefix/lib/python3.11/site-packages/hpcffi/__init__.py $prefix/lib/libhpcffi.so.0 2880067194370816120" <<<"$out" \
  || fail "the kernel did not import hpcffi and its library from $prefix"
echo "PASS: easybuild ($want_cpp from the OpenMP and the MPI driver, as in the build tree; the kernel hpcffi)"
