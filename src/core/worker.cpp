// SPDX-License-Identifier: GPL-2.0
// Pool, worker threads (see pool.h for the model, worker.h for Worker,
// pool.cpp for the other parts): their loop, the run of a job, the free
// lists, kpool_block_begin/end, and the wake rules with the stall timer. This
// file explains orderings and races.
#include "core/pool_impl.h"
#include "core/reaper.h"
#include "base/debug.h"

namespace kp {

namespace {

constexpr long kMaxScheduleTimeout = __LONG_MAX__;

} // namespace

extern "C" int kp_worker_main(void *arg)
{
	auto *w = static_cast<Worker *>(arg);
	return w->m_pool->worker_main(*w);
}

extern "C" int kp_rescuer_main(void *arg); // core/rescuer.cpp

// ---- worker threads ----------------------------------------------------------------------

Worker *Pool::current_worker()
{
	auto *start = static_cast<KThread::Start *>(kp_kthread_current_data(kp_kthread_trampoline));
	if (!start || (start->fn != kp_worker_main && start->fn != kp_rescuer_main))
		return nullptr;
	return static_cast<Worker *>(start->arg);
}

bool Pool::current_should_stop()
{
	Worker *w = current_worker();
	if (!w)
		return kp_kthread_should_stop(); // 0 outside a kernel thread
	kpool_thread *t = w->m_quick;
	return t && read_once(t->kp_stop);
}

bool Pool::current_is_cold_start()
{
	Worker *w = current_worker();
	return w && w->m_cold_item;
}

// Nested pairs count once: the outermost begin and end change nr_blocked and
// the runnable count. A worker that stops counting as runnable with jobs
// waiting wakes a free worker or the manager (the rules decide).
void Pool::block_begin()
{
	Worker *w = current_worker();
	if (!w)
		return;
	Pool *pool = w->m_pool;
	HoldIrq guard(*pool);
	if (w->m_cm.m_block_depth == 0) {
		kp_trace_thread(KP_TRACE_BLOCK_BEGIN, pool->m_name, w->m_pid);
		pool->m_nr_blocked++;
	}
	pool->m_cm.block_begin_locked(w->m_cm);
	// What we claimed must not wait for our sleep.
	if (w->m_nr_batch > 1)
		pool->unclaim_worker_locked(*w);
	pool->wake_for_work_locked();
}

void Pool::block_end()
{
	Worker *w = current_worker();
	if (!w || KP_WARN_ON_ONCE(!w->m_cm.m_block_depth))
		return;
	Pool *pool = w->m_pool;
	HoldIrq guard(*pool);
	pool->m_cm.block_end_locked(w->m_cm);
	if (w->m_cm.m_block_depth == 0) {
		kp_trace_thread(KP_TRACE_BLOCK_END, pool->m_name, w->m_pid);
		pool->m_nr_blocked--;
	}
}

// Cost: at most one wake-up, one full barrier; the stall timer is armed at
// most once per stall period.
void Pool::wake_for_work_locked()
{
	// While fewer workers run or are on their way than the pool has CPUs
	// (concurrency.h); each takes a job and, if more wait, may wake the next.
	if (m_cm.should_wake_locked(m_nr_woken)) {
		if (Worker *w = pop_free_locked()) {
			w->m_woken = true;
			m_nr_woken++;
			wake_locked(w->m_task);
		}
	}
	if (!m_dying)
		m_cm.arm_stall_locked();
	kick_manager_if_needed_locked();
}

void Pool::cm_irq_work()
{
	HoldIrqSave guard(*this);
	unclaim_sleepers_locked();
	wake_for_work_locked();
}

void Pool::cm_stall_timer()
{
	HoldIrqSave guard(*this);
	inbox_take_locked(); // their age counts too
	kpool_job *oldest = m_jobs.front();
	// Its stamp may be coarse, a tick or more too old (pool.h, stamp()):
	// the thread may then come that much before stall_timeout_ms.
	unsigned long long age = oldest ? kp_ktime_ns() - oldest->kp_queued_ns : 0;
	if (!m_cm.stall_check_locked(age, m_nr_woken))
		return;
	// A free worker left asleep because the sleepers looked runnable is
	// woken first; with none, the manager creates one.
	if (Worker *w = pop_free_locked()) {
		m_cm.stall_answered_locked();
		w->m_woken = true;
		m_nr_woken++;
		wake_locked(w->m_task);
		return;
	}
	kick_manager_if_needed_locked();
}

bool Pool::should_retire_locked(Worker &w, bool timed_out)
{
	if (m_dying)
		return true;
	if (m_nr_threads > m_attrs.max_threads)
		return true;
	// A timed-out idle worker retires if the pool keeps min_threads and
	// the reserve without it.
	return timed_out && !w.m_on_parked && m_nr_threads > m_attrs.min_threads;
}

void Pool::make_free_locked(Worker &w)
{
	w.m_idle_since = kp_jiffies();
	w.m_kick_gen = m_kick_gen; // see kick_free_workers()
	if (m_parked.size() < m_attrs.reserve) {
		w.m_on_parked = true;
		m_parked.push_front(w);
	} else {
		w.m_on_parked = false;
		m_idle.push_front(w);
	}
	// Quick threads and flushers may wait for a thread to become free.
}

Worker *Pool::pop_free_locked()
{
	// Most recently idle first (its cache is warm, and the least recently
	// used ones are left to time out); the reserve only when none is idle.
	Worker *w = m_idle.pop_front();
	if (!w)
		w = m_parked.pop_front();
	return w;
}

// Takes @job off the queue's books before its function runs. An ordered
// job's key passes to @slot (the worker's stand-in), so the key stays held
// while the function runs and the pool never needs the job afterwards.
void Pool::begin_job_locked(kpool_job *job, kpool_job &slot)
{
	m_nr_queued--;
	job->kp_state = JobIdle;
	if (job->kp_key) {
		unlink_slot_locked(job);
		slot.kp_key = job->kp_key;
		slot.kp_followers = job->kp_followers;
		slot.kp_followers_tail = job->kp_followers_tail;
		job->kp_followers = job->kp_followers_tail = nullptr;
		link_slot_locked(&slot);
	}
}

// After the function returned: the next job of the key, if any, becomes
// runnable at the head of the queue.
void Pool::end_job_locked(kpool_job &slot)
{
	if (!slot.kp_key)
		return;
	unlink_slot_locked(&slot);
	promote_follower_locked(&slot);
	slot.kp_key = 0;
}

void Pool::clear_blocked_locked(Worker &w)
{
	// A function that returned inside kpool_block_begin/end.
	if (w.m_cm.m_block_depth) {
		m_cm.clear_block_locked(w.m_cm);
		m_nr_blocked--;
	}
}

// @w takes @job off the queue (take_job_locked_raw()) to run it: busy with
// it, so a queue() while it runs defers it (a job never runs alongside
// itself). The caller counts @w running.
void Pool::start_job_locked(Worker &w, kpool_job *job, Started &started)
{
	begin_job_locked(job, w.m_key_slot);
	w.m_cur_job = job;
	Busy &b = w.m_batch[0];
	b.job = job;
	b.requeue = nullptr;
	busy_add_locked(b);
	w.m_nr_batch = 1;
	write_once(w.m_batch_pos, 0u);
	domain_started_locked(w, *job);
	m_nr_running_jobs++;
	started = {job, job->kp_queued_ns, job->kp_key};
	claim_batch_locked(w, job);
}

// Whether @w, its job done, may take the next one in the same hold (as
// process_scheduled_works() loops) instead of going round worker_main()'s
// loop: nothing that loop does first is due. A quick thread waiting goes
// first; a park (the CPU going down), a new nice or a new binding is
// applied first.
bool Pool::may_take_next_locked(const Worker &w) const
{
	return !m_quick.front() && !KThread::should_park() && m_attrs.nice == w.m_nice &&
	       read_once(m_bind_gen) == w.m_bind_gen;
}

// ---- claims --------------------------------------------------------------------------------
//
// A worker that takes an unordered job (no key, no domain) from a long
// queue claims up to kMaxBatch - 1 more with it, in the same hold of the
// lock, and runs them one after the other without the lock: one lock round
// trip per batch instead of one per job. Its share is the queue divided by
// the pool's CPUs, so a short queue still spreads over the workers.
//
// A claimed job is pending (JobClaimed) and in the busy hash from the
// claim on; its record's slot holds it until someone takes it with an
// atomic exchange: the worker, to start it (then it is not pending any
// more: JobIdle, busy until the batch ends, as a running job), or, under the
// lock, anyone taking it back to the head of the queue (unclaim_locked()):
// a cancel, a flush, destroy, the worker itself at the end of a batch it cut
// short, and the deferred wake-up when the worker went to sleep inside a
// job. So claims never wait behind a sleeping job, and only workers whose
// sleeps are seen (preempt notifiers, or kpool_block_begin()) claim at all.
// m_batch_pos says which records are done: before it, slot empty, the job
// ran; a record there is retired by whoever meets it (retire_locked()).

void Pool::claim_batch_locked(Worker &w, kpool_job *first)
{
	if (!w.m_may_claim || first->kp_key || first->kp_domain || !m_cm.uses_notifier())
		return;
	unsigned int share = m_cm.jobs_waiting() / m_cm.target() + 1;
	if (share > Worker::kMaxBatch)
		share = Worker::kMaxBatch;
	while (w.m_nr_batch < share) {
		kpool_job *job = m_jobs.front();
		if (!job || job->kp_key || job->kp_domain)
			break;
		unlink_job_locked(job);
		m_nr_queued--;
		m_nr_running_jobs++;
		write_once(job->kp_state, int(JobClaimed));
		Busy &b = w.m_batch[w.m_nr_batch++];
		b.job = job;
		b.requeue = nullptr;
		__atomic_store_n(&b.slot, job, __ATOMIC_RELAXED);
		busy_add_locked(b);
		m_cm.job_started_locked();
	}
	if (w.m_nr_batch > 1) {
		m_claimers.push_back(w);
		if (w.m_nr_batch > m_max_batch)
			m_max_batch = w.m_nr_batch;
	}
}

// The jobs @w claimed with m_batch[0], which has run. Context: the worker.
void Pool::run_claimed(Worker &w)
{
	unsigned int n = w.m_nr_batch; // only the worker changes it
	unsigned int i;
	for (i = 1; i < n; i++) {
		// Records before @i are done (find_live_busy_locked()): someone
		// waiting may be waiting for one of them (wait_until_locked()).
		__atomic_store_n(&w.m_batch_pos, i, __ATOMIC_RELEASE);
		full_barrier();
		if (read_once(m_waiting)) {
			HoldIrq guard(*this);
			wake_waiters_locked();
		}
		// As worker_main(): a park comes first; the rest go back.
		if (KThread::should_park())
			break;
		kp_cond_resched();
		kpool_job *job = __atomic_exchange_n(&w.m_batch[i].slot, nullptr, __ATOMIC_ACQ_REL);
		if (!job)
			continue; // taken back
		unsigned long long queued_ns = job->kp_queued_ns;
		// Not pending from here on: queued again, it waits for this run.
		__atomic_store_n(&job->kp_state, int(JobIdle), __ATOMIC_RELEASE);
		w.m_cur_job = job;
		record_start(queued_ns);
		kp_trace_job(KP_TRACE_JOB_START, m_name, queued_ns, 0);
		job->kp_func(job);
		// @job may be freed by now.
		kp_trace_job(KP_TRACE_JOB_END, m_name, queued_ns, 0);
		count(Event::Completed);
	}
	__atomic_store_n(&w.m_batch_pos, i, __ATOMIC_RELEASE);
}

// Takes @b's job back to the head of the queue if it was never started.
bool Pool::unclaim_locked(Busy &b)
{
	kpool_job *job = __atomic_exchange_n(&b.slot, nullptr, __ATOMIC_ACQ_REL);
	if (!job)
		return false;
	busy_del_locked(b);
	b.job = nullptr;
	m_nr_running_jobs--;
	m_nr_queued++;
	push_job_head_locked(job);
	return true;
}

// A record whose job has run: off the books; a queue() meanwhile runs now.
void Pool::retire_locked(Busy &b)
{
	busy_del_locked(b);
	b.job = nullptr;
	m_nr_running_jobs--;
	if (kpool_job *again = exchange(b.requeue, static_cast<kpool_job *>(nullptr))) {
		requeue_deferred_locked(again);
		wake_for_work_locked();
	}
}

// Whatever of @w's batch can be settled without @w: claims not started go
// back (in their order), records done are retired.
void Pool::unclaim_worker_locked(Worker &w)
{
	unsigned int done = __atomic_load_n(&w.m_batch_pos, __ATOMIC_ACQUIRE);
	bool back = false;
	for (unsigned int i = w.m_nr_batch; i-- > 1;) {
		Busy &b = w.m_batch[i];
		if (!b.job)
			continue;
		if (unclaim_locked(b))
			back = true;
		else if (i < done)
			retire_locked(b);
	}
	if (w.ListNode<ClaimersTag>::is_linked())
		m_claimers.remove(w);
	if (back)
		wake_for_work_locked();
}

// The deferred wake-up: workers asleep inside a job give their claims back.
void Pool::unclaim_sleepers_locked()
{
	m_claimers.for_each([&](Worker &w) {
		if (read_once(w.m_cm.m_sleeping))
			unclaim_worker_locked(w);
	});
}

void Pool::unclaim_all_locked()
{
	while (Worker *w = m_claimers.front())
		unclaim_worker_locked(*w);
}

// Jobs claimed and not started (for stats()).
unsigned int Pool::nr_claimed_locked()
{
	unsigned int n = 0;
	m_claimers.for_each([&](Worker &w) {
		for (unsigned int i = 1; i < w.m_nr_batch; i++)
			n += __atomic_load_n(&w.m_batch[i].slot, __ATOMIC_RELAXED) != nullptr;
	});
	return n;
}

unsigned int Pool::nr_claimed()
{
	HoldIrqSave guard(*this);
	return nr_claimed_locked();
}

unsigned int Pool::max_batch()
{
	HoldIrqSave guard(*this);
	return m_max_batch;
}

// The end of @w's batch, records 1.. (record 0 is the caller's).
// run_claimed() left every record it started before m_batch_pos, so this is
// what anyone may settle: claims not started (a batch cut short) go back.
void Pool::end_batch_locked(Worker &w)
{
	unclaim_worker_locked(w);
	w.m_nr_batch = 1;
}

// Runs @cur (taken by start_job_locked()), then what @w claimed with it,
// and settles their end. With @next, the next runnable job, if
// may_take_next_locked(), is taken in that same hold, and started (the
// lock is taken once per batch, not twice); next->job is nullptr otherwise.
void Pool::run_job(Worker &w, const Started &cur, Started *next)
{
	kpool_job *job = cur.job;
	// Held while the function runs: a drain or destroy of this pool from
	// it, or under a lock it takes, is a lockdep report.
	kp_lockdep_map_acquire(m_lockdep);
	// And its domain's, if any: a flush of that domain is checked alike.
	void *dom_map = domain_lockdep_map(w);
	kp_lockdep_map_acquire(dom_map);
	kp_trace_job(KP_TRACE_JOB_START, m_name, cur.queued_ns, cur.key);
	job->kp_func(job);
	// @job may be freed by now: only the worker's own state is used below.
	kp_trace_job(KP_TRACE_JOB_END, m_name, cur.queued_ns, cur.key);
	kp_lockdep_map_release(dom_map);
	count(Event::Completed);
	if (w.m_nr_batch > 1)
		run_claimed(w);
	kp_lockdep_map_release(m_lockdep);
	HoldIrq guard(*this);
	clear_blocked_locked(w);
	end_batch_locked(w);
	w.m_cur_job = nullptr;
	m_nr_running--;
	end_job_locked(w.m_key_slot);
	domain_finished_locked(w);
	// Queued again while it ran: it may run now, on any thread (after its
	// key's next job, promoted just now). Retired already if found done.
	if (w.m_batch[0].job)
		retire_locked(w.m_batch[0]);
	w.m_nr_batch = 0;
	if (next) {
		next->job = nullptr;
		if (kpool_job *taken = may_take_next_locked(w) ? take_job_locked_raw(&w) :
								 nullptr) {
			start_job_locked(w, taken, *next);
			m_nr_running++;
			w.m_cold_item = false; // a running thread taking the next: neither
			m_cm.job_started_locked();
		}
	}
	// More waiting: the next worker, if the rules want one.
	if (m_cm.jobs_waiting())
		wake_for_work_locked();
	wake_waiters_locked(); // flushers and drainers
}

int Pool::worker_main(Worker &w)
{
	bool timed_out = false;
	// A bound pool's threads are the kernel's to place, as kthread_bind()
	// makes them: taskset and cpusets may not move them off their CPU.
	if (m_cpu >= 0)
		kp_current_forbid_setaffinity();
	// Our sleeps inside jobs are seen from now on (core/concurrency.h),
	// so we may claim jobs (see "claims").
	kp_notifier_register_self(w.m_cm.m_hook.pn);
	w.m_may_claim = kp_notifier_available();
	for (;;) {
		if (KThread::should_park())
			KThread::parkme(); // the bound CPU went down; back when it is up
		rebind_self(w);
		kpool_thread *quick = nullptr;
		kpool_job *job = nullptr;
		bool retire = false, sleep = false, hp_wait = false, handed = false;
		long timeout = 0;
		unsigned long long queued_ns = 0;
		Started started = {};
		int nice;
		{
			HoldIrq guard(*this);
			nice = m_attrs.nice;
			if (!w.m_started) {
				w.m_started = true;
				m_nr_starting--;
			}
			bool was_woken = w.m_woken || w.m_quick;
			bool kicked = exchange(w.m_kicked, false);
			if (w.m_woken) {
				w.m_woken = false;
				m_nr_woken--;
			}
			if (w.m_on_hp) {
				// cpu_offline() moved us from a free list to
				// m_hp_parked and parks us next: wait for that,
				// touching no list (the free-list branch below
				// would remove us from the wrong one).
				kp_set_current_state(KP_TASK_IDLE);
				sleep = hp_wait = true;
				timeout = -1;
			} else if (w.ListNode<FreeWorkersTag>::is_linked()) {
				// Woken without being taken: a timeout, a resize or a
				// spurious wake-up. Stay free unless there is work or
				// a reason to retire.
				if (!has_work_locked() && !m_dying &&
				    !should_retire_locked(w, timed_out)) {
					unsigned long limit =
						kp_msecs_to_jiffies(m_attrs.idle_timeout_ms);
					unsigned long idle = kp_jiffies() - w.m_idle_since;
					if (idle >= limit) {
						// Timed out but needed (min_threads): a new period.
						w.m_idle_since = kp_jiffies();
						idle = 0;
					}
					timeout = w.m_on_parked ? -1 : long(limit - idle);
					kp_set_current_state(KP_TASK_IDLE);
					sleep = true;
				} else {
					(w.m_on_parked ? m_parked : m_idle).remove(w);
				}
			}
			if (sleep) {
				// Stay on the free list.
			} else if (w.m_quick) {
				// Handed to us by kpool_thread_run() (a warm hand-off).
				handed = true;
				quick = w.m_quick;
				queued_ns = quick->kp_queued_ns;
			} else if ((quick = take_quick_locked())) {
				quick->kp_state = QuickRunning;
				quick->kp_worker = &w;
				w.m_quick = quick;
				m_quick_running.push_back(quick);
				queued_ns = quick->kp_queued_ns;
			} else if ((job = take_job_locked_raw(&w))) {
				start_job_locked(w, job, started);
				queued_ns = started.queued_ns;
			} else if (should_retire_locked(w, timed_out)) {
				retire = true;
				m_all.remove(w);
				m_nr_threads--;
				kick_manager_if_needed_locked();
				wake_waiters_locked();
			} else {
				unsigned long since = w.m_idle_since;
				unsigned long limit = kp_msecs_to_jiffies(m_attrs.idle_timeout_ms);
				make_free_locked(w);
				// Kicked by kick_free_workers(): the idle period goes on.
				unsigned long idle = kicked ? kp_jiffies() - since : 0;
				if (idle < limit)
					w.m_idle_since -= idle;
				else
					idle = 0;
				timeout = w.m_on_parked ? -1 : long(limit - idle);
				kp_set_current_state(KP_TASK_IDLE);
				sleep = true;
			}
			if (handed) {
				// Counted by kpool_thread_run() (a warm hand-off).
				w.m_cold_item = false;
				w.m_fresh = false;
			} else if (quick || job) {
				m_nr_running++;
				// A waiting thread (a parked reserve thread included) woken
				// for the item is a warm hand-off; a thread that found the
				// item on its very first look was created for it: a cold
				// start. A running thread taking the next item is neither.
				w.m_cold_item = !was_woken && w.m_fresh;
				if (was_woken)
					count(Event::WarmHandoff);
				else if (w.m_fresh)
					count(Event::ColdStart);
				w.m_fresh = false;
			}
			// Runnable while it runs a job and until it goes free,
			// retires or runs a quick thread: all decided in this hold,
			// with the queue checked, so a submitter that finds the count
			// lower finds us on a free list too (no lost wake-up).
			m_cm.set_active_locked(w.m_cm, job != nullptr);
			if (job) {
				m_cm.job_started_locked();
				// More waiting: the next worker, if the rules want one.
				if (m_cm.jobs_waiting())
					wake_for_work_locked();
			}
		}
		// On ourselves, outside the lock (set_user_nice takes the runqueue
		// lock). Our state may already be TASK_IDLE: this does not sleep.
		if (nice != w.m_nice) {
			kp_set_user_nice(kp_current(), nice);
			w.m_nice = nice;
		}
		if (sleep) {
			// The park request may have come before the state was set.
			if (hp_wait && KThread::should_park()) {
				kp_set_current_state(KP_TASK_RUNNING);
				continue;
			}
			// The state was set under the lock, so a wake-up between the
			// unlock and schedule() makes schedule() return at once.
			timed_out = kp_schedule_timeout(timeout < 0 ? kMaxScheduleTimeout :
								      timeout) == 0;
			kp_set_current_state(KP_TASK_RUNNING);
			// Handed a quick thread: kpool_thread_run() did our
			// bookkeeping under its lock, so it runs now, with no lock
			// taken first (the mailbox is m_quick: release store,
			// acquire load). A park or a new binding goes first, on
			// the loop's way.
			kpool_thread *handed = __atomic_load_n(&w.m_quick, __ATOMIC_ACQUIRE);
			if (handed && !hp_wait && !KThread::should_park() &&
			    read_once(m_bind_gen) == w.m_bind_gen) {
				timed_out = false;
				w.m_cold_item = false;
				w.m_fresh = false;
				record_start(handed->kp_queued_ns);
				count(Event::LocklessHandoff);
				kp_trace_thread(KP_TRACE_HANDOFF, m_name, w.m_pid);
				run_quick(w, handed);
				kp_cond_resched();
			}
			continue;
		}
		timed_out = false;
		if (retire) {
			kp_notifier_unregister_self(w.m_cm.m_hook.pn);
			kp_trace_thread(KP_TRACE_RETIRE, m_name, w.m_pid);
			// From here on the reaper owns @w; it stops this thread,
			// which only has to return.
			reaper::push(&w);
			return 0;
		}
		record_start(queued_ns);
		if (quick) {
			kp_trace_thread(KP_TRACE_HANDOFF, m_name, w.m_pid);
			run_quick(w, quick);
			kp_cond_resched();
			continue;
		}
		// Job after job while may_take_next_locked() lets us.
		for (;;) {
			Started next;
			run_job(w, started, &next);
			// As process_one_work(): a worker that always finds more
			// work (a job that re-queues itself) must still let others
			// run on this CPU, or, on a kernel without full preemption,
			// stop_machine() (CPU hotplug) waits for it forever.
			kp_cond_resched();
			if (!next.job)
				break;
			started = next;
			record_start(started.queued_ns);
		}
	}
}

bool Pool::has_work_locked() const
{
	return m_jobs.front() || m_quick.front() || inbox_pending();
}

void Pool::worker_reaped(Worker *w)
{
	count(Event::Reaped);
	kp_trace_thread(KP_TRACE_REAP, m_name, w->m_pid);
	delete w;
	HoldIrq guard(*this);
	m_nr_live_tasks--;
	// Under the lock: destroy() checks the count under the same lock, so it
	// cannot free the pool before this unlock completes.
	wake_waiters_locked();
}

} // namespace kp
