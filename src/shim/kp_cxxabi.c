// SPDX-License-Identifier: GPL-2.0
/*
 * Exports the C++ runtime of kpool.ko (src/base/runtime.cpp) to kpool's own
 * companion modules, which are C++ too, so each does not need a copy. The
 * names are the Itanium C++ ABI manglings of the usual operator delete forms.
 */
#include <linux/types.h>
#include "kp_internal.h"

void _ZdlPv(void *p);
EXPORT_SYMBOL_IF_KUNIT(_ZdlPv);
void _ZdlPvm(void *p, size_t size);
EXPORT_SYMBOL_IF_KUNIT(_ZdlPvm);
void _ZdaPv(void *p);
EXPORT_SYMBOL_IF_KUNIT(_ZdaPv);
void _ZdaPvm(void *p, size_t size);
EXPORT_SYMBOL_IF_KUNIT(_ZdaPvm);
void __cxa_pure_virtual(void);
EXPORT_SYMBOL_IF_KUNIT(__cxa_pure_virtual);
