// SPDX-License-Identifier: GPL-2.0
/*
 * Exports kpool's public C API (include/kpool/kpool.h, implemented in
 * src/core/kpool_api.cpp) to other modules, GPL-only.
 */
#include <linux/export.h>
#include <kpool/kpool.h>
#include "core/core.h"
#include "kp_internal.h"

EXPORT_SYMBOL_GPL(kpool_create);
EXPORT_SYMBOL_GPL(kpool_destroy);
EXPORT_SYMBOL_GPL(kpool_default);
EXPORT_SYMBOL_GPL(kpool_name);
EXPORT_SYMBOL_GPL(kpool_set_attrs);
EXPORT_SYMBOL_GPL(kpool_get_attrs);
EXPORT_SYMBOL_GPL(kpool_get_stats);
EXPORT_SYMBOL_GPL(kpool_job_init);
EXPORT_SYMBOL_GPL(kpool_queue);
EXPORT_SYMBOL_GPL(kpool_queue_ordered);
EXPORT_SYMBOL_GPL(kpool_cancel);
EXPORT_SYMBOL_GPL(kpool_cancel_sync);
EXPORT_SYMBOL_GPL(kpool_job_pending);
EXPORT_SYMBOL_GPL(kpool_delayed_job_init);
EXPORT_SYMBOL_GPL(kpool_queue_delayed);
EXPORT_SYMBOL_GPL(kpool_queue_delayed_ordered);
EXPORT_SYMBOL_GPL(kpool_mod_delayed);
EXPORT_SYMBOL_GPL(kpool_flush_job);
EXPORT_SYMBOL_GPL(kpool_drain);
EXPORT_SYMBOL_GPL(kpool_block_begin);
EXPORT_SYMBOL_GPL(kpool_block_end);
EXPORT_SYMBOL_GPL(kpool_current_is_cold_start);
EXPORT_SYMBOL_GPL(kpool_thread_run);
EXPORT_SYMBOL_GPL(kpool_thread_run_named);
EXPORT_SYMBOL_GPL(kpool_thread_stop);
EXPORT_SYMBOL_GPL(kpool_thread_should_stop);
EXPORT_SYMBOL_GPL(kpool_thread_is_done);
EXPORT_SYMBOL_GPL(kpool_kthread_create);
EXPORT_SYMBOL_GPL(kpool_kthread_create_nowait);
EXPORT_SYMBOL_GPL(kpool_kthread_stop);
EXPORT_SYMBOL_GPL(kpool_kthread_park);
EXPORT_SYMBOL_GPL(kpool_kthread_unpark);
EXPORT_SYMBOL_GPL(kpool_kthread_should_park);
EXPORT_SYMBOL_GPL(kpool_kthread_parkme);
EXPORT_SYMBOL_GPL(kpool_kthread_has_exited);
EXPORT_SYMBOL_GPL(kpool_create_bound);
EXPORT_SYMBOL_GPL(kpool_domain_create);
EXPORT_SYMBOL_GPL(kpool_domain_destroy);
EXPORT_SYMBOL_GPL(kpool_domain_queue);
EXPORT_SYMBOL_GPL(kpool_domain_queue_ordered);
EXPORT_SYMBOL_GPL(kpool_domain_queue_delayed);
EXPORT_SYMBOL_GPL(kpool_domain_mod_delayed);
EXPORT_SYMBOL_GPL(kpool_domain_flush);
EXPORT_SYMBOL_GPL(kpool_domain_drain);
EXPORT_SYMBOL_GPL(kpool_domain_cancel_all);

/* Not API: for kpool's KUnit suites only, in KUnit kernels only. */
EXPORT_SYMBOL_IF_KUNIT(kp_pool_debug_cpu_offline);
EXPORT_SYMBOL_IF_KUNIT(kp_pool_debug_max_wakes_per_hold);
EXPORT_SYMBOL_IF_KUNIT(kp_pool_debug_quiet_self_wait);
EXPORT_SYMBOL_IF_KUNIT(kp_pool_debug_set_cm);
EXPORT_SYMBOL_IF_KUNIT(kp_pool_debug_nr_runnable);
EXPORT_SYMBOL_IF_KUNIT(kp_pool_debug_max_growth_in_flight);
EXPORT_SYMBOL_IF_KUNIT(kp_pool_debug_nr_claimed);
EXPORT_SYMBOL_IF_KUNIT(kp_pool_debug_max_batch);
EXPORT_SYMBOL_IF_KUNIT(kp_pool_debug_lockless_handoffs);
EXPORT_SYMBOL_IF_KUNIT(kp_pool_debug_inbox_marked);
