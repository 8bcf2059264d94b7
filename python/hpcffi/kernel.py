"""A Jupyter kernel for this interpreter and its hpcffi: ``python -m hpcffi kernel install``.

For pip users, the ipykernel convention (``python -m ipykernel install
--user|--sys-prefix``): a kernelspec ``hpcffi``, "Python (hpcffi VERSION)", whose
argv is this interpreter with ``ipykernel_launcher``. A wheel holds
libhpcffi beside the package, so the kernel needs no environment of its own;
only when hpcffi is importable through PYTHONPATH alone (a build tree:
``PYTHONPATH=build/python``) does the kernelspec record that folder in its
``env``, since a Jupyter server elsewhere would not have it.

Installed trees (``cmake --install``, EasyBuild) ship their own kernel, which
loads the module first: see docs/modules.md.

    >>> from hpcffi.kernel import install_kernelspec
    >>> install_kernelspec(user=True)          # doctest: +SKIP
    PosixPath('/home/me/.local/share/jupyter/kernels/hpcffi')
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from ._build_config import VERSION

__all__ = ["KERNEL_NAME", "KernelSpecError", "is_valid_kernel_name", "kernelspec", "install_kernelspec"]

#: The kernel's name (its folder under share/jupyter/kernels), as the modules ship it.
KERNEL_NAME = "hpcffi"


class KernelSpecError(RuntimeError):
    """The kernelspec cannot be made or installed (ipykernel missing, folder not writable, ...)."""


def is_valid_kernel_name(name: str) -> bool:
    """Jupyter's rule for kernel names: ASCII letters, digits, ``-``, ``.``, ``_``."""
    return re.fullmatch(r"[A-Za-z0-9._-]+", name) is not None


def _package_parent() -> Path:
    return Path(__file__).resolve().parent.parent


def _needs_pythonpath(python: str) -> bool:
    """True when ``python`` without PYTHONPATH (``-E``) would not import this hpcffi.

    Asks the interpreter where it finds the package (``find_spec``: found, not
    imported), from a neutral folder: a wheel or an editable install is found
    through site-packages, a build tree only through PYTHONPATH.
    """
    probe = subprocess.run(
        [python, "-E", "-c", "import importlib.util as u; s = u.find_spec('hpcffi'); print(s.origin if s else '')"],
        capture_output=True, text=True, check=False, cwd=tempfile.gettempdir())
    if probe.returncode != 0:
        raise KernelSpecError(f"{python} -E failed: {probe.stderr.strip()}")
    found = probe.stdout.strip()
    return not found or os.path.realpath(found) != os.path.realpath(_package_parent() / "hpcffi" / "__init__.py")


def kernelspec(display_name: str | None = None, python: str | None = None) -> dict:
    """The kernel.json content for ``python`` (default: this interpreter)."""
    python = python or sys.executable
    spec = {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": display_name or f"Python (hpcffi {VERSION})",
        "language": "python",
        "metadata": {"debugger": True},
    }
    if _needs_pythonpath(python):
        spec["env"] = {"PYTHONPATH": str(_package_parent())}
    return spec


def install_kernelspec(*, user: bool = False, sys_prefix: bool = False, prefix: str | os.PathLike | None = None,
                       name: str = KERNEL_NAME, display_name: str | None = None) -> Path:
    """Install the kernelspec ``name`` and return its folder.

    Where, as ``jupyter kernelspec install`` puts it: ``user`` the user's Jupyter
    data folder (``~/.local/share/jupyter``, or ``$JUPYTER_DATA_DIR``),
    ``sys_prefix`` this environment's ``sys.prefix/share/jupyter``, ``prefix``
    ``PREFIX/share/jupyter``; none of them: the system-wide folder. An existing
    kernel of that name is replaced.
    """
    if sum((bool(user), bool(sys_prefix), prefix is not None)) > 1:
        raise ValueError("choose one of user, sys_prefix and prefix")
    if not is_valid_kernel_name(name):
        raise ValueError(f"invalid kernel name {name!r}: use ASCII letters, digits, '-', '.' and '_'")
    if importlib.util.find_spec("ipykernel") is None:
        raise KernelSpecError(f"{sys.executable} has no ipykernel: pip install ipykernel "
                              "(Debian's Python: apt-get install python3-ipykernel)")
    try:
        from jupyter_client.kernelspec import KernelSpecManager
    except ImportError as error:
        raise KernelSpecError(f"{sys.executable} has no jupyter_client ({error}): pip install ipykernel") from None
    if sys_prefix:
        prefix = sys.prefix
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "kernel.json"), "w", encoding="utf-8") as out:
            json.dump(kernelspec(display_name), out, indent=1)
            out.write("\n")
        where = KernelSpecManager().install_kernel_spec(folder, kernel_name=name, user=user,
                                                        prefix=None if prefix is None else os.fspath(prefix))
    return Path(where)
