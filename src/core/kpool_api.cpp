// SPDX-License-Identifier: GPL-2.0
// The C API of include/kpool/kpool.h, implemented over the C++ core. The
// symbols are exported (GPL) by src/shim/kp_exports.c. Contracts are in the
// header; this file only adapts.
#include "kpool/kpool.h"
#include "core/pool.h"
#include "core/domain.h"
#include "core/registry.h"
#include "core/kpool_main.h"
#include "core/core.h"
#include "base/debug.h"

using kp::Pool;
using kp::Domain;
using kp::EINVAL;
using kp::ENOMEM;
using kp::EDEADLK;
using kp::Result;

// The handle behind struct kpool_kthread.
struct kpool_kthread {
	kp::KThread thread;
};

namespace {

Pool *to_pool(struct kpool *p)
{
	return reinterpret_cast<Pool *>(p);
}
struct kpool *to_c(Pool *p)
{
	return reinterpret_cast<struct kpool *>(p);
}

} // namespace

extern "C" int kpool_create(const char *name, const struct kpool_attrs *attrs, struct kpool **out)
{
	if (!attrs || !out)
		return -EINVAL;
	auto r = kp::registry::create_pool(name, *attrs);
	if (r.is_error())
		return r.code();
	*out = to_c(r.value());
	return 0;
}

extern "C" int kpool_create_bound(const char *name, const struct kpool_attrs *attrs,
				  unsigned int cpu, struct kpool **out)
{
	if (!attrs || !out || cpu >= kp_nr_cpu_ids() || !kp_cpu_possible(cpu))
		return -EINVAL;
	auto r = kp::registry::create_pool(name, *attrs, static_cast<int>(cpu));
	if (r.is_error())
		return r.code();
	*out = to_c(r.value());
	return 0;
}

extern "C" int kpool_destroy(struct kpool *pool)
{
	if (!pool)
		return 0;
	if (KP_WARN_ON_ONCE(pool == kpool_default()))
		return -EINVAL;
	// From one of its own threads it would wait for itself; nothing changes.
	if (to_pool(pool)->is_own_thread()) {
		Pool::report_self_wait(Pool::SelfWait::Destroy, to_pool(pool)->name());
		return -EDEADLK;
	}
	// Its domains' users still queue on it: they are destroyed first.
	if (KP_WARN_ON_ONCE(to_pool(pool)->has_domains()))
		return -kp::EBUSY;
	kp::registry::destroy_pool(to_pool(pool));
	return 0;
}

extern "C" struct kpool *kpool_default(void)
{
	return to_c(kp::default_pool());
}

extern "C" const char *kpool_name(struct kpool *pool)
{
	return to_pool(pool)->name();
}

extern "C" int kpool_set_attrs(struct kpool *pool, const struct kpool_attrs *attrs)
{
	if (!pool || !attrs)
		return -EINVAL;
	return to_pool(pool)->set_attrs(*attrs).code();
}

extern "C" void kpool_get_attrs(struct kpool *pool, struct kpool_attrs *attrs)
{
	*attrs = to_pool(pool)->attrs();
}

extern "C" void kpool_get_stats(struct kpool *pool, struct kpool_stats *stats)
{
	to_pool(pool)->stats(*stats);
}

extern "C" void kpool_job_init(struct kpool_job *job, kpool_job_fn func, kpool_job_fn cancel)
{
	*job = {};
	job->kp_func = func;
	job->kp_cancel = cancel;
}

namespace {

int queue_result(Result<Pool::QueueResult> r)
{
	if (r.is_error())
		return r.code();
	return r.value() == Pool::QueueResult::Pending ? KPOOL_ALREADY_PENDING : 0;
}

// Calls @mod until it does not fail with -EAGAIN (the job's timer is firing:
// it is queued in a moment, and the next call takes it).
template <typename Mod>
int mod_delayed_result(Mod mod)
{
	for (;;) {
		auto r = mod();
		if (r.code() != -kp::EAGAIN)
			return queue_result(kp::move(r));
		kp_cpu_relax();
	}
}

} // namespace

extern "C" int kpool_queue(struct kpool *pool, struct kpool_job *job)
{
	if (!pool || !job || !job->kp_func)
		return -EINVAL;
	return queue_result(to_pool(pool)->queue(*job, 0));
}

extern "C" int kpool_queue_ordered(struct kpool *pool, struct kpool_job *job, unsigned long key)
{
	if (!pool || !job || !job->kp_func || !key)
		return -EINVAL;
	return queue_result(to_pool(pool)->queue(*job, key));
}

extern "C" int kpool_cancel(struct kpool_job *job)
{
	if (!job)
		return 0;
	for (;;) {
		struct kpool *pool = __atomic_load_n(&job->kp_pool, __ATOMIC_RELAXED);
		// A job not queued needs no pool (which may be gone by now).
		if (!pool || __atomic_load_n(&job->kp_state, __ATOMIC_RELAXED) == 0)
			return 0;
		switch (to_pool(pool)->cancel(*job)) {
		case Pool::CancelResult::Cancelled: return 1;
		case Pool::CancelResult::NotQueued: return 0;
		case Pool::CancelResult::Moved: break; // queued elsewhere since: again
		case Pool::CancelResult::Retry: kp_cpu_relax(); break; // a timer firing
		}
	}
}

extern "C" int kpool_cancel_sync(struct kpool_job *job)
{
	kp::might_sleep();
	if (!job)
		return 0;
	for (;;) {
		struct kpool *pool = __atomic_load_n(&job->kp_pool, __ATOMIC_RELAXED);
		if (!pool)
			return 0; // never queued
		switch (to_pool(pool)->cancel_sync(*job)) {
		case Pool::CancelResult::Cancelled: return 1;
		case Pool::CancelResult::NotQueued: return 0;
		case Pool::CancelResult::Moved: break; // queued elsewhere since: again
		case Pool::CancelResult::Retry: break; // not returned by cancel_sync()
		}
	}
}

// The timer of a delayed job (TIMER_IRQSAFE: interrupts off).
extern "C" void kp_delayed_job_timer(struct timer_list *timer);
extern "C" void kp_delayed_job_timer(struct timer_list *timer)
{
	auto *dj = reinterpret_cast<kpool_delayed_job *>(
		reinterpret_cast<char *>(timer) - __builtin_offsetof(kpool_delayed_job, kp_timer));
	// Stored before the timer was armed, unchanged while it is.
	to_pool(__atomic_load_n(&dj->job.kp_pool, __ATOMIC_ACQUIRE))->timer_fired(*dj);
}

extern "C" void kpool_delayed_job_init(struct kpool_delayed_job *dj, kpool_job_fn func,
				       kpool_job_fn cancel)
{
	kpool_job_init(&dj->job, func, cancel);
	kp_timer_setup_irqsafe(dj->kp_timer, kp_delayed_job_timer);
}

extern "C" int kpool_queue_delayed(struct kpool *pool, struct kpool_delayed_job *dj,
				   unsigned long delay)
{
	if (!pool || !dj || !dj->job.kp_func)
		return -EINVAL;
	return queue_result(to_pool(pool)->queue_delayed(*dj, 0, delay));
}

extern "C" int kpool_queue_delayed_ordered(struct kpool *pool, struct kpool_delayed_job *dj,
					   unsigned long key, unsigned long delay)
{
	if (!pool || !dj || !dj->job.kp_func || !key)
		return -EINVAL;
	return queue_result(to_pool(pool)->queue_delayed(*dj, key, delay));
}

extern "C" int kpool_mod_delayed(struct kpool *pool, struct kpool_delayed_job *dj,
				 unsigned long delay)
{
	if (!pool || !dj || !dj->job.kp_func)
		return -EINVAL;
	return mod_delayed_result([&] { return to_pool(pool)->mod_delayed(*dj, delay); });
}

extern "C" int kpool_job_pending(const struct kpool_job *job)
{
	return job && Pool::is_pending(*job);
}

extern "C" int kpool_flush_job(struct kpool_job *job)
{
	if (!job || !job->kp_pool)
		return 0;
	return to_pool(job->kp_pool)->flush_job(*job).code();
}

extern "C" int kpool_drain(struct kpool *pool)
{
	if (!pool)
		return -EINVAL;
	return to_pool(pool)->drain().code();
}

extern "C" void kpool_block_begin(void)
{
	Pool::block_begin();
}

extern "C" void kpool_block_end(void)
{
	Pool::block_end();
}

extern "C" int kpool_current_is_cold_start(void)
{
	return Pool::current_is_cold_start();
}

extern "C" int kpool_thread_run(struct kpool *pool, struct kpool_thread *t, kpool_thread_fn fn,
				void *arg)
{
	if (!pool || !t || !fn)
		return -EINVAL;
	return to_pool(pool)->thread_run(*t, fn, arg, nullptr).code();
}

extern "C" int kpool_thread_run_named(struct kpool *pool, struct kpool_thread *t,
				      kpool_thread_fn fn, void *arg, const char *name)
{
	if (!pool || !t || !fn)
		return -EINVAL;
	return to_pool(pool)->thread_run(*t, fn, arg, name).code();
}

extern "C" int kpool_thread_stop(struct kpool_thread *t)
{
	if (!t || !t->kp_pool)
		return -EINVAL;
	// Done: the worker no longer touches @t, and the pool may be gone
	// (destroyed with @t finished), so answer without it.
	if (__atomic_load_n(&t->kp_state, __ATOMIC_ACQUIRE) == 3) {
		t->kp_state = 0;
		return t->kp_result;
	}
	return to_pool(t->kp_pool)->thread_stop(*t);
}

// ---- domains -----------------------------------------------------------------------

namespace {

Domain *to_dom(struct kpool_domain *d)
{
	return reinterpret_cast<Domain *>(d);
}

} // namespace

extern "C" int kpool_domain_create(struct kpool *pool, const char *name, unsigned int max_active,
				   struct kpool_domain **out)
{
	if (!out)
		return -EINVAL;
	Pool *p = pool ? to_pool(pool) : kp::default_pool();
	auto r = Domain::create(*p, name, max_active);
	if (r.is_error())
		return r.code();
	*out = reinterpret_cast<struct kpool_domain *>(r.value());
	return 0;
}

extern "C" int kpool_domain_destroy(struct kpool_domain *dom)
{
	if (!dom)
		return 0;
	return to_dom(dom)->destroy().code();
}

extern "C" int kpool_domain_queue(struct kpool_domain *dom, struct kpool_job *job)
{
	if (!dom || !job || !job->kp_func)
		return -EINVAL;
	return queue_result(to_dom(dom)->queue(*job, 0));
}

extern "C" int kpool_domain_queue_ordered(struct kpool_domain *dom, struct kpool_job *job,
					  unsigned long key)
{
	if (!dom || !job || !job->kp_func || !key)
		return -EINVAL;
	return queue_result(to_dom(dom)->queue(*job, key));
}

extern "C" int kpool_domain_queue_delayed(struct kpool_domain *dom, struct kpool_delayed_job *dj,
					  unsigned long delay)
{
	if (!dom || !dj || !dj->job.kp_func)
		return -EINVAL;
	return queue_result(to_dom(dom)->queue_delayed(*dj, delay));
}

extern "C" int kpool_domain_mod_delayed(struct kpool_domain *dom, struct kpool_delayed_job *dj,
					unsigned long delay)
{
	if (!dom || !dj || !dj->job.kp_func)
		return -EINVAL;
	return mod_delayed_result([&] { return to_dom(dom)->mod_delayed(*dj, delay); });
}

extern "C" int kpool_domain_flush(struct kpool_domain *dom)
{
	if (!dom)
		return -EINVAL;
	return to_dom(dom)->flush().code();
}

extern "C" int kpool_domain_drain(struct kpool_domain *dom)
{
	if (!dom)
		return -EINVAL;
	return to_dom(dom)->drain().code();
}

extern "C" int kpool_domain_cancel_all(struct kpool_domain *dom)
{
	if (!dom)
		return -EINVAL;
	return static_cast<int>(to_dom(dom)->cancel_all());
}

extern "C" int kp_pool_debug_cpu_offline(struct kpool *pool)
{
	return to_pool(pool)->is_cpu_offline();
}

extern "C" unsigned int kp_pool_debug_max_wakes_per_hold(struct kpool *pool)
{
	return to_pool(pool)->max_wakes_per_hold();
}

extern "C" void kp_pool_debug_quiet_self_wait(int quiet)
{
	Pool::set_quiet_self_wait(quiet);
}

extern "C" void kp_pool_debug_set_cm(struct kpool *pool, int notifier, int stall)
{
	kp::Concurrency &cm = to_pool(pool)->concurrency();
	cm.set_use_notifier(notifier);
	cm.set_use_stall(stall);
}

extern "C" unsigned int kp_pool_debug_nr_runnable(struct kpool *pool)
{
	return to_pool(pool)->nr_runnable();
}

extern "C" unsigned int kp_pool_debug_inbox_marked(struct kpool *pool)
{
	return to_pool(pool)->inbox_marked();
}

extern "C" unsigned int kp_pool_debug_max_growth_in_flight(struct kpool *pool)
{
	return to_pool(pool)->max_growth_in_flight();
}

extern "C" unsigned int kp_pool_debug_nr_claimed(struct kpool *pool)
{
	return to_pool(pool)->nr_claimed();
}

extern "C" unsigned int kp_pool_debug_max_batch(struct kpool *pool)
{
	return to_pool(pool)->max_batch();
}

extern "C" unsigned long kp_pool_debug_lockless_handoffs(struct kpool *pool)
{
	return to_pool(pool)->lockless_handoffs();
}

extern "C" int kpool_thread_should_stop(void)
{
	return Pool::current_should_stop();
}

extern "C" int kpool_thread_is_done(struct kpool_thread *t)
{
	return __atomic_load_n(&t->kp_state, __ATOMIC_ACQUIRE) == 3;
}

namespace {

int kthread_create_common(kpool_thread_fn fn, kpool_thread_fn init, void *arg, const char *name,
			  kp::KThread::Wait wait, struct kpool_kthread **out)
{
	if (!fn || !name || !out)
		return -EINVAL;
	auto *h = new (kp::Gfp::Kernel) kpool_kthread;
	if (!h)
		return -ENOMEM;
	auto r = kp::KThread::create(fn, init, arg, name, wait);
	if (r.is_error()) {
		delete h;
		return r.code();
	}
	h->thread = r.release_value();
	*out = h;
	return 0;
}

} // namespace

extern "C" int kpool_kthread_create(kpool_thread_fn fn, kpool_thread_fn init, void *arg,
				    const char *name, struct kpool_kthread **out)
{
	return kthread_create_common(fn, init, arg, name, kp::KThread::Wait::ForInit, out);
}

extern "C" int kpool_kthread_create_nowait(kpool_thread_fn fn, void *arg, const char *name,
					   struct kpool_kthread **out)
{
	return kthread_create_common(fn, nullptr, arg, name, kp::KThread::Wait::NoWait, out);
}

extern "C" int kpool_kthread_stop(struct kpool_kthread *t)
{
	if (!t)
		return -EINVAL;
	int ret = t->thread.stop();
	delete t;
	return ret;
}

extern "C" int kpool_kthread_park(struct kpool_kthread *t)
{
	return t->thread.park();
}

extern "C" void kpool_kthread_unpark(struct kpool_kthread *t)
{
	t->thread.unpark();
}

extern "C" int kpool_kthread_should_park(void)
{
	return kp::KThread::should_park();
}

extern "C" void kpool_kthread_parkme(void)
{
	kp::KThread::parkme();
}

extern "C" int kpool_kthread_has_exited(struct kpool_kthread *t)
{
	return t->thread.has_exited();
}
