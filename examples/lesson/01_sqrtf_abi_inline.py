"""Step 1 -- ABI in-line: call sqrtf() from the C math library.

ABI mode means cffi knows nothing but the declarations we give it and opens
the compiled library at run time (dlopen): no compiler is involved. In-line
means everything happens in this script, at run time.

    python 01_sqrtf_abi_inline.py
"""
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

# 3. Call it: cffi converts Python floats to C float and back.
print(f"sqrtf(4.0) = {libm.sqrtf(4.0)}")
# A C float has 24 bits of mantissa: the result is sqrt(2) rounded to float,
# shown here as the Python float (double) that holds it exactly.
print(f"sqrtf(2.0) = {libm.sqrtf(2.0)!r}")
