/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpool's tracepoints (trace system "kpool"): follow a job from enqueue to
 * end, and a thread from spawn to reap, with trace-cmd, perf or bpftrace.
 * A job is identified by its pool and its enqueue time (ns), never by an
 * address; a thread by its pid.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kpool

#if !defined(KPOOL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KPOOL_TRACE_H

#include <linux/tracepoint.h>
#include "kp_compat.h"

/*
 * The TRACE_EVENT layout of include/trace/events/, which clang-format and
 * checkpatch do not know (scripts/lint names the checks it skips here).
 */
/* clang-format off */

DECLARE_EVENT_CLASS(kpool_job_class,
	TP_PROTO(const char *pool, unsigned long long job_ns, unsigned long key),
	TP_ARGS(pool, job_ns, key),
	TP_STRUCT__entry(
		__string(pool, pool)
		__field(unsigned long long, job_ns)
		__field(unsigned long, key)
	),
	TP_fast_assign(
		KP_ASSIGN_STR(pool, pool);
		__entry->job_ns = job_ns;
		__entry->key = key;
	),
	TP_printk("pool=%s job=%llu key=%lu", __get_str(pool), __entry->job_ns, __entry->key)
);

DEFINE_EVENT(kpool_job_class, kpool_enqueue,
	TP_PROTO(const char *pool, unsigned long long job_ns, unsigned long key),
	TP_ARGS(pool, job_ns, key));
DEFINE_EVENT(kpool_job_class, kpool_job_start,
	TP_PROTO(const char *pool, unsigned long long job_ns, unsigned long key),
	TP_ARGS(pool, job_ns, key));
DEFINE_EVENT(kpool_job_class, kpool_job_end,
	TP_PROTO(const char *pool, unsigned long long job_ns, unsigned long key),
	TP_ARGS(pool, job_ns, key));

DECLARE_EVENT_CLASS(kpool_thread_class,
	TP_PROTO(const char *pool, int pid),
	TP_ARGS(pool, pid),
	TP_STRUCT__entry(
		__string(pool, pool)
		__field(int, pid)
	),
	TP_fast_assign(
		KP_ASSIGN_STR(pool, pool);
		__entry->pid = pid;
	),
	TP_printk("pool=%s pid=%d", __get_str(pool), __entry->pid)
);

#define KPOOL_THREAD_EVENT(name)					\
	DEFINE_EVENT(kpool_thread_class, name,				\
		TP_PROTO(const char *pool, int pid), TP_ARGS(pool, pid))

KPOOL_THREAD_EVENT(kpool_handoff);
KPOOL_THREAD_EVENT(kpool_block_begin);
KPOOL_THREAD_EVENT(kpool_block_end);
KPOOL_THREAD_EVENT(kpool_spawn);
KPOOL_THREAD_EVENT(kpool_park);
KPOOL_THREAD_EVENT(kpool_unpark);
KPOOL_THREAD_EVENT(kpool_retire);
KPOOL_THREAD_EVENT(kpool_reap);

TRACE_EVENT(kpool_spawn_failed,
	TP_PROTO(const char *pool, int error),
	TP_ARGS(pool, error),
	TP_STRUCT__entry(
		__string(pool, pool)
		__field(int, error)
	),
	TP_fast_assign(
		KP_ASSIGN_STR(pool, pool);
		__entry->error = error;
	),
	TP_printk("pool=%s error=%d", __get_str(pool), __entry->error)
);

/* clang-format on */

#endif /* KPOOL_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kp_trace
#include <trace/define_trace.h>
