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

struct kpool;
/* For kpool's own tests (exported only if KUnit): whether bound @pool believes its
 * CPU is offline. Context: any.
 */
int kp_pool_debug_cpu_offline(struct kpool *pool);
/* For kpool's own tests: the most threads @pool woke in one hold of its lock. */
unsigned int kp_pool_debug_max_wakes_per_hold(struct kpool *pool);
/* For kpool's own tests: report refused self-waits as a log line, not a WARNING. */
void kp_pool_debug_quiet_self_wait(int quiet);
/* For kpool's own tests (core/concurrency.h): whether @pool's workers' sleeps
 * seen by preempt notifiers count (@notifier) and whether its stall timer runs
 * (@stall); both on by default. Context: any.
 */
void kp_pool_debug_set_cm(struct kpool *pool, int notifier, int stall);
/* For kpool's own tests: @pool's runnable workers now. Context: any. */
unsigned int kp_pool_debug_nr_runnable(struct kpool *pool);
/* For kpool's own tests: how many of @pool's per-CPU inbox lists are marked
 * (hold jobs no worker has taken yet). Context: any.
 */
unsigned int kp_pool_debug_inbox_marked(struct kpool *pool);
/* For kpool's own tests: the most thread creations @pool had in flight at once
 * when it grew. Context: any.
 */
unsigned int kp_pool_debug_max_growth_in_flight(struct kpool *pool);
/* For kpool's own tests: jobs @pool's workers claimed and have not started
 * (a batch, src/core/worker.cpp), and the largest batch so far. Context:
 * any.
 */
unsigned int kp_pool_debug_nr_claimed(struct kpool *pool);
unsigned int kp_pool_debug_max_batch(struct kpool *pool);
/* For kpool's own tests: warm hand-offs whose thread ran the function with no
 * lock taken first. Context: any.
 */
unsigned long kp_pool_debug_lockless_handoffs(struct kpool *pool);

#ifdef __cplusplus
}
#endif

#endif
