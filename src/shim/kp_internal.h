/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the C shim: how kpool.ko lends its internals to its KUnit suites
 * (kpool_test.ko) and to no one else. Such a symbol is exported right after
 * its definition with the kernel's KUnit convention:
 *
 *	EXPORT_SYMBOL_IF_KUNIT(kp_log);
 *
 * which exports it into the namespace EXPORTED_FOR_KUNIT_TESTING only when
 * the kernel has CONFIG_KUNIT, and not at all otherwise (a distribution
 * kernel), so a stock build of kpool.ko exports exactly the public API of
 * include/kpool/kpool.h (kp_exports.c; scripts/check-exports proves it in
 * make check). The suites import the namespace; the companion modules
 * (src/bench, src/stress, src/xpc) use only the public API and the kernel's.
 */
#ifndef KPOOL_SHIM_INTERNAL_H
#define KPOOL_SHIM_INTERNAL_H

#include <linux/export.h>
#include <kunit/visibility.h>

#endif
