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
# # Step 6, solution: `fibo`
#
# The Fibonacci sequence with the C step `hpcffi_fibo(int *a, int *b)`, which sets
# (a, b) <- (a + b, a). As a script: `python 06_fibo_solution.py [N]` (N numbers, default 10).

# %%
import os
import sys

from cffi import FFI

lib_path, include_dir = os.environ.get("HPCFFI_LIB"), os.environ.get("HPCFFI_INCLUDE")
if not lib_path or not include_dir:
    sys.exit("06_fibo_solution.py: HPCFFI_LIB and HPCFFI_INCLUDE are not set: "
             "run `module load hpcffi` or `source scripts/hpcffi-env.sh` first")
ffi = FFI()
with open(os.path.join(include_dir, "hpcffi", "hpcffi_decls.h"), encoding="utf-8") as header:
    ffi.cdef(header.read())
lib = ffi.dlopen(lib_path)

n = 10                               # how many numbers; in a notebook, change it here
if "ipykernel" not in sys.modules and len(sys.argv) > 1:
    n = int(sys.argv[1])             # as a script: the command line (a kernel's argv is its own)

# %%
a = ffi.new("int *", 1)
b = ffi.new("int *", 0)
numbers = []
for i in range(n):
    if i > 0:
        # ---- the gap, filled --------------------------------------------------------
        status = lib.hpcffi_fibo(a, b)   # pointers: C updates *a and *b in place
        if status != lib.HPCFFI_OK:
            print(" ".join(str(number) for number in numbers))
            sys.exit(f"stopped after F({len(numbers) - 1}): status {status}: "
                     f"{ffi.string(lib.hpcffi_last_error()).decode()}")
        # ---- end of the gap -------------------------------------------------------
    numbers.append(b[0])             # b[0] reads the int that b points to
print(" ".join(str(number) for number in numbers))

# %% [markdown]
# F(46) is the largest Fibonacci number that fits a C `int`. Asking for more shows what a C
# library does instead of overflowing silently (undefined behaviour in C): `hpcffi_fibo` returns
# `HPCFFI_ERR_OVERFLOW` and leaves `a` and `b` alone. The step from (F(46), F(45)) would need F(47):

# %%
a, b = ffi.new("int *", 1836311903), ffi.new("int *", 1134903170)   # F(46), F(45)
status = lib.hpcffi_fibo(a, b)
print(f"status {status} (HPCFFI_ERR_OVERFLOW = {lib.HPCFFI_ERR_OVERFLOW}): "
      f"{ffi.string(lib.hpcffi_last_error()).decode()}; a = {a[0]}, b = {b[0]}")
