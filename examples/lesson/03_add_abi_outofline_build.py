"""Step 3a -- ABI out-of-line, the build script: run once, it writes _add_abi.py.

Out-of-line means the parsing of the declarations happens here, ahead of
time, and is saved as a small Python module; the user script (step 3b) then
imports it and starts faster. set_source(name, None) means ABI: no C code,
nothing compiled, the library is still opened with dlopen at run time.

    python 03_add_abi_outofline_build.py     # writes _add_abi.py next to this file
"""
import os
import sys

from cffi import FFI

include_dir = os.environ.get("HPCFFI_INCLUDE")
if not include_dir:
    sys.exit("03_add_abi_outofline_build.py: HPCFFI_INCLUDE is not set: "
             "run `module load hpcffi` or `source scripts/hpcffi-env.sh` first")

ffibuilder = FFI()
with open(os.path.join(include_dir, "hpcffi", "hpcffi_decls.h"), encoding="utf-8") as header:
    ffibuilder.cdef(header.read())
ffibuilder.set_source("_add_abi", None)      # None: ABI mode, a pure-Python module

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    print("wrote", ffibuilder.compile(tmpdir=here))
