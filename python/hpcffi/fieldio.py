"""Reading and writing 2D temperature fields, and the built-in bottle field.

Formats
-------
``.npy``
    A 2D NumPy array of any real dtype (converted to float64), loaded with
    ``allow_pickle=False``.
``.h5`` / ``.hdf5``
    The dataset ``/field`` (2D, real) of an HDF5 file, e.g. a final field or a
    checkpoint of an earlier run (see :mod:`hpcffi.hdf5io`).
Text (the lesson's format, any other suffix, e.g. ``.dat``)
    First line ``# nx ny``; then ``nx`` lines of ``ny`` whitespace-separated
    numbers each (row ``i`` of the field, row-major like the C ABI). Blank lines
    after the last row are allowed; anything else after it is an error. Text
    is read by one process (and scattered in MPI runs): it is meant for small
    fields. A header that announces more than the machine's memory is refused.

Distributed runs read per block: :func:`read_block` reads one rank's rows and
columns of a ``.npy`` file (memory-mapped) or of an ``.h5`` file (a hyperslab);
:func:`bottle_block` makes one block of the built-in field; :func:`probe_shape`
reads only a file's header.

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
    "check_fits_in_memory",
    "read_field",
    "probe_shape",
    "read_block",
    "reads_per_block",
    "read_text",
    "read_npy",
    "write_text",
    "write_npy",
    "bottle_field",
    "bottle_block",
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

    def __reduce__(self):  # keeps (path, line, reason) when the error travels to other MPI ranks
        return (type(self), (self.path, self.line, self.reason))


_HDF5_SUFFIXES = (".h5", ".hdf5")


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return "npy"
    if suffix in _HDF5_SUFFIXES:
        return "h5"
    return "text"


def reads_per_block(path: PathLike) -> bool:
    """True for formats that :func:`read_block` reads block by block (``.npy``, ``.h5``), False for text."""
    return _kind(Path(path)) != "text"


def read_field(path: PathLike) -> np.ndarray:
    """Read a whole field from ``.npy``, ``.h5`` or the lesson's text format (by suffix)."""
    path = Path(path)
    kind = _kind(path)
    if kind == "npy":
        return read_npy(path)
    if kind == "h5":
        shape = probe_shape(path)
        from .fields import Block  # noqa: PLC0415

        return read_block(path, Block(0, 0, *shape))
    return read_text(path)


def probe_shape(path: PathLike) -> tuple[int, int]:
    """``(nx, ny)`` of a field file from its header only (checked: 2D, real, at least 3 x 3)."""
    path = Path(path)
    kind = _kind(path)
    if kind == "npy":
        _, shape = _npy_header(path)
    elif kind == "h5":
        from . import hdf5io  # noqa: PLC0415

        try:
            shape = hdf5io.read_shape(path)
        except ValueError as error:
            raise FieldFormatError(path, None, str(error).removeprefix(f"{path}: ")) from None
        except hdf5io.HDF5UnavailableError as error:
            raise FieldFormatError(path, None, f"cannot read HDF5 input: {error}") from None
    else:
        shape = _text_header(path)[0]
    _check_shape(path, None, shape)
    return shape


def read_block(path: PathLike, block, group=None) -> np.ndarray:
    """Rows ``block.rows`` and columns ``block.cols`` of a ``.npy`` or ``.h5`` field, as float64.

    ``.npy`` files are memory-mapped: only the block's pages are read. ``.h5``
    files are read as a hyperslab, collectively over ``group``'s ranks when it
    is an MPI group (every rank must call). Non-finite values are refused.
    """
    path = Path(path)
    kind = _kind(path)
    if kind == "npy":
        mapped = _npy_map(path)
        data = np.array(mapped[block.rows, block.cols], dtype=np.float64)
        del mapped
    elif kind == "h5":
        from . import hdf5io  # noqa: PLC0415
        from ._collective import Group  # noqa: PLC0415

        try:
            data = hdf5io.read_block(path, group or Group(None), block)
        except ValueError as error:
            raise FieldFormatError(path, None, str(error).removeprefix(f"{path}: ")) from None
    else:
        raise FieldFormatError(path, None, "the text format is read whole (read_text), not per block")
    bad = np.argwhere(~np.isfinite(data))
    if bad.size:
        i, j = (int(v) for v in bad[0])
        raise FieldFormatError(path, None, f"non-finite value {data[i, j]!r} at row {block.row0 + i}, "
                                           f"column {block.col0 + j}")
    return data


def _npy_header(path: Path):
    try:
        with open(path, "rb") as handle:
            try:
                version = np.lib.format.read_magic(handle)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
                else:
                    raise ValueError(f"unsupported .npy version {version}")
            except OSError:
                raise
            except Exception as error:  # noqa: BLE001 (NumPy's header parser also raises
                # SyntaxError and tokenize.TokenError on malformed headers: found by fuzzing)
                raise FieldFormatError(path, None, f"not a valid .npy array ({error})") from None
    except OSError as error:
        raise _open_error(path, error) from None
    if dtype.hasobject:
        raise FieldFormatError(path, None, "the array holds Python objects (pickles are never loaded)")
    if len(shape) != 2:
        raise FieldFormatError(path, None, f"expected a 2D array, got shape {shape}")
    if not (np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.integer)):
        raise FieldFormatError(path, None, f"expected real numbers, got dtype {dtype}")
    return dtype, tuple(int(n) for n in shape)


def _npy_map(path: Path):
    _npy_header(path)
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except OSError as error:
        raise _open_error(path, error) from None
    except Exception as error:  # noqa: BLE001 (truncated data: ValueError; see _npy_header)
        raise FieldFormatError(path, None, f"not a valid .npy array ({error})") from None


def _open_error(path: Path, error: OSError) -> FieldFormatError:
    return FieldFormatError(path, None, f"cannot read: {error.strerror or error}")


def read_npy(path: PathLike) -> np.ndarray:
    """Read a 2D finite real ``.npy`` array as C-contiguous float64."""
    path = Path(path)
    try:
        data = np.load(path, allow_pickle=False)
    except OSError as error:
        raise _open_error(path, error) from None
    except Exception as error:  # noqa: BLE001 (not an .npy, pickled objects, truncated data, a header
        # NumPy's parser chokes on: ValueError, SyntaxError, tokenize.TokenError)
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


def _available_memory() -> int | None:
    """Bytes this process could still allocate: MemAvailable from /proc/meminfo (None if unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_fits_in_memory(path: PathLike | None, shape, *, needed: int, line: int | None = None) -> None:
    """Refuse a field of ``shape`` when this process's ``needed`` bytes exceed the machine's available memory.

    Raises :class:`FieldFormatError` for an input file (``path``), ValueError
    for the built-in field (``path`` None), before anything is allocated: a
    header that announces a huge field gets this message on every path,
    never NumPy's ``MemoryError``.
    """
    available = _available_memory()
    if available is None or needed <= available:
        return
    nx, ny = shape
    what = f"a {nx} x {ny} field ({8 * nx * ny / 2**30:.1f} GiB as float64)"
    need = (f"this process needs {needed / 2**30:.1f} GiB for its part of it, more than this machine's available "
            f"memory ({available / 2**30:.1f} GiB)")
    if path is None:
        raise ValueError(f"{what}: {need}; choose a smaller nx, ny or run on more MPI ranks or nodes")
    kind = _kind(Path(path))
    hint = ("the text format is read by one process and meant for small fields: use .npy or .h5, which MPI runs "
            "read block by block") if kind == "text" else "run on more MPI ranks or nodes, each holds only its block"
    raise FieldFormatError(path, line if line is not None else (1 if kind == "text" else None),
                           f"the {'header' if kind == 'text' else 'file'} announces {what}; {need}; {hint}")


def _parse_header(path: Path, header: str):
    if not header:
        raise FieldFormatError(path, 1, "empty file; expected a header line '# nx ny'")
    match = _HEADER.match(header.strip())
    if not match:
        raise FieldFormatError(
            path, 1, f"expected a header line '# nx ny' (two positive integers), got {header.strip()[:60]!r}"
        )
    nx, ny = int(match.group(1)), int(match.group(2))
    _check_shape(path, 1, (nx, ny))
    return nx, ny


def _text_header(path: Path):
    try:
        with open(path, "r", encoding="utf-8", errors="strict") as handle:
            header = handle.readline(4096)
    except UnicodeDecodeError as error:
        raise FieldFormatError(path, None, f"not a text file ({error.reason})") from None
    except OSError as error:
        raise _open_error(path, error) from None
    return _parse_header(path, header), header


def read_text(path: PathLike) -> np.ndarray:
    """Read the lesson's text format (``# nx ny`` then nx rows of ny numbers)."""
    path = Path(path)
    try:
        handle = open(path, "r", encoding="utf-8", errors="strict")
    except OSError as error:
        raise _open_error(path, error) from None
    with handle:
        try:
            nx, ny = _parse_header(path, handle.readline(4096))
            check_fits_in_memory(path, (nx, ny), needed=8 * nx * ny, line=1)
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
    return bottle_block(nx, ny, 0, 0, nx, ny)


def bottle_block(nx: int, ny: int, row0: int, col0: int, block_nx: int, block_ny: int) -> np.ndarray:
    """Rows ``row0 .. row0 + block_nx`` and columns ``col0 .. col0 + block_ny`` of ``bottle_field(nx, ny)``.

    Every value depends only on its global position, so the blocks of any
    decomposition tile exactly the field one process would make.
    """
    if nx < 3 or ny < 3:
        raise ValueError(f"the field must be at least 3 x 3, got {nx} x {ny}")
    if not (0 <= row0 and 0 <= col0 and row0 + block_nx <= nx and col0 + block_ny <= ny):
        raise ValueError(f"block rows {row0}+{block_nx}, columns {col0}+{block_ny} outside the {nx} x {ny} field")
    # Cell-centre coordinates in [0, 1): y down the rows, x across the columns.
    y = (np.arange(row0, row0 + block_nx, dtype=np.float64)[:, None] + 0.5) / nx
    x = (np.arange(col0, col0 + block_ny, dtype=np.float64)[None, :] + 0.5) / ny
    centre, neck_half, body_half = 0.52, 0.04, 0.08
    neck = (y >= 0.12) & (y < 0.34) & (np.abs(x - centre) < neck_half)
    # Shoulders: a half-ellipse joining the neck to the body.
    shoulder = (y >= 0.30) & (y < 0.42) & (((x - centre) / body_half) ** 2 + ((y - 0.42) / 0.12) ** 2 < 1.0)
    body = (y >= 0.42) & (y < 0.84) & (np.abs(x - centre) < body_half)
    field = np.full((block_nx, block_ny), BOTTLE_HOT, dtype=np.float64)
    field[neck | shoulder | body] = BOTTLE_COLD
    # The boundary (outer rows and columns of the whole field) stays hot; the
    # bottle never reaches it, but a 3 x 3 field's middle would.
    if row0 == 0:
        field[0, :] = BOTTLE_HOT
    if row0 + block_nx == nx:
        field[-1, :] = BOTTLE_HOT
    if col0 == 0:
        field[:, 0] = BOTTLE_HOT
    if col0 + block_ny == ny:
        field[:, -1] = BOTTLE_HOT
    return field
