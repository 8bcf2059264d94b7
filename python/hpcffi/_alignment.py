"""Float64 arrays that start where the heat kernels want them: 64-byte aligned, or like another array.

The kernels align their vector loops to the rows they write. A step reads one
buffer and writes the other, so both should start at the same offset within a
64-byte cache line: then the rows read are aligned like the rows written.
NumPy's own arrays start 16-byte aligned, at any of four offsets. A scratch at
another offset than its field ran at 0.79-0.84 of the rate (200x200, 1 thread,
the plain path; Intel Xeon VM, 2026-12-06, bench/field_layout.py); whether the
common offset is 0 or 16 was within that machine's noise. Pure NumPy: the
arrays are ordinary ndarrays (a view of a slightly larger byte buffer).
"""

import math

import numpy as np

LINE = 64  # bytes in a cache line


def empty(shape, *, like=None):
    """An uninitialised C-contiguous float64 array of ``shape``: 64-byte aligned, or, given ``like``
    (a float64 array), starting at the same offset within a 64-byte line as ``like``'s data.
    Public as :func:`hpcffi.empty_aligned` (pyFFTW's name for the same idea)."""
    shape = (shape,) if isinstance(shape, int) else tuple(int(n) for n in shape)
    nbytes = math.prod(shape) * 8
    offset = 0 if like is None else like.ctypes.data % LINE
    if offset % 8:
        offset = 0  # not aligned for a double: the kernels will not get it either
    raw = np.empty(nbytes + 2 * LINE, dtype=np.uint8)
    start = (-raw.ctypes.data) % LINE + offset
    return raw[start:start + nbytes].view(np.float64).reshape(shape)


def zeros(shape, *, like=None):
    """:func:`empty`, filled with zeros. Public as :func:`hpcffi.zeros_aligned`."""
    array = empty(shape, like=like)
    array.fill(0.0)
    return array
