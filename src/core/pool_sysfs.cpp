// SPDX-License-Identifier: GPL-2.0
// What /sys/kernel/kpool/<pool>/ files say and accept (the kobjects are in
// src/shim/kp_sysfs.c). Writes are strict decimals, validated as a whole
// against the pool's other sizes; on error nothing changes. Nothing readable
// contains a kernel address.
#include "core/pool.h"
#include "base/debug.h"

using kp::Pool;

namespace {

constexpr long kPage = 4096;

long emit_ulong(char *buf, unsigned long long v)
{
	return kp_snprintf(buf, kPage, "%llu\n", v);
}

} // namespace

extern "C" long kp_pool_attr_show(void *p, enum kp_attr attr, char *buf)
{
	Pool *pool = static_cast<Pool *>(p);
	kpool_attrs a = pool->attrs();
	kpool_stats st;

	switch (attr) {
	case KP_ATTR_MIN_THREADS: return emit_ulong(buf, a.min_threads);
	case KP_ATTR_MAX_THREADS: return emit_ulong(buf, a.max_threads);
	case KP_ATTR_IDLE_TIMEOUT_MS: return emit_ulong(buf, a.idle_timeout_ms);
	case KP_ATTR_RESERVE: return emit_ulong(buf, a.reserve);
	case KP_ATTR_NICE: return kp_snprintf(buf, kPage, "%d\n", a.nice);
	case KP_ATTR_CPUMASK: return pool->show_cpumask(buf, kPage);
	case KP_ATTR_STALL_TIMEOUT_MS:
		return emit_ulong(buf, pool->concurrency().stall_timeout_ms());
	case KP_ATTR_NR_RUNNABLE: return emit_ulong(buf, pool->nr_runnable());
	case KP_ATTR_LATENCY_STATS: return emit_ulong(buf, pool->latency_stats());
	default: break;
	}

	if (attr == KP_ATTR_LATENCY_HIST) {
		// One line per non-empty bucket: "<upper bound ns> <count>".
		unsigned long b[Pool::kHistBuckets];
		pool->histogram(b);
		long n = 0;
		for (unsigned int i = 0; i < Pool::kHistBuckets; i++) {
			if (b[i])
				n += kp_snprintf(buf + n, kPage - n, "%llu %lu\n", 1ull << (i + 1),
						 b[i]);
		}
		return n;
	}

	pool->stats(st);
	switch (attr) {
	case KP_ATTR_NR_THREADS: return emit_ulong(buf, st.nr_threads);
	case KP_ATTR_NR_IDLE: return emit_ulong(buf, st.nr_idle);
	case KP_ATTR_NR_PARKED: return emit_ulong(buf, st.nr_parked);
	case KP_ATTR_NR_RUNNING: return emit_ulong(buf, st.nr_running);
	case KP_ATTR_NR_BLOCKED: return emit_ulong(buf, st.nr_blocked);
	case KP_ATTR_NR_QUEUED: return emit_ulong(buf, st.nr_queued);
	case KP_ATTR_COMPLETED: return emit_ulong(buf, st.completed);
	case KP_ATTR_WARM_HANDOFFS: return emit_ulong(buf, st.warm_handoffs);
	case KP_ATTR_COLD_STARTS: return emit_ulong(buf, st.cold_starts);
	case KP_ATTR_SPAWN_FAILURES: return emit_ulong(buf, st.spawn_failures);
	case KP_ATTR_REAPED: return emit_ulong(buf, st.reaped);
	case KP_ATTR_CANCELLED: return emit_ulong(buf, st.cancelled);
	case KP_ATTR_OLDEST_JOB_AGE_MS: return emit_ulong(buf, st.oldest_job_age_ns / 1000000);
	default: return -kp::EINVAL;
	}
}

extern "C" long kp_pool_attr_store(void *p, enum kp_attr attr, const char *buf, kp_size_t len)
{
	Pool *pool = static_cast<Pool *>(p);
	long value;
	int ret;

	if (attr >= KP_ATTR_NR_WRITABLE)
		return -kp::EINVAL;
	if (attr == KP_ATTR_CPUMASK) {
		if (auto r = pool->set_cpumask(buf, len); r.is_error())
			return r.code();
		return static_cast<long>(len);
	}
	if (attr == KP_ATTR_NICE) {
		int v;
		ret = kp_parse_int(buf, len, &v);
		value = v;
	} else {
		unsigned int v;
		ret = kp_parse_uint(buf, len, &v);
		value = v;
	}
	if (ret)
		return ret;
	if (auto r = pool->set_one(attr, value); r.is_error())
		return r.code();
	return static_cast<long>(len);
}
