#!/usr/bin/env bash
# bootstrap.sh -- install everything hpcffi needs on Debian 12, idempotently.
#
#   scripts/bootstrap.sh            system packages (apt-get, as root) + Python venv
#   scripts/bootstrap.sh --check    only report what is missing, change nothing
#
# System packages come from Debian so that the compiler, Open MPI, mpi4py,
# NumPy and cffi all match one another (mpi4py must be built for the same Open
# MPI as libhpcffi). The venv (.venv, see HPCFFI_VENV) is made from Debian's
# /usr/bin/python3 with --system-site-packages so it sees those builds, and it
# adds the test tools from PyPI. Nothing is done when all is present.
#
# A second venv, .venv-tools (HPCFFI_TOOLS_VENV), holds the packaging and
# validation tools from PyPI: build and scikit-build-core (pip/sdist tests),
# reframe-hpc and easybuild (the `reframe` and `packaging` tests). It is made
# from Debian's python3 WITHOUT the system site-packages, so their many
# dependencies (ReFrame's polars, jsonschema, ...) never mix with the
# project venv's NumPy/cffi/mpi4py.
#
# A third, .venv-jupyter (HPCFFI_JUPYTER_VENV), is the web side of
# scripts/jupyterhub-local.sh: JupyterHub 4.1, batchspawner 1.3.0, the
# pure-Python configurable-http-proxy (no Node), JupyterLab 4 and jupytext (the
# lesson's .py notebooks open as notebooks). Also without the system
# site-packages: Debian's ipykernel/mpi4py in .venv stay as they are; the
# hpcffi kernel itself runs the project's interpreter through its kernelspec.
# Debian's chromium, chromium-driver and python3-selenium drive it in the
# `jupyter` tests.
# A wheelhouse, .wheelhouse (HPCFFI_WHEELHOUSE), holds the wheels the packaging
# tests install into their fresh venvs, so those tests never use the network.
set -euo pipefail

project_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv_dir=${HPCFFI_VENV:-$project_dir/.venv}
tools_venv_dir=${HPCFFI_TOOLS_VENV:-$project_dir/.venv-tools}
jupyter_venv_dir=${HPCFFI_JUPYTER_VENV:-$project_dir/.venv-jupyter}
check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  -h|--help) sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "bootstrap.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac

debian_packages=(
  build-essential cmake pkg-config git ca-certificates
  libgmp-dev libgtest-dev libbenchmark-dev
  openmpi-bin libopenmpi-dev libpmix-dev
  python3 python3-dev python3-venv python3-cffi python3-numpy python3-mpi4py python3-matplotlib
  python3-h5py-serial python3-h5py-mpi        # HDF5 fields and checkpoints (h5py built for Open MPI)
  python3-sphinx python3-myst-parser          # docs/ (Sphinx 5.3, MyST 0.18): ctest -L docs
  python3-pexpect                             # a salloc shell driven through a pty: ctest -L multinode
  python3-ipykernel python3-nbclient python3-nbformat python3-jupyter-client   # the hpcffi kernel, notebooks label
  slurmctld slurmd slurm-client munge
  lmod
  tcl8.6                                      # Environment Modules 5's modulecmd.tcl (the tree below)
  jupyter-core jupyter-client                 # `jupyter kernelspec list` (tests/modules)
  chromium chromium-driver python3-selenium   # the jupyter label: a real browser, headless
)
# myst-nb 0.17 is the last release for Debian's Sphinx 5.3 and myst-parser 0.18
# (1.x needs newer ones); jupytext reads the lesson's py:percent notebooks. Both
# leave Debian's ipykernel, nbclient and nbformat in place. ipyparallel 9.x
# (hpcffi.interactive: MPI engines as a Slurm job; Debian's 7.1 lacks
# Cluster(engines="slurm")) brings pyzmq>=25 and tqdm into the venv and keeps
# Debian's mpi4py, ipykernel and jupyter_client.
python_packages=(pytest hypothesis "myst-nb==0.17.2" "jupytext>=1.14" "ipyparallel==9.2.0")
tools_packages=("build>=1" "scikit-build-core>=0.10" "reframe-hpc>=4.7,<5" "easybuild>=5,<6")
# batchspawner 1.3.0 is tested against JupyterHub 4.x.
jupyter_packages=("jupyterhub>=4.1,<4.2" "batchspawner==1.3.0" "configurable-http-proxy>=0.4" "jupyterlab>=4,<5" "jupytext>=1.16")

missing=()
for package in "${debian_packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$package")
done

if ((${#missing[@]})); then
  if ((check_only)); then
    echo "bootstrap: missing Debian packages: ${missing[*]}"
  elif [[ $(id -u) -eq 0 ]]; then
    echo "bootstrap: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "bootstrap: missing Debian packages: ${missing[*]}" >&2
    echo "bootstrap: ask an administrator to run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
else
  echo "bootstrap: Debian packages present"
fi

venv_python=$venv_dir/bin/python
if [[ ! -x $venv_python ]]; then
  if ((check_only)); then echo "bootstrap: no venv at $venv_dir"; exit 0; fi
  echo "bootstrap: creating venv $venv_dir"
  /usr/bin/python3 -m venv --system-site-packages "$venv_dir"
fi
if ! "$venv_python" -c 'import pytest, hypothesis, myst_nb, jupytext, ipyparallel' 2>/dev/null; then
  if ((check_only)); then echo "bootstrap: venv lacks ${python_packages[*]}"; exit 0; fi
  "$venv_python" -m pip install --quiet --disable-pip-version-check "${python_packages[@]}"
fi
# Older builds wrote a .pth pointing the venv at one build tree; PYTHONPATH
# (ctest, scripts/hpcffi-env.sh) and editable installs replace it.
((check_only)) || rm -f -- "$venv_dir"/lib/python3*/site-packages/hpcffi-build.pth

tools_python=$tools_venv_dir/bin/python
if ! "$tools_python" -c 'import build, scikit_build_core, reframe, easybuild.framework' 2>/dev/null; then
  if ((check_only)); then echo "bootstrap: no tools venv with ${tools_packages[*]} at $tools_venv_dir"; exit 0; fi
  echo "bootstrap: creating tools venv $tools_venv_dir"
  [[ -x $tools_python ]] || /usr/bin/python3 -m venv "$tools_venv_dir"
  # --use-pep517: the easybuild packages have no pyproject.toml.
  "$tools_python" -m pip install --quiet --disable-pip-version-check --use-pep517 "${tools_packages[@]}"
fi

# Wheels that the packaging tests install into their fresh venvs with pip
# --no-index --find-links: fetched here, at set-up, so no test asks the
# package index mid-run (a slow or failing index made packaging.pip_options flaky).
wheelhouse=${HPCFFI_WHEELHOUSE:-$project_dir/.wheelhouse}
wheelhouse_packages=("scikit-build-core>=0.10" "pytest>=7" "hypothesis>=6")
if ! "$venv_python" -m pip download --quiet --disable-pip-version-check --no-index --find-links "$wheelhouse" \
       --dest "$wheelhouse" "${wheelhouse_packages[@]}" >/dev/null 2>&1; then
  if ((check_only)); then
    echo "bootstrap: the wheelhouse $wheelhouse lacks ${wheelhouse_packages[*]}"
  else
    echo "bootstrap: filling the wheelhouse $wheelhouse"
    "$venv_python" -m pip download --quiet --disable-pip-version-check --only-binary=:all: --dest "$wheelhouse" \
      "${wheelhouse_packages[@]}"
  fi
fi

# Environment Modules 5 beside Lmod, for the `modules` tests of the Tcl modulefile.
# Never `apt-get install environment-modules`: on Debian 12 it conflicts with
# lmod (installing it REMOVES Lmod and leaves /etc/profile.d/modules.sh). The
# package is unpacked into a project folder instead and used from there:
#   eval "$(tclsh8.6 $envmodules_dir/usr/lib/<multiarch>/modulecmd.tcl bash autoinit)"
# or, with MODULESHOME=$envmodules_dir/usr/share/modules, `source $MODULESHOME/init/bash`
# (its modulecmd.tcl path is rewritten to the unpacked one below).
envmodules_dir=${HPCFFI_ENVMODULES_DIR:-$project_dir/.tools/environment-modules}
envmodules_stamp=$envmodules_dir/.hpcffi-unpacked
if [[ $(cat "$envmodules_stamp" 2>/dev/null) != "$envmodules_dir" ]]; then
  if ((check_only)); then
    echo "bootstrap: no Environment Modules tree at $envmodules_dir"
  else
    echo "bootstrap: unpacking Environment Modules (apt-get download environment-modules) into $envmodules_dir"
    download=$(mktemp -d)
    # A fresh machine may have no package lists yet (as root: update them once).
    (cd "$download" && apt-get download -qq environment-modules 2>/dev/null) \
      || { [[ $(id -u) -eq 0 ]] && apt-get update -qq && (cd "$download" && apt-get download -qq environment-modules 2>/dev/null); } \
      || { rm -rf -- "$download"; echo "bootstrap: apt-get download environment-modules failed" >&2; exit 1; }
    rm -rf -- "$envmodules_dir"
    mkdir -p -- "$envmodules_dir"
    dpkg-deb -x "$download"/environment-modules_*.deb "$envmodules_dir"
    rm -rf -- "$download"
    modulecmd=$(compgen -G "$envmodules_dir/usr/lib/*/modulecmd.tcl" | head -n1)
    [[ -n $modulecmd ]] || { echo "bootstrap: no modulecmd.tcl in the environment-modules package" >&2; exit 1; }
    sed -i "s|'/usr/lib/[^']*/modulecmd.tcl'|'$modulecmd'|" "$envmodules_dir/usr/share/modules/init/bash"
    grep -qF "'$modulecmd'" "$envmodules_dir/usr/share/modules/init/bash" \
      || { echo "bootstrap: could not point $envmodules_dir/usr/share/modules/init/bash at $modulecmd" >&2; exit 1; }
    echo "$envmodules_dir" >"$envmodules_stamp"
  fi
else
  echo "bootstrap: Environment Modules tree present ($envmodules_dir)"
fi

jupyter_python=$jupyter_venv_dir/bin/python
if ! "$jupyter_python" - 2>/dev/null <<'PY'
import importlib.metadata as m, shutil, sys, os
assert m.version("jupyterhub").startswith("4.1.") and m.version("batchspawner") == "1.3.0"
assert m.version("jupyterlab").startswith("4.") and m.version("jupytext")
assert os.access(os.path.join(os.path.dirname(sys.executable), "configurable-http-proxy"), os.X_OK)
PY
then
  if ((check_only)); then echo "bootstrap: no jupyter venv with ${jupyter_packages[*]} at $jupyter_venv_dir"; exit 0; fi
  echo "bootstrap: creating jupyter venv $jupyter_venv_dir"
  [[ -x $jupyter_python ]] || /usr/bin/python3 -m venv "$jupyter_venv_dir"
  "$jupyter_python" -m pip install --quiet --disable-pip-version-check "${jupyter_packages[@]}"
else
  echo "bootstrap: jupyter venv present ($jupyter_venv_dir)"
fi

# The library and mpi4py must speak the same MPI: Debian's mpi4py is built
# for Debian's Open MPI, which is what CMake finds.
# h5py likewise: Debian's MPI build (python3-h5py-mpi) is the one built for
# that Open MPI; hpcffi asks for it with H5PY_ALWAYS_USE_MPI in parallel runs.
H5PY_ALWAYS_USE_MPI=1 "$venv_python" - <<'PY'
import cffi, numpy, mpi4py, h5py
assert h5py.get_config().mpi, "h5py without MPI: install python3-h5py-mpi"
print(f"bootstrap: venv ready (cffi {cffi.__version__}, numpy {numpy.__version__}, mpi4py {mpi4py.__version__}, "
      f"h5py {h5py.__version__} with MPI)")
PY
