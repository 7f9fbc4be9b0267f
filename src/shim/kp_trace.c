// SPDX-License-Identifier: GPL-2.0
/* Shim: kpool's tracepoints (kp_trace.h), callable from C++. */
#define CREATE_TRACE_POINTS
#include "kp_trace.h"
#include <linux/timekeeping.h>
#include "shim.h"

/*
 * The clocksource read of ktime_get_ns() is the dearest part of a tiny job:
 * rdtsc, or an HPET or ACPI PM timer access where the TSC is unstable, and
 * in a TCG guest a helper call either way. It is paid only when the time is
 * used: the pool's latency histogram (@precise) or a job tracepoint (its job
 * id), both behind a static key or a flag read. The coarse time is the
 * timekeeper's last update, the same clock (CLOCK_MONOTONIC), never ahead of
 * it: a tick old, more when ticks run late (a loaded host, a TCG guest).
 */
kp_u64 kp_stamp_ns(int precise)
{
	if (precise || trace_kpool_enqueue_enabled() || trace_kpool_job_start_enabled() ||
	    trace_kpool_job_end_enabled())
		return ktime_get_ns();
	return ktime_get_coarse_ns();
}

void kp_trace_job(enum kp_trace_job_event ev, const char *pool, kp_u64 job_ns, unsigned long key)
{
	switch (ev) {
	case KP_TRACE_ENQUEUE:
		trace_kpool_enqueue(pool, job_ns, key);
		break;
	case KP_TRACE_JOB_START:
		trace_kpool_job_start(pool, job_ns, key);
		break;
	case KP_TRACE_JOB_END:
		trace_kpool_job_end(pool, job_ns, key);
		break;
	}
}

void kp_trace_thread(enum kp_trace_thread_event ev, const char *pool, int pid)
{
	switch (ev) {
	case KP_TRACE_HANDOFF:
		trace_kpool_handoff(pool, pid);
		break;
	case KP_TRACE_BLOCK_BEGIN:
		trace_kpool_block_begin(pool, pid);
		break;
	case KP_TRACE_BLOCK_END:
		trace_kpool_block_end(pool, pid);
		break;
	case KP_TRACE_SPAWN:
		trace_kpool_spawn(pool, pid);
		break;
	case KP_TRACE_PARK:
		trace_kpool_park(pool, pid);
		break;
	case KP_TRACE_UNPARK:
		trace_kpool_unpark(pool, pid);
		break;
	case KP_TRACE_RETIRE:
		trace_kpool_retire(pool, pid);
		break;
	case KP_TRACE_REAP:
		trace_kpool_reap(pool, pid);
		break;
	}
}

void kp_trace_spawn_failed(const char *pool, int error)
{
	trace_kpool_spawn_failed(pool, error);
}
