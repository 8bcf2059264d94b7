"""Step 4a -- API out-of-line, the build script: compile a C extension module.

API mode means cffi writes C source that calls our functions and a C
compiler builds it: the compiler checks every declaration of the cdef
against the real header (#include <hpcffi/hpcffi.h>), and calls go straight
from C to C, without dlopen or libffi. It needs a compiler and Python's
headers (python3-dev); this is what the hpcffi package itself uses.

    python 04_add_api_outofline_build.py     # builds _add_api.*.so next to this file
"""
import os
import sys

from cffi import FFI

lib_path, include_dir = os.environ.get("HPCFFI_LIB"), os.environ.get("HPCFFI_INCLUDE")
if not lib_path or not include_dir:
    sys.exit("04_add_api_outofline_build.py: HPCFFI_LIB and HPCFFI_INCLUDE are not set: "
             "run `module load hpcffi` or `source scripts/hpcffi-env.sh` first")
lib_dir = os.path.dirname(os.path.abspath(lib_path))

ffibuilder = FFI()
with open(os.path.join(include_dir, "hpcffi", "hpcffi_decls.h"), encoding="utf-8") as header:
    ffibuilder.cdef(header.read())
ffibuilder.set_source(
    "_add_api",
    "#include <hpcffi/hpcffi.h>",            # the C code of the extension: just the header
    include_dirs=[include_dir],
    extra_objects=[lib_path],                # link libhpcffi itself (its SONAME is recorded)
    extra_link_args=[f"-Wl,-rpath,{lib_dir}"],  # ...and find it at run time without LD_LIBRARY_PATH
)

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    print("wrote", ffibuilder.compile(tmpdir=here))
