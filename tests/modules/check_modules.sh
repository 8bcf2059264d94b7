#!/usr/bin/env bash
# check_modules.sh CASE -- the `modules` ctest label, with the real Lmod.
#   install     cmake --install the build tree into $HPCFFI_TEST_PREFIX (fresh)
#   lua         module load hpcffi (Lmod picks <version>.lua): variables set,
#               `import hpcffi` and the CLI work, module unload restores them
#   tcl         the same with the Tcl twin alone in a module folder
#   relocated   the prefix copied elsewhere: the module points at the copy
# Every check runs in `env -i ... bash --noprofile --norc`: nothing leaks in from
# the calling shell. Exit 77 (ctest skip) when Lmod is not installed.
set -euo pipefail

: "${HPCFFI_TEST_PREFIX:?} ${HPCFFI_TEST_BUILD_DIR:?} ${HPCFFI_TEST_SOURCE_DIR:?} ${HPCFFI_TEST_VERSION:?}"
lmod_init=${HPCFFI_LMOD_INIT:-/usr/share/lmod/lmod/init/bash}
prefix=$HPCFFI_TEST_PREFIX
version=$HPCFFI_TEST_VERSION
case_name=${1:?usage: check_modules.sh install|lua|tcl|relocated}

fail() { echo "FAIL: $*" >&2; exit 1; }

if [[ $case_name == install ]]; then
  rm -rf -- "$prefix"
  cmake --install "$HPCFFI_TEST_BUILD_DIR" --prefix "$prefix"
  for f in "$prefix/share/modulefiles/hpcffi/$version.lua" "$prefix/share/modulefiles/hpcffi/$version"; do
    [[ -f $f ]] || fail "modulefile $f not installed"
    echo "installed $f"
  done
  exit 0
fi

[[ -r $lmod_init ]] || { echo "SKIP: Lmod init script $lmod_init not found (set HPCFFI_LMOD_INIT)"; exit 77; }
[[ -d $prefix ]] || fail "no install prefix $prefix (modules.install must run first)"

# The CLI check applies once the package has a __main__ (python/hpcffi/__main__.py).
check_cli=0
[[ -f $HPCFFI_TEST_SOURCE_DIR/python/hpcffi/__main__.py ]] && check_cli=1

# run_in_fresh_shell MODULEPATH_DIR EXPECTED_ROOT [VAR=VALUE...]
run_in_fresh_shell() {
  local modpath=$1 root=$2; shift 2
  # shellcheck disable=SC2016  # the inner script expands its own variables
  env -i HOME="$HOME" PATH=/usr/local/bin:/usr/bin:/bin TERM=dumb "$@" \
      LMOD_INIT="$lmod_init" MODPATH="$modpath" ROOT="$root" VERSION="$version" CHECK_CLI="$check_cli" \
      bash --noprofile --norc -euo pipefail -c '
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$LMOD_INIT"
path_before=$PATH
module use "$MODPATH"
module --terse avail hpcffi 2>&1 | grep -qx "hpcffi/$VERSION" || fail "module avail does not list hpcffi/$VERSION: $(module --terse avail 2>&1)"
module load hpcffi
module --terse list 2>&1 | grep -qx "hpcffi/$VERSION" || fail "hpcffi/$VERSION not loaded"
echo "loaded hpcffi/$VERSION; HPCFFI_ROOT=${HPCFFI_ROOT:-}"
[[ ${HPCFFI_ROOT:-} == "$ROOT" ]] || fail "HPCFFI_ROOT=${HPCFFI_ROOT:-} (expected $ROOT)"
[[ :$PATH: == *":$ROOT/bin:"* ]] || fail "PATH lacks $ROOT/bin: $PATH"
[[ :${LD_LIBRARY_PATH:-}: == *":$ROOT/lib:"* ]] || fail "LD_LIBRARY_PATH lacks $ROOT/lib: ${LD_LIBRARY_PATH:-}"
[[ :${CMAKE_PREFIX_PATH:-}: == *":$ROOT:"* ]] || fail "CMAKE_PREFIX_PATH lacks $ROOT: ${CMAKE_PREFIX_PATH:-}"
pydir=${PYTHONPATH%%:*}
[[ $pydir == "$ROOT"/* && -d $pydir/hpcffi ]] || fail "PYTHONPATH=${PYTHONPATH:-} does not hold the installed package under $ROOT"
[[ -x ${HPCFFI_PYTHON:-} ]] || fail "HPCFFI_PYTHON not set to an interpreter: ${HPCFFI_PYTHON:-}"
[[ -f ${HPCFFI_LIB:-} && ${HPCFFI_LIB} == "$ROOT"/* ]] || fail "HPCFFI_LIB=${HPCFFI_LIB:-} is not the installed library under $ROOT"
[[ -f ${HPCFFI_INCLUDE:-}/hpcffi/hpcffi_decls.h && ${HPCFFI_INCLUDE} == "$ROOT"/* ]] || fail "HPCFFI_INCLUDE=${HPCFFI_INCLUDE:-} lacks hpcffi/hpcffi_decls.h under $ROOT"
where=$("$HPCFFI_PYTHON" -c "import hpcffi, os; print(os.path.dirname(hpcffi.__file__))")
[[ $where == "$pydir/hpcffi" ]] || fail "import hpcffi found $where, not the installed $pydir/hpcffi"
echo "import hpcffi -> $where"
if [[ $CHECK_CLI == 1 ]]; then
  "$HPCFFI_PYTHON" -m hpcffi --help >/dev/null || fail "python -m hpcffi --help failed"
  "$HPCFFI_PYTHON" -m hpcffi heat --help | grep -q -- "--nx" || fail "python -m hpcffi heat --help lacks --nx"
  echo "python -m hpcffi --help: ok"
else
  echo "note: no python/hpcffi/__main__.py yet, CLI not checked"
fi
for exe in hpcffi-heat hpcffi-heat-mpi; do
  if [[ -x $ROOT/bin/$exe ]]; then
    [[ $(command -v $exe) == "$ROOT/bin/$exe" ]] || fail "$exe resolves to $(command -v $exe)"
    echo "$exe -> $ROOT/bin/$exe"
  fi
done
module unload hpcffi
[[ $PATH == "$path_before" ]] || fail "module unload left PATH=$PATH (was $path_before)"
for v in HPCFFI_ROOT HPCFFI_PYTHON HPCFFI_LIB HPCFFI_INCLUDE PYTHONPATH LD_LIBRARY_PATH CMAKE_PREFIX_PATH; do
  [[ -z ${!v:-} ]] || fail "module unload left $v=${!v}"
done
echo "module unload restored PATH and cleared the variables"
'
}

case $case_name in
  lua)
    run_in_fresh_shell "$prefix/share/modulefiles" "$prefix"
    ;;
  tcl)
    # The Tcl twin alone in a folder of the same depth (Lmod reads Tcl modulefiles too).
    tcl_tree=$prefix.tcl
    rm -rf -- "$tcl_tree"; mkdir -p "$tcl_tree/share/modulefiles/hpcffi"
    cp -a "$prefix"/{bin,lib} "$tcl_tree"/ 2>/dev/null || cp -a "$prefix"/lib "$tcl_tree"/
    mkdir -p "$tcl_tree/bin"
    cp -a "$prefix/include" "$tcl_tree"/        # HPCFFI_INCLUDE points there
    cp "$prefix/share/modulefiles/hpcffi/$version" "$tcl_tree/share/modulefiles/hpcffi/"
    head -n1 "$tcl_tree/share/modulefiles/hpcffi/$version" | grep -q '^#%Module' || fail "Tcl modulefile lacks the #%Module cookie"
    run_in_fresh_shell "$tcl_tree/share/modulefiles" "$tcl_tree"
    rm -rf -- "$tcl_tree"
    ;;
  relocated)
    moved=$prefix.moved
    rm -rf -- "$moved"; cp -a "$prefix" "$moved"; mkdir -p "$moved/bin"
    run_in_fresh_shell "$moved/share/modulefiles" "$moved"
    # The environment override wins over the file's location.
    run_in_fresh_shell "$moved/share/modulefiles" "$prefix" HPCFFI_MODULE_ROOT="$prefix"
    rm -rf -- "$moved"
    ;;
  *) fail "unknown case $case_name" ;;
esac
