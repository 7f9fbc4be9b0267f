// SPDX-License-Identifier: GPL-2.0
// Pool, the jobs' side (see pool.h for the model, pool.cpp for the other
// parts): the job queue and its keys, the inbox, delayed jobs, cancel, the
// busy hash, flush and drain, and the waiters they sleep on. This file
// explains orderings and races.
#include "core/pool_impl.h"
#include "core/domain.h"
#include "base/debug.h"

namespace kp {

// ---- the job queue ----------------------------------------------------------------------
//
// Unordered jobs and the holder of each active key are on the runnable queue
// (m_jobs.front()). A key is active while a job with that key is queued or
// running; its holder is in m_slots. While queued, the holder is the job
// itself; while running, the worker's m_key_slot stands in for it, so kpool
// never touches a job after calling its function (the function may free it).
// Jobs queued behind an active key wait on the holder's follower list.

kpool_job **Pool::slot_bucket(unsigned long key)
{
	return &m_slots[(key * 0x9E3779B97F4A7C15ull) >> (64 - 6)];
}

kpool_job *Pool::find_slot_locked(unsigned long key)
{
	for (kpool_job *s = *slot_bucket(key); s; s = s->kp_slot_next)
		if (s->kp_key == key)
			return s;
	return nullptr;
}

void Pool::unlink_slot_locked(kpool_job *holder)
{
	for (kpool_job **pp = slot_bucket(holder->kp_key); *pp; pp = &(*pp)->kp_slot_next) {
		if (*pp == holder) {
			*pp = holder->kp_slot_next;
			holder->kp_slot_next = nullptr;
			return;
		}
	}
	KP_WARN_ON_ONCE(true);
}

void Pool::link_slot_locked(kpool_job *holder)
{
	kpool_job **bucket = slot_bucket(holder->kp_key);
	holder->kp_slot_next = *bucket;
	*bucket = holder;
}

void Pool::push_job_tail_locked(kpool_job *job)
{
	m_jobs.push_back(job);
	job->kp_state = JobQueued;
	m_cm.job_queued_locked();
}

void Pool::push_job_head_locked(kpool_job *job)
{
	m_jobs.push_front(job);
	job->kp_state = JobQueued;
	m_cm.job_queued_locked();
}

void Pool::unlink_job_locked(kpool_job *job)
{
	m_jobs.unlink(job);
	m_cm.job_unqueued_locked();
}

kpool_job *Pool::take_job_locked_raw(Worker *taker)
{
	if (!m_jobs.front() && inbox_pending())
		inbox_take_locked(taker);
	kpool_job *job = m_jobs.front();
	if (job)
		unlink_job_locked(job);
	return job;
}

// Queues @job behind @holder, the holder of its key (FIFO).
void Pool::append_follower_locked(kpool_job *holder, kpool_job *job)
{
	job->kp_next = nullptr;
	if (holder->kp_followers_tail)
		holder->kp_followers_tail->kp_next = job;
	else
		holder->kp_followers = job;
	holder->kp_followers_tail = job;
}

// Makes @from's first follower the holder of the key (followers move along)
// and queues it at the head: it has waited longest.
void Pool::promote_follower_locked(kpool_job *from)
{
	kpool_job *next = from->kp_followers;
	if (!next)
		return;
	next->kp_followers = next->kp_next;
	next->kp_followers_tail = next->kp_followers ? from->kp_followers_tail : nullptr;
	from->kp_followers = from->kp_followers_tail = nullptr;
	next->kp_key = from->kp_key;
	link_slot_locked(next);
	push_job_head_locked(next);
}

// While destroy() runs, work chained by the pool's own jobs (queued from one
// of its workers, in task context, or from a job destroy() runs itself) is
// accepted: the worker that queued it loops back and takes it before it can
// exit, so destroy() waits for it.
bool Pool::accepts_chained_locked()
{
	if (Worker *w = current_worker())
		return w->m_pool == this;
	return kp_in_task() && kp_current() == m_destroyer;
}

Result<Pool::QueueResult> Pool::queue(kpool_job &job, unsigned long key)
{
	QueueResult res;
	if (!key && queue_inbox(job, res))
		return res;
	HoldIrqSave guard(*this);
	// Pending (here or on another pool), or held by a cancel_sync(): as
	// queue_work(), nothing changes and the caller is told.
	if (read_once(job.kp_state) != JobIdle)
		return QueueResult::Pending;
	if (m_dying && !accepts_chained_locked())
		return err(-ESHUTDOWN);
	if (!Pool::claim_idle(job, JobQueued)) // enqueue_locked() sets the state it ends in
		return QueueResult::Pending;
	job.kp_domain = nullptr; // queued past any domain it was queued through before
	enqueue_locked(job, key);
	return QueueResult::Queued;
}

// ---- the inbox -----------------------------------------------------------------------------
//
// An unordered job is queued without the pool lock: it goes on the list of
// the submitting CPU (kp_inbox.c; one atomic operation on a line of that CPU)
// in JobInbox. Only the submitter that finds its CPU's list empty takes the
// lock, to mark the list and apply the wake rule: a marked list counts as one
// waiting job (the concurrency count's jobs waiting) until it is taken. The
// jobs that follow while it is marked cost the one atomic operation.
//
// Marked lists are moved onto m_jobs (in JobQueued, or JobDeferred behind
// their running instance) under the lock, by inbox_take_locked(): by a worker
// whose runnable queue is empty, and by whoever must act on every job
// (cancel, drain, the stall timer, destroy). stats() only counts them
// (kp_inbox_count()). A job in JobInbox that is not on a marked list is being
// put there by a submitter with interrupts off; a cancel that meets one
// retries.

bool Pool::queue_inbox(kpool_job &job, QueueResult &res)
{
	unsigned long flags = kp_inbox_enter();
	// destroy() sets m_dying under the lock, then waits for every section
	// like this one to end (an RCU grace period) before freeing the pool.
	if (read_once(m_dying)) {
		kp_inbox_exit(flags);
		return false; // the locked path refuses or accepts chained work
	}
	if (!Pool::claim_idle(job, JobInbox)) {
		kp_inbox_exit(flags);
		res = QueueResult::Pending;
		return true;
	}
	// Read without a lock by kpool_cancel(), which rechecks it under ours.
	__atomic_store_n(&job.kp_pool, reinterpret_cast<struct kpool *>(this), __ATOMIC_RELAXED);
	unsigned long long now = stamp();
	job.kp_key = 0;
	job.kp_domain = nullptr;
	job.kp_queued_ns = now;
	job.kp_followers = job.kp_followers_tail = nullptr;
	kp_trace_job(KP_TRACE_ENQUEUE, m_name, now, 0);
	// Once on the list the job may run and be freed: not touched again.
	unsigned int cpu;
	if (kp_inbox_add(m_inbox, &job, &cpu)) {
		HoldIrqSave guard(*this);
		inbox_mark_locked(cpu);
	}
	kp_inbox_exit(flags);
	res = QueueResult::Queued;
	return true;
}

void Pool::inbox_mark_locked(unsigned int cpu)
{
	if (kp_inbox_mark(m_inbox, cpu))
		m_cm.job_queued_locked();
	// A cancel_sync() that met a job in transit sleeps until this.
	wake_waiters_locked();
	wake_for_work_locked();
}

// O(jobs taken) under the lock: the batch a worker takes at once. A worker
// (@taker) takes its own CPU's list alone, if marked, every other time: its
// jobs stay in that CPU's cache, and the other lists wait one take at most.
void Pool::inbox_take_locked(Worker *taker)
{
	unsigned int unmarked;
	int local;
	kpool_job *job = kp_inbox_take(m_inbox, taker && !taker->m_took_local, &unmarked, &local);
	if (taker)
		taker->m_took_local = local;
	m_cm.job_unqueued_locked(unmarked); // each marked list counted as one job
	while (job) {
		kpool_job *next = job->kp_next;
		m_nr_queued++;
		// Queued while it runs: after that instance, as enqueue_locked().
		if (Busy *b = find_live_busy_locked(job)) {
			job->kp_state = JobDeferred;
			b->requeue = job;
		} else {
			push_job_tail_locked(job);
		}
		job = next;
	}
}

// Queues the idle @job: runnable, behind its key, or behind its own running
// instance.
void Pool::enqueue_locked(kpool_job &job, unsigned long key)
{
	// Read without a lock by kpool_cancel() (which rechecks it under ours).
	__atomic_store_n(&job.kp_pool, reinterpret_cast<struct kpool *>(this), __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	job.kp_key = key;
	job.kp_queued_ns = stamp();
	job.kp_followers = job.kp_followers_tail = nullptr;
	m_nr_queued++;
	// Running already: it must not run alongside itself. Queued again with
	// the key the running instance holds, it waits behind that key like any
	// follower; otherwise its worker queues it when the function returns.
	if (Busy *b = find_live_busy_locked(&job);
	    b && !(key && b->worker->m_key_slot.kp_key == key)) {
		job.kp_state = JobDeferred;
		b->requeue = &job;
		kp_trace_job(KP_TRACE_ENQUEUE, m_name, job.kp_queued_ns, key);
		return;
	}
	if (key) {
		if (kpool_job *holder = find_slot_locked(key)) {
			job.kp_state = JobWaiting;
			append_follower_locked(holder, &job);
			kp_trace_job(KP_TRACE_ENQUEUE, m_name, job.kp_queued_ns, key);
			return;
		}
		link_slot_locked(&job);
	}
	push_job_tail_locked(&job);
	wake_for_work_locked();
	kp_trace_job(KP_TRACE_ENQUEUE, m_name, job.kp_queued_ns, key);
}

// ---- delayed jobs --------------------------------------------------------------------------
//
// An armed delayed job is on m_timers in JobTimer (not counted in
// m_nr_queued). Whoever takes it out of JobTimer under the lock (the timer
// callback, a cancel, a modify, destroy) owns the transition; the others
// see another state. A cancel or modify that cannot deactivate the timer
// (its callback is running, waiting for our lock) lets the callback queue
// the job and retries: the callback then never runs for a job that left
// JobTimer without it, so it never touches a job or pool that may be gone.

void Pool::arm_locked(kpool_delayed_job &dj, unsigned long key, unsigned long delay)
{
	kpool_job &job = dj.job;
	// Chained during destroy(), which has stopped the pool's timers
	// already: due at once, so it runs before the pool goes.
	if (!delay || m_dying) {
		enqueue_locked(job, key);
		return;
	}
	// The callback finds the pool here (stored before the timer is armed;
	// it changes only once the job left JobTimer).
	__atomic_store_n(&job.kp_pool, reinterpret_cast<struct kpool *>(this), __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	job.kp_key = key;
	job.kp_state = JobTimer;
	m_timers.push_back(&job);
	kp_timer_mod(dj.kp_timer, kp_jiffies() + delay);
}

Result<Pool::QueueResult> Pool::queue_delayed(kpool_delayed_job &dj, unsigned long key,
					      unsigned long delay)
{
	HoldIrqSave guard(*this);
	if (read_once(dj.job.kp_state) != JobIdle)
		return QueueResult::Pending;
	if (m_dying && !accepts_chained_locked())
		return err(-ESHUTDOWN);
	if (!Pool::claim_idle(dj.job, JobTimer)) // arm_locked() sets the state it ends in
		return QueueResult::Pending;
	dj.job.kp_domain = nullptr;
	arm_locked(dj, key, delay);
	return QueueResult::Queued;
}

Result<Pool::QueueResult> Pool::mod_delayed(kpool_delayed_job &dj, unsigned long delay)
{
	HoldIrqSave guard(*this);
	kpool_job &job = dj.job;
	if (read_once(job.kp_state) == JobCanceling)
		return QueueResult::Pending;		 // refused, as queue()
	bool pending = !Pool::claim_idle(job, JobTimer); // arm_locked() sets the state it ends in
	if (pending) {
		if (__atomic_load_n(&job.kp_pool, __ATOMIC_RELAXED) !=
		    reinterpret_cast<struct kpool *>(this))
			return err(-EBUSY);
		switch (take_pending_locked(job)) {
		case Take::Busy: return err(-EAGAIN); // the caller retries
		case Take::NotPending: pending = false; break;
		case Take::Taken: break;
		}
		if (!Pool::claim_idle(job, JobTimer))
			return err(-EAGAIN); // queued again meanwhile, lock-free
	}
	if (!pending && m_dying && !accepts_chained_locked()) {
		job.kp_state = JobIdle;
		return err(-ESHUTDOWN);
	}
	job.kp_domain = nullptr; // taken out of its domain, if any (kpool.h)
	arm_locked(dj, job.kp_key, delay);
	return pending ? QueueResult::Pending : QueueResult::Queued;
}

void Pool::timer_fired(kpool_delayed_job &dj)
{
	// Interrupts are off already (TIMER_IRQSAFE).
	HoldIrqSave guard(*this);
	kpool_job &job = dj.job;
	if (read_once(job.kp_state) != JobTimer)
		return; // taken by destroy(), which waits for us
	m_timers.unlink(&job);
	// Not through JobIdle, which a lock-free queue() could claim.
	job.kp_state = JobQueued;
	if (Domain *dom = Domain::of(job))
		dom->timer_fired_locked(job); // max_active applies from now
	else
		enqueue_locked(job, job.kp_key);
	wake_waiters_locked(); // a cancel_sync() waiting to take it
}

// A job queued while it ran, after its function returned: queued now, at the
// tail (behind its key's holder if the key is active).
void Pool::requeue_deferred_locked(kpool_job *job)
{
	if (job->kp_key) {
		if (kpool_job *holder = find_slot_locked(job->kp_key)) {
			job->kp_state = JobWaiting;
			append_follower_locked(holder, job);
			return;
		}
		link_slot_locked(job);
	}
	push_job_tail_locked(job);
}

// Takes @job off this pool's books if it is pending. Busy: an armed timer
// whose callback is running; the caller retries once it queued the job.
Pool::Take Pool::take_pending_locked(kpool_job &job)
{
	int state = read_once(job.kp_state);
	if (state == JobInbox) {
		inbox_take_locked();
		state = read_once(job.kp_state);
		if (state == JobInbox)
			return Take::Busy; // its submitter is putting it there
	}
	if (state == JobClaimed) {
		// Claimed with a running job: ours unless its worker started it
		// (then it runs, it is not pending).
		Busy *b = find_busy_locked(&job);
		if (KP_WARN_ON_ONCE(!b) || !unclaim_locked(*b))
			return Take::NotPending;
		// unclaim_locked() put it back on the queue: off it again.
		state = JobQueued;
	}
	if (state == JobTimer) {
		if (!kp_timer_delete(delayed_of(&job)->kp_timer))
			return Take::Busy;
		m_timers.unlink(&job);
		job.kp_state = JobIdle;
		if (Domain *dom = Domain::of(job))
			dom->forget_locked(job, state);
		wake_waiters_locked();
		return Take::Taken;
	}
	if (state == JobInactive) {
		// Held by its domain only: not on this pool's books yet.
		Domain::of(job)->forget_locked(job, state);
		job.kp_state = JobIdle;
		job.kp_next = nullptr;
		wake_waiters_locked();
		return Take::Taken;
	}
	if (state == JobQueued) {
		unlink_job_locked(&job);
		if (job.kp_key) {
			unlink_slot_locked(&job);
			promote_follower_locked(&job);
			// The next job of the key is runnable now.
			if (m_jobs.front())
				wake_for_work_locked();
		}
	} else if (state == JobWaiting) {
		kpool_job *holder = find_slot_locked(job.kp_key);
		if (KP_WARN_ON_ONCE(!holder))
			return Take::NotPending;
		kpool_job *prev = nullptr;
		for (kpool_job *j = holder->kp_followers; j; prev = j, j = j->kp_next) {
			if (j != &job)
				continue;
			if (prev)
				prev->kp_next = j->kp_next;
			else
				holder->kp_followers = j->kp_next;
			if (holder->kp_followers_tail == j)
				holder->kp_followers_tail = prev;
			break;
		}
	} else if (state == JobDeferred) {
		Busy *b = find_busy_locked(&job);
		if (KP_WARN_ON_ONCE(!b || b->requeue != &job))
			return Take::NotPending;
		b->requeue = nullptr;
	} else {
		return Take::NotPending;
	}
	job.kp_state = JobIdle;
	job.kp_next = nullptr;
	m_nr_queued--;
	if (Domain *dom = Domain::of(job))
		dom->forget_locked(job, state); // may queue the domain's next job
	// Flushers and drainers may be waiting for exactly this job.
	wake_waiters_locked();
	return Take::Taken;
}

Pool::CancelResult Pool::cancel(kpool_job &job)
{
	HoldIrqSave guard(*this);
	// The caller read the pool without a lock: the job may have run and
	// been queued on another pool since, under that pool's lock, not ours.
	// queue() stores the pool before the state (a release fence between):
	// a state read here that another pool wrote comes with that pool.
	(void)__atomic_load_n(&job.kp_state, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&job.kp_pool, __ATOMIC_RELAXED) !=
	    reinterpret_cast<struct kpool *>(this))
		return CancelResult::Moved;
	switch (take_pending_locked(job)) {
	case Take::Taken: count(Event::Cancelled); return CancelResult::Cancelled;
	case Take::Busy: return CancelResult::Retry;
	case Take::NotPending: break;
	}
	return CancelResult::NotQueued;
}

// Pending work is taken off first, then the job is held in JobCanceling, so
// a running instance that queues it again is refused (queue() sees a state
// that is not idle), until that instance returned. A second cancel_sync()
// waits for the first one, then finds nothing pending.
Pool::CancelResult Pool::cancel_sync(kpool_job &job)
{
	kp::might_sleep();
	CancelResult res = CancelResult::NotQueued;
	// From the job itself it would wait for itself forever.
	if (Worker *w = current_worker(); KP_WARN_ON_ONCE(w && w->m_cur_job == &job))
		return res;
	wait_until_locked([&] {
		(void)__atomic_load_n(&job.kp_state, __ATOMIC_ACQUIRE); // as cancel()
		if (__atomic_load_n(&job.kp_pool, __ATOMIC_RELAXED) !=
		    reinterpret_cast<struct kpool *>(this)) {
			res = CancelResult::Moved;
			return true;
		}
		if (read_once(job.kp_state) == JobCanceling)
			return false;
		// Until the job is idle and ours: a lock-free queue() may take it
		// between the two steps.
		do {
			switch (take_pending_locked(job)) {
			// The timer callback or the submitter of a job in transit
			// to the inbox wakes us.
			case Take::Busy: return false;
			case Take::Taken:
				count(Event::Cancelled);
				res = CancelResult::Cancelled;
				break;
			case Take::NotPending: break;
			}
		} while (!Pool::claim_idle(job, JobCanceling));
		return true;
	});
	if (res == CancelResult::Moved)
		return res;
	wait_until_locked([&] { return !find_live_busy_locked(&job); });
	HoldIrq guard(*this);
	job.kp_state = JobIdle;
	wake_waiters_locked(); // flushers and other cancellers of @job
	return res;
}

// ---- the busy hash ----------------------------------------------------------------------
//
// Every job a worker runs or has claimed is in m_busy (its Busy record,
// worker.h), hashed by the job's address (only the address is used: the
// function may have freed the job), so queue(), flush_job() and
// cancel_sync() find a running instance in O(1).

Busy **Pool::busy_bucket(const kpool_job *job)
{
	auto v = reinterpret_cast<unsigned long>(job) >> 4; // slab objects: low bits alike
	return &m_busy[(v * 0x9E3779B97F4A7C15ull) >> (64 - 6)];
}

void Pool::busy_add_locked(Busy &b)
{
	Busy **bucket = busy_bucket(b.job);
	b.next = *bucket;
	if (*bucket)
		(*bucket)->pprev = &b.next;
	b.pprev = bucket;
	*bucket = &b;
}

void Pool::busy_del_locked(Busy &b)
{
	*b.pprev = b.next;
	if (b.next)
		b.next->pprev = b.pprev;
	b.next = nullptr;
	b.pprev = nullptr;
}

Busy *Pool::find_busy_locked(const kpool_job *job)
{
	for (Busy *b = *busy_bucket(job); b; b = b->next)
		if (b->job == job)
			return b;
	return nullptr;
}

// A batch's records stay in the hash until the batch ends (one hold of the
// lock per batch): one whose job has run is retired here, so waiting for it
// or queueing it again does not wait for the rest of the batch.
Busy *Pool::find_live_busy_locked(const kpool_job *job)
{
	Busy *b = find_busy_locked(job);
	if (!b)
		return nullptr;
	Worker &w = *b->worker;
	auto index = static_cast<unsigned int>(b - w.m_batch);
	if (index < __atomic_load_n(&w.m_batch_pos, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&b->slot, __ATOMIC_RELAXED)) {
		retire_locked(*b);
		return nullptr;
	}
	return b;
}

bool Pool::is_pending(const kpool_job &job)
{
	int state = __atomic_load_n(&job.kp_state, __ATOMIC_RELAXED);
	return state == JobQueued || state == JobWaiting || state == JobDeferred ||
	       state == JobTimer || state == JobInactive || state == JobInbox ||
	       state == JobClaimed;
}

bool Pool::is_job_busy_locked(kpool_job &job)
{
	m_lock.assert_held();
	return read_once(job.kp_state) != JobIdle || find_live_busy_locked(&job);
}

// A wait that can only end after the caller returns: the job the caller is
// running, or a job queued behind the key the caller's job holds.
bool Pool::would_wait_for_self_locked(kpool_job &job)
{
	m_lock.assert_held();
	Worker *w = current_worker();
	if (!w || w->m_pool != this)
		return false;
	if (w->m_cur_job == &job)
		return true;
	if (Domain::is_follower_locked(job, *w))
		return true;
	return read_once(job.kp_state) == JobWaiting && w->m_key_slot.kp_key &&
	       job.kp_key == w->m_key_slot.kp_key;
}

Result<void> Pool::flush_job(kpool_job &job)
{
	kp::might_sleep();
	{
		HoldIrq guard(*this);
		if (would_wait_for_self_locked(job)) {
			report_self_wait(SelfWait::FlushJob, m_name);
			return err(-EDEADLK);
		}
		// Claimed by a worker (perhaps by the caller, a job of its
		// batch): back on the queue, for any worker to run.
		if (read_once(job.kp_state) == JobClaimed) {
			if (Busy *b = find_busy_locked(&job); b && unclaim_locked(*b))
				wake_for_work_locked();
		}
	}
	wait_until_locked([&] { return !is_job_busy_locked(job); });
	return {};
}

bool Pool::is_own_thread() const
{
	Worker *w = current_worker();
	return w && w->m_pool == this;
}

Result<void> Pool::drain()
{
	kp::might_sleep();
	if (is_own_thread()) {
		report_self_wait(SelfWait::Drain, m_name);
		return err(-EDEADLK);
	}
	// As for destroy(): a drain under a lock that a job takes is reported.
	kp_lockdep_map_acquire(m_lockdep);
	kp_lockdep_map_release(m_lockdep);
	// Domain jobs waiting for a max_active slot were queued too.
	wait_until_locked([this] {
		inbox_take_locked(); // counted in m_nr_queued once taken
		return m_nr_queued == 0 && m_nr_inactive == 0 && m_nr_running_jobs == 0 &&
		       !m_quick.front();
	});
	return {};
}

// ---- waiters -------------------------------------------------------------------------------
//
// flush_job(), drain(), thread_stop() and destroy() sleep on a completion of
// their own, linked on m_waiters. Whoever changes what they wait for calls
// wake_waiters_locked(): a test of an empty list when nobody waits, else one
// complete() (a raw swait lock, allowed under m_lock and in hard IRQ) per
// waiter. Nothing is woken after a job when nobody waits.
// The sleeping side, wait_until_locked(), is a template: in pool_impl.h.

void Pool::wake_waiters_locked()
{
	m_lock.assert_held();
	while (Waiter *w = m_waiters.pop_front())
		w->done.complete();
	if (read_once(m_waiting))
		write_once(m_waiting, false);
}

} // namespace kp
