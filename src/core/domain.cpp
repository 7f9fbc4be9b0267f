// SPDX-License-Identifier: GPL-2.0
// Domain: see domain.h for the model. This file explains orderings and races.
#include "core/domain.h"
#include "core/worker.h"
#include "core/registry.h"
#include "base/debug.h"

namespace kp {

namespace {

using S = Pool::JobStates;

kpool_delayed_job *delayed_of(kpool_job *job)
{
	return reinterpret_cast<kpool_delayed_job *>(reinterpret_cast<char *>(job) -
						     __builtin_offsetof(kpool_delayed_job, job));
}

} // namespace

Result<Domain *> Domain::create(Pool &pool, const char *name, unsigned int max_active)
{
	kp::might_sleep();
	if (!registry::is_valid_name(name) || max_active > KPOOL_DOMAIN_MAX_ACTIVE)
		return err(-EINVAL);
	auto dom = OwnPtr<Domain>::adopt(new (Gfp::Kernel) Domain(pool));
	if (!dom)
		return err(-ENOMEM);
	for (size_t i = 0; name[i]; i++)
		dom->m_name[i] = name[i];
	dom->m_max_active = max_active;
	// Its own map, not the pool's: a job may flush another domain of its
	// pool, as a work item may flush another workqueue.
	dom->m_lockdep = kp_lockdep_map_create(dom->m_name);

	// The pool's mutex serialises creation and destruction of its domains:
	// a name is checked and its sysfs directory made in one step.
	MutexGuard serialise(pool.m_attrs_mutex);
	bool taken = false;
	pool.m_domains.for_each([&](Domain &d) {
		if (!__builtin_strcmp(d.m_name, name))
			taken = true;
	});
	if (taken)
		return err(-EEXIST);
	if (pool.m_sysfs) {
		if (int ret = kp_sysfs_add_domain(pool.m_sysfs, dom->m_name, dom.get(),
						  &dom->m_sysfs);
		    ret)
			return err(ret);
	}
	pool.m_domains.push_back(*dom);
	return dom.leak();
}

Domain::~Domain()
{
	kp_lockdep_map_destroy(m_lockdep);
}

// ---- queueing ---------------------------------------------------------------------------

bool Domain::is_own_job_running() const
{
	Worker *w = Pool::current_worker();
	return w && w->m_dom_slot.kp_domain == reinterpret_cast<const kpool_domain *>(this);
}

// In an ordered domain the job @w runs holds the only slot, so a job of it
// waiting for the slot, or armed to wait for it, starts after that job only.
bool Domain::is_follower_locked(const kpool_job &job, const Worker &w)
{
	Domain *dom = of(w.m_dom_slot);
	if (!dom || dom->m_max_active != 1 || of(job) != dom)
		return false;
	int state = __atomic_load_n(&job.kp_state, __ATOMIC_RELAXED);
	return state == S::Inactive || state == S::Timer;
}

// While destroy() or drain() runs, only work chained by the domain's own
// running jobs is accepted; while the pool's destroy() runs, only work its
// own jobs chain.
Result<void> Domain::accept_locked()
{
	if ((m_dying || m_nr_draining) && !is_own_job_running())
		return err(m_dying ? -ESHUTDOWN : -EBUSY);
	if (m_pool.m_dying && !m_pool.accepts_chained_locked())
		return err(-ESHUTDOWN);
	return {};
}

void Domain::add_pending_locked(kpool_job &job)
{
	job.kp_domain = reinterpret_cast<kpool_domain *>(this);
	job.kp_dom_seq = ++m_seq;
	m_pending.push_back(&job);
}

// To the back of m_inactive, counted here and on the pool (whose drain
// waits for it).
void Domain::wait_inactive_locked(kpool_job &job, unsigned long key)
{
	// kpool_cancel() reads the pool without a lock (as enqueue_locked()).
	__atomic_store_n(&job.kp_pool, reinterpret_cast<struct kpool *>(&m_pool), __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	job.kp_key = key;
	job.kp_state = S::Inactive;
	m_inactive.push_back(&job);
	m_nr_inactive++;
	m_pool.m_nr_inactive++;
}

kpool_job *Domain::pop_inactive_locked()
{
	kpool_job *job = m_inactive.pop_front();
	if (job) {
		m_nr_inactive--;
		m_pool.m_nr_inactive--;
	}
	return job;
}

// To the pool if a max_active slot is free, else to the back of m_inactive.
void Domain::activate_or_wait_locked(kpool_job &job, unsigned long key)
{
	if (!m_max_active || m_nr_active < m_max_active) {
		m_nr_active++;
		m_pool.enqueue_locked(job, key);
		return;
	}
	wait_inactive_locked(job, key);
}

// A slot freed up: the job that waited longest goes to the pool.
void Domain::activate_next_locked()
{
	if (m_max_active && m_nr_active >= m_max_active)
		return;
	kpool_job *job = pop_inactive_locked();
	if (!job)
		return;
	job->kp_state = S::Queued; // not through Idle (Pool::claim_idle())
	m_nr_active++;
	m_pool.enqueue_locked(*job, job->kp_key);
}

// An idle @job, if the domain accepts it, is counted and queued by
// @queue_locked(); a pending one is left as it is.
template <typename Queue>
Result<Pool::QueueResult> Domain::queue_idle(kpool_job &job, Queue queue_locked)
{
	Pool::HoldIrqSave guard(m_pool);
	if (__atomic_load_n(&job.kp_state, __ATOMIC_RELAXED) != S::Idle)
		return Pool::QueueResult::Pending;
	KP_TRY(accept_locked());
	if (!Pool::claim_idle(job, S::Queued)) // queued lock-free meanwhile
		return Pool::QueueResult::Pending;
	m_queued++;
	queue_locked();
	return Pool::QueueResult::Queued;
}

// Cost: what kpool_queue() costs (one pool lock round trip, at most one
// wake-up), plus a few fields of the domain written under the same hold.
Result<Pool::QueueResult> Domain::queue(kpool_job &job, unsigned long key)
{
	return queue_idle(job, [&] {
		add_pending_locked(job);
		activate_or_wait_locked(job, key);
	});
}

// Armed on the domain's books, or, due now (or chained during destroy(),
// which has taken the armed timers already), queued through it at once.
void Domain::arm_or_activate_locked(kpool_delayed_job &dj, unsigned long key, unsigned long delay)
{
	kpool_job &job = dj.job;
	if (!delay || m_dying) {
		add_pending_locked(job);
		activate_or_wait_locked(job, key);
		return;
	}
	job.kp_domain = reinterpret_cast<kpool_domain *>(this);
	m_timers.push_back(&job);
	m_nr_timers++;
	m_pool.arm_locked(dj, key, delay);
}

Result<Pool::QueueResult> Domain::queue_delayed(kpool_delayed_job &dj, unsigned long delay)
{
	return queue_idle(dj.job, [&] { arm_or_activate_locked(dj, 0, delay); });
}

// As Pool::mod_delayed(), through the domain: a pending job is taken off
// wherever it waits on the pool (this domain, another one, or none) and
// armed again here. A job that was pending in this domain already is
// re-armed, not cancelled and queued again: its statistics do not change.
Result<Pool::QueueResult> Domain::mod_delayed(kpool_delayed_job &dj, unsigned long delay)
{
	kpool_job &job = dj.job;
	Pool::HoldIrqSave guard(m_pool);
	if (__atomic_load_n(&job.kp_state, __ATOMIC_RELAXED) == S::Canceling)
		return Pool::QueueResult::Pending; // refused, as queue()
	// Refused before anything is taken, so a refusal changes nothing.
	KP_TRY(accept_locked());
	// arm_or_activate_locked() sets the state the job ends in.
	bool pending = !Pool::claim_idle(job, S::Timer);
	bool ours = false;
	if (pending) {
		if (__atomic_load_n(&job.kp_pool, __ATOMIC_RELAXED) !=
		    reinterpret_cast<struct kpool *>(&m_pool))
			return err(-EBUSY);
		ours = of(job) == this;
		switch (m_pool.take_pending_locked(job)) {
		case Pool::Take::Busy: return err(-EAGAIN); // the caller retries
		case Pool::Take::NotPending: pending = ours = false; break;
		case Pool::Take::Taken: break;
		}
		if (!Pool::claim_idle(job, S::Timer))
			return err(-EAGAIN); // queued again meanwhile, lock-free
	}
	if (ours)
		m_cancelled--; // counted by forget_locked(): not a cancel
	else
		m_queued++;
	arm_or_activate_locked(dj, job.kp_key, delay);
	return pending ? Pool::QueueResult::Pending : Pool::QueueResult::Queued;
}

// ---- hooks, under the pool lock -----------------------------------------------------------

void Domain::started_locked(kpool_job &job, kpool_job &slot)
{
	slot.kp_domain = job.kp_domain;
	slot.kp_dom_seq = job.kp_dom_seq;
	m_pending.replace(&job, &slot);
}

void Domain::finished_locked(kpool_job &slot)
{
	m_pending.unlink(&slot);
	slot.kp_domain = nullptr;
	m_completed++;
	m_nr_active--;
	activate_next_locked();
	// The pool wakes its waiters (ours among them) after every job.
}

void Domain::timer_fired_locked(kpool_job &job)
{
	m_timers.unlink(&job);
	m_nr_timers--;
	add_pending_locked(job);
	activate_or_wait_locked(job, job.kp_key);
}

void Domain::forget_locked(kpool_job &job, int old_state)
{
	m_cancelled++;
	if (old_state == S::Timer) {
		m_timers.unlink(&job);
		m_nr_timers--;
		return;
	}
	m_pending.unlink(&job);
	if (old_state == S::Inactive) {
		m_inactive.unlink(&job);
		m_nr_inactive--;
		m_pool.m_nr_inactive--;
		return;
	}
	m_nr_active--;
	activate_next_locked();
}

// ---- waits ----------------------------------------------------------------------------------

// As Pool::wait_until_locked(), on the pool's waiter list: the pool wakes it
// after every job, every cancel and every timer that queues a job.
template <typename Pred>
void Domain::wait_until(Pred done_locked)
{
	for (;;) {
		Pool::Waiter me;
		me.done.init();
		{
			Pool::HoldIrq guard(m_pool);
			if (done_locked())
				return;
			m_pool.m_waiters.push_back(me);
		}
		me.done.wait();
	}
}

// Flush, drain and destroy from one of the domain's own jobs would wait for
// that job: it is on m_pending, older than anything they wait for.
Result<void> Domain::begin_wait(Pool::SelfWait kind)
{
	kp::might_sleep();
	if (is_own_job_running()) {
		Pool::report_self_wait(kind, m_name);
		return err(-EDEADLK);
	}
	kp_lockdep_map_acquire(m_lockdep);
	kp_lockdep_map_release(m_lockdep);
	return {};
}

Result<void> Domain::flush()
{
	KP_TRY(begin_wait(Pool::SelfWait::DomainFlush));
	unsigned long target;
	{
		Pool::HoldIrq guard(m_pool);
		target = m_seq;
	}
	// Done when the oldest unfinished job was queued after the call.
	wait_until([&] {
		kpool_job *oldest = m_pending.front();
		return !oldest || long(oldest->kp_dom_seq - target) > 0;
	});
	return {};
}

Result<void> Domain::drain()
{
	KP_TRY(begin_wait(Pool::SelfWait::DomainDrain));
	{
		Pool::HoldIrq guard(m_pool);
		m_nr_draining++;
	}
	wait_until([&] { return m_pending.is_empty(); });
	Pool::HoldIrq guard(m_pool);
	m_nr_draining--;
	return {};
}

// The oldest job of the domain that has not started (stand-ins of running
// jobs have no function), optionally only one with a cancel function; else
// an armed delayed job.
kpool_job *Domain::first_queued_locked(bool with_cancel_only)
{
	for (kpool_job *j = m_pending.front(); j; j = DomQueue::next(j))
		if (j->kp_func && (!with_cancel_only || j->kp_cancel))
			return j;
	for (kpool_job *j = m_timers.front(); j; j = DomQueue::next(j))
		if (!with_cancel_only || j->kp_cancel)
			return j;
	return nullptr;
}

// One job per hold of the pool lock: interrupts are never off for a time
// that grows with the domain. A delayed job whose timer callback is running
// (Busy) is queued by it in a moment; the next round takes it then.
unsigned int Domain::cancel_all()
{
	kp::might_sleep();
	unsigned int n = 0;
	for (;;) {
		kpool_job *job;
		{
			Pool::HoldIrq guard(m_pool);
			job = first_queued_locked(false);
			if (!job)
				break;
			Pool::Take t = m_pool.take_pending_locked(*job);
			if (t == Pool::Take::Busy) {
				job = nullptr;
			} else if (t == Pool::Take::Taken) {
				m_pool.count(Pool::Event::Cancelled);
				n++;
			} else {
				KP_WARN_ON_ONCE(true); // on m_pending but not pending
				break;
			}
		}
		if (!job) {
			kp_cpu_relax();
			continue;
		}
		// Ours now: idle, on no list.
		if (job->kp_cancel)
			job->kp_cancel(job);
	}
	return n;
}

Result<void> Domain::destroy()
{
	KP_TRY(begin_wait(Pool::SelfWait::DomainDestroy));
	{
		Pool::HoldIrq guard(m_pool);
		m_dying = true;
	}
	// Armed delayed jobs: cancelled if they have a cancel function, else
	// due now. A timer whose callback runs is waited for: the callback
	// queues the job through us, where the next step finds it.
	kpool_job *cancelled = nullptr;
	for (;;) {
		kpool_job *job;
		bool retry = false;
		{
			Pool::HoldIrq guard(m_pool);
			job = m_timers.front();
			if (!job)
				break;
			if (!kp_timer_delete(delayed_of(job)->kp_timer)) {
				retry = true;
			} else {
				m_pool.m_timers.unlink(job);
				m_timers.unlink(job);
				m_nr_timers--;
				job->kp_state = S::Idle;
				if (job->kp_cancel) {
					m_cancelled++;
					m_pool.count(Pool::Event::Cancelled);
					job->kp_next = cancelled;
					cancelled = job;
				} else {
					add_pending_locked(*job);
					activate_or_wait_locked(*job, job->kp_key);
				}
			}
		}
		if (retry)
			kp_cpu_relax();
	}
	// Jobs not started with a cancel function are cancelled; the others run.
	for (;;) {
		Pool::HoldIrq guard(m_pool);
		kpool_job *job = first_queued_locked(true);
		if (!job)
			break;
		if (m_pool.take_pending_locked(*job) != Pool::Take::Taken) {
			KP_WARN_ON_ONCE(true);
			break;
		}
		m_pool.count(Pool::Event::Cancelled);
		job->kp_next = cancelled;
		cancelled = job;
	}
	while (kpool_job *job = cancelled) {
		cancelled = job->kp_next;
		job->kp_next = nullptr;
		job->kp_cancel(job);
	}
	// The rest runs, and what it chains (accepts_locked()).
	wait_until([&] { return m_pending.is_empty() && m_nr_timers == 0; });
	{
		MutexGuard serialise(m_pool.m_attrs_mutex);
		m_pool.m_domains.remove(*this);
		// Waits for sysfs reads in progress.
		kp_sysfs_remove_domain(exchange(m_sysfs, static_cast<void *>(nullptr)));
	}
	delete this;
	return {};
}

void Domain::stats(Stats &st)
{
	Pool::HoldIrqSave guard(m_pool);
	st.queued = m_queued;
	st.completed = m_completed;
	st.cancelled = m_cancelled;
	st.nr_active = m_nr_active;
	st.nr_waiting = m_nr_inactive;
	st.nr_delayed = m_nr_timers;
	st.max_active = m_max_active;
}

} // namespace kp

using kp::Domain;

// sysfs: /sys/kernel/kpool/<pool>/domains/<name>/ (src/shim/kp_sysfs.c).
extern "C" long kp_domain_attr_show(void *d, enum kp_dom_attr attr, char *buf)
{
	Domain::Stats st;
	static_cast<Domain *>(d)->stats(st);
	unsigned long long v;
	switch (attr) {
	case KP_DOM_ATTR_QUEUED: v = st.queued; break;
	case KP_DOM_ATTR_COMPLETED: v = st.completed; break;
	case KP_DOM_ATTR_CANCELLED: v = st.cancelled; break;
	case KP_DOM_ATTR_NR_ACTIVE: v = st.nr_active; break;
	case KP_DOM_ATTR_NR_WAITING: v = st.nr_waiting; break;
	case KP_DOM_ATTR_NR_DELAYED: v = st.nr_delayed; break;
	case KP_DOM_ATTR_MAX_ACTIVE: v = st.max_active; break;
	default: return -kp::EINVAL;
	}
	return kp_snprintf(buf, 4096, "%llu\n", v);
}

namespace kp {

void Pool::domain_started_locked(Worker &w, kpool_job &job)
{
	if (Domain *dom = Domain::of(job))
		dom->started_locked(job, w.m_dom_slot);
}

void Pool::domain_finished_locked(Worker &w)
{
	if (Domain *dom = Domain::of(w.m_dom_slot))
		dom->finished_locked(w.m_dom_slot);
}

void *Pool::domain_lockdep_map(Worker &w)
{
	// Set by the worker itself when it took the job.
	Domain *dom = Domain::of(w.m_dom_slot);
	return dom ? dom->lockdep_map() : nullptr;
}

bool Pool::has_domains()
{
	MutexGuard stable(m_attrs_mutex);
	return !m_domains.is_empty();
}

} // namespace kp
