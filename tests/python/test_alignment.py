"""Fields where the kernels want them: hpcffi._alignment, LocalField, and the library's own scratch.

Alignment changes speed only: every test here also checks that the bits do not move.
"""

import numpy as np
import pytest

import hpcffi
from hpcffi import _alignment
from hpcffi.fields import LocalField, Physics


def at_offset(shape, offset):
    """A float64 array of `shape` whose data start `offset` bytes past a 64-byte boundary."""
    raw = np.empty(int(np.prod(shape)) * 8 + 128, dtype=np.uint8)
    start = (-raw.ctypes.data) % 64 + offset
    return raw[start:start + int(np.prod(shape)) * 8].view(np.float64).reshape(shape)


def test_empty_is_64_byte_aligned_and_an_ordinary_array():
    a = hpcffi.empty_aligned((37, 53))
    assert a.ctypes.data % 64 == 0
    assert a.shape == (37, 53) and a.dtype == np.float64
    assert a.flags.c_contiguous and a.flags.writeable and a.flags.aligned
    assert not hpcffi.zeros_aligned((5, 7)).any()
    assert hpcffi.zeros_aligned(9).shape == (9,)
    assert hpcffi.empty_aligned is _alignment.empty and hpcffi.zeros_aligned is _alignment.zeros


@pytest.mark.parametrize("offset", range(0, 64, 8))
def test_like_starts_at_the_same_offset_in_a_line(offset):
    field = at_offset((40, 30), offset)
    assert field.ctypes.data % 64 == offset
    assert _alignment.empty(field.shape, like=field).ctypes.data % 64 == offset


def test_local_field_is_64_byte_aligned_and_evolves_to_the_library_bits():
    physics = Physics(0.5, 1e-5, 0.01, 0.01)
    holder = LocalField((67, 45), physics)
    assert holder.field.ctypes.data % 64 == 0
    start = np.random.default_rng(3).uniform(0.0, 90.0, size=(67, 45))
    holder.set_block(start)
    holder.evolve(23)
    expected = start.copy()
    hpcffi.evolve_steps(expected, 23, 0.5, 1e-5)
    assert holder.get_block().tobytes() == expected.tobytes()


@pytest.mark.parametrize("offset", range(0, 64, 8))
def test_library_scratch_at_every_field_offset_gives_the_same_bits(offset):
    # scratch=None: the library allocates a scratch at the field's offset in a line.
    start = np.random.default_rng(5).uniform(0.0, 90.0, size=(41, 203))
    expected = start.copy()
    hpcffi.evolve_steps(expected, 17, 0.5, scratch=_alignment.empty(start.shape, like=expected))
    field = at_offset(start.shape, offset)
    field[...] = start
    hpcffi.evolve_steps(field, 17, 0.5)
    assert field.tobytes() == expected.tobytes()
