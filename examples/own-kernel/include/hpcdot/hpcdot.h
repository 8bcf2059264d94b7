/*
 * hpcdot.h -- the public C header of hpcdot: guards, system headers, extern "C"
 * and symbol visibility around hpcdot_decls.h, where the functions are
 * documented. Status codes are hpcffi's (enum hpcffi_status).
 */
#ifndef HPCDOT_HPCDOT_H
#define HPCDOT_HPCDOT_H

#include <stdint.h>

#include <hpcffi/hpcffi.h> /* enum hpcffi_status */

#ifdef __cplusplus
extern "C" {
#endif
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#include "hpcdot/hpcdot_decls.h"

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif

#endif /* HPCDOT_HPCDOT_H */
