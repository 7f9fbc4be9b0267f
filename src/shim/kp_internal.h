/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the C shim: the internal ABI between kpool.ko and its own
 * companion modules (the KUnit suites, the benchmarks). Such a symbol is
 * exported right after its definition, in the symbol namespace
 * KPOOL_INTERNAL:
 *
 *	EXPORT_SYMBOL_NS_GPL(kp_log, KPOOL_INTERNAL);
 *
 * (spelt out, not wrapped in a macro, so that checkpatch recognises the
 * export). Symbols in this namespace are not kpool's public API, which is
 * include/kpool/kpool.h (exported from kp_exports.c).
 */
#ifndef KPOOL_SHIM_INTERNAL_H
#define KPOOL_SHIM_INTERNAL_H

#include <linux/export.h>

#endif
