"""A fingerprint of a 2D float64 field that any decomposition computes alike.

A checkpoint must name the initial field it started from and must detect a
corrupt field, but no rank of an MPI run holds the whole field, and a
checkpoint written by 3 ranks may be read by 2. A hash over the bytes in file
order (SHA-256) would need the whole field in one place. This fingerprint is a
sum, modulo 2**64, of one 64-bit hash per value::

    fingerprint = sum over (i, j) of mix(bits(u[i, j]) ^ mix(i * ny + j + 1))   (mod 2**64)

``bits`` is the IEEE-754 bit pattern (so -0.0 and 0.0, or two NaNs, differ),
``mix`` the SplitMix64 finaliser. Because a sum does not depend on the order
of its terms, every rank sums its own block and the ranks add their partial
sums: the result is the same for 1 process or any process grid. A change of
one value, or two values swapped, changes it (with probability 1 - 2**-64 for
a random change): it finds corruption and a different input, it is no
defence against someone forging a file.
"""

from __future__ import annotations

import numpy as np

__all__ = ["block_sum", "combine", "field_fingerprint", "to_text"]

_MASK = (1 << 64) - 1
_ROWS_PER_PIECE = 256  # bounds the temporaries to a few rows' worth of memory


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on uint64 arrays (wrapping arithmetic, in place where possible)."""
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def block_sum(block: np.ndarray, row0: int, col0: int, ny: int) -> int:
    """This block's share of the fingerprint: ``block`` holds rows ``row0..``, columns ``col0..`` of a field
    with ``ny`` columns. Returns an int in [0, 2**64)."""
    data = np.ascontiguousarray(block, dtype=np.float64)
    nrows, ncols = data.shape
    total = 0
    columns = np.arange(col0, col0 + ncols, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, nrows, _ROWS_PER_PIECE):
            stop = min(start + _ROWS_PER_PIECE, nrows)
            rows = np.arange(row0 + start, row0 + stop, dtype=np.uint64)[:, None]
            index = rows * np.uint64(ny) + columns[None, :] + np.uint64(1)
            hashed = _mix(data[start:stop].view(np.uint64) ^ _mix(index))
            total = (total + int(hashed.sum(dtype=np.uint64))) & _MASK
    return total


def combine(partial_sums) -> int:
    """The fingerprint from every block's :func:`block_sum`."""
    total = 0
    for value in partial_sums:
        total = (total + int(value)) & _MASK
    return total


def field_fingerprint(field: np.ndarray) -> int:
    """The fingerprint of a whole field held by one process."""
    field = np.asarray(field)
    return block_sum(field, 0, 0, field.shape[1])


def to_text(value: int) -> str:
    """The 16 hex digits stored in files and printed."""
    return f"{value:016x}"
