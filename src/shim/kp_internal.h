/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the C shim: the export macro for the internal ABI between kpool.ko
 * and its own companion modules (the KUnit suites, the benchmarks). Symbols in
 * this namespace are not kpool's public API, which is include/kpool/kpool.h.
 */
#ifndef KPOOL_SHIM_INTERNAL_H
#define KPOOL_SHIM_INTERNAL_H

#include <linux/export.h>

#define KP_EXPORT_INTERNAL(sym) EXPORT_SYMBOL_NS_GPL(sym, KPOOL_INTERNAL)

#endif
