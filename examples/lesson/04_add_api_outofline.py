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
# # Step 4: `add`, API out-of-line
#
# The build script, `04_add_api_outofline_build.py` beside this file, gives `set_source()` C code
# (just `#include <hpcffi/hpcffi.h>`) and `compile()` builds a C extension module, `_add_api`: the
# compiler checks every declaration of the cdef against the real header, and calls go straight
# from C to C, without `dlopen` or libffi. It needs a compiler and Python's headers; this is what
# the `hpcffi` package itself uses.
#
# In a notebook the next cell runs the build script with `!`. As a script, run it yourself first:
# `python 04_add_api_outofline_build.py && python 04_add_api_outofline.py`.

# %%
import sys
# !{sys.executable} 04_add_api_outofline_build.py

# %% [markdown]
# No `dlopen` and no path here: the extension is linked to libhpcffi. NumPy arrays are passed
# without copies through `ffi.from_buffer()`: C gets a pointer into the arrays' own memory, so
# C's writes to `a` are seen by NumPy. The dtype must be float64 (C `double`) and the arrays
# contiguous: cffi does not check the element type for you.

# %%
import numpy as np

try:
    from _add_api import ffi, lib        # built by 04_add_api_outofline_build.py
except ImportError:
    sys.exit("04_add_api_outofline.py: no module _add_api: run 04_add_api_outofline_build.py first")

a = np.array([1.0, 2.0, 3.0, 4.0])
b = np.array([10.0, 20.0, 30.0, 40.0])
status = lib.hpcffi_add(ffi.from_buffer("double[]", a), ffi.from_buffer("double[]", b), a.size)
if status != lib.HPCFFI_OK:
    sys.exit(f"hpcffi_add failed: {ffi.string(lib.hpcffi_last_error()).decode()}")
print("add:", a.tolist())
