"""Checkpoints of a heat run: one self-checking binary file, written atomically.

File format (version 1), all integers little-endian::

    offset  size  content
    0       8     magic b"HPCFFICK"
    8       4     uint32 format version (1)
    12      4     uint32 H, length of the header
    16      H     header: UTF-8 JSON object, keys
                    step    int    steps already done (0 <= step <= nsteps)
                    nsteps  int    the run's target step count
                    nx, ny  int    field shape (nx rows of ny values)
                    a, dt, dx, dy  float (JSON floats round-trip exactly)
                    initial_sha256 hex SHA-256 of the run's initial field
                                   (float64 little-endian bytes), "" if unknown
                    dtype   "<f8"
                    field_sha256   hex SHA-256 of the field bytes
                    program        free text (who wrote it), not checked
    16+H    8*nx*ny  the field, float64 little-endian, row-major
    end-32  32    SHA-256 of every byte before it (header and field)

Both checksums are verified on load; any mismatch, truncation, unknown magic or
version raises :class:`CheckpointError` (never a silently wrong field).
:func:`validate` then compares the run parameters with the command line's,
exactly (floats bit for bit), and raises :class:`CheckpointMismatch` naming
every parameter that differs.

:func:`save` writes a temporary file in the checkpoint's folder, fsyncs it,
renames it over the old checkpoint with ``os.replace`` and fsyncs the folder:
after a crash at any moment the path holds either the old or the new
checkpoint, complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ._files import atomic_write

__all__ = [
    "MAGIC",
    "VERSION",
    "RunParams",
    "Checkpoint",
    "CheckpointError",
    "CheckpointMismatch",
    "save",
    "field_digest",
    "program_name",
    "load",
    "validate",
]

MAGIC = b"HPCFFICK"
VERSION = 1
_PREFIX = struct.Struct("<8sII")
_DIGEST = 32
_MAX_HEADER = 1 << 20


@dataclass(frozen=True)
class RunParams:
    """What must match between a checkpoint and the run that resumes it."""

    nsteps: int
    nx: int
    ny: int
    a: float
    dt: float
    dx: float
    dy: float
    #: SHA-256 of the initial field (see field_digest): a resumed run must start from the same input.
    initial_sha256: str = ""


@dataclass(frozen=True)
class Checkpoint:
    step: int
    params: RunParams
    field: np.ndarray


class CheckpointError(Exception):
    """A checkpoint file that cannot be trusted (corrupt, truncated, wrong format)."""

    def __init__(self, path, reason: str):
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"checkpoint {self.path}: {reason}")


class CheckpointMismatch(CheckpointError):
    """A valid checkpoint written by a run with other parameters."""


def field_digest(field: np.ndarray) -> str:
    """Hex SHA-256 of a field's float64 little-endian row-major bytes."""
    return hashlib.sha256(np.ascontiguousarray(field, dtype="<f8").tobytes()).hexdigest()


def _encode(step: int, params: RunParams, field: np.ndarray, program: str) -> bytes:
    data = np.ascontiguousarray(field, dtype="<f8")
    if data.shape != (params.nx, params.ny):
        raise ValueError(f"field shape {data.shape} does not match nx, ny = {params.nx}, {params.ny}")
    if not 0 <= step <= params.nsteps:
        raise ValueError(f"step {step} outside 0..{params.nsteps}")
    raw = data.tobytes()
    header = dict(asdict(params), step=int(step), dtype="<f8",
                  field_sha256=hashlib.sha256(raw).hexdigest(), program=program)
    header_bytes = json.dumps(header, sort_keys=True).encode()
    body = _PREFIX.pack(MAGIC, VERSION, len(header_bytes)) + header_bytes + raw
    return body + hashlib.sha256(body).digest()


def save(path, field: np.ndarray, step: int, params: RunParams, program: str = "hpcffi") -> None:
    """Write a checkpoint atomically (temp file in the same folder, fsync, os.replace)."""
    blob = _encode(step, params, field, program)
    atomic_write(path, lambda handle: handle.write(blob))


def _int(header: dict, key: str, path) -> int:
    value = header.get(key)
    if type(value) is not int:
        raise CheckpointError(path, f"header field {key!r} missing or not an integer")
    return value


def _float(header: dict, key: str, path) -> float:
    value = header.get(key)
    if type(value) not in (int, float):
        raise CheckpointError(path, f"header field {key!r} missing or not a number")
    return float(value)


def _text(header: dict, key: str, path) -> str:
    value = header.get(key, "")
    if not isinstance(value, str):
        raise CheckpointError(path, f"header field {key!r} is not a string")
    return value


def load(path) -> Checkpoint:
    """Read and verify a checkpoint; raise CheckpointError if anything is wrong."""
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as error:
        raise CheckpointError(path, f"cannot read: {error.strerror or error}") from None
    if len(blob) < _PREFIX.size + _DIGEST:
        raise CheckpointError(path, f"too short to be a checkpoint ({len(blob)} bytes)")
    magic, version, header_length = _PREFIX.unpack_from(blob)
    if magic != MAGIC:
        raise CheckpointError(path, f"not an hpcffi checkpoint (magic {magic!r}, expected {MAGIC!r})")
    if version != VERSION:
        raise CheckpointError(path, f"format version {version}, this program reads version {VERSION}")
    body, digest = blob[:-_DIGEST], blob[-_DIGEST:]
    if hashlib.sha256(body).digest() != digest:
        raise CheckpointError(path, "checksum mismatch: the file is corrupt or truncated")
    if header_length > _MAX_HEADER or _PREFIX.size + header_length > len(body):
        raise CheckpointError(path, f"header length {header_length} is impossible")
    try:
        header = json.loads(body[_PREFIX.size:_PREFIX.size + header_length].decode())
    except (UnicodeDecodeError, ValueError) as error:
        raise CheckpointError(path, f"unreadable header ({error})") from None
    if not isinstance(header, dict):
        raise CheckpointError(path, "header is not a JSON object")
    params = RunParams(
        nsteps=_int(header, "nsteps", path), nx=_int(header, "nx", path), ny=_int(header, "ny", path),
        a=_float(header, "a", path), dt=_float(header, "dt", path),
        dx=_float(header, "dx", path), dy=_float(header, "dy", path),
        initial_sha256=_text(header, "initial_sha256", path),
    )
    step = _int(header, "step", path)
    if header.get("dtype") != "<f8":
        raise CheckpointError(path, f"field dtype {header.get('dtype')!r}, expected '<f8'")
    if params.nx < 3 or params.ny < 3:
        raise CheckpointError(path, f"field shape {params.nx} x {params.ny} is below 3 x 3")
    if not 0 <= step <= params.nsteps:
        raise CheckpointError(path, f"step {step} outside 0..{params.nsteps}")
    raw = body[_PREFIX.size + header_length:]
    if len(raw) != 8 * params.nx * params.ny:
        raise CheckpointError(path, f"field has {len(raw)} bytes, expected {8 * params.nx * params.ny}")
    if hashlib.sha256(raw).hexdigest() != header.get("field_sha256"):
        raise CheckpointError(path, "field checksum mismatch")
    field = np.frombuffer(raw, dtype="<f8").astype(np.float64).reshape(params.nx, params.ny)
    if not np.isfinite(field).all():
        raise CheckpointError(path, "the field holds non-finite values")
    return Checkpoint(step=step, params=params, field=field)


def _same(x, y) -> bool:
    if isinstance(x, float) or isinstance(y, float):
        return struct.pack("<d", float(x)) == struct.pack("<d", float(y))
    return x == y


def validate(checkpoint: Checkpoint, expected: RunParams, path) -> None:
    """Raise CheckpointMismatch naming every parameter that differs from expected."""
    got = asdict(checkpoint.params)
    want = asdict(expected)
    differences = []
    for key in want:
        if _same(got[key], want[key]):
            continue
        if key == "initial_sha256":
            differences.append("the initial field differs (another INPUT file, or another --nx/--ny?)")
        else:
            differences.append(f"{key} is {got[key]!r} in the checkpoint but {want[key]!r} on the command line")
    if differences:
        raise CheckpointMismatch(
            path, "written by a different run: " + "; ".join(differences)
            + " (use the original options, or another --checkpoint path)")


def program_name() -> str:
    return f"hpcffi (python {sys.version_info.major}.{sys.version_info.minor})"
