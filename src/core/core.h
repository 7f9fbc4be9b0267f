/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry points of kpool's C++ core called from the C module glue
 * (src/shim/kp_module.c). C and C++ neutral.
 */
#ifndef KPOOL_CORE_H
#define KPOOL_CORE_H

#include <kpool/kpool.h> /* KPOOL_VERSION */

#ifdef __cplusplus
extern "C" {
#endif

struct kpool_attrs;

/* Context: process context, may sleep. @defaults sizes the default pool
 * (module parameters). Returns 0 or -errno; on error nothing is left behind. */
int kpool_core_init(const struct kpool_attrs *defaults);
/* Context: process context, may sleep. */
void kpool_core_exit(void);

#ifdef __cplusplus
}
#endif

#endif
