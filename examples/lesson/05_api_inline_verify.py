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
# # Step 5: API in-line (`ffi.verify`), and why it is gone
#
# cffi has two axes: **ABI or API** (open a compiled library with `dlopen`, or compile C code that
# calls it) and **in-line or out-of-line** (do the work when the code runs, or once, ahead of time,
# in a build script). Steps 1-4 show three of the four combinations. The fourth, API in-line, is
# `ffi.verify()`: it generates C source, runs the C compiler and loads the result **every time the
# program starts** (with a cache keyed on the source text). cffi deprecated it (since cffi 1.0, the
# `verify()` page of its documentation). It still runs with the cffi of this machine, so here it is,
# once, to see what it costs.

# %%
import os
import shutil
import sys
import tempfile
import time
import warnings

from cffi import FFI

lib_path, include_dir = os.environ.get("HPCFFI_LIB"), os.environ.get("HPCFFI_INCLUDE")
if not lib_path or not include_dir:
    sys.exit("05_api_inline_verify.py: HPCFFI_LIB and HPCFFI_INCLUDE are not set: "
             "run `module load hpcffi` or `source scripts/hpcffi-env.sh` first")

cache = tempfile.mkdtemp(prefix="verify-cache-")   # by default: __pycache__ beside the caller


def verify_add():
    """API in-line: declare, then compile and load, all at run time."""
    ffi = FFI()
    ffi.cdef("int hpcffi_add(double *a, const double *b, int64_t n);")
    lib = ffi.verify("#include <hpcffi/hpcffi.h>", include_dirs=[include_dir], extra_objects=[lib_path],
                     extra_link_args=[f"-Wl,-rpath,{os.path.dirname(lib_path)}"], tmpdir=cache)
    return ffi, lib


for start in ("first start (compiles)", "second start (cache)"):
    began = time.perf_counter()
    with warnings.catch_warnings():
        # Two starts in one process: cffi warns that it loads the module again; two runs would not.
        warnings.simplefilter("ignore", UserWarning)
        ffi, lib = verify_add()
    print(f"{start}: {time.perf_counter() - began:.3f} s")

a = ffi.new("double[]", [1.0, 2.0, 3.0, 4.0])
b = ffi.new("double[]", [10.0, 20.0, 30.0, 40.0])
if lib.hpcffi_add(a, b, 4) != 0:
    sys.exit("hpcffi_add failed")
print("add:", list(a))
print("the cache:", sorted(name for name in os.listdir(cache) if name.endswith((".c", ".so"))))
shutil.rmtree(cache)

# %% [markdown]
# It works, and that is the problem:
#
# - **Every user needs a compiler and Python's headers at run time**, on every machine and compute
#   node that imports the code; a failed compilation shows up at import time, in a job, not when
#   the software is built.
# - **The cache is fragile**: it lives next to the script (`__pycache__`) or in a temporary folder,
#   goes stale when the header or the library changes, races when many MPI ranks import the module
#   at once, and breaks on read-only install trees.
# - **It cannot be packaged**: tools that build wheels or install trees (setuptools'
#   `cffi_modules`, CMake in this project) want the C code generated once, at build time.
#
# That is API out-of-line (step 4): the same C code and the same compiler check, done once.
# `set_source()` + `compile()`, or `emit_c_code()` when a build system such as CMake compiles the
# C file, as `python/hpcffi_cffi_gen.py` does for the hpcffi package.
