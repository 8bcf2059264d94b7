#!/usr/bin/env bash
# check_modules.sh CASE -- the `modules` ctest label, with the real Lmod and the
# real Environment Modules 5.
#   install         cmake --install the build tree into $HPCFFI_TEST_PREFIX (fresh)
#   lua             module load hpcffi (Lmod picks <version>.lua): variables set,
#                   `import hpcffi` and the CLI work, module unload restores them
#   tcl             the same with the Tcl twin alone in a module folder (Lmod)
#   tcl-envmodules  the installed Tcl modulefile with Environment Modules 5
#   relocated       the prefix copied elsewhere: the module points at the copy
#   kernel-lmod     after module load (Lmod) `jupyter kernelspec list` shows the
#                   kernel hpcffi under <prefix>/share/jupyter, unload hides it; the
#                   module's thread settings; then a kernel started from that
#                   kernelspec by a "server" that did not load the module
#                   (JUPYTER_PATH only) imports hpcffi from the prefix and
#                   reports HPCFFI_LIB and the module's thread settings
#   kernel-envmodules  the same with Environment Modules 5
# Every check runs in `env -i ... bash --noprofile --norc`: nothing leaks in from
# the calling shell. Exit 77 (ctest skip) when Lmod, or for the envmodules cases
# the unpacked Environment Modules tree (scripts/bootstrap.sh), is not there.
set -euo pipefail

: "${HPCFFI_TEST_PREFIX:?} ${HPCFFI_TEST_BUILD_DIR:?} ${HPCFFI_TEST_SOURCE_DIR:?} ${HPCFFI_TEST_VERSION:?}"
lmod_init=${HPCFFI_LMOD_INIT:-/usr/share/lmod/lmod/init/bash}
envmodules_dir=${HPCFFI_ENVMODULES_DIR:-$HPCFFI_TEST_SOURCE_DIR/.tools/environment-modules}
kernel_python=${HPCFFI_KERNEL_CLIENT_PYTHON:-/usr/bin/python3}   # has jupyter_client (Debian)
run_kernel=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/run_kernel.py
prefix=$HPCFFI_TEST_PREFIX
version=$HPCFFI_TEST_VERSION
case_name=${1:?usage: check_modules.sh install|lua|tcl|tcl-envmodules|relocated|kernel-lmod|kernel-envmodules}

fail() { echo "FAIL: $*" >&2; exit 1; }

if [[ $case_name == install ]]; then
  rm -rf -- "$prefix"
  cmake --install "$HPCFFI_TEST_BUILD_DIR" --prefix "$prefix"
  for f in "$prefix/share/modulefiles/hpcffi/$version.lua" "$prefix/share/modulefiles/hpcffi/$version" \
           "$prefix/share/jupyter/kernels/hpcffi/kernel.json" "$prefix/libexec/hpcffi/hpcffi-kernel"; do
    [[ -f $f ]] || fail "modulefile $f not installed"
    echo "installed $f"
  done
  exit 0
fi

# The shell code that defines `module`, per module system.
case $case_name in
  *envmodules)
    modulecmd=$(compgen -G "$envmodules_dir/usr/lib/*/modulecmd.tcl" | head -n1 || true)
    [[ -n $modulecmd ]] || { echo "SKIP: no Environment Modules tree at $envmodules_dir (scripts/bootstrap.sh unpacks it; set HPCFFI_ENVMODULES_DIR)"; exit 77; }
    command -v tclsh8.6 >/dev/null || { echo "SKIP: no tclsh8.6 (Debian package tcl8.6)"; exit 77; }
    module_init="eval \"\$(tclsh8.6 '$modulecmd' bash autoinit)\""
    module_kind=envmodules
    ;;
  *)
    [[ -r $lmod_init ]] || { echo "SKIP: Lmod init script $lmod_init not found (set HPCFFI_LMOD_INIT)"; exit 77; }
    module_init="source '$lmod_init'"
    module_kind=lmod
    ;;
esac
[[ -d $prefix ]] || fail "no install prefix $prefix (modules.install must run first)"

# The CLI check applies once the package has a __main__ (python/hpcffi/__main__.py).
check_cli=0
[[ -f $HPCFFI_TEST_SOURCE_DIR/python/hpcffi/__main__.py ]] && check_cli=1

# run_in_fresh_shell MODULEPATH_DIR EXPECTED_ROOT [VAR=VALUE...]
run_in_fresh_shell() {
  local modpath=$1 root=$2; shift 2
  # shellcheck disable=SC2016  # the inner script expands its own variables
  env -i HOME="$HOME" PATH=/usr/local/bin:/usr/bin:/bin TERM=dumb "$@" \
      MODULE_INIT="$module_init" MODPATH="$modpath" ROOT="$root" VERSION="$version" CHECK_CLI="$check_cli" \
      bash --noprofile --norc -euo pipefail -c '
fail() { echo "FAIL: $*" >&2; exit 1; }
set +u; eval "$MODULE_INIT"; set -u
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
[[ ${JUPYTER_PATH:-} == "$ROOT/share/jupyter" ]] || fail "JUPYTER_PATH=${JUPYTER_PATH:-} (expected $ROOT/share/jupyter)"
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
for v in HPCFFI_ROOT HPCFFI_PYTHON HPCFFI_LIB HPCFFI_INCLUDE PYTHONPATH LD_LIBRARY_PATH CMAKE_PREFIX_PATH JUPYTER_PATH; do
  [[ -z ${!v:-} ]] || fail "module unload left $v=${!v}"
done
echo "module unload restored PATH and cleared the variables"
'
}

# check_kernel: the module shows the kernel (module system: $module_init), and
# a kernel started from it without the module gets the module's environment.
check_kernel() {
  local home=$prefix.home.$case_name out pydir
  rm -rf -- "$home"; mkdir -p -- "$home"       # no kernels from the caller's ~/.local/share/jupyter
  pydir=$(compgen -G "$prefix/lib/python3*/site-packages" | head -n1)
  # 1. In a shell that loads the module: JUPYTER_PATH, kernelspec list, threads.
  # SLURM_CPUS_PER_TASK=1 is the allocation's input to the module (salloc -c 1).
  # shellcheck disable=SC2016  # the inner script expands its own variables
  # (PYDEVD_DISABLE_FILE_VALIDATION: quiets debugpy's frozen-modules warning, which
  # Debian's `jupyter kernelspec` prints on every call.)
  env -i HOME="$home" PATH=/usr/local/bin:/usr/bin:/bin TERM=dumb SLURM_CPUS_PER_TASK=1 PYDEVD_DISABLE_FILE_VALIDATION=1 \
      MODULE_INIT="$module_init" ROOT="$prefix" VERSION="$version" KPY="$kernel_python" \
      bash --noprofile --norc -euo pipefail -c '
fail() { echo "FAIL: $*" >&2; exit 1; }
kernel_dir() { jupyter kernelspec list | awk '"'"'$1 == "hpcffi" { print $2 }'"'"'; }
set +u; eval "$MODULE_INIT"; set -u
module use "$ROOT/share/modulefiles"
[[ -z $(kernel_dir) ]] || fail "kernel hpcffi listed before module load: $(kernel_dir)"
module load "hpcffi/$VERSION"
[[ ${JUPYTER_PATH:-} == "$ROOT/share/jupyter" ]] || fail "JUPYTER_PATH=${JUPYTER_PATH:-} (expected $ROOT/share/jupyter)"
jupyter kernelspec list
[[ $(kernel_dir) == "$ROOT/share/jupyter/kernels/hpcffi" ]] || fail "jupyter kernelspec list does not show hpcffi in $ROOT/share/jupyter/kernels"
spec=$("$KPY" -c "import json, sys; s = json.load(open(sys.argv[1])); print(s[\"display_name\"], s[\"argv\"][0], sep=\"|\")" \
       "$ROOT/share/jupyter/kernels/hpcffi/kernel.json")
[[ $spec == "Python (hpcffi $VERSION)|$ROOT/libexec/hpcffi/hpcffi-kernel" ]] || fail "kernel.json: display name|argv[0] = $spec"
[[ ${OMP_NUM_THREADS:-} == 1 ]] || fail "inside an allocation with SLURM_CPUS_PER_TASK=1 the module set OMP_NUM_THREADS=${OMP_NUM_THREADS:-(nothing)}"
echo "module load: JUPYTER_PATH=$JUPYTER_PATH, OMP_NUM_THREADS=$OMP_NUM_THREADS"
module unload hpcffi
[[ -z ${JUPYTER_PATH:-} ]] || fail "module unload left JUPYTER_PATH=$JUPYTER_PATH"
[[ -z $(kernel_dir) ]] || fail "kernel hpcffi still listed after module unload: $(kernel_dir)"
[[ -z ${OMP_NUM_THREADS+x} && -z ${HPCFFI_OMP_NUM_THREADS+x} ]] || fail "module unload left OMP_NUM_THREADS=${OMP_NUM_THREADS:-} HPCFFI_OMP_NUM_THREADS=${HPCFFI_OMP_NUM_THREADS:-}"
export OMP_NUM_THREADS=3                     # the user'"'"'s own value wins, and survives unload
module load "hpcffi/$VERSION"
[[ $OMP_NUM_THREADS == 3 ]] || fail "module load changed the user'"'"'s OMP_NUM_THREADS=3 to $OMP_NUM_THREADS"
module unload hpcffi
[[ $OMP_NUM_THREADS == 3 ]] || fail "module unload changed the user'"'"'s OMP_NUM_THREADS=3 to ${OMP_NUM_THREADS:-(nothing)}"
unset OMP_NUM_THREADS SLURM_CPUS_PER_TASK    # outside an allocation: OpenMP'"'"'s default
module load "hpcffi/$VERSION"
[[ -z ${OMP_NUM_THREADS+x} ]] || fail "outside an allocation the module set OMP_NUM_THREADS=$OMP_NUM_THREADS"
module unload hpcffi
echo "module unload: JUPYTER_PATH and OMP_NUM_THREADS cleared, a user value kept"
' || fail "module load checks ($module_kind)"

  # 2. A Jupyter server elsewhere: no module loaded, only JUPYTER_PATH. With
  # Environment Modules, a site's MODULESHOME (its init/bash is what the helper
  # sources); with Lmod, nothing: the helper finds Lmod's init itself.
  local server_env=(HOME="$home" PATH=/usr/local/bin:/usr/bin:/bin TERM=dumb
                    JUPYTER_PATH="$prefix/share/jupyter" SLURM_CPUS_PER_TASK=1)
  [[ $module_kind == envmodules ]] && server_env+=(MODULESHOME="$envmodules_dir/usr/share/modules")
  out=$(env -i "${server_env[@]}" "$kernel_python" "$run_kernel" hpcffi '
import os, hpcffi
for name in ("HPCFFI_LIB", "HPCFFI_INCLUDE", "OMP_NUM_THREADS", "LOADEDMODULES", "LMOD_CMD", "MODULES_CMD"):
    print(name + "=" + os.environ.get(name, ""))
print(f"file={hpcffi.__file__}")
print(f"threads={hpcffi.get_num_threads()}")
print(f"fib90={hpcffi.fib(90)}")
') || fail "the kernel hpcffi did not run (server without the module, $module_kind)"
  echo "$out"
  grep -qx "file=$pydir/hpcffi/__init__.py" <<<"$out" || fail "the kernel imported hpcffi from elsewhere than $pydir"
  grep -qx "HPCFFI_LIB=$prefix/lib/libhpcffi.so.0" <<<"$out" || fail "the kernel's HPCFFI_LIB is not $prefix/lib/libhpcffi.so.0"
  grep -qx "HPCFFI_INCLUDE=$prefix/include" <<<"$out" || fail "the kernel's HPCFFI_INCLUDE is not $prefix/include"
  grep -qx "OMP_NUM_THREADS=1" <<<"$out" || fail "the kernel lacks the module's OMP_NUM_THREADS=1 (SLURM_CPUS_PER_TASK=1)"
  grep -qx "threads=1" <<<"$out" || fail "libhpcffi does not run 1 OpenMP thread in the kernel"
  grep -q "^LOADEDMODULES=.*hpcffi/$version" <<<"$out" || fail "hpcffi/$version is not loaded in the kernel"
  grep -qx "fib90=2880067194370816120" <<<"$out" || fail "hpcffi.fib(90) is wrong in the kernel"
  if [[ $module_kind == envmodules ]]; then
    grep -qx "MODULES_CMD=$modulecmd" <<<"$out" || fail "the kernel's module command is not Environment Modules' $modulecmd"
  else
    grep -q "^LMOD_CMD=/" <<<"$out" || fail "the kernel's module command is not Lmod"
  fi
  echo "PASS: kernel hpcffi from $prefix/share/jupyter ($module_kind), started without the module"
  rm -rf -- "$home"
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
  tcl-envmodules)
    # Environment Modules reads the Tcl file beside the .lua one (which it ignores).
    run_in_fresh_shell "$prefix/share/modulefiles" "$prefix"
    ;;
  kernel-lmod|kernel-envmodules)
    check_kernel
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
