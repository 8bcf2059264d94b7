"""Atomic file replacement: the one place the package writes output files.

A reader (a resumed run, a plotting job, someone watching the PNGs) sees the
old file or the new one, never half of one: the data goes to a temporary file
in the same folder, which is then renamed over the target. Durable writes
(checkpoints, fields) also fsync the file and the folder, so that after a
crash one of the two complete versions is on disk. New files get the usual
permissions (0666 minus the umask), not mkstemp's 0600.

Temporaries and their writers
-----------------------------
A temporary is named ``.<target name>.<host>.<pid>.<8 hex digits>.tmp`` and
its writer holds a write lock (``fcntl``, an open-file-description lock where
Linux has them) on one byte far beyond any data (offset 2**62: HDF5 and MPI-IO
never touch it, and their own locks never meet it) from creation until the
rename. A process killed while writing
(SIGKILL, a node failure) leaves its temporary behind;
:func:`remove_stale_temporaries` removes those of given targets, and only
those whose writer is provably gone: the lock can be taken (the kernel, or a
cluster file system's lock manager, drops the locks of dead processes) and,
when the writer ran on this host, its pid is not alive. A temporary of a live
writer (another job, another rank) is never touched.

Disk full
---------
ENOSPC and EDQUOT become one :class:`OSError` with ``errno.ENOSPC`` or
``errno.EDQUOT``, the text "disk full (...)" and the target's path as
``filename`` (:func:`disk_full_error`), so a command line prints one line
that names the cause and the place.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import secrets
import socket
import struct
from pathlib import Path
from typing import BinaryIO, Callable

__all__ = ["fsync_path", "fsync_directory", "atomic_write", "temporary_path", "create_temporary",
           "release_temporary", "remove_stale_temporaries", "reserve_space", "reserve_blocks",
           "release_blocks_beyond_end", "is_disk_full", "disk_full_error",
           "check_free_space"]

#: The locked byte of a temporary (far beyond any data a writer puts there).
LOCK_OFFSET = 1 << 62
_DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
# libhdf5's text for a failed write(2) carries the errno: "... errno = 28, error message = ..."
_HDF5_ERRNO = re.compile(r"errno = (\d+)")
_TEMPORARY = re.compile(r"^(?P<host>.+)\.(?P<pid>\d+)\.(?P<token>[0-9a-f]{8})\.tmp$")


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


# ---------------------------------------------------------------------------
# disk full
# ---------------------------------------------------------------------------
def is_disk_full(error: BaseException) -> bool:
    """True for ENOSPC/EDQUOT, also when libhdf5 reports it inside its message (h5py's OSError/RuntimeError)."""
    if isinstance(error, OSError) and error.errno in _DISK_FULL_ERRNOS:
        return True
    match = _HDF5_ERRNO.search(str(error))
    return bool(match) and int(match.group(1)) in _DISK_FULL_ERRNOS


def disk_full_error(path, error: BaseException | None = None, detail: str = "") -> OSError:
    """The one error for a full disk or quota: ``OSError(ENOSPC or EDQUOT, "disk full (...)", path)``."""
    quota = isinstance(error, OSError) and error.errno == errno.EDQUOT or \
        (error is not None and re.search(rf"errno = {errno.EDQUOT}\b", str(error)) is not None)
    reason = "disk quota exceeded" if quota else "no space left on device"
    text = f"disk full ({reason}{': ' + detail if detail else ''})"
    return OSError(errno.EDQUOT if quota else errno.ENOSPC, text, os.fspath(path))


def check_free_space(path, needed: int) -> None:
    """Raise :func:`disk_full_error` if ``path``'s folder has fewer than ``needed`` bytes free.

    A check before a write that another library (libhdf5) does: it fails
    cleanly before anything is written. The write itself still handles ENOSPC
    (another process may fill the disk in between).
    """
    try:
        stat = os.statvfs(Path(path).parent)
    except OSError:
        return  # the write will say what is wrong with the folder
    free = stat.f_bavail * stat.f_frsize
    if stat.f_blocks and needed > free:
        raise disk_full_error(path, detail=f"{_mib(needed)} needed, {_mib(free)} free")


def reserve_space(folder, size: int) -> int | None:
    """Hold ``size`` bytes of ``folder``'s file system in an unnamed file; returns its descriptor.

    Closing the descriptor gives the room back: a writer that hits ENOSPC
    frees it so that its own clean-up (libhdf5's close) can still write.
    The file has no name (O_TMPFILE), so a killed process leaks nothing.
    None where the file system cannot do this (then nothing is held).
    """
    try:
        descriptor = os.open(folder, os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600)
    except (OSError, AttributeError):
        return None
    try:
        os.posix_fallocate(descriptor, 0, size)
    except OSError as error:
        os.close(descriptor)
        if is_disk_full(error):
            raise
        return None
    return descriptor


_FALLOC_FL_KEEP_SIZE = 0x01
_FALLOC_FL_PUNCH_HOLE = 0x02


def _fallocate(descriptor: int, mode: int, offset: int, length: int) -> None:
    """Linux fallocate(2) (os.posix_fallocate has no mode; glibc's fallback would write zeros)."""
    import ctypes  # noqa: PLC0415

    libc = ctypes.CDLL(None, use_errno=True)
    function = libc.fallocate
    function.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64)
    if function(descriptor, mode, offset, length) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def reserve_blocks(descriptor: int, size: int) -> bool:
    """Allocate the first ``size`` bytes of an open file's blocks without changing its length.

    Writes into that range (libhdf5's, MPI-IO's) then cannot meet ENOSPC. Raises
    ENOSPC/EDQUOT when the room is not there; returns False where the file
    system cannot do it (then nothing is held).
    """
    try:
        _fallocate(descriptor, _FALLOC_FL_KEEP_SIZE, 0, size)
    except OSError as error:
        if is_disk_full(error):
            raise
        return False
    return True


def release_blocks_beyond_end(descriptor: int, size: int) -> None:
    """Give back what :func:`reserve_blocks` held beyond the file's final length (best effort)."""
    end = os.fstat(descriptor).st_size
    if size > end:
        try:
            _fallocate(descriptor, _FALLOC_FL_PUNCH_HOLE | _FALLOC_FL_KEEP_SIZE, end, size - end)
        except OSError:
            pass


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


# ---------------------------------------------------------------------------
# temporaries
# ---------------------------------------------------------------------------
def temporary_path(path) -> Path:
    """A new temporary name next to ``path``: ``.<name>.<host>.<pid>.<8 hex>.tmp``."""
    path = Path(path)
    return path.parent / f".{path.name}.{socket.gethostname()}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def _lock(descriptor: int) -> None:
    """Take the write lock on the byte at LOCK_OFFSET without waiting (OSError EAGAIN/EACCES if held).

    An open-file-description lock (F_OFD_SETLK, Linux >= 3.15) where there is
    one: it belongs to this descriptor, so libhdf5 or MPI-IO opening and
    closing the same file in this process does not drop it, as it would a
    classic POSIX lock. It conflicts with both kinds held by others.
    """
    command = getattr(fcntl, "F_OFD_SETLK", None)
    if command is None:
        fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, LOCK_OFFSET, os.SEEK_SET)
        return
    # struct flock: l_type, l_whence, l_start, l_len, l_pid (0 for OFD locks), native layout.
    fcntl.fcntl(descriptor, command, struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, LOCK_OFFSET, 1, 0))


def create_temporary(path) -> tuple[Path, int]:
    """Create and lock a new temporary for ``path``; returns its path and the descriptor that holds the lock.

    Keep the descriptor open while the temporary is written, then
    :func:`release_temporary`.
    """
    while True:
        temporary = temporary_path(path)
        try:
            descriptor = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666 & ~_umask())
        except FileExistsError:  # pragma: no cover (8 random hex digits, same pid)
            continue
        except OSError as error:  # named by the target: the temporary's name means nothing to a user
            if is_disk_full(error):
                raise disk_full_error(path, error) from None
            raise OSError(error.errno, error.strerror, os.fspath(path)) from None
        try:
            _lock(descriptor)
        except OSError as error:
            if error.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
                os.close(descriptor)
                os.unlink(temporary)
                raise
            # No locks on this file system: the host and pid in the name still protect live writers here.
        return temporary, descriptor


def release_temporary(temporary, descriptor: int, *, remove: bool) -> None:
    """Close the lock-holding descriptor; unlink the temporary first if ``remove`` (a failed write)."""
    try:
        if remove:
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
    finally:
        os.close(descriptor)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    # A zombie (killed, not yet reaped by its parent) answers kill(0) but writes nothing any more.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _writer_gone(temporary: Path, host: str, pid: int) -> bool:
    """True if nobody writes ``temporary`` any more (its lock is free; its pid is dead if it ran here)."""
    if host == socket.gethostname() and pid != os.getpid() and _pid_alive(pid):
        return False
    try:
        descriptor = os.open(temporary, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        _lock(descriptor)
    except OSError as error:
        os.close(descriptor)
        if error.errno in (errno.EACCES, errno.EAGAIN):
            return False  # a live writer holds it
        # No lock support: only a writer of this host, with a dead pid, is provably gone.
        return host == socket.gethostname() and pid != os.getpid()
    os.close(descriptor)  # (drops the lock just taken)
    return True


def remove_stale_temporaries(folder, is_target: Callable[[str], bool]) -> list[Path]:
    """Remove the temporaries in ``folder`` of targets whose name passes ``is_target`` and whose writer is gone.

    Returns the removed paths. Temporaries of live writers, files of other
    names and anything unreadable are left alone.
    """
    folder = Path(folder)
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(".") and name.endswith(".tmp")):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
        except OSError:
            continue
        target, info = _parse_temporary(name, is_target)
        if target is None:
            continue
        path = folder / name
        if _writer_gone(path, info["host"], int(info["pid"])):
            try:
                os.unlink(path)
                removed.append(path)
            except OSError:
                pass
    return removed


def _parse_temporary(name: str, is_target: Callable[[str], bool]):
    """(target name, {"host", "pid"}) of a temporary name, or (None, None). Host names may hold dots."""
    body = name[1:]
    # The target name itself may hold dots: try each split point, shortest target first.
    for position in range(len(body)):
        if body[position] != ".":
            continue
        target, rest = body[:position], body[position + 1:]
        match = _TEMPORARY.match(rest)
        if target and match and is_target(target):
            return target, match.groupdict()
    return None, None


def atomic_write(path, write: Callable[[BinaryIO], object], *, durable: bool = True) -> None:
    """Replace ``path`` with what ``write(handle)`` writes to a binary handle."""
    path = Path(path)
    folder = path.parent
    temporary, descriptor = create_temporary(path)
    failed = True
    try:
        # closefd=False: this descriptor holds the writer's lock until the rename.
        with os.fdopen(descriptor, "wb", closefd=False) as handle:
            write(handle)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
        failed = False
    except OSError as error:
        if is_disk_full(error):
            raise disk_full_error(path, error) from None
        raise
    finally:
        release_temporary(temporary, descriptor, remove=failed)
    if durable:
        fsync_directory(folder)
