// SPDX-License-Identifier: GPL-2.0
/*
 * Exports the C++ runtime of kpool.ko (src/base/runtime.cpp) that kpool's
 * KUnit suites, C++ too, call instead of carrying a copy: the sized operator
 * delete (its Itanium C++ ABI mangling), in KUnit kernels only.
 */
#include <linux/types.h>
#include "kp_internal.h"

void _ZdlPvm(void *p, size_t size);
EXPORT_SYMBOL_IF_KUNIT(_ZdlPvm);
