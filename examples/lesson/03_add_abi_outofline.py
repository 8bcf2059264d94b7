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
# # Step 3: `add`, ABI out-of-line
#
# Out-of-line means the declarations are parsed ahead of time, once, by a **build script**
# (`03_add_abi_outofline_build.py`, beside this file) that saves them as a small Python module,
# `_add_abi.py`; the user code below imports it and starts faster. `set_source(name, None)` in the
# build script means ABI: nothing is compiled, the library is still opened with `dlopen`.
#
# In a notebook the next cell runs the build script with `!`. As a script, run it yourself first:
# `python 03_add_abi_outofline_build.py && python 03_add_abi_outofline.py`.

# %%
import sys
# !{sys.executable} 03_add_abi_outofline_build.py

# %%
import os

try:
    from _add_abi import ffi             # written by 03_add_abi_outofline_build.py
except ImportError:
    sys.exit("03_add_abi_outofline.py: no module _add_abi: run 03_add_abi_outofline_build.py first")

lib_path = os.environ.get("HPCFFI_LIB")
if not lib_path:
    sys.exit("03_add_abi_outofline.py: HPCFFI_LIB is not set: "
             "run `module load hpcffi` or `source scripts/hpcffi-env.sh` first")
lib = ffi.dlopen(lib_path)               # still ABI: the library is opened at run time

a = ffi.new("double[]", [1.0, 2.0, 3.0, 4.0])
b = ffi.new("double[]", [10.0, 20.0, 30.0, 40.0])
if lib.hpcffi_add(a, b, 4) != lib.HPCFFI_OK:
    sys.exit(f"hpcffi_add failed: {ffi.string(lib.hpcffi_last_error()).decode()}")
print("add:", list(a))
