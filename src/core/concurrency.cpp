// SPDX-License-Identifier: GPL-2.0
// Concurrency: see concurrency.h for the rules. This file explains the
// orderings that keep a wake-up from being lost.
#include "core/concurrency.h"
#include "base/errno.h"
#include "core/worker.h"

namespace kp {

Result<void> Concurrency::init(void *owner, unsigned int target)
{
	set_target(target);
	m_events = kp_cm_events_create(owner);
	if (!m_events)
		return err(-ENOMEM);
	return {};
}

void Concurrency::shutdown()
{
	// Waits for a running irq_work or stall timer callback.
	kp_cm_events_destroy(exchange(m_events, static_cast<void *>(nullptr)));
}

Concurrency::~Concurrency()
{
	shutdown();
}

// The one place that changes nr_runnable. The worker's fields are its own
// (see the legend); the counter is shared with the other workers' hooks,
// hence the atomic, full-barrier read-modify-write.
int Concurrency::update(WorkerCm &w)
{
	bool runnable = w.m_active && !w.m_block_depth && !w.m_sleeping;
	if (runnable == w.m_counted)
		return 0;
	w.m_counted = runnable;
	if (runnable) {
		m_nr_runnable.fetch_add(1);
		return 1;
	}
	m_nr_runnable.fetch_sub(1);
	return -1;
}

int Concurrency::set_active_locked(WorkerCm &w, bool active)
{
	w.m_active = active;
	return update(w);
}

int Concurrency::block_begin_locked(WorkerCm &w)
{
	w.m_block_depth++;
	return update(w);
}

int Concurrency::block_end_locked(WorkerCm &w)
{
	if (w.m_block_depth)
		w.m_block_depth--;
	return update(w);
}

int Concurrency::clear_block_locked(WorkerCm &w)
{
	w.m_block_depth = 0;
	return update(w);
}

// A worker going to sleep inside a job. The count drops (a full barrier)
// before the queue is looked at; a submitter adds its job before it looks at
// the count (wake_for_work_locked()'s barrier): one of the two sees the
// other, so either the submitter wakes a worker or we kick the irq_work,
// which does it under the pool lock. A free worker going to sleep was not
// counted, so its own sleep changes nothing here.
void Concurrency::sched_out_sleeping(WorkerCm &w, bool has_claims)
{
	if (!m_use_notifier.load_relaxed())
		return;
	__atomic_store_n(&w.m_sleeping, true, __ATOMIC_RELAXED); // read by the irq_work
	// Jobs it claimed are given back by the irq_work.
	if (update(w) < 0 && ((jobs_waiting() && nr_runnable() < target()) || has_claims))
		kick();
}

void Concurrency::sched_in(WorkerCm &w)
{
	// Always cleared, even if the notifier was turned off meanwhile.
	if (!w.m_sleeping)
		return;
	__atomic_store_n(&w.m_sleeping, false, __ATOMIC_RELAXED);
	update(w);
}

bool Concurrency::should_wake_locked(unsigned int woken) const
{
	// No more workers on their way than jobs wait (a marked inbox counts
	// as one until it is taken).
	if (woken >= jobs_waiting())
		return false;
	// Orders the job just queued before the read of the count (see
	// sched_out_sleeping()).
	full_barrier();
	// A woken worker counts as runnable already: it will be. Waiting for
	// it to run before waking the next (one wake-up latency per worker,
	// up to a tick here when the wakee's CPU is busy) made a burst of
	// blocking jobs start one worker at a time.
	return nr_runnable() + woken < target();
}

bool Concurrency::should_grow_locked(unsigned int free, unsigned int woken,
				     unsigned int in_flight) const
{
	if (!jobs_waiting() || in_flight)
		return false;
	if (m_stalled)
		return true;
	return !free && !woken && nr_runnable() < target();
}

void Concurrency::grow_started_locked(unsigned int in_flight)
{
	m_stalled = false;
	if (in_flight > m_max_in_flight)
		m_max_in_flight = in_flight;
}

// Armed when a job is queued and the timer is idle, so it costs one
// mod_timer() per stall period at most, not one per job.
void Concurrency::arm_stall_locked()
{
	if (m_stall_armed || m_stall_stopped || !m_use_stall.load_relaxed() || !jobs_waiting())
		return;
	m_stall_armed = true;
	m_started_at_arm = m_started;
	kp_cm_events_arm_timer(m_events,
			       kp_jiffies() + kp_msecs_to_jiffies(m_stall_ms.load_relaxed()));
}

bool Concurrency::stall_check_locked(unsigned long long oldest_age_ns, unsigned int woken)
{
	m_stall_armed = false;
	if (m_stall_stopped || !m_use_stall.load_relaxed() || !jobs_waiting())
		return false;
	unsigned long long bound_ns = m_stall_ms.load_relaxed() * 1000000ull;
	// No job started for a whole period and the oldest waited longer than
	// the bound: whoever should take it sleeps without saying so. Not so
	// while a woken worker has yet to run (a stall answered a period ago,
	// on a slow or busy CPU): it takes the job when it runs, and waking
	// another one for the same job leaves one of them with nothing to do,
	// off the free lists meanwhile.
	bool stalled = !woken && m_started == m_started_at_arm && oldest_age_ns >= bound_ns;
	if (stalled)
		m_stalled = true;
	arm_stall_locked(); // jobs still wait: watch the next period
	return stalled;
}

Result<void> Concurrency::set_stall_timeout_ms(unsigned long ms)
{
	if (ms < kStallMinMs || ms > kStallMaxMs)
		return err(-ERANGE);
	m_stall_ms.store_relaxed(ms);
	return {};
}

} // namespace kp

// The scheduler's hooks (src/shim/kp_notifier.c): @pn is the Hook's first
// member. The worker, and so its pool, outlives its registration: a worker
// unregisters before its thread returns.
extern "C" void kp_cm_sched_in(void *pn)
{
	kp::Worker *w = static_cast<kp::WorkerCm::Hook *>(pn)->worker;
	w->m_pool->concurrency().sched_in(w->m_cm);
}

extern "C" void kp_cm_sched_out_sleeping(void *pn)
{
	kp::Worker *w = static_cast<kp::WorkerCm::Hook *>(pn)->worker;
	// m_nr_batch changes under the pool lock only, never held across a
	// switch: stable while we run on its behalf.
	w->m_pool->concurrency().sched_out_sleeping(w->m_cm, w->m_nr_batch > 1);
}

extern "C" void kp_cm_irq_work(void *owner)
{
	static_cast<kp::Pool *>(owner)->cm_irq_work();
}

extern "C" void kp_cm_stall_timer(void *owner)
{
	static_cast<kp::Pool *>(owner)->cm_stall_timer();
}
