// SPDX-License-Identifier: GPL-2.0
// Pool: a named, resizable set of kernel threads serving jobs and quick
// threads (the implementation behind struct kpool in include/kpool/kpool.h).
//
// Threads ("workers") are in one of these states, all under m_lock:
//   free/idle   - on m_idle, sleeping; retire after idle_timeout if surplus
//   free/parked - on m_parked (the reserve), sleeping; never time out
//   running     - running a job or a quick-thread function
//   retiring    - off every list; handed to the reaper (core/reaper.h)
// A manager thread per pool creates threads in the background (min_threads,
// the reserve, and growth while work waits), retrying with backoff on failure.
// Submitters never create threads: they wake a free worker or the manager.
// Unordered jobs are queued without m_lock, on a per-CPU inbox that workers
// take whole (see "the inbox" in pool_queue.cpp), and run in batches: a
// worker claims several at once and runs them without m_lock (see "claims"
// in worker.cpp).
// Which worker is woken and when the pool grows follows the runnable count
// of core/concurrency.h.
// Implemented in core/pool.cpp and the files its first comment lists.
#pragma once

#include "kpool/kpool.h"
#include "base/own_ptr.h"
#include "base/raw_spin_lock.h"
#include "base/mutex.h"
#include "base/completion.h"
#include "base/list.h"
#include "base/link_queue.h"
#include "base/atomic.h"
#include "core/kthread.h"
#include "core/concurrency.h"

namespace kp {

struct AllWorkersTag {};
struct FreeWorkersTag {};
struct WaitersTag {};
struct ClaimersTag {};
struct DomainsTag;
struct Busy;
class Worker;
class Domain;

class Pool {
public:
	// Context: process, may sleep. See kpool_create().
	// @cpu >= 0 makes a bound pool: its threads run on that CPU, are parked
	// while it is offline and re-bound when it comes back.
	static Result<Pool *> create(const char *name, const kpool_attrs &attrs, int cpu = -1);
	// Context: process, may sleep. See kpool_destroy().
	void destroy();

	static Result<void> validate(const kpool_attrs &attrs);
	Result<void> set_attrs(const kpool_attrs &attrs);
	kpool_attrs attrs();
	void stats(kpool_stats &out);
	const char *name() const { return m_name; }

	// Jobs; see kpool.h. Context: any.
	// Queued: the job will run; Pending: it was pending already (or a
	// cancel_sync() holds it) and nothing changed.
	enum class QueueResult { Queued, Pending };
	Result<QueueResult> queue(kpool_job &job, unsigned long key);
	// Moved: @job is no longer on this pool (queued on another since the
	// caller read its pool); the caller retries with the job's new pool.
	// Retry: a delayed job's timer callback is running; the caller retries.
	enum class CancelResult { Cancelled, NotQueued, Moved, Retry };
	CancelResult cancel(kpool_job &job);
	// -EDEADLK (and a warning) when the wait could only end after the
	// caller returns: see would_wait_for_self_locked().
	Result<void> flush_job(kpool_job &job);
	Result<void> drain();
	// Whether the caller is one of this pool's threads (then drain() and
	// destroy() would wait for themselves). Context: any.
	bool is_own_thread() const;
	// Reports a wait on itself that kpool refused: a WARNING once per kind,
	// or a log line while the self-wait tests run (they would otherwise fail
	// the dmesg check; kp_pool_debug_quiet_self_wait).
	enum class SelfWait {
		FlushJob,
		Drain,
		Destroy,
		ThreadStop,
		DomainFlush,
		DomainDrain,
		DomainDestroy,
		Count
	};
	static void report_self_wait(SelfWait kind, const char *pool);
	static void set_quiet_self_wait(bool quiet);
	// Context: process, may sleep. See kpool_cancel_sync().
	CancelResult cancel_sync(kpool_job &job);
	// Delayed jobs; see kpool.h. Context: any. mod_delayed() fails with
	// -EAGAIN while the timer callback runs: the caller retries.
	Result<QueueResult> queue_delayed(kpool_delayed_job &dj, unsigned long key,
					  unsigned long delay);
	Result<QueueResult> mod_delayed(kpool_delayed_job &dj, unsigned long delay);
	// The timer callback. Context: timer (interrupts off).
	void timer_fired(kpool_delayed_job &dj);
	// A lockless snapshot, see kpool_job_pending(). Context: any.
	static bool is_pending(const kpool_job &job);
	// kpool_job.kp_state values (pool_impl.h's JobState), for core/domain.cpp.
	// Inactive: queued through a domain, waiting there for a max_active slot.
	struct JobStates {
		static constexpr int Idle = 0, Queued = 1, Waiting = 2, Deferred = 3, Canceling = 4,
				     Timer = 5, Inactive = 6, Inbox = 7, Claimed = 8;
	};
	// Leaves JobStates::Idle for @to unless someone else did first. Every
	// way out of Idle is this compare-and-swap, since queue() takes it
	// without the pool lock (the inbox, pool_queue.cpp). Context: any.
	static bool claim_idle(kpool_job &job, int to)
	{
		int idle = JobStates::Idle;
		return __atomic_compare_exchange_n(&job.kp_state, &idle, to, false,
						   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
	}
	// Whether a domain of this pool exists (destroy() is refused then).
	// Context: process, may sleep.
	bool has_domains();

	// Quick threads.
	// @name (may be nullptr) names the thread while @fn runs.
	Result<void> thread_run(kpool_thread &t, kpool_thread_fn fn, void *arg, const char *name);
	int thread_stop(kpool_thread &t);

	// The calling worker, or nullptr when not called from a pool thread.
	static Worker *current_worker();
	static bool current_should_stop();
	static void block_begin();
	// True inside an item that waited for its thread to be created.
	static bool current_is_cold_start();
	static void block_end();

	// Per-CPU event counters (struct Counters offsets).
	enum class Event {
		Completed,
		WarmHandoff,
		ColdStart,
		SpawnFailure,
		Reaped,
		Cancelled,
		LocklessHandoff, // for tests: quick threads run with no lock taken first
		Count
	};
	void count(Event e, long delta = 1);
	// An event's count, summed over the CPUs. Context: any.
	unsigned long sum(Event e);

	// Queue-to-start latency histogram, log2 buckets of nanoseconds. Kept
	// only while latency_stats is on (KPOOL_LATENCY_STATS, sysfs): then
	// items are stamped with the precise clock, else the coarse one
	// (kp_stamp_ns()). Context: any.
	static constexpr unsigned int kHistBuckets = 40;
	void histogram(unsigned long *buckets);
	bool latency_stats() const { return __atomic_load_n(&m_latency_stats, __ATOMIC_RELAXED); }
	// An item's enqueue time, precise only if someone uses it. Context: any.
	unsigned long long stamp() const { return kp_stamp_ns(latency_stats()); }
	// Records the latency of an item stamped @queued_ns, starting now.
	void record_start(unsigned long long queued_ns)
	{
		if (latency_stats())
			record_latency(kp_ktime_ns() - queued_ns);
	}

	// sysfs (/sys/kernel/kpool/<name>/): one knob, validated as set_attrs().
	Result<void> set_one(enum kp_attr attr, long value);
	// The cpumask knob of unbound pools (hex, as smp_affinity). Context: process.
	Result<void> set_cpumask(const char *buf, size_t len);
	long show_cpumask(char *buf, size_t size);
	Result<void> sysfs_add();
	// Removes the directory, waiting for show/store calls in progress; does
	// nothing the second time. Context: process, may sleep.
	void sysfs_remove();

	// CPU hotplug callbacks (bound pools). Context: hotplug thread, may sleep.
	int cpu_online(unsigned int cpu);
	int cpu_offline(unsigned int cpu);
	int cpu() const { return m_cpu; }
	// Whether a bound pool believes its CPU is down (for tests). Context: any.
	bool is_cpu_offline();
	// The most threads woken in one hold of the pool lock so far (for
	// tests: it must not grow with the pool). Context: any.
	unsigned int max_wakes_per_hold();

	// Concurrency management (core/concurrency.h).
	Concurrency &concurrency() { return m_cm; }
	// The deferred wake-up after a worker went to sleep: wakes a free worker
	// or the manager if the rules want it. Context: hard IRQ (irq_work).
	void cm_irq_work();
	// The stall timer. Context: timer, interrupts off.
	void cm_stall_timer();
	// Workers runnable now (a snapshot). Context: any.
	unsigned int nr_runnable() const { return m_cm.nr_runnable(); }
	unsigned int inbox_marked() const { return kp_inbox_nr_marked(m_inbox); }
	// For tests: the most thread creations in flight at once for growth.
	unsigned int max_growth_in_flight();
	// For tests: jobs claimed and not started now, and the largest batch
	// so far (worker.cpp, "claims").
	unsigned int nr_claimed();
	unsigned int max_batch();
	// For tests: hand-offs whose thread ran the function with no lock
	// taken first (worker_main()).
	unsigned long lockless_handoffs();

	// Called by the reaper after a retired worker's thread was stopped.
	void worker_reaped(Worker *w);

	// For worker threads (core/worker.cpp) and the manager (core/manager.cpp).
	int worker_main(Worker &w);
	int manager_main();
	// The rescuer of a KPOOL_MEM_RECLAIM pool (core/rescuer.cpp).
	int rescuer_main(Worker &w);

	~Pool();

private:
	friend class OwnPtr<Pool>;
	friend class Domain; // lives under m_lock (core/domain.h)
	Pool() = default;
	KP_PINNED(Pool);

	// A hold of m_lock (the only way Pool's own files take it). It counts the
	// wake-ups issued under it (wake_locked()): interrupts are off for the
	// whole hold, so that count must stay O(1).
	template <typename Guard>
	class [[nodiscard]] Hold {
	public:
		explicit Hold(Pool &pool) : m_pool(pool), m_guard(pool.m_lock) {}
		// Runs before m_guard's destructor, so still under the lock.
		~Hold() { m_pool.m_hold_wakes = 0; }
		KP_PINNED(Hold);

	private:
		Pool &m_pool;
		Guard m_guard;
	};
	using HoldIrq = Hold<RawSpinGuardIrq>;
	using HoldIrqSave = Hold<RawSpinGuardIrqSave>;
	// wake_up_process() under the lock, counted.
	void wake_locked(struct task_struct *task);

	// Work sources, under m_lock.
	bool has_work_locked() const;
	kpool_thread *take_quick_locked();
	void push_quick_tail_locked(kpool_thread *t);
	void unlink_quick_locked(kpool_thread *t);
	kpool_job *take_job_locked_raw(Worker *taker = nullptr);
	void push_job_tail_locked(kpool_job *job);
	void push_job_head_locked(kpool_job *job);
	void unlink_job_locked(kpool_job *job);
	void link_slot_locked(kpool_job *holder);
	void begin_job_locked(kpool_job *job, kpool_job &slot);
	void end_job_locked(kpool_job &slot);
	void clear_blocked_locked(Worker &w);
	void record_latency(unsigned long long ns);
	void apply_attrs(const kpool_attrs &attrs);
	void kick_free_workers();
	void rebind_self(Worker &w);
	void promote_follower_locked(kpool_job *from);
	void append_follower_locked(kpool_job *holder, kpool_job *job);
	Worker *pop_free_locked();
	Worker *take_hp_parked();
	void kick_manager_if_needed_locked();
	void wake_for_work_locked();
	// The inbox (lock-free submission, see pool_queue.cpp).
	bool queue_inbox(kpool_job &job, QueueResult &res);
	void inbox_mark_locked(unsigned int cpu);
	void inbox_take_locked(Worker *taker = nullptr);
	bool inbox_pending() const { return kp_inbox_nr_marked(m_inbox) != 0; }
	bool should_retire_locked(Worker &w, bool timed_out);
	void make_free_locked(Worker &w);
	bool needs_spawn_locked() const;
	void kick_manager_locked();
	kpool_job **slot_bucket(unsigned long key);
	kpool_job *find_slot_locked(unsigned long key);
	void unlink_slot_locked(kpool_job *holder);
	unsigned long long oldest_age_locked(unsigned long long now);
	Result<void> spawn_one();
	// Gives the new worker @w its thread, created stopped (the caller wakes
	// it), named @name; @w's comm is that name truncated, as the kernel's.
	// Context: process, may sleep.
	Result<void> create_thread(Worker &w, const char *name, KThread::Fn main);
	// A job a worker took, with what it was queued with.
	struct Started {
		kpool_job *job;
		unsigned long long queued_ns;
		unsigned long key;
	};
	void start_job_locked(Worker &w, kpool_job *job, Started &started);
	bool may_take_next_locked(const Worker &w) const;
	void run_job(Worker &w, const Started &cur, Started *next = nullptr);
	void run_quick(Worker &w, kpool_thread *t);
	bool is_job_busy_locked(kpool_job &job);
	bool would_wait_for_self_locked(kpool_job &job);
	enum class Take { Taken, NotPending, Busy };
	Take take_pending_locked(kpool_job &job);
	void enqueue_locked(kpool_job &job, unsigned long key);
	void arm_locked(kpool_delayed_job &dj, unsigned long key, unsigned long delay);
	void requeue_deferred_locked(kpool_job *job);
	bool accepts_chained_locked();
	// Domain hooks of a worker taking and finishing a job (core/domain.h).
	void domain_started_locked(Worker &w, kpool_job &job);
	void domain_finished_locked(Worker &w);
	// The lockdep map of the domain of the job @w runs, or nullptr.
	static void *domain_lockdep_map(Worker &w);
	// The rescuer (core/rescuer.cpp): created with a KPOOL_MEM_RECLAIM pool,
	// called by the manager when a thread creation failed.
	Result<void> rescuer_create();
	void rescuer_stop();
	void mayday_locked();
	void mayday_end_locked();
	// The busy hash: jobs workers run or claimed, by the job's address.
	Busy **busy_bucket(const kpool_job *job);
	void busy_add_locked(Busy &b);
	void busy_del_locked(Busy &b);
	Busy *find_busy_locked(const kpool_job *job);
	// As find_busy_locked(), a record found done retired first (claims).
	Busy *find_live_busy_locked(const kpool_job *job);
	// Claims (worker.cpp): a worker takes a batch of unordered jobs at once.
	void claim_batch_locked(Worker &w, kpool_job *first);
	void run_claimed(Worker &w);
	void end_batch_locked(Worker &w);
	bool unclaim_locked(Busy &b);
	void retire_locked(Busy &b);
	void unclaim_worker_locked(Worker &w);
	void unclaim_sleepers_locked();
	void unclaim_all_locked();
	unsigned int nr_claimed_locked();

	// A sleeper in flush_job/drain/thread_stop/destroy (see pool_queue.cpp).
	struct Waiter : ListNode<WaitersTag> {
		Completion done;
	};
	void wake_waiters_locked();
	// Context: process, may sleep. Sleeps until @done_locked() holds; it
	// is evaluated under m_lock.
	template <typename Pred>
	void wait_until_locked(Pred done_locked);

	static constexpr unsigned int kKeyBuckets = 64;
	static constexpr unsigned int kBusyBuckets = 64;

	// Legend: I: set in create(), read-only after; L: m_lock;
	// M: m_attrs_mutex (writers) + m_lock (readers); A: atomic; W: manager only.
	char m_name[KPOOL_NAME_MAX + 1] = {};	  // I
	RawSpinLock m_lock;			  // protects L fields; raw, IRQ-safe, O(1) holds
	Mutex m_attrs_mutex;			  // serialises set_attrs()
	List<Waiter, WaitersTag> m_waiters;	  // L: sleepers to complete on a change
	bool m_waiting = false;			  // A (written under L): m_waiters, or one
						  // about to be, is not empty
	kpool_attrs m_attrs = {};		  // M
	bool m_dying = false;			  // L (read lock-free by queue_inbox())
	List<Worker, AllWorkersTag> m_all;	  // L: every live worker
	List<Worker, FreeWorkersTag> m_idle;	  // L: free, may time out (MRU first)
	List<Worker, FreeWorkersTag> m_parked;	  // L: free reserve
	LinkQueue<kpool_job> m_jobs;		  // L: runnable jobs (FIFO)
	kpool_job *m_slots[kKeyBuckets] = {};	  // L: key holders by hash
	LinkQueue<kpool_thread> m_quick;	  // L: quick threads waiting
	LinkQueue<kpool_thread> m_quick_running;  // L: quick threads handed to a worker
	LinkQueue<kpool_job> m_timers;		  // L: delayed jobs with their timer armed
	Busy *m_busy[kBusyBuckets] = {};	  // L: jobs running or claimed (busy hash)
	List<Worker, ClaimersTag> m_claimers;	  // L: workers with claimed jobs
	unsigned int m_max_batch = 0;		  // L: the largest batch so far (tests)
	task_struct *m_destroyer = nullptr;	  // L: the task in destroy()
	unsigned int m_nr_threads = 0;		  // L: not retired
	unsigned int m_nr_quick_waiting = 0;	  // L: on m_quick (jobs: m_cm.jobs_waiting())
	unsigned int m_nr_running_jobs = 0;	  // L: started or claimed
	unsigned int m_next_id = 0;		  // W: thread name suffix
	unsigned int m_nr_spawning = 0;		  // L: being created by the manager
	unsigned int m_nr_starting = 0;		  // L: created, not yet in their loop
	unsigned int m_nr_running = 0;		  // L
	unsigned int m_nr_blocked = 0;		  // L
	unsigned int m_nr_queued = 0;		  // L: jobs + quick waiting (incl. followers)
	unsigned int m_nr_inactive = 0;		  // L: domain jobs waiting for max_active
	unsigned int m_nr_woken = 0;		  // L: free workers woken, not yet back
	unsigned int m_nr_live_tasks = 0;	  // L: workers not yet reaped
	KThread m_manager;			  // I
	void *m_sysfs = nullptr;		  // I: sysfs directory handle
	int m_cpu = -1;				  // I: bound CPU, -1 unbound
	void *m_cpuhp = nullptr;		  // I: hotplug instance (bound pools)
	bool m_cpu_offline = false;		  // L: the bound CPU is down
	unsigned int m_bind_gen = 1;		  // L: bumped when the CPU comes back
	void *m_cpumask = nullptr;		  // M (m_attrs_mutex): unbound pools' CPUs
	List<Worker, FreeWorkersTag> m_hp_parked; // L+H: parked while the CPU is down
		// (H: changed only by hotplug callbacks and destroy)
	void *m_counters = nullptr;	    // I: per-CPU long[Event::Count]
	void *m_lockdep = nullptr;	    // I: "waits on this pool" (kp_lockdep_map_*)
	unsigned int m_kick_gen = 0;	    // L: bumped by each kick_free_workers()
	unsigned int m_hold_wakes = 0;	    // L: wake-ups in the current hold
	unsigned int m_max_hold_wakes = 0;  // L: the most in one hold
	List<Domain, DomainsTag> m_domains; // M (m_attrs_mutex): this pool's domains
	Worker *m_rescuer = nullptr;	    // I: KPOOL_MEM_RECLAIM pools' rescuer
	bool m_mayday = false;		    // L: a creation failed, work waits
	void *m_inbox = nullptr;	    // I: per-CPU lock-free job lists (kp_inbox.c)
	bool m_latency_stats = false;	    // A: the histogram is kept (latency_stats)
	Concurrency m_cm; // runnable count and the wake/growth/stall rules (own legend)
};

} // namespace kp
