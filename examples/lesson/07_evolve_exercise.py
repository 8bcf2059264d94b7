"""Step 7 -- EXERCISE: the heat equation's time step in C, driven from Python.

The lesson's heat solver spends its time in evolve(); here Python keeps the
main loop and C does the step:

    int hpcffi_heat_evolve(double *u, double *u_previous, int64_t nx, int64_t ny,
                           double a, double dt, double dx2, double dy2);

It computes the new field from u_previous into u, then copies it back, so
both hold the new field afterwards. Fill the gap in evolve() below; the
solution is 07_evolve_solution.py.

    python 07_evolve_exercise.py
"""
import os
import sys

import numpy as np
from cffi import FFI

lib_path, include_dir = os.environ.get("HPCFFI_LIB"), os.environ.get("HPCFFI_INCLUDE")
if not lib_path or not include_dir:
    sys.exit("07_evolve_exercise.py: HPCFFI_LIB and HPCFFI_INCLUDE are not set: "
             "run `module load hpcffi` or `source scripts/hpcffi-env.sh` first")
ffi = FFI()
with open(os.path.join(include_dir, "hpcffi", "hpcffi_decls.h"), encoding="utf-8") as header:
    ffi.cdef(header.read())
lib = ffi.dlopen(lib_path)


def evolve(u, u_previous, a, dt, dx2, dy2):
    """One explicit step of du/dt = a * laplacian(u), in C; both arrays hold the result."""
    nx, ny = u.shape
    # ---- GAP (evolve): call the C step ----------------------------------------
    # Make `double *` pointers to the two arrays without copying them
    # (ffi.from_buffer("double[]", u)), call lib.hpcffi_heat_evolve with them
    # and nx, ny, a, dt, dx2, dy2, and raise RuntimeError with the library's
    # message (ffi.string(lib.hpcffi_last_error()).decode()) when the status
    # is not lib.HPCFFI_OK. Then delete the sys.exit line below.
    sys.exit("07_evolve_exercise.py: exercise not done yet: fill the gap marked "
             "'GAP (evolve)' with a call to lib.hpcffi_heat_evolve")
    # ---- end of the gap -------------------------------------------------------


# A 100 x 100 plate at 5 degrees with a disc at 65 in its middle; the edges stay fixed.
nx = ny = 100
a, dx, dy, nsteps = 0.5, 0.01, 0.01, 200
x, y = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
field = np.where((x - nx / 2) ** 2 + (y - ny / 2) ** 2 < (nx / 6) ** 2, 65.0, 5.0)
dx2, dy2 = dx * dx, dy * dy
dt = dx2 * dy2 / (2.0 * a * (dx2 + dy2))          # the largest stable time step
field_previous = field.copy()
for _ in range(nsteps):
    evolve(field, field_previous, a, dt, dx2, dy2)
print(f"mean temperature after {nsteps} steps: {field.mean():.12f}")
