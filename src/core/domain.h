// SPDX-License-Identifier: GPL-2.0
// Domain: one user's handle on a shared Pool (struct kpool_domain in
// include/kpool/kpool.h), as a pool_workqueue is to a worker pool: the jobs
// a module queued, in queueing order, for its own flush, drain, cancel-all
// and destroy (the safe unload), a max_active limit and statistics.
//
// A domain lives under its pool's lock: every field marked L is protected by
// the pool's m_lock, so accounting a job costs nothing beyond the pool lock
// hold that queueing or finishing it takes anyway.
//
// A job of the domain is on m_pending from its queueing until its function
// returned (a running job is represented there by its worker's stand-in,
// Worker::m_dom_slot, since the function may free the job), in queueing
// order: the oldest unfinished job is at the front, so a flush waits for the
// front's sequence number to pass its own. Of those, nr_active are on the
// pool (queued there or running) and nr_waiting wait on m_inactive for a
// max_active slot. Delayed jobs whose timer is armed are on m_timers only.
// Invariants: |m_pending| == m_nr_active + m_nr_inactive;
// |m_timers| == m_nr_timers; m_nr_active <= m_max_active (when not 0); the
// pool's m_nr_inactive is the sum of its domains' m_nr_inactive.
#pragma once

#include "core/pool.h"

namespace kp {

struct DomainsTag {};

class Domain : public ListNode<DomainsTag> {
public:
	// Context: process, may sleep. See kpool_domain_create().
	static Result<Domain *> create(Pool &pool, const char *name, unsigned int max_active);
	// Context: process, may sleep. See kpool_domain_destroy().
	Result<void> destroy();

	// Context: any. See kpool_domain_queue*().
	Result<Pool::QueueResult> queue(kpool_job &job, unsigned long key);
	Result<Pool::QueueResult> queue_delayed(kpool_delayed_job &dj, unsigned long delay);
	// Context: any. See kpool_domain_mod_delayed(). -EAGAIN while the
	// job's timer callback runs: the caller retries (as Pool::mod_delayed()).
	Result<Pool::QueueResult> mod_delayed(kpool_delayed_job &dj, unsigned long delay);
	// Context: process, may sleep.
	Result<void> flush();
	Result<void> drain();
	unsigned int cancel_all();

	struct Stats {
		unsigned long queued, completed, cancelled;
		unsigned int nr_active, nr_waiting, nr_delayed, max_active;
	};
	// Context: any.
	void stats(Stats &out);
	const char *name() const { return m_name; }
	Pool &pool() const { return m_pool; }

	static Domain *of(const kpool_job &job)
	{
		return reinterpret_cast<Domain *>(job.kp_domain);
	}
	// "Waits on this domain" for lockdep (nullptr without lockdep).
	void *lockdep_map() const { return m_lockdep; }
	// Whether @job waits in the ordered domain of the job @w runs, behind
	// it (for a slot, or on its timer first): it can start only once that
	// job returned. Under the pool's lock.
	static bool is_follower_locked(const kpool_job &job, const Worker &w);

	// Hooks called by the pool, under its lock.
	// A job of the domain starts on a worker: @slot takes its place.
	void started_locked(kpool_job &job, kpool_job &slot);
	// Its function returned: the stand-in leaves, a waiting job may go.
	void finished_locked(kpool_job &slot);
	// The timer of one of its delayed jobs fired.
	void timer_fired_locked(kpool_job &job);
	// A pending job was taken off without running (cancel); @old_state is
	// the state it was taken in.
	void forget_locked(kpool_job &job, int old_state);

	~Domain();

private:
	friend class OwnPtr<Domain>;
	explicit Domain(Pool &pool) : m_pool(pool) {}
	KP_PINNED(Domain);

	void add_pending_locked(kpool_job &job);
	void activate_or_wait_locked(kpool_job &job, unsigned long key);
	void activate_next_locked();
	void wait_inactive_locked(kpool_job &job, unsigned long key);
	kpool_job *pop_inactive_locked();
	void arm_or_activate_locked(kpool_delayed_job &dj, unsigned long key, unsigned long delay);
	bool is_own_job_running() const;
	// Refuses a wait from the domain's own jobs (-EDEADLK, reported as
	// @kind) and tells lockdep the caller waits on the domain.
	// Context: process, may sleep.
	Result<void> begin_wait(Pool::SelfWait kind);
	Result<void> accept_locked();
	template <typename Queue>
	Result<Pool::QueueResult> queue_idle(kpool_job &job, Queue queue_locked);
	kpool_job *first_queued_locked(bool with_cancel_only);
	template <typename Pred>
	void wait_until(Pred done_locked);

	using DomQueue = LinkQueue<kpool_job, &kpool_job::kp_dom_next, &kpool_job::kp_dom_prev>;

	// Legend: I: set in create(), read-only after; L: the pool's m_lock;
	// M: the pool's m_attrs_mutex.
	Pool &m_pool;			      // I
	char m_name[KPOOL_NAME_MAX + 1] = {}; // I
	unsigned int m_max_active = 0;	      // I: 0 = no limit
	void *m_sysfs = nullptr;	      // M: sysfs directory handle
	void *m_lockdep = nullptr;	      // I: held by its running jobs and its waits
	DomQueue m_pending;		      // L: unfinished jobs, queueing order
	LinkQueue<kpool_job> m_inactive;      // L: waiting for a max_active slot
	DomQueue m_timers;		      // L: delayed jobs with their timer armed
	unsigned long m_seq = 0;	      // L: sequence number of the last queueing
	unsigned int m_nr_active = 0;	      // L: on the pool: queued there or running
	unsigned int m_nr_inactive = 0;	      // L: on m_inactive
	unsigned int m_nr_timers = 0;	      // L: on m_timers
	unsigned int m_nr_draining = 0;	      // L: drain() calls in progress
	bool m_dying = false;		      // L: destroy() started
	unsigned long m_queued = 0;	      // L: counters (statistics)
	unsigned long m_completed = 0;	      // L
	unsigned long m_cancelled = 0;	      // L
};

} // namespace kp
