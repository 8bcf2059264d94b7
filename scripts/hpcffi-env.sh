# hpcffi-env.sh -- put an hpcffi build or install tree on PATH, LD_LIBRARY_PATH, PYTHONPATH.
# shellcheck shell=bash
#
#   source scripts/hpcffi-env.sh [TREE]
#
# TREE is a CMake build tree (it has CMakeCache.txt) or an install prefix
# (cmake --install --prefix TREE). Default: $HPCFFI_BUILD_DIR, else
# <project>/build, else $HPCFFI_ROOT (an installed tree).
# Also exports HPCFFI_LIB (the versioned libhpcffi.so.N) and HPCFFI_INCLUDE (the
# folder holding hpcffi/hpcffi.h), which the lesson's examples use to reach the
# library through cffi directly, and HPCFFI_PYTHON, the interpreter to use: $HPCFFI_PYTHON when set,
# else the build's Python3_EXECUTABLE, else $HPCFFI_VENV/bin/python or the
# project's .venv, else /usr/bin/python3. Jobs call "$HPCFFI_PYTHON", never a
# bare `python3`, which may be a pyenv shim that lacks cffi/numpy/mpi4py.
# This file is for `source`; it changes no shell options and returns non-zero
# with a message when the tree is not usable. The Lmod/Tcl module `hpcffi`
# does the same for install trees.

_hpcffi_env() {
  local here project tree py lib libdir pkg d f
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || return 1
  project=$(dirname "$here")
  tree=${1:-}
  if [[ -z $tree ]]; then
    for d in "${HPCFFI_BUILD_DIR:-}" "$project/build" "${HPCFFI_ROOT:-}"; do
      [[ -n $d && -d $d ]] && { tree=$d; break; }
    done
  fi
  if [[ -n $tree && ! -d $tree ]]; then
    echo "hpcffi-env.sh: '$tree' is not a folder (give a build dir or an install prefix)" >&2
    return 1
  fi
  if [[ -z $tree ]]; then
    echo "hpcffi-env.sh: no hpcffi tree found (give a build dir or install prefix, or set HPCFFI_BUILD_DIR); build with: cmake -S $project -B $project/build && cmake --build $project/build" >&2
    return 1
  fi
  tree=$(cd "$tree" && pwd)

  _hpcffi_prepend() {  # VAR DIR: put DIR first in VAR, once
    local var=$1 dir=$2 val
    [[ -d $dir ]] || return 0
    val=":${!var:-}:"; val=${val//:$dir:/:}; val=${val#:}; val=${val%:}
    export "$var=$dir${val:+:$val}"
  }

  if [[ -f $tree/CMakeCache.txt ]]; then                        # build tree
    [[ -d $tree/python/hpcffi ]] || { echo "hpcffi-env.sh: $tree has no python/hpcffi: is it built (cmake --build $tree)?" >&2; return 1; }
    _hpcffi_prepend PATH "$tree/src/apps"
    _hpcffi_prepend LD_LIBRARY_PATH "$tree/src"
    _hpcffi_prepend PYTHONPATH "$tree/python"
    py=$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' "$tree/CMakeCache.txt" | head -n1)
    libdir=$tree/src
    export HPCFFI_INCLUDE=$tree/include   # the build copies the public headers there
  else                                                           # install prefix
    pkg=""
    for d in "$tree"/lib*/python3*/site-packages "$tree"/lib/*/python3*/site-packages; do
      [[ -d $d/hpcffi ]] && { pkg=$d; break; }
    done
    [[ -n $pkg ]] || { echo "hpcffi-env.sh: $tree is neither a build tree (no CMakeCache.txt) nor an install prefix (no lib*/python3*/site-packages/hpcffi)" >&2; return 1; }
    _hpcffi_prepend PATH "$tree/bin"
    for lib in "$tree"/lib "$tree"/lib64 "$tree"/lib/*-linux-gnu; do
      compgen -G "$lib/libhpcffi.so*" >/dev/null && { _hpcffi_prepend LD_LIBRARY_PATH "$lib"; libdir=$lib; }
    done
    export HPCFFI_INCLUDE=$tree/include
    _hpcffi_prepend PYTHONPATH "$pkg"
    _hpcffi_prepend CMAKE_PREFIX_PATH "$tree"
    export HPCFFI_ROOT=$tree
  fi
  unset -f _hpcffi_prepend
  for f in "${libdir:-/nonexistent}"/libhpcffi.so.*; do          # the SONAME file: libhpcffi.so.N
    [[ $f =~ \.so\.[0-9]+$ ]] && export HPCFFI_LIB=$f
  done

  for d in "${HPCFFI_PYTHON:-}" "$py" "${HPCFFI_VENV:+$HPCFFI_VENV/bin/python}" "$project/.venv/bin/python" /usr/bin/python3; do
    [[ -n $d && -x $d ]] && { py=$d; break; }
  done
  [[ -x $py ]] || { echo "hpcffi-env.sh: no Python interpreter found (set HPCFFI_PYTHON)" >&2; return 1; }
  export HPCFFI_PYTHON=$py HPCFFI_TREE=$tree
}

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
else
  _hpcffi_env "$@"
fi
_hpcffi_env_rc=$?
unset -f _hpcffi_env
# shellcheck disable=SC2317  # return when sourced, exit when run
return "$_hpcffi_env_rc" 2>/dev/null || exit "$_hpcffi_env_rc"
