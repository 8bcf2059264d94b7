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
# # Step 1: `sqrtf`, ABI in-line
#
# Call `sqrtf()` from the C math library. **ABI mode** means cffi knows nothing but the
# declarations we give it and opens the compiled library at run time (`dlopen`): no compiler is
# involved. **In-line** means everything happens here, at run time.
#
# This file is a notebook (open it in Jupyter with the `hpcffi` kernel) and a script
# (`python 01_sqrtf_abi_inline.py`) at once: the cells are `# %%` comments, the text is comments.

# %%
import ctypes.util
import sys

from cffi import FFI

ffi = FFI()
# 1. Declare what we call, in C syntax, exactly as in <math.h>.
ffi.cdef("float sqrtf(float x);")

# 2. Open the library. Its file name differs between systems (libm.so.6 on
#    Linux, libm.dylib on macOS), so ask the system instead of guessing a path.
libm_name = ctypes.util.find_library("m")
if libm_name is None:
    sys.exit("01_sqrtf_abi_inline.py: the C math library was not found (ctypes.util.find_library('m'))")
libm = ffi.dlopen(libm_name)

# %% [markdown]
# Call it: cffi converts Python floats to C `float` and back. A C `float` has 24 bits of
# mantissa, so `sqrtf(2)` is the square root of 2 rounded to a `float`, shown here as the Python
# float (a double) that holds it exactly.

# %%
print(f"sqrtf(4.0) = {libm.sqrtf(4.0)}")
print(f"sqrtf(2.0) = {libm.sqrtf(2.0)!r}")
