// SPDX-License-Identifier: GPL-2.0
// Pool: see pool.h for the model. This file: creation and destruction, waits
// on oneself, attributes and statistics. The other parts of the engine:
//   pool_queue.cpp    the job queue, the inbox, delayed jobs, cancel, the busy
//                     hash, flush and drain, waiters
//   pool_quick.cpp    quick threads
//   worker.cpp        worker threads: their loop, running a job, the wake rules
//   pool_hotplug.cpp  CPU hotplug (bound pools), the cpumask
//   manager.cpp       the manager: when and how threads are created
//   pool_impl.h       what they share (internal to the engine)
// Each file explains orderings and races.
#include "core/pool_impl.h"
#include "core/reaper.h"
#include "base/debug.h"

namespace kp {

namespace {

constinit LockClass g_pool_lock_class("kpool_pool_lock");
constinit LockClass g_pool_attrs_class("kpool_pool_attrs");

// Per-CPU: event counters, then the queue-to-start latency histogram
// (bucket i counts latencies in [2^i, 2^(i+1)) ns; bucket 0 also counts 0).
struct Counters {
	long v[static_cast<int>(Pool::Event::Count)];
	long hist[Pool::kHistBuckets];
};

} // namespace

// ---- creation and destruction -------------------------------------------------------

Result<void> Pool::validate(const kpool_attrs &a)
{
	if (a.max_threads < 1 || a.max_threads > KPOOL_MAX_THREADS_CAP)
		return err(-ERANGE);
	if (a.min_threads > a.max_threads || a.reserve > a.max_threads)
		return err(-EINVAL);
	if (a.idle_timeout_ms < 1 || a.idle_timeout_ms > KPOOL_IDLE_TIMEOUT_MAX_MS)
		return err(-ERANGE);
	if (a.nice < -20 || a.nice > 19)
		return err(-ERANGE);
	if (a.flags & ~(KPOOL_MEM_RECLAIM | KPOOL_LATENCY_STATS))
		return err(-EINVAL);
	return {};
}

Result<Pool *> Pool::create(const char *name, const kpool_attrs &attrs, int cpu)
{
	kp::might_sleep();
	KP_TRY(validate(attrs));

	auto pool = OwnPtr<Pool>::adopt(new (Gfp::Kernel) Pool());
	if (!pool)
		return err(-ENOMEM);
	for (size_t i = 0; name[i]; i++)
		pool->m_name[i] = name[i]; // the caller checked the length
	pool->m_attrs = attrs;
	pool->m_cpu = cpu;
	pool->m_latency_stats = attrs.flags & KPOOL_LATENCY_STATS;
	pool->m_lock.init(g_pool_lock_class);
	pool->m_attrs_mutex.init(g_pool_attrs_class);
	pool->m_counters = kp_percpu_alloc(sizeof(Counters), alignof(Counters));
	if (!pool->m_counters)
		return err(-ENOMEM);
	pool->m_inbox = kp_inbox_create();
	if (!pool->m_inbox)
		return err(-ENOMEM);
	// NULL without lockdep: the annotations are then off.
	pool->m_lockdep = kp_lockdep_map_create(pool->m_name);

	if (cpu >= 0 && !kp_cpu_possible(cpu))
		return err(-EINVAL);
	pool->m_cpumask = kp_cpumask_alloc();
	if (!pool->m_cpumask)
		return err(-ENOMEM);
	if (cpu >= 0)
		kp_cpumask_set_only(pool->m_cpumask, cpu);
	else
		kp_cpumask_set_kthread_default(pool->m_cpumask); // isolcpus, nohz_full
	// The concurrency target: the CPUs the pool may run on.
	KP_TRY(pool->m_cm.init(pool.get(), cpu >= 0 ? 1 : kp_cpumask_nr_online(pool->m_cpumask)));

	// Not started yet: nothing may run on the pool before every step that
	// can fail has succeeded, or a failure would free it under live threads.
	char mgr_name[KPOOL_NAME_MAX + 8];
	kp_snprintf(mgr_name, sizeof(mgr_name), "kpool_mgr/%s", name);
	pool->m_manager = KP_TRY(KThread::create(kp_manager_main, nullptr, pool.get(), mgr_name,
						 KThread::Wait::NoStart));
	if (attrs.flags & KPOOL_MEM_RECLAIM)
		KP_TRY(pool->rescuer_create()); // ~Pool() stops it on a later failure
	if (cpu >= 0) {
		if (int ret = kp_cpuhp_add(pool.get(), &pool->m_cpuhp); ret)
			return err(ret); // the handle stops the manager, which never ran
		// Sampled with hotplug held off and after the instance exists: a CPU
		// going down or up later runs our callbacks, one that went before is
		// seen here.
		kp_cpus_read_lock();
		{
			HoldIrq guard(*pool);
			pool->m_cpu_offline = !kp_cpu_online(cpu);
		}
		kp_cpus_read_unlock();
	}
	{
		// The manager's first wake-up: it starts min_threads and the
		// reserve in the background.
		HoldIrq guard(*pool);
		pool->kick_manager_locked();
	}
	return pool.leak();
}

Pool::~Pool()
{
	// First: the rescuer thread, then the callbacks, which use the pool.
	rescuer_stop();
	m_cm.shutdown();
	kp_lockdep_map_destroy(m_lockdep);
	kp_cpumask_free(m_cpumask);
	kp_percpu_free(m_counters);
	kp_inbox_destroy(m_inbox);
	m_attrs_mutex.destroy();
}

void Pool::destroy()
{
	kp::might_sleep();
	kpool_job *cancelled = nullptr;
	kpool_job *timed = nullptr;
	unsigned long rcu_cookie;
	// Waits for every job: lockdep learns the locks held here (a job
	// taking one of them deadlocks the teardown).
	kp_lockdep_map_acquire(m_lockdep);
	kp_lockdep_map_release(m_lockdep);

	// First, so no knob write runs during the teardown (removal waits for
	// the ones in progress), and no hotplug callback either.
	sysfs_remove();
	kp_cpuhp_remove(exchange(m_cpuhp, static_cast<void *>(nullptr)));
	// Threads parked for an offline CPU must run to exit.
	while (Worker *w = take_hp_parked())
		kp_kthread_unpark(w->m_task);

	{
		HoldIrq guard(*this);
		// queue() takes the locked path from here on; a submitter that
		// read m_dying before is done within the grace period waited for
		// before the pool is freed.
		write_once(m_dying, true);
		rcu_cookie = kp_rcu_cookie();
		inbox_take_locked();
		unclaim_all_locked(); // claimed jobs are queued jobs too
		m_destroyer = kp_current();
		m_cm.stop_stall_locked();
		// Armed delayed jobs are held (queueing them is refused) until
		// their timers are stopped, below.
		while (kpool_job *j = m_timers.pop_front()) {
			j->kp_state = JobCanceling;
			j->kp_next = timed;
			timed = j;
		}

		// Queued jobs with a cancel function are reported cancelled. The
		// others stay queued, in their key order, and are run by the exiting
		// workers (or below, if no worker is left).
		auto take_cancellable = [&](kpool_job *j) {
			j->kp_state = JobIdle;
			j->kp_next = cancelled;
			cancelled = j;
			m_nr_queued--;
		};
		// First the followers waiting behind every active key...
		for (kpool_job *holder : m_slots) {
			for (; holder; holder = holder->kp_slot_next) {
				kpool_job *j = holder->kp_followers;
				holder->kp_followers = holder->kp_followers_tail = nullptr;
				while (j) {
					kpool_job *next = j->kp_next;
					if (j->kp_cancel)
						take_cancellable(j);
					else
						append_follower_locked(holder, j);
					j = next;
				}
			}
		}
		// ...then the jobs queued again while they run...
		for (Busy *b : m_busy) {
			for (; b; b = b->next) {
				if (b->requeue && b->requeue->kp_cancel)
					take_cancellable(
						exchange(b->requeue,
							 static_cast<kpool_job *>(nullptr)));
			}
		}
		// ...then the runnable queue; a cancelled holder hands its key on.
		for (kpool_job *j = m_jobs.front(); j;) {
			kpool_job *next = j->kp_next;
			if (j->kp_cancel) {
				unlink_job_locked(j);
				if (j->kp_key) {
					unlink_slot_locked(j);
					promote_follower_locked(j);
				}
				take_cancellable(j);
			}
			j = next;
		}
		// Quick threads that never started are dropped with -EINTR.
		while (kpool_thread *t = take_quick_locked()) {
			t->kp_result = -EINTR;
			t->kp_worker = nullptr;
			__atomic_store_n(&t->kp_state, int(QuickDone), __ATOMIC_RELEASE);
		}
		// Running quick threads are asked to stop. Workers inside a job
		// are left alone: they exit when their job (and any job it
		// chains) returns.
		for (kpool_thread *t = m_quick_running.front(); t; t = t->kp_next) {
			write_once(t->kp_stop, 1);
			wake_locked(static_cast<Worker *>(t->kp_worker)->m_task);
		}
		wake_waiters_locked();
	}
	// A delayed job whose time had not come: cancelled if it has a cancel
	// function, else run now with the queued jobs. Its timer callback, if
	// it runs, sees JobCanceling and leaves; timer_delete_sync() waits for
	// it, so none runs once the pool is gone.
	while (kpool_job *j = timed) {
		timed = j->kp_next;
		kp_timer_delete_sync(delayed_of(j)->kp_timer);
		HoldIrq guard(*this);
		if (j->kp_cancel) {
			j->kp_state = JobIdle;
			j->kp_next = cancelled;
			cancelled = j;
		} else {
			j->kp_state = JobQueued; // enqueue_locked() sets the state it ends in
			enqueue_locked(*j, j->kp_key);
		}
		wake_waiters_locked(); // a cancel_sync() from one of our jobs
	}
	// Free workers are woken to drain the queue and exit, one per hold of
	// the lock (m_dying keeps them off the free lists from now on).
	for (;;) {
		HoldIrq guard(*this);
		Worker *w = pop_free_locked();
		if (!w)
			break;
		w->m_woken = true;
		m_nr_woken++;
		wake_locked(w->m_task);
	}

	while (kpool_job *job = cancelled) {
		cancelled = job->kp_next;
		count(Event::Cancelled);
		job->kp_cancel(job);
	}

	// No more threads are created once the manager is gone; the rescuer
	// finishes the job it runs, if any.
	m_manager.stop();
	rescuer_stop();

	wait_until_locked([this] { return m_nr_live_tasks == 0; });
	// Retired workers were reaped, but their reaper may still be returning.
	reaper::flush();

	// No lock-free queue() is still in progress (most often the grace
	// period has passed while the workers exited).
	kp_rcu_cond_sync(rcu_cookie);
	// Jobs nobody could run (every thread creation failed) run here, in
	// order, so none is lost; so do the jobs they chain (m_destroyer) and
	// any that reached the inbox late.
	kpool_job slot = {};
	for (;;) {
		kpool_job *job;
		{
			HoldIrq guard(*this);
			job = take_job_locked_raw();
			if (job)
				begin_job_locked(job, slot);
		}
		if (!job)
			break;
		job->kp_func(job);
		count(Event::Completed);
		HoldIrq guard(*this);
		end_job_locked(slot);
	}
	delete this;
}

// ---- waits on oneself ------------------------------------------------------------------

namespace {

bool g_quiet_self_wait;
bool g_self_wait_warned[static_cast<int>(Pool::SelfWait::Count)];
const char *const g_self_wait_call[] = {"kpool_flush_job",     "kpool_drain",
					"kpool_destroy",       "kpool_thread_stop",
					"kpool_domain_flush",  "kpool_domain_drain",
					"kpool_domain_destroy"};
static_assert(sizeof(g_self_wait_call) / sizeof(g_self_wait_call[0]) ==
	      static_cast<int>(Pool::SelfWait::Count));

} // namespace

void Pool::report_self_wait(SelfWait kind, const char *pool)
{
	int k = static_cast<int>(kind);
	if (read_once(g_quiet_self_wait)) {
		KP_LOG_INFO("%s() would wait for its own caller (pool %s): -EDEADLK",
			    g_self_wait_call[k], pool);
		return;
	}
	if (!exchange(g_self_wait_warned[k], true))
		kp_warn(__FILE__, __LINE__, g_self_wait_call[k]);
}

void Pool::set_quiet_self_wait(bool quiet)
{
	write_once(g_quiet_self_wait, quiet);
}

// ---- attributes and statistics ---------------------------------------------------------

Result<void> Pool::set_attrs(const kpool_attrs &attrs)
{
	kp::might_sleep();
	KP_TRY(validate(attrs));
	MutexGuard serialise(m_attrs_mutex);
	kpool_attrs a = attrs;
	a.flags = m_attrs.flags; // fixed at creation
	apply_attrs(a);
	return {};
}

void Pool::apply_attrs(const kpool_attrs &attrs)
{
	m_attrs_mutex.assert_held();
	{
		HoldIrq guard(*this);
		// Each worker applies a new nice to itself, at the top of its
		// loop (the wake-ups below reach the free ones): set_user_nice()
		// on every thread would make this section grow with the pool.
		m_attrs = attrs;
		// A smaller reserve turns the surplus parked workers into idle ones,
		// which then time out like any other.
		while (m_parked.size() > m_attrs.reserve) {
			Worker *w = m_parked.pop_back();
			w->m_on_parked = false;
			w->m_idle_since = kp_jiffies();
			m_idle.push_back(*w);
		}
		kick_manager_locked();
	}
	// Free workers re-evaluate retirement with the new limits; running
	// ones do when their job ends, so no running job is interrupted.
	kick_free_workers();
}

// Wakes every free worker to re-evaluate (limits, nice, binding), one per
// hold of the lock, so interrupts are never off for a time that grows with
// the pool. Each is taken off its free list (so it is taken once) and counted
// as woken: it takes any waiting work, or goes back with its idle period
// kept. Workers that became free meanwhile are free under the new settings.
//
// Which ones are left: a worker records m_kick_gen when it goes onto a free
// list (make_free_locked(), always at the front), under the hold in which it
// also read the settings. After the bump below, every worker pushed is up to
// date, so each free list is "up to date ones, then stale ones": a stale
// worker is at the back of its list or nowhere. Counting the lists instead
// misses workers: a kicked idle worker back before the next pop would be
// kicked again in place of a parked one.
void Pool::kick_free_workers()
{
	unsigned int gen, n;
	{
		HoldIrq guard(*this);
		gen = ++m_kick_gen;
		n = m_nr_threads; // bound: each pass takes a stale worker
	}
	auto stale = [gen](Worker *w) { return w && int(w->m_kick_gen - gen) < 0; };
	while (n--) {
		HoldIrq guard(*this);
		Worker *w = nullptr;
		if (stale(m_idle.back()))
			w = m_idle.pop_back();
		else if (stale(m_parked.back()))
			w = m_parked.pop_back();
		if (!w)
			break;
		w->m_woken = w->m_kicked = true;
		m_nr_woken++;
		wake_locked(w->m_task);
	}
}

kpool_attrs Pool::attrs()
{
	HoldIrqSave guard(*this);
	return m_attrs;
}

void Pool::record_latency(unsigned long long ns)
{
	unsigned int b = ns ? 63 - __builtin_clzll(ns) : 0;
	if (b >= kHistBuckets)
		b = kHistBuckets - 1;
	kp_percpu_add(m_counters, __builtin_offsetof(Counters, hist) + b * sizeof(long), 1);
}

void Pool::histogram(unsigned long *buckets)
{
	for (unsigned int b = 0; b < kHistBuckets; b++)
		buckets[b] = kp_percpu_sum(m_counters,
					   __builtin_offsetof(Counters, hist) + b * sizeof(long));
}

Result<void> Pool::set_one(enum kp_attr attr, long value)
{
	kp::might_sleep();
	// The read-modify-write is serialised with every other writer, so two
	// concurrent writes cannot combine into min > max.
	MutexGuard serialise(m_attrs_mutex);
	if (attr == KP_ATTR_STALL_TIMEOUT_MS)
		return m_cm.set_stall_timeout_ms(value);
	if (attr == KP_ATTR_LATENCY_STATS) {
		// Items in flight when it is switched on were stamped coarsely:
		// their samples may be a tick or more too long.
		if (value < 0 || value > 1)
			return err(-ERANGE);
		__atomic_store_n(&m_latency_stats, value == 1, __ATOMIC_RELAXED);
		return {};
	}
	kpool_attrs a = attrs();
	switch (attr) {
	case KP_ATTR_MIN_THREADS: a.min_threads = value; break;
	case KP_ATTR_MAX_THREADS: a.max_threads = value; break;
	case KP_ATTR_IDLE_TIMEOUT_MS: a.idle_timeout_ms = value; break;
	case KP_ATTR_RESERVE: a.reserve = value; break;
	case KP_ATTR_NICE: a.nice = value; break;
	default: return err(-EINVAL);
	}
	KP_TRY(validate(a));
	apply_attrs(a);
	return {};
}

Result<void> Pool::sysfs_add()
{
	if (int ret = kp_sysfs_add_pool(m_name, this, &m_sysfs); ret)
		return err(ret);
	return {};
}

void Pool::sysfs_remove()
{
	kp_sysfs_remove_pool(exchange(m_sysfs, static_cast<void *>(nullptr)));
}

void Pool::count(Event e, long delta)
{
	kp_percpu_add(m_counters, static_cast<size_t>(e) * sizeof(long), delta);
}

unsigned long long Pool::oldest_age_locked(unsigned long long now)
{
	// A coarse stamp (kp_stamp_ns()) is never ahead of the precise clock,
	// so the age is never negative; it may read a tick or more too long
	// (the coarse clock lags by the ticks not yet accounted: late ticks on
	// a loaded or virtual machine).
	unsigned long long oldest = now;
	if (m_jobs.front() && m_jobs.front()->kp_queued_ns < oldest)
		oldest = m_jobs.front()->kp_queued_ns;
	if (m_quick.front() && m_quick.front()->kp_queued_ns < oldest)
		oldest = m_quick.front()->kp_queued_ns;
	return now - oldest;
}

void Pool::stats(kpool_stats &st)
{
	unsigned long long now = kp_ktime_ns();
	{
		HoldIrqSave guard(*this);
		st.nr_threads = m_nr_threads;
		st.nr_idle = m_idle.size();
		st.nr_parked = m_parked.size();
		st.nr_running = m_nr_running;
		st.nr_blocked = m_nr_blocked;
		// The inbox is counted, not taken: a reader does no worker's work.
		unsigned long long oldest = now - oldest_age_locked(now);
		st.nr_queued = m_nr_queued + nr_claimed_locked() +
			       static_cast<unsigned int>(kp_inbox_count(m_inbox, &oldest));
		st.oldest_job_age_ns = now - oldest;
	}
	st.completed = sum(Event::Completed);
	st.warm_handoffs = sum(Event::WarmHandoff);
	st.cold_starts = sum(Event::ColdStart);
	st.spawn_failures = sum(Event::SpawnFailure);
	st.reaped = sum(Event::Reaped);
	st.cancelled = sum(Event::Cancelled);
}

void Pool::wake_locked(struct task_struct *task)
{
	m_lock.assert_held();
	kp_wake_up_process(task);
	if (++m_hold_wakes > m_max_hold_wakes)
		m_max_hold_wakes = m_hold_wakes;
}

unsigned long Pool::sum(Event e)
{
	return static_cast<unsigned long>(
		kp_percpu_sum(m_counters, static_cast<size_t>(e) * sizeof(long)));
}

unsigned long Pool::lockless_handoffs()
{
	return sum(Event::LocklessHandoff);
}

unsigned int Pool::max_wakes_per_hold()
{
	HoldIrqSave guard(*this);
	return m_max_hold_wakes;
}

} // namespace kp
