"""Step 6 -- SOLUTION: the Fibonacci sequence with the C step hpcffi_fibo.

    python 06_fibo_solution.py [N]      # N numbers, default 10

F(46) is the largest Fibonacci number that fits a C int: asking for more
shows what a C library does instead of overflowing silently (undefined
behaviour in C): it returns HPCFFI_ERR_OVERFLOW and leaves a and b alone.
"""
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

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
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
