/*
 * hpcffi.h -- the public C header of hpcffi: parallel C++ kernels (heat
 * equation, Fibonacci, the cffi lesson's add demo) behind a plain C ABI.
 *
 * THIS IS A HEADER FILE, NOT A MANUAL: the functions are documented in
 * hpcffi_decls.h and in docs/c-abi.md ("The C ABI").
 *
 * The declarations live in hpcffi_decls.h so that the Python package can feed
 * the very same text to cffi's cdef(); this file only adds what cdef cannot
 * read: guards, system headers, extern "C", visibility, version macros.
 */
#ifndef HPCFFI_HPCFFI_H
#define HPCFFI_HPCFFI_H

#include <stddef.h>
#include <stdint.h>

#include "hpcffi/hpcffi_version.h" /* HPCFFI_VERSION_MAJOR/MINOR/PATCH/STRING */

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#include "hpcffi/hpcffi_decls.h"

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HPCFFI_HPCFFI_H */
