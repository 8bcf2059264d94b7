"""Generate hpcffi's out-of-line cffi modules from the real C header.

Run by CMake (python/CMakeLists.txt), not at import time:

    python hpcffi_cffi_gen.py api --header .../hpcffi_decls.h --output _hpcffi_api.c
    python hpcffi_cffi_gen.py abi --header .../hpcffi_decls.h --output _hpcffi_abi.py

The cdef text is the header file itself, read verbatim: hpcffi_decls.h holds
plain C declarations only, so nothing of the ABI is retyped in Python.
"""

import argparse
import pathlib

import cffi


def make_ffi(header):
    ffi = cffi.FFI()
    ffi.cdef(pathlib.Path(header).read_text(encoding="utf-8"))
    return ffi


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("api", "abi"), help="API (C source) or ABI (Python) out-of-line module")
    parser.add_argument("--header", required=True, help="path of include/hpcffi/hpcffi_decls.h")
    parser.add_argument("--output", required=True, help="file to write")
    args = parser.parse_args(argv)

    ffi = make_ffi(args.header)
    if args.kind == "api":
        # The module name must match the CMake target (_hpcffi_api), or the
        # import fails looking for PyInit__hpcffi_api. The C compiler checks
        # every cdef declaration against the real header included here.
        ffi.set_source("hpcffi._hpcffi_api", '#include "hpcffi/hpcffi.h"')
        ffi.emit_c_code(args.output)
    else:
        # set_source(..., None): ABI mode; what ffi.compile() would write.
        ffi.set_source("hpcffi._hpcffi_abi", None)
        ffi.emit_python_code(args.output)


if __name__ == "__main__":
    main()
