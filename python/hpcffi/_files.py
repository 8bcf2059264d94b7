"""Atomic file replacement: the one place the package writes output files.

A reader (a resumed run, a plotting job, someone watching the PNGs) sees the
old file or the new one, never half of one: the data goes to a temporary file
in the same folder, which is then renamed over the target. Durable writes
(checkpoints, fields) also fsync the file and the folder, so that after a
crash one of the two complete versions is on disk. New files get the usual
permissions (0666 minus the umask), not mkstemp's 0600.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_path(path) -> None:
    """Flush a file's data to disk (a file written by another library, e.g. HDF5)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (best effort)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems cannot fsync a folder; the rename stands
    finally:
        os.close(descriptor)


def atomic_write(path, write: Callable[[BinaryIO], object], *, durable: bool = True) -> None:
    """Replace ``path`` with what ``write(handle)`` writes to a binary handle."""
    path = Path(path)
    folder = path.parent
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(descriptor, 0o666 & ~_umask())
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    if durable:
        fsync_directory(folder)
