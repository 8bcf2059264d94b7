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
# # Step 6, exercise: `fibo`
#
# Print the Fibonacci sequence with the C step `hpcffi_fibo`, the lesson's `fibo(int *a, int *b)`:
#
# ```c
# int hpcffi_fibo(int *a, int *b);   /* (a, b) <- (a + b, a); 0 on success */
# ```
#
# In C it takes pointers so that it can change the caller's variables; from Python,
# `ffi.new("int *", 1)` makes such a variable. Starting from a = 1, b = 0, b walks through F(0),
# F(1), F(2), ... Fill the gap below so that the loop prints F(0) .. F(n-1). The solution is
# `06_fibo_solution.py`. As a script: `python 06_fibo_exercise.py [N]` (N numbers, default 10).

# %%
import os
import sys

from cffi import FFI

lib_path, include_dir = os.environ.get("HPCFFI_LIB"), os.environ.get("HPCFFI_INCLUDE")
if not lib_path or not include_dir:
    sys.exit("06_fibo_exercise.py: HPCFFI_LIB and HPCFFI_INCLUDE are not set: "
             "run `module load hpcffi` or `source scripts/hpcffi-env.sh` first")
ffi = FFI()
with open(os.path.join(include_dir, "hpcffi", "hpcffi_decls.h"), encoding="utf-8") as header:
    ffi.cdef(header.read())
lib = ffi.dlopen(lib_path)

n = 10                               # how many numbers; in a notebook, change it here
if "ipykernel" not in sys.modules and len(sys.argv) > 1:
    n = int(sys.argv[1])             # as a script: the command line (a kernel's argv is its own)

# %% tags=["raises-exception"]
# Two C ints owned by cffi; a and b are `int *` pointers that C can write through.
a = ffi.new("int *", 1)
b = ffi.new("int *", 0)
numbers = []
for i in range(n):
    if i > 0:
        # ---- GAP (fibo): advance the pair one step ------------------------------
        # Call lib.hpcffi_fibo with the two pointers, keep its status, and stop
        # with the library's message (ffi.string(lib.hpcffi_last_error())) when
        # the status is not lib.HPCFFI_OK. Then delete the sys.exit line below.
        sys.exit("06_fibo_exercise.py: exercise not done yet: fill the gap marked "
                 "'GAP (fibo)' with a call to lib.hpcffi_fibo(a, b)")
        # ---- end of the gap -------------------------------------------------------
    numbers.append(b[0])             # b[0] reads the int that b points to
print(" ".join(str(number) for number in numbers))
