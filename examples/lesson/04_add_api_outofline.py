"""Step 4b -- API out-of-line, the user script: import the compiled extension.

No dlopen and no path here: the extension is linked to libhpcffi. NumPy
arrays are passed without copies through ffi.from_buffer().

    python 04_add_api_outofline_build.py && python 04_add_api_outofline.py
"""
import sys

import numpy as np

try:
    from _add_api import ffi, lib        # built by 04_add_api_outofline_build.py
except ImportError:
    sys.exit("04_add_api_outofline.py: no module _add_api: run 04_add_api_outofline_build.py first")

a = np.array([1.0, 2.0, 3.0, 4.0])
b = np.array([10.0, 20.0, 30.0, 40.0])
# from_buffer gives C a pointer into the arrays' own memory: no copy, so C's
# writes to a are seen by NumPy. The dtype must be float64 (C double) and the
# arrays contiguous: cffi does not check the element type for you.
status = lib.hpcffi_add(ffi.from_buffer("double[]", a), ffi.from_buffer("double[]", b), a.size)
if status != lib.HPCFFI_OK:
    sys.exit(f"hpcffi_add failed: {ffi.string(lib.hpcffi_last_error()).decode()}")
print("add:", a.tolist())
