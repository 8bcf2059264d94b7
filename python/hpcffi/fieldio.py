"""Reading and writing 2D temperature fields, and the built-in bottle field.

Formats
-------
``.npy``
    A 2D NumPy array of any real dtype (converted to float64), loaded with
    ``allow_pickle=False``.
Text (the lesson's format, any other suffix, e.g. ``.dat``)
    First line ``# nx ny``; then ``nx`` lines of ``ny`` whitespace-separated
    numbers each (row ``i`` of the field, row-major like the C ABI). Blank lines
    after the last row are allowed; anything else after it is an error.

Every field must be at least 3 x 3 and contain only finite values. Any problem
raises :class:`FieldFormatError`, whose message starts with ``FILE:LINE:`` (or
``FILE:`` when no line applies), so a command-line user sees where to look.
Reading never writes anything.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Union

import numpy as np

from ._files import atomic_write

__all__ = [
    "FieldFormatError",
    "read_field",
    "read_text",
    "read_npy",
    "write_text",
    "write_npy",
    "bottle_field",
    "BOTTLE_HOT",
    "BOTTLE_COLD",
]

PathLike = Union[str, "os.PathLike[str]"]

#: Temperatures of the lesson's bottle.dat: surroundings and bottle.
BOTTLE_HOT = 95.0
BOTTLE_COLD = 6.0

_HEADER = re.compile(r"^#\s*(\d+)\s+(\d+)\s*$")


class FieldFormatError(ValueError):
    """A field file that cannot be used; ``path`` and ``line`` (1-based or None) say where."""

    def __init__(self, path: PathLike, line: int | None, reason: str):
        self.path = os.fspath(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")


def read_field(path: PathLike) -> np.ndarray:
    """Read a field from ``.npy`` or the lesson's text format (by suffix)."""
    path = Path(path)
    if path.suffix.lower() == ".npy":
        return read_npy(path)
    return read_text(path)


def _open_error(path: Path, error: OSError) -> FieldFormatError:
    return FieldFormatError(path, None, f"cannot read: {error.strerror or error}")


def read_npy(path: PathLike) -> np.ndarray:
    """Read a 2D finite real ``.npy`` array as C-contiguous float64."""
    path = Path(path)
    try:
        data = np.load(path, allow_pickle=False)
    except OSError as error:
        raise _open_error(path, error) from None
    except ValueError as error:  # not an .npy, pickled objects, truncated data
        raise FieldFormatError(path, None, f"not a valid .npy array ({error})") from None
    if not isinstance(data, np.ndarray):
        raise FieldFormatError(path, None, "expected one array, found an archive")
    if data.ndim != 2:
        raise FieldFormatError(path, None, f"expected a 2D array, got shape {data.shape}")
    if not (np.issubdtype(data.dtype, np.floating) or np.issubdtype(data.dtype, np.integer)):
        raise FieldFormatError(path, None, f"expected real numbers, got dtype {data.dtype}")
    field = np.ascontiguousarray(data, dtype=np.float64)
    _check_shape(path, None, field.shape)
    bad = np.argwhere(~np.isfinite(field))
    if bad.size:
        i, j = (int(v) for v in bad[0])
        raise FieldFormatError(path, None, f"non-finite value {field[i, j]!r} at row {i}, column {j}")
    return field


def _check_shape(path: Path, line: int | None, shape) -> None:
    nx, ny = shape
    if nx < 3 or ny < 3:
        raise FieldFormatError(path, line, f"the field must be at least 3 x 3, got {nx} x {ny}")


def _parse_row(path: Path, lineno: int, text: str, ny: int) -> np.ndarray:
    tokens = text.split()
    if len(tokens) != ny:
        raise FieldFormatError(path, lineno, f"expected {ny} values (from the header), found {len(tokens)}")
    try:
        row = np.array(tokens, dtype=np.float64)
    except ValueError:
        row = None
    if row is None or not np.isfinite(row).all():
        for column, token in enumerate(tokens, start=1):
            try:
                value = float(token)
            except ValueError:
                raise FieldFormatError(path, lineno, f"value {column} is not a number: {token!r}") from None
            if not np.isfinite(value):
                raise FieldFormatError(path, lineno, f"value {column} is not finite: {token!r}")
        raise FieldFormatError(path, lineno, "cannot parse this row")  # pragma: no cover
    return row


def read_text(path: PathLike) -> np.ndarray:
    """Read the lesson's text format (``# nx ny`` then nx rows of ny numbers)."""
    path = Path(path)
    try:
        handle = open(path, "r", encoding="utf-8", errors="strict")
    except OSError as error:
        raise _open_error(path, error) from None
    with handle:
        try:
            header = handle.readline()
            if not header:
                raise FieldFormatError(path, 1, "empty file; expected a header line '# nx ny'")
            match = _HEADER.match(header.strip())
            if not match:
                raise FieldFormatError(
                    path, 1, f"expected a header line '# nx ny' (two positive integers), got {header.strip()[:60]!r}"
                )
            nx, ny = int(match.group(1)), int(match.group(2))
            _check_shape(path, 1, (nx, ny))
            field = np.empty((nx, ny), dtype=np.float64)
            lineno = 1
            for i in range(nx):
                text = handle.readline()
                lineno += 1
                if not text:
                    raise FieldFormatError(
                        path, lineno, f"expected {nx} rows (from the header), the file ends after {i}"
                    )
                field[i] = _parse_row(path, lineno, text, ny)
            for text in handle:
                lineno += 1
                if text.strip():
                    raise FieldFormatError(
                        path, lineno, f"more rows than the {nx} announced by the header"
                    )
        except UnicodeDecodeError as error:
            raise FieldFormatError(path, None, f"not a text file ({error.reason})") from None
        except OSError as error:
            raise _open_error(path, error) from None
    return field


def write_npy(path: PathLike, field: np.ndarray) -> None:
    """Write field as a float64 ``.npy`` file, atomically (temp file + fsync + rename)."""
    array = np.ascontiguousarray(field, dtype=np.float64)
    atomic_write(path, lambda handle: np.save(handle, array, allow_pickle=False))


def write_text(path: PathLike, field: np.ndarray, fmt: str = "%.17g") -> None:
    """Write field in the lesson's text format; the default format round-trips exactly."""
    array = np.asarray(field, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"expected a 2D field, got shape {array.shape}")

    def write(handle):
        handle.write(f"# {array.shape[0]} {array.shape[1]}\n".encode())
        np.savetxt(handle, array, fmt=fmt, delimiter=" ")

    atomic_write(path, write)


def bottle_field(nx: int = 200, ny: int = 200) -> np.ndarray:
    """A field that looks like the lesson's bottle.dat, generated in code.

    Like the original: surroundings at 95, a bottle at 6 standing upright in the
    middle (neck at the top rows, round-shouldered body, flat base), boundaries at
    95. Scales with nx x ny (nx rows, ny columns); any nx, ny >= 3.
    """
    if nx < 3 or ny < 3:
        raise ValueError(f"the field must be at least 3 x 3, got {nx} x {ny}")
    # Cell-centre coordinates in [0, 1): y down the rows, x across the columns.
    y = (np.arange(nx, dtype=np.float64)[:, None] + 0.5) / nx
    x = (np.arange(ny, dtype=np.float64)[None, :] + 0.5) / ny
    centre, neck_half, body_half = 0.52, 0.04, 0.08
    neck = (y >= 0.12) & (y < 0.34) & (np.abs(x - centre) < neck_half)
    # Shoulders: a half-ellipse joining the neck to the body.
    shoulder = (y >= 0.30) & (y < 0.42) & (((x - centre) / body_half) ** 2 + ((y - 0.42) / 0.12) ** 2 < 1.0)
    body = (y >= 0.42) & (y < 0.84) & (np.abs(x - centre) < body_half)
    field = np.full((nx, ny), BOTTLE_HOT, dtype=np.float64)
    field[neck | shoulder | body] = BOTTLE_COLD
    field[0, :] = field[-1, :] = BOTTLE_HOT
    field[:, 0] = field[:, -1] = BOTTLE_HOT
    return field
