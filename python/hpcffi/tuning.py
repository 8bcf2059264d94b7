"""Kernels chosen by measurement, cached per machine: the tuner and its wisdom file.

Thin wrappers over the C ABI (``hpcffi_tune``, ``hpcffi_wisdom_load``,
``hpcffi_wisdom_info``, ``hpcffi_heat_choice``): the choice itself is made in
the library, so C++ drivers, Python and MPI ranks all run the same kernels for
the same problem. Whatever is chosen, results are bitwise identical; wisdom
changes speed only. See docs/performance.md, "The tuner".
"""

import os

from ._ffi import ffi, lib
from .errors import InvalidArgumentError, check

__all__ = ["tune", "load_wisdom", "wisdom_info", "heat_choice", "DEFAULT_BUDGET"]

DEFAULT_BUDGET = 300.0  # seconds: finals in rounds of about 1 s at the 5 default sizes x 2 thread counts
_PATH_BUFFER = 4096


def tune(budget=DEFAULT_BUDGET, sizes=None, output=None, verbose=False):
    """Time the heat kernels' configurations on this machine; write and use the wisdom file.

    budget: seconds, about (0.1 to 86400). sizes: n of the n x n fields to
    tune (None: one per cache regime). output: a file, an existing directory
    (the machine's file goes in it) or None (the per-user cache,
    ``$XDG_CACHE_HOME/hpcffi``). verbose: a line per size and thread count on
    stderr. Returns the path written.
    """
    sizes = [] if sizes is None else [int(n) for n in sizes]
    c_sizes = ffi.new("int64_t[]", sizes) if sizes else ffi.NULL
    path = ffi.NULL if output is None else os.fsencode(os.fspath(output))
    written = ffi.new("char[]", _PATH_BUFFER)
    check(lib.hpcffi_tune(float(budget), c_sizes, len(sizes), path, 1 if verbose else 0, written, _PATH_BUFFER))
    return os.fsdecode(ffi.string(written))


def load_wisdom(path=None):
    """Look for wisdom again (path None: the default search) or load ``path``.

    Returns True if wisdom is now in use; False if the file was missing,
    damaged or written for another machine or version (see
    :func:`wisdom_info`'s ``note``; the cache-size rule is used).
    """
    accepted = ffi.new("int *")
    check(lib.hpcffi_wisdom_load(ffi.NULL if path is None else os.fsencode(os.fspath(path)), accepted))
    return bool(accepted[0])


def wisdom_info():
    """{'in_use': bool, 'path': the file in use or the one looked for, 'note': why a file was ignored}."""
    in_use = ffi.new("int *")
    path = ffi.new("char[]", _PATH_BUFFER)
    note = ffi.new("char[]", _PATH_BUFFER)
    check(lib.hpcffi_wisdom_info(in_use, path, _PATH_BUFFER, note, _PATH_BUFFER))
    return {"in_use": bool(in_use[0]), "path": os.fsdecode(ffi.string(path)),
            "note": ffi.string(note).decode("utf-8", errors="replace")}


def heat_choice(nx, ny, nsteps=1000):
    """What ``evolve_steps`` would run now for ``nsteps`` steps of an nx x ny field.

    {'path': 'plain'|'streaming'|'blocked', 'isa': variant, 'depth': int,
    'strip_width': int, 'from_wisdom': bool}, for the current thread count.
    """
    for name, value in (("nx", nx), ("ny", ny), ("nsteps", nsteps)):
        if not isinstance(value, int):
            raise InvalidArgumentError(f"{name} must be an int, got {type(value).__name__}")
    path, isa = ffi.new("const char **"), ffi.new("const char **")
    depth, strip, from_wisdom = ffi.new("int *"), ffi.new("int *"), ffi.new("int *")
    check(lib.hpcffi_heat_choice(nx, ny, nsteps, path, isa, depth, strip, from_wisdom))
    return {"path": ffi.string(path[0]).decode("ascii"), "isa": ffi.string(isa[0]).decode("ascii"),
            "depth": depth[0], "strip_width": strip[0], "from_wisdom": bool(from_wisdom[0])}
