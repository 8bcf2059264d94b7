"""A small tmpfs for disk-full tests and fault runs: mounted on entry, always unmounted on exit.

Mounting needs root: :func:`can_mount` says whether this process may, and the
callers skip cleanly otherwise. ``filled(folder, leave)`` fills the file system
until only ``leave`` bytes are free (one filler file, fallocate'd).
"""

import contextlib
import os
import shutil
import subprocess
import tempfile


def can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@contextlib.contextmanager
def small_disk(size: str):
    """A fresh tmpfs of ``size`` (mount's syntax, e.g. "12m") at a new folder; yields the folder."""
    folder = tempfile.mkdtemp(prefix="hpcffi-small-disk-")
    mounted = False
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", folder], check=True)
        mounted = True
        yield folder
    finally:
        if mounted:
            # A busy mount (a child still running) is detached lazily: it never outlives the test.
            if subprocess.run(["umount", folder], check=False).returncode != 0:
                subprocess.run(["umount", "-l", folder], check=False)
        os.rmdir(folder)


def free_bytes(folder) -> int:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


def fill(folder, leave: int, name: str = "filler") -> str:
    """Grow ``folder/name`` until ``leave`` bytes (rounded down to pages) stay free; returns its path."""
    path = os.path.join(folder, name)
    grow = max(0, free_bytes(folder) - leave)
    with open(path, "ab") as handle:
        if grow:
            os.posix_fallocate(handle.fileno(), os.fstat(handle.fileno()).st_size, grow)
    return path
