"""Step 7 -- SOLUTION: the heat equation's time step in C, driven from Python.

    python 07_evolve_solution.py

It also runs the lesson's NumPy version of the step on the same field and
prints how far the two are apart: C and NumPy round differently, so the
difference is tiny but not always zero.
"""
import os
import sys

import numpy as np
from cffi import FFI

lib_path, include_dir = os.environ.get("HPCFFI_LIB"), os.environ.get("HPCFFI_INCLUDE")
if not lib_path or not include_dir:
    sys.exit("07_evolve_solution.py: HPCFFI_LIB and HPCFFI_INCLUDE are not set: "
             "run `module load hpcffi` or `source scripts/hpcffi-env.sh` first")
ffi = FFI()
with open(os.path.join(include_dir, "hpcffi", "hpcffi_decls.h"), encoding="utf-8") as header:
    ffi.cdef(header.read())
lib = ffi.dlopen(lib_path)


def evolve(u, u_previous, a, dt, dx2, dy2):
    """One explicit step of du/dt = a * laplacian(u), in C; both arrays hold the result."""
    nx, ny = u.shape
    # ---- the gap, filled --------------------------------------------------------
    # from_buffer points C at the arrays' own memory (no copy). It does not
    # check the element type: the arrays must be C-contiguous float64.
    assert u.dtype == np.float64 and u.flags.c_contiguous and u_previous.flags.c_contiguous
    status = lib.hpcffi_heat_evolve(ffi.from_buffer("double[]", u), ffi.from_buffer("double[]", u_previous),
                                    nx, ny, a, dt, dx2, dy2)
    if status != lib.HPCFFI_OK:
        raise RuntimeError(ffi.string(lib.hpcffi_last_error()).decode())
    # ---- end of the gap -------------------------------------------------------


def evolve_numpy(u, u_previous, a, dt, dx2, dy2):
    """The lesson's NumPy step, for comparison."""
    u[1:-1, 1:-1] = u_previous[1:-1, 1:-1] + a * dt * (
        (u_previous[2:, 1:-1] - 2 * u_previous[1:-1, 1:-1] + u_previous[:-2, 1:-1]) / dx2
        + (u_previous[1:-1, 2:] - 2 * u_previous[1:-1, 1:-1] + u_previous[1:-1, :-2]) / dy2)
    u_previous[:] = u


# A 100 x 100 plate at 5 degrees with a disc at 65 in its middle; the edges stay fixed.
nx = ny = 100
a, dx, dy, nsteps = 0.5, 0.01, 0.01, 200
x, y = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
field = np.where((x - nx / 2) ** 2 + (y - ny / 2) ** 2 < (nx / 6) ** 2, 65.0, 5.0)
dx2, dy2 = dx * dx, dy * dy
dt = dx2 * dy2 / (2.0 * a * (dx2 + dy2))          # the largest stable time step
reference, reference_previous = field.copy(), field.copy()
field_previous = field.copy()
for _ in range(nsteps):
    evolve(field, field_previous, a, dt, dx2, dy2)
    evolve_numpy(reference, reference_previous, a, dt, dx2, dy2)
print(f"mean temperature after {nsteps} steps: {field.mean():.12f}")
print(f"largest difference to NumPy: {np.abs(field - reference).max():.1e}")

# A bad argument is refused by the library with a message, not a crash:
try:
    evolve(field, field_previous, a, 10 * dt, dx2, dy2)
except RuntimeError as error:
    print(f"dt = 10 x the limit is refused: {error}")
