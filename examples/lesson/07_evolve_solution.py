# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (hpcffi)
#     language: python
#     name: hpcffi
# ---

# %% [markdown]
# # Step 7, solution: `evolve`
#
# The heat equation's time step in C (`hpcffi_heat_evolve`), the main loop in Python, the field
# before and after, the lesson's NumPy step for comparison, and what each step costs.
# As a script: `python 07_evolve_solution.py`.

# %%
import os
import sys
import timeit

import matplotlib.pyplot as plt
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


def show(field, title):
    """The field as an image: inline in a notebook; a script shows nothing (non-GUI backend)."""
    figure, axes = plt.subplots(figsize=(4, 3.4))
    image = axes.imshow(field, cmap="inferno", vmin=5.0, vmax=65.0)
    figure.colorbar(image, ax=axes, label="temperature")
    axes.set_title(title)
    plt.show()


# %% [markdown]
# A 100 x 100 plate at 5 degrees with a disc at 65 in its middle; the edges stay fixed. The time
# step is the largest stable one.

# %%
nx = ny = 100
a, dx, dy, nsteps = 0.5, 0.01, 0.01, 200
x, y = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
field = np.where((x - nx / 2) ** 2 + (y - ny / 2) ** 2 < (nx / 6) ** 2, 65.0, 5.0)
dx2, dy2 = dx * dx, dy * dy
dt = dx2 * dy2 / (2.0 * a * (dx2 + dy2))          # the largest stable time step
show(field, "before")

# %% [markdown]
# The main loop stays in Python; each step is one C call. The lesson's NumPy step runs beside it
# on a copy: C and NumPy round differently, so the difference is tiny but not always zero.

# %%
reference, reference_previous = field.copy(), field.copy()
field_previous = field.copy()
for _ in range(nsteps):
    evolve(field, field_previous, a, dt, dx2, dy2)
    evolve_numpy(reference, reference_previous, a, dt, dx2, dy2)
print(f"mean temperature after {nsteps} steps: {field.mean():.12f}")
print(f"largest difference to NumPy: {np.abs(field - reference).max():.1e}")
show(field, f"after {nsteps} steps")

# %% [markdown]
# How long one step takes, through cffi and in NumPy (best of 5 rounds; the figures are this
# machine's and vary from run to run). On a small field the call itself costs a visible part.

# %%
for size in (100, 1000):
    u = np.full((size, size), 5.0)
    u[size // 3: 2 * size // 3, size // 3: 2 * size // 3] = 65.0
    u_previous = u.copy()
    rounds = max(1, 2_000_000 // (size * size))
    seconds = {}
    for name, step in (("C through cffi", evolve), ("NumPy", evolve_numpy)):
        seconds[name] = min(timeit.repeat(lambda: step(u, u_previous, a, dt, dx2, dy2),
                                          number=rounds, repeat=5)) / rounds
    print(f"one step of {size} x {size}: C through cffi {seconds['C through cffi'] * 1e6:8.1f} us, "
          f"NumPy {seconds['NumPy'] * 1e6:8.1f} us: C is {seconds['NumPy'] / seconds['C through cffi']:.1f}x faster")

# %% [markdown]
# A bad argument is refused by the library with a message, not a crash:

# %%
try:
    evolve(field, field_previous, a, 10 * dt, dx2, dy2)
except RuntimeError as error:
    print(f"dt = 10 x the limit is refused: {error}")
