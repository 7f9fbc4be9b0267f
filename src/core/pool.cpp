// SPDX-License-Identifier: GPL-2.0
// Pool: see pool.h for the model. This file explains orderings and races.
#include "core/pool.h"
#include "core/worker.h"
#include "core/reaper.h"
#include "core/domain.h"
#include "base/debug.h"

namespace kp {

namespace {

// kpool_job.kp_state and kpool_thread.kp_state values. A job is pending
// while Queued (runnable), Waiting (behind its key's holder) or Deferred
// (queued again while it runs: it is queued for real when that instance
// returns). Canceling: kpool_cancel_sync() holds it, queueing is refused.
enum JobState : int {
	JobIdle = 0,
	JobQueued = 1,
	JobWaiting = 2,
	JobDeferred = 3,
	JobCanceling = 4,
	JobTimer = 5,	 // a delayed job whose timer is armed: pending too
	JobInactive = 6, // queued through a domain, waiting for max_active
	JobInbox = 7,	 // in the pool's inbox (lock-free), or being put there
};
static_assert(JobIdle == Pool::JobStates::Idle && JobQueued == Pool::JobStates::Queued &&
	      JobWaiting == Pool::JobStates::Waiting && JobDeferred == Pool::JobStates::Deferred &&
	      JobCanceling == Pool::JobStates::Canceling && JobTimer == Pool::JobStates::Timer &&
	      JobInactive == Pool::JobStates::Inactive && JobInbox == Pool::JobStates::Inbox);

kpool_delayed_job *delayed_of(kpool_job *job)
{
	return reinterpret_cast<kpool_delayed_job *>(reinterpret_cast<char *>(job) -
						     __builtin_offsetof(kpool_delayed_job, job));
}
enum QuickState : int { QuickIdle = 0, QuickQueued = 1, QuickRunning = 2, QuickDone = 3 };

constinit LockClass g_pool_lock_class("kpool_pool_lock");
constinit LockClass g_pool_attrs_class("kpool_pool_attrs");

constexpr long kMaxScheduleTimeout = __LONG_MAX__;
constexpr unsigned int kSpawnBackoffMinMs = 10;
constexpr unsigned int kSpawnBackoffMaxMs = 1000;

// Per-CPU: event counters, then the queue-to-start latency histogram
// (bucket i counts latencies in [2^i, 2^(i+1)) ns; bucket 0 also counts 0).
struct Counters {
	long v[static_cast<int>(Pool::Event::Count)];
	long hist[Pool::kHistBuckets];
};

template <typename T>
T read_once(const T &v)
{
	return __atomic_load_n(&v, __ATOMIC_RELAXED);
}
template <typename T>
void write_once(T &v, T x)
{
	__atomic_store_n(&v, x, __ATOMIC_RELAXED);
}

} // namespace

extern "C" int kp_worker_main(void *arg);
extern "C" int kp_worker_main(void *arg)
{
	auto *w = static_cast<Worker *>(arg);
	return w->m_pool->worker_main(*w);
}

extern "C" int kp_manager_main(void *arg);
extern "C" int kp_manager_main(void *arg)
{
	return static_cast<Pool *>(arg)->manager_main();
}

extern "C" int kp_rescuer_main(void *arg); // core/rescuer.cpp

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
	if (a.flags & ~KPOOL_MEM_RECLAIM)
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
		for (Worker *w : m_busy) {
			for (; w; w = w->m_busy_next) {
				if (w->m_requeue && w->m_requeue->kp_cancel)
					take_cancellable(
						exchange(w->m_requeue,
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
		st.nr_queued =
			m_nr_queued + static_cast<unsigned int>(kp_inbox_count(m_inbox, &oldest));
		st.oldest_job_age_ns = now - oldest;
	}
	auto sum = [&](Event e) {
		return static_cast<unsigned long>(
			kp_percpu_sum(m_counters, static_cast<size_t>(e) * sizeof(long)));
	};
	st.completed = sum(Event::Completed);
	st.warm_handoffs = sum(Event::WarmHandoff);
	st.cold_starts = sum(Event::ColdStart);
	st.spawn_failures = sum(Event::SpawnFailure);
	st.reaped = sum(Event::Reaped);
	st.cancelled = sum(Event::Cancelled);
}

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

kpool_job *Pool::take_job_locked_raw()
{
	if (!m_jobs.front() && inbox_pending())
		inbox_take_locked();
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
// whose runnable queue is empty, and by whoever must see every job (cancel,
// drain, stats, the stall timer, destroy). A job in JobInbox that is not on a
// marked list is being put there by a submitter with interrupts off; a cancel
// that meets one retries.

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
	unsigned long long now = kp_ktime_ns();
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

// O(jobs taken) under the lock: the batch a worker takes at once.
void Pool::inbox_take_locked()
{
	unsigned int unmarked;
	kpool_job *job = kp_inbox_take(m_inbox, &unmarked);
	m_cm.job_unqueued_locked(unmarked); // each marked list counted as one job
	while (job) {
		kpool_job *next = job->kp_next;
		m_nr_queued++;
		// Queued while it runs: after that instance, as enqueue_locked().
		if (Worker *w = find_busy_locked(job)) {
			job->kp_state = JobDeferred;
			w->m_requeue = job;
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
	job.kp_queued_ns = kp_ktime_ns();
	job.kp_followers = job.kp_followers_tail = nullptr;
	m_nr_queued++;
	// Running already: it must not run alongside itself. Queued again with
	// the key the running instance holds, it waits behind that key like any
	// follower; otherwise its worker queues it when the function returns.
	if (Worker *w = find_busy_locked(&job); w && !(key && w->m_key_slot.kp_key == key)) {
		job.kp_state = JobDeferred;
		w->m_requeue = &job;
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
		Worker *w = find_busy_locked(&job);
		if (KP_WARN_ON_ONCE(!w || w->m_requeue != &job))
			return Take::NotPending;
		w->m_requeue = nullptr;
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
	wait_until_locked([&] { return !find_busy_locked(&job); });
	HoldIrq guard(*this);
	job.kp_state = JobIdle;
	wake_waiters_locked(); // flushers and other cancellers of @job
	return res;
}

// ---- the busy hash ----------------------------------------------------------------------
//
// Every worker running a job is in m_busy, hashed by the job's address (only
// the address is used: the function may have freed the job), so queue(),
// flush_job() and cancel_sync() find a running instance in O(1).

Worker **Pool::busy_bucket(const kpool_job *job)
{
	auto v = reinterpret_cast<unsigned long>(job) >> 4; // slab objects: low bits alike
	return &m_busy[(v * 0x9E3779B97F4A7C15ull) >> (64 - 6)];
}

void Pool::busy_add_locked(Worker &w)
{
	Worker **bucket = busy_bucket(w.m_cur_job);
	w.m_busy_next = *bucket;
	if (*bucket)
		(*bucket)->m_busy_pprev = &w.m_busy_next;
	w.m_busy_pprev = bucket;
	*bucket = &w;
}

void Pool::busy_del_locked(Worker &w)
{
	*w.m_busy_pprev = w.m_busy_next;
	if (w.m_busy_next)
		w.m_busy_next->m_busy_pprev = w.m_busy_pprev;
	w.m_busy_next = nullptr;
	w.m_busy_pprev = nullptr;
}

Worker *Pool::find_busy_locked(const kpool_job *job)
{
	for (Worker *w = *busy_bucket(job); w; w = w->m_busy_next)
		if (w->m_cur_job == job)
			return w;
	return nullptr;
}

bool Pool::is_pending(const kpool_job &job)
{
	int state = __atomic_load_n(&job.kp_state, __ATOMIC_RELAXED);
	return state == JobQueued || state == JobWaiting || state == JobDeferred ||
	       state == JobTimer || state == JobInactive || state == JobInbox;
}

bool Pool::is_job_busy_locked(kpool_job &job)
{
	m_lock.assert_held();
	return read_once(job.kp_state) != JobIdle || find_busy_locked(&job);
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

void Pool::wake_waiters_locked()
{
	m_lock.assert_held();
	while (Waiter *w = m_waiters.pop_front())
		w->done.complete();
}

template <typename Pred>
void Pool::wait_until_locked(Pred done_locked)
{
	for (;;) {
		Waiter me;
		me.done.init();
		{
			HoldIrq guard(*this);
			if (done_locked())
				return;
			m_waiters.push_back(me);
		}
		// The waker unlinked us and completed under m_lock; the lock taken
		// on the next round orders us after its complete(), so @me may go.
		me.done.wait();
	}
}

// ---- quick threads ------------------------------------------------------------------------

void Pool::push_quick_tail_locked(kpool_thread *t)
{
	m_quick.push_back(t);
	m_nr_quick_waiting++;
}

void Pool::unlink_quick_locked(kpool_thread *t)
{
	m_quick.unlink(t);
	m_nr_quick_waiting--;
}

kpool_thread *Pool::take_quick_locked()
{
	kpool_thread *t = m_quick.front();
	if (t) {
		unlink_quick_locked(t);
		m_nr_queued--;
	}
	return t;
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

Result<void> Pool::thread_run(kpool_thread &t, kpool_thread_fn fn, void *arg, const char *name)
{
	HoldIrqSave guard(*this);
	if (m_dying)
		return err(-ESHUTDOWN);
	if (t.kp_state == QuickQueued || t.kp_state == QuickRunning)
		return err(-EBUSY);
	// At most sizeof(kp_name) - 1 characters: O(1) under the lock.
	size_t n = 0;
	for (; name && name[n] && n < sizeof(t.kp_name) - 1; n++)
		t.kp_name[n] = name[n];
	t.kp_name[n] = '\0';
	t.kp_pool = reinterpret_cast<struct kpool *>(this);
	t.kp_fn = fn;
	t.kp_arg = arg;
	t.kp_result = 0;
	t.kp_stop = 0;
	t.kp_queued_ns = kp_ktime_ns();
	if (Worker *w = pop_free_locked()) {
		// The hand-off: one wake-up of a sleeping thread, nothing else.
		t.kp_state = QuickRunning;
		t.kp_worker = w;
		w->m_quick = &t;
		m_quick_running.push_back(&t);
		wake_locked(w->m_task);
		kick_manager_if_needed_locked();
		return {};
	}
	t.kp_state = QuickQueued;
	t.kp_worker = nullptr;
	push_quick_tail_locked(&t);
	m_nr_queued++;
	kick_manager_if_needed_locked();
	return {};
}

int Pool::thread_stop(kpool_thread &t)
{
	kp::might_sleep();
	{
		HoldIrq guard(*this);
		Worker *self = current_worker();
		if (self && self == t.kp_worker) {
			report_self_wait(SelfWait::ThreadStop, m_name);
			return -EDEADLK;
		}
		switch (t.kp_state) {
		case QuickQueued:
			unlink_quick_locked(&t);
			m_nr_queued--;
			t.kp_result = -EINTR;
			__atomic_store_n(&t.kp_state, int(QuickDone), __ATOMIC_RELEASE);
			wake_waiters_locked(); // drainers
			break;
		case QuickRunning:
			write_once(t.kp_stop, 1);
			if (auto *w = static_cast<Worker *>(t.kp_worker))
				wake_locked(w->m_task);
			break;
		case QuickIdle: return -EINVAL;
		default: break;
		}
	}
	// The worker sets QuickDone under the pool lock and never touches @t
	// afterwards, so once we see it @t is ours again.
	wait_until_locked([&] { return t.kp_state == QuickDone; });
	int ret = t.kp_result;
	t.kp_state = QuickIdle;
	return ret;
}

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

bool Pool::needs_spawn_locked() const
{
	if (m_dying)
		return false;
	// Threads parked for an offline CPU cannot serve: while it is down the
	// pool may exceed max_threads by their number.
	unsigned int total = m_nr_threads - m_hp_parked.size() + m_nr_spawning;
	if (total >= m_attrs.max_threads)
		return false;
	if (total < m_attrs.min_threads)
		return true;
	// Threads being created or not yet in their loop will be free soon.
	unsigned int coming = m_nr_spawning + m_nr_starting;
	if (m_parked.size() + coming < m_attrs.reserve)
		return true;
	unsigned int free = m_idle.size() + m_parked.size();
	// A quick thread is a thread of its own: one for each waiting that no
	// free, woken or coming thread will take.
	if (m_nr_quick_waiting > free + m_nr_woken + coming)
		return true;
	// Jobs: the concurrency rules, one creation at a time.
	return m_cm.should_grow_locked(free, m_nr_woken, coming);
}

void Pool::kick_manager_locked()
{
	// m_manager is stopped by destroy() after m_dying is set.
	if (!m_dying && m_manager.is_valid())
		wake_locked(m_manager.task());
}

void Pool::kick_manager_if_needed_locked()
{
	if (needs_spawn_locked())
		kick_manager_locked();
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
	wake_for_work_locked();
}

void Pool::cm_stall_timer()
{
	HoldIrqSave guard(*this);
	inbox_take_locked(); // their age counts too
	kpool_job *oldest = m_jobs.front();
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

unsigned int Pool::max_growth_in_flight()
{
	HoldIrqSave guard(*this);
	return m_cm.max_in_flight();
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
	busy_add_locked(w);
	domain_started_locked(w, *job);
	m_nr_running_jobs++;
	started = {job, job->kp_queued_ns, job->kp_key};
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

// Runs @job on @w and settles its end. With @next, the next runnable job,
// if may_take_next_locked(), is taken in that same hold, and started (the
// lock is taken once per job, not twice); next->job is nullptr otherwise.
void Pool::run_job(Worker &w, kpool_job *job, Started *next)
{
	// Held while the function runs: a drain or destroy of this pool from
	// it, or under a lock it takes, is a lockdep report.
	kp_lockdep_map_acquire(m_lockdep);
	// And its domain's, if any: a flush of that domain is checked alike.
	void *dom_map = domain_lockdep_map(w);
	kp_lockdep_map_acquire(dom_map);
	job->kp_func(job);
	kp_lockdep_map_release(dom_map);
	kp_lockdep_map_release(m_lockdep);
	// @job may be freed by now: only the worker's own state is used below.
	count(Event::Completed);
	HoldIrq guard(*this);
	clear_blocked_locked(w);
	busy_del_locked(w);
	w.m_cur_job = nullptr;
	m_nr_running--;
	m_nr_running_jobs--;
	end_job_locked(w.m_key_slot);
	domain_finished_locked(w);
	// Queued again while it ran: it may run now, on any thread.
	if (kpool_job *again = exchange(w.m_requeue, static_cast<kpool_job *>(nullptr)))
		requeue_deferred_locked(again);
	if (next) {
		next->job = nullptr;
		if (kpool_job *taken = may_take_next_locked(w) ? take_job_locked_raw() : nullptr) {
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

void Pool::run_quick(Worker &w, kpool_thread *t)
{
	// A stop asked before the function started is seen by its first
	// kpool_thread_should_stop(): a handed-off function always runs.
	// Named by its caller, it shows that name while it runs.
	bool named = t->kp_name[0];
	if (named)
		kp_current_set_comm(t->kp_name);
	int ret = t->kp_fn(t->kp_arg);
	if (named)
		kp_current_set_comm(w.m_comm);
	count(Event::Completed);
	HoldIrq guard(*this);
	clear_blocked_locked(w);
	t->kp_result = ret;
	m_quick_running.unlink(t);
	t->kp_worker = nullptr;
	w.m_quick = nullptr;
	m_nr_running--;
	// Release: a caller polling kpool_thread_is_done() sees fn's effects.
	__atomic_store_n(&t->kp_state, int(QuickDone), __ATOMIC_RELEASE);
	wake_waiters_locked(); // stoppers and drainers
}

int Pool::worker_main(Worker &w)
{
	bool timed_out = false;
	// A bound pool's threads are the kernel's to place, as kthread_bind()
	// makes them: taskset and cpusets may not move them off their CPU.
	if (m_cpu >= 0)
		kp_current_forbid_setaffinity();
	// Our sleeps inside jobs are seen from now on (core/concurrency.h).
	kp_notifier_register_self(w.m_cm.m_hook.pn);
	for (;;) {
		if (KThread::should_park())
			KThread::parkme(); // the bound CPU went down; back when it is up
		rebind_self(w);
		kpool_thread *quick = nullptr;
		kpool_job *job = nullptr;
		bool retire = false, sleep = false, hp_wait = false;
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
				quick = w.m_quick;
				queued_ns = quick->kp_queued_ns;
			} else if ((quick = take_quick_locked())) {
				quick->kp_state = QuickRunning;
				quick->kp_worker = &w;
				w.m_quick = quick;
				m_quick_running.push_back(quick);
				queued_ns = quick->kp_queued_ns;
			} else if ((job = take_job_locked_raw())) {
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
			if (quick || job) {
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
		record_latency(kp_ktime_ns() - queued_ns);
		if (quick) {
			kp_trace_thread(KP_TRACE_HANDOFF, m_name, w.m_pid);
			run_quick(w, quick);
			kp_cond_resched();
			continue;
		}
		// Job after job while may_take_next_locked() lets us.
		for (;;) {
			Started next;
			kp_trace_job(KP_TRACE_JOB_START, m_name, started.queued_ns, started.key);
			run_job(w, started.job, &next);
			kp_trace_job(KP_TRACE_JOB_END, m_name, started.queued_ns, started.key);
			// As process_one_work(): a worker that always finds more
			// work (a job that re-queues itself) must still let others
			// run on this CPU, or, on a kernel without full preemption,
			// stop_machine() (CPU hotplug) waits for it forever.
			kp_cond_resched();
			if (!next.job)
				break;
			started = next;
			record_latency(kp_ktime_ns() - started.queued_ns);
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

// ---- CPU hotplug (bound pools) ----------------------------------------------------------

void Pool::rebind_self(Worker &w)
{
	// Lockless first look: the generation changes rarely (a CPU coming back,
	// a cpumask write); a stale read is caught at the next loop.
	if (read_once(m_bind_gen) == w.m_bind_gen)
		return;
	unsigned int gen;
	{
		HoldIrq guard(*this);
		if (m_cpu_offline || w.m_bind_gen == m_bind_gen)
			return;
		gen = m_bind_gen;
	}
	// On ourselves, outside the spinlock: the migration may sleep.
	if (m_cpu >= 0) {
		if (!kp_task_set_cpu(kp_current(), m_cpu))
			w.m_bind_gen = gen;
		return;
	}
	// Unbound: the cpumask knob; the mutex keeps the mask stable.
	MutexGuard stable(m_attrs_mutex);
	if (!kp_task_set_mask(kp_current(), m_cpumask))
		w.m_bind_gen = gen;
}

Result<void> Pool::set_cpumask(const char *buf, size_t len)
{
	kp::might_sleep();
	if (m_cpu >= 0)
		return err(-EINVAL); // a bound pool's CPU is fixed
	void *mask = kp_cpumask_alloc();
	if (!mask)
		return err(-ENOMEM);
	int ret = kp_cpumask_parse(buf, len, mask);
	if (!ret && !kp_cpumask_has_online(mask))
		ret = -EINVAL; // empty, or only offline CPUs
	if (!ret) {
		MutexGuard serialise(m_attrs_mutex);
		kp_cpumask_copy(m_cpumask, mask);
		m_cm.set_target(kp_cpumask_nr_online(m_cpumask));
		{
			HoldIrq guard(*this);
			m_bind_gen++;
		}
		// Free workers move at once, running ones after their job.
		kick_free_workers();
	}
	kp_cpumask_free(mask);
	if (ret)
		return err(ret < 0 ? ret : -EINVAL);
	return {};
}

long Pool::show_cpumask(char *buf, size_t size)
{
	MutexGuard stable(m_attrs_mutex);
	return kp_cpumask_print(buf, size, m_cpumask);
}

int Pool::cpu_offline(unsigned int cpu)
{
	if (int(cpu) != m_cpu)
		return 0;
	{
		HoldIrq guard(*this);
		m_cpu_offline = true;
		kick_manager_if_needed_locked();
	}
	// Free workers are taken off the free lists, one per hold of the lock,
	// so no work reaches them, then parked. Running ones finish their job
	// elsewhere (the scheduler moves them) and rebind when the CPU is back.
	for (;;) {
		HoldIrq guard(*this);
		Worker *w = pop_free_locked();
		if (!w)
			break;
		w->m_on_hp = true;
		m_hp_parked.push_back(*w);
		kick_manager_if_needed_locked();
	}
	// The list changes only in hotplug callbacks and destroy(), which
	// removes the hotplug instance (waiting for callbacks) first.
	m_hp_parked.for_each([this](Worker &w) {
		kp_kthread_park(w.m_task);
		kp_trace_thread(KP_TRACE_PARK, m_name, w.m_pid);
	});
	return 0;
}

int Pool::cpu_online(unsigned int cpu)
{
	if (int(cpu) != m_cpu)
		return 0;
	{
		HoldIrq guard(*this);
		m_cpu_offline = false;
		m_bind_gen++;
	}
	// Free workers (created while the CPU was down) rebind at once, running
	// ones after their job.
	kick_free_workers();
	while (Worker *w = take_hp_parked()) {
		kp_kthread_unpark(w->m_task);
		kp_trace_thread(KP_TRACE_UNPARK, m_name, w->m_pid);
	}
	return 0;
}

void Pool::wake_locked(struct task_struct *task)
{
	m_lock.assert_held();
	kp_wake_up_process(task);
	if (++m_hold_wakes > m_max_hold_wakes)
		m_max_hold_wakes = m_hold_wakes;
}

unsigned int Pool::max_wakes_per_hold()
{
	HoldIrqSave guard(*this);
	return m_max_hold_wakes;
}

bool Pool::is_cpu_offline()
{
	HoldIrqSave guard(*this);
	return m_cpu_offline;
}

// One worker off m_hp_parked, under the lock: once m_on_hp is clear the worker
// may use the free lists again (after its unpark).
Worker *Pool::take_hp_parked()
{
	HoldIrq guard(*this);
	Worker *w = m_hp_parked.pop_front();
	if (w)
		w->m_on_hp = false;
	return w;
}

// ---- the manager ------------------------------------------------------------------------

Result<void> Pool::create_thread(Worker &w, const char *name, KThread::Fn main)
{
	// The comm kthread_create() gives it: the name, truncated.
	for (size_t i = 0; name[i] && i < sizeof(w.m_comm) - 1; i++)
		w.m_comm[i] = name[i];
	auto thread = KThread::create(main, nullptr, &w, name, KThread::Wait::NoStart);
	if (thread.is_error())
		return thread.error();
	w.m_thread = thread.release_value();
	w.m_task = w.m_thread.task();
	w.m_pid = kp_task_pid(w.m_task);
	return {};
}

Result<void> Pool::spawn_one()
{
	Worker *w = new (Gfp::Kernel) Worker(this);
	if (!w)
		return err(-ENOMEM);
	char name[32];
	unsigned int id = m_next_id++;
	kp_snprintf(name, sizeof(name), "kpool/%s:%u", m_name, id);
	if (auto r = create_thread(*w, name, kp_worker_main); r.is_error()) {
		delete w;
		return r.error();
	}
	bool bind = false;
	// Hotplug held off from the sample of m_cpu_offline to the bind, so the
	// thread is never bound to a CPU that is gone.
	kp_cpus_read_lock();
	{
		HoldIrq guard(*this);
		// The worker applies the pool's nice itself, at its first loop.
		m_all.push_back(*w);
		m_nr_threads++;
		m_nr_starting++;
		if (m_cpu >= 0 && !m_cpu_offline) {
			bind = true;
			w->m_bind_gen = m_bind_gen;
		}
		m_nr_live_tasks++;
	}
	// Not yet running, so binding cannot race with the worker.
	if (bind)
		kp_kthread_bind(w->m_task, m_cpu);
	kp_cpus_read_unlock();
	// An unbound worker applies the cpumask itself, at its first loop
	// (m_bind_gen is still 0 for it).
	kp_trace_thread(KP_TRACE_SPAWN, m_name, w->m_pid);
	w->m_thread.wake();
	return {};
}

int Pool::manager_main()
{
	unsigned int backoff_ms = kSpawnBackoffMinMs;
	while (!KThread::should_stop()) {
		bool spawn;
		{
			HoldIrq guard(*this);
			spawn = needs_spawn_locked();
			if (spawn) {
				m_nr_spawning++;
				m_cm.grow_started_locked(m_nr_spawning + m_nr_starting);
			} else
				kp_set_current_state(KP_TASK_IDLE);
		}
		if (!spawn) {
			if (!KThread::should_stop())
				kp_schedule();
			kp_set_current_state(KP_TASK_RUNNING);
			continue;
		}
		Result<void> r = spawn_one();
		{
			HoldIrq guard(*this);
			m_nr_spawning--;
		}
		if (!r.is_error()) {
			backoff_ms = kSpawnBackoffMinMs;
			HoldIrq guard(*this);
			mayday_end_locked();
			continue;
		}
		// The pool keeps serving with the threads it has (and its rescuer,
		// if it has one); retry later.
		{
			HoldIrq guard(*this);
			mayday_locked();
		}
		count(Event::SpawnFailure);
		kp_trace_spawn_failed(m_name, r.code());
		// Kicks from submitters do not shorten the backoff.
		unsigned long deadline = kp_jiffies() + kp_msecs_to_jiffies(backoff_ms);
		while (!KThread::should_stop() && long(kp_jiffies() - deadline) < 0) {
			kp_set_current_state(KP_TASK_IDLE);
			// One read of jiffies: a second one may be past the deadline.
			long left = long(deadline - kp_jiffies());
			kp_schedule_timeout(left > 0 ? left : 1);
			kp_set_current_state(KP_TASK_RUNNING);
		}
		backoff_ms = min(backoff_ms * 2, kSpawnBackoffMaxMs);
	}
	return 0;
}

} // namespace kp

extern "C" int kp_pool_cpu_online(void *pool, unsigned int cpu)
{
	return static_cast<kp::Pool *>(pool)->cpu_online(cpu);
}

extern "C" int kp_pool_cpu_offline(void *pool, unsigned int cpu)
{
	return static_cast<kp::Pool *>(pool)->cpu_offline(cpu);
}
