// SPDX-License-Identifier: GPL-2.0
/*
 * Exports the C++ runtime of kpool.ko (src/base/runtime.cpp) to kpool's own
 * companion modules, which are C++ too, so each does not need a copy. The
 * names are the Itanium C++ ABI manglings of the usual operator delete forms.
 */
#include <linux/types.h>
#include "kp_internal.h"

void _ZdlPv(void *p);
EXPORT_SYMBOL_NS_GPL(_ZdlPv, KPOOL_INTERNAL);
void _ZdlPvm(void *p, size_t size);
EXPORT_SYMBOL_NS_GPL(_ZdlPvm, KPOOL_INTERNAL);
void _ZdaPv(void *p);
EXPORT_SYMBOL_NS_GPL(_ZdaPv, KPOOL_INTERNAL);
void _ZdaPvm(void *p, size_t size);
EXPORT_SYMBOL_NS_GPL(_ZdaPvm, KPOOL_INTERNAL);
void __cxa_pure_virtual(void);
EXPORT_SYMBOL_NS_GPL(__cxa_pure_virtual, KPOOL_INTERNAL);
