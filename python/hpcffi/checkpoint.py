"""Checkpoints of a heat run: HDF5 files written and read block by block, on any rank count.

A checkpoint is an HDF5 file in the layout of :mod:`hpcffi.hdf5io` (dataset
``/field``: the whole nx x ny float64 field, no ghost layers) with these
attributes on the file:

=========================  ======================================================
``format``                 ``"hpcffi-checkpoint"``
``format_version``         2 (version 1 was a single-process binary format)
``step``, ``nsteps``       steps done, the run's target (0 <= step <= nsteps)
``nx``, ``ny``             the field's shape (equal to the dataset's)
``a, dt, dx, dy``          the scheme's parameters (float64, compared bit for bit)
``initial_fingerprint``    :mod:`hpcffi.fingerprint` of the run's initial field
``field_fingerprint``      the same fingerprint of the stored field
``hpcffi_version``         the version that wrote it; ``program``: free text
=========================  ======================================================

Written by p ranks (each its block, collectively), it is read by q ranks (each
only its block), or by one process: the fingerprints are sums over blocks, the
same for every decomposition. :func:`load_into` checks the attributes, the
field's fingerprint and that every value is finite; any problem raises
:class:`CheckpointError` on every rank with the same message (never a silently
wrong field, never a hang). :func:`validate` names every parameter that differs
from the resuming run's (:class:`CheckpointMismatch`).

:func:`save` is atomic (see :func:`hpcffi.hdf5io.write_field`): after a crash at
any moment the path holds the old or the new checkpoint, complete.
"""

from __future__ import annotations

import os
import struct
import sys
from dataclasses import asdict, dataclass

import numpy as np

from . import fingerprint, hdf5io

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "RunParams",
    "CheckpointInfo",
    "CheckpointError",
    "CheckpointMismatch",
    "save",
    "read_info",
    "validate",
    "load_into",
    "program_name",
]

FORMAT = "hpcffi-checkpoint"
FORMAT_VERSION = 2


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
    #: :mod:`hpcffi.fingerprint` of the initial field (16 hex digits): a resumed run must start from the same input.
    initial_fingerprint: str = ""


@dataclass(frozen=True)
class CheckpointInfo:
    """A checkpoint's attributes, checked for consistency (the field itself not read)."""

    step: int
    params: RunParams
    field_fingerprint: str
    hpcffi_version: str
    program: str


class CheckpointError(Exception):
    """A checkpoint file that cannot be trusted (corrupt, truncated, not a checkpoint)."""

    def __init__(self, path, reason: str):
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"checkpoint {self.path}: {reason}")

    def __reduce__(self):  # keeps (path, reason) when the error travels to other MPI ranks
        return (type(self), (self.path, self.reason))


class CheckpointMismatch(CheckpointError):
    """A valid checkpoint written by a run with other parameters."""


def program_name() -> str:
    return f"hpcffi (python {sys.version_info.major}.{sys.version_info.minor})"


def save(path, holder, step: int, params: RunParams, program: str | None = None) -> None:
    """Write the holder's field as a checkpoint after ``step`` steps (collective, atomic)."""
    from ._build_config import VERSION

    if not 0 <= step <= params.nsteps:
        raise ValueError(f"step {step} outside 0..{params.nsteps}")
    if tuple(holder.shape) != (params.nx, params.ny):
        raise ValueError(f"field shape {holder.shape} does not match nx, ny = {params.nx}, {params.ny}")
    group = holder.group
    block = holder.block
    data = group.agree(holder.get_block)
    local = fingerprint.block_sum(data, block.row0, block.col0, params.ny)
    digest = fingerprint.to_text(fingerprint.combine(group.allgather(local)))
    attrs = dict(asdict(params), format=FORMAT, format_version=FORMAT_VERSION, step=int(step),
                 field_fingerprint=digest, hpcffi_version=VERSION, program=program or program_name())
    hdf5io.write_field(path, holder, attrs, block_data=data)


def _int(attrs, key, path):
    value = attrs.get(key)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise CheckpointError(path, f"attribute {key!r} missing or not an integer")
    return int(value)


def _float(attrs, key, path):
    value = attrs.get(key)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise CheckpointError(path, f"attribute {key!r} missing or not a number")
    return float(value)


def _text(attrs, key, path, default=None):
    value = attrs.get(key, default)
    if not isinstance(value, str):
        raise CheckpointError(path, f"attribute {key!r} missing or not a string")
    return value


def read_info(path) -> CheckpointInfo:
    """Read and check a checkpoint's attributes (one process; the field is not read)."""
    if not os.path.exists(path):
        raise CheckpointError(path, "no such file")
    try:
        described = hdf5io.describe(path)  # in a child process: libhdf5 may crash on a damaged file
        attrs, shape = described["attrs"], described["shape"]
    except ValueError as error:
        raise CheckpointError(path, f"not an hpcffi checkpoint: {error}") from None
    if attrs.get("format") != FORMAT:
        raise CheckpointError(path, f"not an hpcffi checkpoint (attribute 'format' is {attrs.get('format')!r}, "
                                    f"expected {FORMAT!r})")
    version = _int(attrs, "format_version", path)
    if version != FORMAT_VERSION:
        raise CheckpointError(path, f"format version {version}, this program reads version {FORMAT_VERSION}")
    params = RunParams(
        nsteps=_int(attrs, "nsteps", path), nx=_int(attrs, "nx", path), ny=_int(attrs, "ny", path),
        a=_float(attrs, "a", path), dt=_float(attrs, "dt", path), dx=_float(attrs, "dx", path),
        dy=_float(attrs, "dy", path), initial_fingerprint=_text(attrs, "initial_fingerprint", path, ""))
    step = _int(attrs, "step", path)
    if params.nx < 3 or params.ny < 3:
        raise CheckpointError(path, f"field shape {params.nx} x {params.ny} is below 3 x 3")
    if shape != (params.nx, params.ny):
        raise CheckpointError(path, f"the field dataset is {shape[0]} x {shape[1]} but the attributes say "
                                    f"{params.nx} x {params.ny}")
    if not 0 <= step <= params.nsteps:
        raise CheckpointError(path, f"step {step} outside 0..{params.nsteps}")
    return CheckpointInfo(step=step, params=params, field_fingerprint=_text(attrs, "field_fingerprint", path),
                          hpcffi_version=_text(attrs, "hpcffi_version", path, ""),
                          program=_text(attrs, "program", path, ""))


def _same(x, y) -> bool:
    if isinstance(x, float) or isinstance(y, float):
        return struct.pack("<d", float(x)) == struct.pack("<d", float(y))
    return x == y


def validate(info: CheckpointInfo, expected: RunParams, path) -> None:
    """Raise CheckpointMismatch naming every parameter that differs from ``expected``."""
    got = asdict(info.params)
    want = asdict(expected)
    differences = []
    for key in want:
        if _same(got[key], want[key]):
            continue
        if key == "initial_fingerprint":
            differences.append("the initial field differs (another INPUT file, or another --nx/--ny?)")
        else:
            differences.append(f"{key} is {got[key]!r} in the checkpoint but {want[key]!r} in this run")
    if differences:
        raise CheckpointMismatch(
            path, "written by a different run: " + "; ".join(differences)
            + " (use the original options, or another checkpoint path)")


def load_into(path, holder, expected: RunParams) -> int:
    """Check the checkpoint at ``path`` against ``expected`` and load its field into ``holder``.

    Collective: every rank reads only its own block. Returns the checkpoint's
    step. Raises CheckpointError (or CheckpointMismatch) with the same message
    on every rank.
    """
    group = holder.group

    def check_attributes():
        info = read_info(path)
        validate(info, expected, path)
        return info

    info = group.bcast(group.on_root(check_attributes))  # one look at the file, on rank 0

    def read():
        try:
            return hdf5io.read_block(path, group, holder.block)
        except (ValueError, OSError, KeyError, RuntimeError) as error:
            raise CheckpointError(path, f"cannot read the field (truncated or damaged file?): {error}") from None

    block_data = group.agree(read)
    block = holder.block
    local = fingerprint.block_sum(block_data, block.row0, block.col0, expected.ny)
    finite = bool(np.isfinite(block_data).all())
    digest = fingerprint.to_text(fingerprint.combine(group.allgather(local)))
    if not all(group.allgather(finite)):
        raise CheckpointError(path, "the field holds non-finite values")
    if digest != info.field_fingerprint:
        raise CheckpointError(path, f"field fingerprint mismatch (stored {info.field_fingerprint}, computed "
                                    f"{digest}): the file is corrupt or was changed")
    holder.set_block(block_data)
    return info.step
