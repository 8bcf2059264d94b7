"""Jupyter kernels: ``python -m hpcffi kernel install`` (hpcffi.kernel) and the build tree's kernel.

Real Jupyter: kernelspecs are found by `jupyter kernelspec list` and started by
jupyter_client's KernelManager, as a Jupyter server does, with an environment
that holds neither PYTHONPATH nor HPCFFI_*: what the kernel needs must come
from its kernelspec. Mode-independent: runs once, in the suite's api run.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hpcffi
from hpcffi import _build_config, kernel

pytestmark = pytest.mark.skipif(hpcffi.mode != "api", reason="no cffi mode involved: runs once, in the api run")

jupyter_client = pytest.importorskip("jupyter_client", reason="python3-jupyter-client (scripts/bootstrap.sh)")
from jupyter_client.manager import start_new_kernel  # noqa: E402

PACKAGE_PARENT = Path(hpcffi.__file__).resolve().parent.parent
# What a Jupyter server started elsewhere has: no PYTHONPATH, no HPCFFI_*.
SERVER_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"),
              "PYDEVD_DISABLE_FILE_VALIDATION": "1"}   # debugpy's frozen-modules warning: noise


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "hpcffi", *map(str, args)], capture_output=True, text=True,
                          timeout=120, env=env)


def kernelspec_list(jupyter_path, tmp_path):
    jupyter = shutil.which("jupyter")
    assert jupyter, "no `jupyter` command: apt-get install jupyter-core jupyter-client (scripts/bootstrap.sh)"
    env = dict(SERVER_ENV, JUPYTER_PATH=str(jupyter_path), HOME=str(tmp_path / "home"))
    out = subprocess.run([jupyter, "kernelspec", "list", "--json"], capture_output=True, text=True, env=env,
                         timeout=120, check=True).stdout
    return {name: spec["resource_dir"] for name, spec in json.loads(out)["kernelspecs"].items()}


def run_in_kernel(name, code, jupyter_path, monkeypatch):
    """Start kernel NAME from JUPYTER_PATH with SERVER_ENV, run CODE, return what it printed."""
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))     # where jupyter_client looks
    manager, client = start_new_kernel(kernel_name=name, startup_timeout=120, env=dict(SERVER_ENV))
    printed, errors = [], []

    def output(msg):
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")
    try:
        reply = client.execute_interactive(code, timeout=120, output_hook=output)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok" and not errors, errors
    return "".join(printed)


REPORT = ("import os, hpcffi; print(hpcffi.__version__); print(hpcffi.__file__); "
          "print(os.environ.get('HPCFFI_LIB', '')); print(os.environ.get('HPCFFI_INCLUDE', '')); "
          "print(hpcffi.fib(90))")


def test_kernel_install_prefix_then_start(tmp_path, monkeypatch):
    result = run_cli("kernel", "install", "--prefix", tmp_path / "prefix")
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "prefix/share/jupyter/kernels/hpcffi"
    assert result.stdout.strip() == f"Installed kernelspec hpcffi in {folder}"
    spec = json.loads((folder / "kernel.json").read_text())
    assert spec["argv"] == [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    assert spec["display_name"] == f"Python (hpcffi {hpcffi.__version__})"
    assert spec["language"] == "python"
    # Imported through PYTHONPATH (the build tree under ctest), the spec records it;
    # from a wheel (tests/packaging runs this suite against one) it needs no env.
    on_pythonpath = str(PACKAGE_PARENT) in map(os.path.realpath, os.environ.get("PYTHONPATH", "").split(os.pathsep))
    assert spec.get("env") == ({"PYTHONPATH": str(PACKAGE_PARENT)} if on_pythonpath else None)

    jupyter_path = tmp_path / "prefix/share/jupyter"
    assert kernelspec_list(jupyter_path, tmp_path)["hpcffi"] == str(folder)
    lines = run_in_kernel("hpcffi", REPORT, jupyter_path, monkeypatch).splitlines()
    assert lines[0] == hpcffi.__version__
    assert Path(lines[1]).resolve() == Path(hpcffi.__file__).resolve()
    assert lines[4] == "2880067194370816120"


def test_kernel_install_user_name_display_name(tmp_path):
    data = tmp_path / "data"
    env = dict(os.environ, JUPYTER_DATA_DIR=str(data))    # the --user folder
    result = run_cli("kernel", "install", "--user", "--name", "hpcffi-test", "--display-name", "hpcffi (test)",
                     env=env)
    assert result.returncode == 0, result.stderr
    spec = json.loads((data / "kernels/hpcffi-test/kernel.json").read_text())
    assert spec["display_name"] == "hpcffi (test)"
    # Replaced, not refused, the second time (the ipykernel convention).
    assert run_cli("kernel", "install", "--user", "--name", "hpcffi-test", env=env).returncode == 0
    assert json.loads((data / "kernels/hpcffi-test/kernel.json").read_text())["display_name"].startswith("Python (")


@pytest.mark.parametrize("args, message", [
    (["--user", "--sys-prefix"], "not allowed with argument"),
    (["--user", "--prefix", "/tmp/x"], "not allowed with argument"),
    (["--name", "no spaces"], "argument --name: 'no spaces'"),
])
def test_kernel_install_usage_errors(args, message):
    result = run_cli("kernel", "install", *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_kernel_install_unwritable_prefix(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_cli("kernel", "install", "--prefix", blocker / "prefix")
    assert result.returncode == 1
    assert result.stderr.startswith("hpcffi kernel: error: ")


def test_library_function_refuses_two_places(tmp_path):
    with pytest.raises(ValueError, match="choose one"):
        kernel.install_kernelspec(user=True, prefix=tmp_path)


@pytest.mark.skipif(_build_config.TREE != "build", reason="the build tree's kernel")
def test_build_tree_kernel(tmp_path, monkeypatch):
    """<build>/share/jupyter/kernels/hpcffi: the build's interpreter, package, library and headers."""
    build = PACKAGE_PARENT.parent                        # <build>/python/hpcffi
    jupyter_path = build / "share/jupyter"
    folder = jupyter_path / "kernels/hpcffi"
    spec = json.loads((folder / "kernel.json").read_text())
    assert spec["display_name"] == f"Python (hpcffi {hpcffi.__version__})"
    assert spec["argv"][1:] == ["-f", "{connection_file}"]
    assert kernelspec_list(jupyter_path, tmp_path)["hpcffi"] == str(folder)
    lines = run_in_kernel("hpcffi", REPORT + "; import sys; print(sys.executable)", jupyter_path,
                          monkeypatch).splitlines()
    assert lines[0] == hpcffi.__version__
    assert Path(lines[1]).resolve() == (build / "python/hpcffi/__init__.py").resolve()
    assert Path(lines[2]).resolve() == Path(_build_config.LIBRARY).resolve()
    assert Path(lines[3]) == build / "include"
    assert lines[4] == "2880067194370816120"
    assert lines[5] == sys.executable                   # the build's interpreter (Python3_EXECUTABLE)
