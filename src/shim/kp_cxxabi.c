// SPDX-License-Identifier: GPL-2.0
/*
 * Exports the C++ runtime of kpool.ko (src/base/runtime.cpp) to kpool's own
 * companion modules, which are C++ too, so each does not need a copy. The
 * names are the Itanium C++ ABI manglings of the usual operator delete forms.
 */
#include <linux/types.h>
#include "kp_internal.h"

void _ZdlPv(void *p);
void _ZdlPvm(void *p, size_t size);
void _ZdaPv(void *p);
void _ZdaPvm(void *p, size_t size);
void __cxa_pure_virtual(void);

KP_EXPORT_INTERNAL(_ZdlPv);
KP_EXPORT_INTERNAL(_ZdlPvm);
KP_EXPORT_INTERNAL(_ZdaPv);
KP_EXPORT_INTERNAL(_ZdaPvm);
KP_EXPORT_INTERNAL(__cxa_pure_virtual);
