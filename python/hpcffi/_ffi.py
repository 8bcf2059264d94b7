"""The one place where hpcffi gets its cffi ``ffi`` and ``lib`` objects.

Three cffi modes reach the same C library, all built from the same header
text (``hpcffi_decls.h``):

``api`` (default)
    API out-of-line: the C extension ``hpcffi._hpcffi_api``, compiled by CMake
    against ``hpcffi/hpcffi.h`` and linked to libhpcffi (RPATH, no dlopen).
    The fastest calls; the C compiler checked every declaration.
``abi``
    ABI out-of-line: ``hpcffi._hpcffi_abi``, a pure-Python module generated at
    build time, then ``ffi.dlopen(libhpcffi.so.0)``.
``abi-inline``
    ABI in-line: ``FFI().cdef(<text of hpcffi_decls.h>)`` at import, then
    ``ffi.dlopen``. Needs nothing compiled for Python at all.

The mode is chosen once, at import, from the environment variable
``HPCFFI_MODE`` (``api`` when unset). The rest of the package uses
``from ._ffi import ffi, lib``. Tests, benchmarks and demos can get any
mode's pair side by side with :func:`load`.

ABI modes open the library with ``RTLD_NOW | RTLD_NODELETE``: libhpcffi uses
OpenMP, and unloading it while libgomp's worker threads still exist crashes
the interpreter at exit.

The library path comes from the package, never from the current directory:
``HPCFFI_LIBRARY`` if set, else the path recorded by CMake in
``_build_config.py`` (absolute in the build tree; relative to the folder of
``_build_config.py`` in a CMake install, where it is ``../../../libhpcffi.so.0``
or so, and in a wheel, where the library sits next to it); it names the
versioned SONAME file ``libhpcffi.so.0``. The API extension finds the same
file through its RPATH (``$ORIGIN``-relative).

The generated files (``_build_config.py``, ``_hpcffi_abi.py``, the
extension, ``hpcffi_decls.h``, and in a wheel libhpcffi) always sit in one
folder, which is the package folder except in an editable install
(``pip install -e .``): there the ``.py`` files stay in the source tree and
the generated ones are in site-packages. So data is looked up next to
``_build_config``, not next to this file.
"""

import os
import threading

from . import _build_config
from .errors import VersionMismatchError

__all__ = ["MODES", "DEFAULT_MODE", "MODE", "ffi", "lib", "load", "library_path", "header_path", "requested_mode"]

MODES = ("api", "abi", "abi-inline")
DEFAULT_MODE = "api"

#: The folder of the generated files (see the module docstring).
_data_dir = os.path.dirname(os.path.abspath(_build_config.__file__))
_loaded = {}
_lock = threading.Lock()


def library_path():
    """Absolute path of the libhpcffi the ABI modes dlopen (``HPCFFI_LIBRARY`` overrides)."""
    override = os.environ.get("HPCFFI_LIBRARY")
    if override:
        return os.path.abspath(override)
    path = _build_config.LIBRARY
    if _build_config.LIBRARY_IS_RELATIVE:
        path = os.path.join(_data_dir, path)
    return os.path.normpath(path)


def header_path():
    """The copy of hpcffi_decls.h shipped inside the package (cdef text for ABI in-line)."""
    return os.path.join(_data_dir, "hpcffi_decls.h")


def requested_mode():
    """The mode named by ``HPCFFI_MODE`` (default ``api``); ValueError if unknown."""
    mode = os.environ.get("HPCFFI_MODE", "").strip().lower() or DEFAULT_MODE
    if mode not in MODES:
        raise ValueError(f"HPCFFI_MODE={mode!r} is not one of {', '.join(MODES)}")
    return mode


def _dlopen(ffi):
    path = library_path()
    if not os.path.exists(path):
        raise ImportError(
            f"hpcffi: library {path} not found (recorded at build time in {_build_config.__file__}; "
            "set HPCFFI_LIBRARY to override)"
        )
    return ffi.dlopen(path, ffi.RTLD_NOW | ffi.RTLD_NODELETE)


def _load_uncached(mode):
    if mode == "api":
        from ._hpcffi_api import ffi, lib  # noqa: PLC0415
    elif mode == "abi":
        from ._hpcffi_abi import ffi  # noqa: PLC0415

        lib = _dlopen(ffi)
    elif mode == "abi-inline":
        import cffi  # noqa: PLC0415

        ffi = cffi.FFI()
        with open(header_path(), encoding="utf-8") as header:
            ffi.cdef(header.read())
        lib = _dlopen(ffi)
    else:
        raise ValueError(f"unknown hpcffi cffi mode {mode!r}; choose one of {', '.join(MODES)}")
    _check_version(ffi, lib, mode)
    return ffi, lib


def _check_version(ffi, lib, mode):
    parts = ffi.new("int[3]")
    status = lib.hpcffi_version(parts + 0, parts + 1, parts + 2)
    found = f"{parts[0]}.{parts[1]}.{parts[2]}" if status == 0 else f"unknown (status {status})"
    if found != _build_config.VERSION:
        where = library_path() if mode != "api" else "the library linked to hpcffi._hpcffi_api"
        raise VersionMismatchError(
            f"hpcffi {_build_config.VERSION} (Python package) cannot use libhpcffi {found} ({where}, mode {mode}): "
            "rebuild and reinstall both from the same source tree, or point HPCFFI_LIBRARY at the matching library"
        )


def load(mode=None):
    """Return ``(ffi, lib)`` for a cffi mode: ``"api"``, ``"abi"`` or ``"abi-inline"``.

    ``None`` means the mode of ``HPCFFI_MODE``. Each mode is loaded once per
    process and cached; all modes may be loaded at the same time (they share
    the one libhpcffi). Raises :class:`hpcffi.VersionMismatchError` when the
    library's ``hpcffi_version()`` differs from the package version.
    """
    mode = requested_mode() if mode is None else mode
    with _lock:
        pair = _loaded.get(mode)
        if pair is None:
            pair = _loaded[mode] = _load_uncached(mode)
    return pair


#: The mode of this process (from HPCFFI_MODE at import).
MODE = requested_mode()
ffi, lib = load(MODE)
