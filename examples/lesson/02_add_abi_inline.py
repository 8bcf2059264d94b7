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
# # Step 2: `add`, ABI in-line
#
# The same mechanism as step 1, now for our own library: `hpcffi_add(a, b, n)` adds `b` into `a`.
# The declarations are not retyped: `cdef()` reads the project's real header,
# `hpcffi/hpcffi_decls.h`, the one file that declares the whole C ABI.
#
# Where libhpcffi and its header are: the environment variables `HPCFFI_LIB` (the library file)
# and `HPCFFI_INCLUDE` (the folder holding `hpcffi/`), set by `module load hpcffi`, by
# `source scripts/hpcffi-env.sh`, and by the `hpcffi` Jupyter kernel. Never the current folder:
# code must not depend on where it is started from.

# %%
import os
import sys

from cffi import FFI

lib_path, include_dir = os.environ.get("HPCFFI_LIB"), os.environ.get("HPCFFI_INCLUDE")
if not lib_path or not include_dir:
    sys.exit("02_add_abi_inline.py: HPCFFI_LIB and HPCFFI_INCLUDE are not set: "
             "run `module load hpcffi` or `source scripts/hpcffi-env.sh` first")

ffi = FFI()
with open(os.path.join(include_dir, "hpcffi", "hpcffi_decls.h"), encoding="utf-8") as header:
    ffi.cdef(header.read())          # every function and the status enum of the ABI
lib = ffi.dlopen(lib_path)           # ABI: open the compiled library, no compiler needed

# %% [markdown]
# cffi owns these C arrays and frees them when the Python objects go away. Every hpcffi function
# returns a status (0 = success) and explains a failure in `hpcffi_last_error()`: check it, a C
# library cannot raise an exception.

# %%
a = ffi.new("double[]", [1.0, 2.0, 3.0, 4.0])
b = ffi.new("double[]", [10.0, 20.0, 30.0, 40.0])
status = lib.hpcffi_add(a, b, 4)     # int64_t n: a Python int is converted
if status != lib.HPCFFI_OK:
    sys.exit(f"hpcffi_add failed: {ffi.string(lib.hpcffi_last_error()).decode()}")
print("add:", list(a))
