/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpool: resizable kernel thread pools with quick thread hand-off.
 *
 * The public C API of kpool.ko, exported GPL-only. Usable from C and C++
 * modules: the header includes no kernel header and names no kernel type.
 *
 * Three services:
 *  - pools (struct kpool): named sets of kernel threads sized between
 *    min_threads and max_threads, with a reserve of parked spare threads and
 *    an idle timeout after which surplus threads retire;
 *  - jobs (struct kpool_job): small work items embedded in the caller's
 *    object, run concurrently, or in order per key where asked; they may block
 *    for as long as they need;
 *  - quick threads (struct kpool_thread): a long-running thread function
 *    started on a pooled thread with a single wake-up, with kthread-like
 *    should_stop/stop semantics; the thread returns to the pool afterwards;
 *  - plain kernel threads (struct kpool_kthread): RAII-managed kthreads whose
 *    stop is safe at any time, also long after the function returned;
 *  - domains (struct kpool_domain): one user's handle on a shared pool (what
 *    a workqueue's pool_workqueue is to its worker pool), with its own flush,
 *    drain, cancel-all, max_active and statistics; destroying it is a
 *    module's safe unload.
 *
 * Errors are negative errnos. Unless said otherwise a function may sleep and
 * must be called from process context. The comments below are kernel-doc
 * (`make lint` runs the kernel's scripts/kernel-doc over this header).
 *
 * Calls documented "Context: any" take no lock but the pool's raw spinlock
 * (held for O(1) work), never sleep and never allocate, so they may be called
 * from hard IRQ context also on a PREEMPT_RT kernel, and with a raw_spinlock_t
 * held: kpool_queue(), kpool_queue_ordered(), kpool_cancel(),
 * kpool_queue_delayed(), kpool_queue_delayed_ordered(), kpool_mod_delayed(),
 * kpool_delayed_job_init(), kpool_thread_run(), kpool_thread_run_named(),
 * kpool_thread_is_done(), kpool_get_attrs(),
 * kpool_get_stats(), kpool_default(), kpool_name(), kpool_job_init(),
 * kpool_job_pending(), kpool_kthread_has_exited(), kpool_domain_queue(),
 * kpool_domain_queue_ordered(), kpool_domain_queue_delayed() and
 * kpool_domain_mod_delayed(). Everything else is process context.
 */
#ifndef KPOOL_KPOOL_H
#define KPOOL_KPOOL_H

#ifdef __cplusplus
extern "C" {
#endif

struct kpool;
struct kpool_job;
struct kpool_kthread;
struct kpool_domain;

/* Results that must not be ignored: work would be lost (C and C++ callers). */
#ifndef __must_check
#define __must_check __attribute__((__warn_unused_result__))
#endif

/**
 * typedef kpool_job_fn - the function of a job.
 * @job: the job being run (or cancelled); it may be freed by the function.
 */
typedef void (*kpool_job_fn)(struct kpool_job *job);
/**
 * typedef kpool_thread_fn - the function of a quick thread or kpool kthread.
 * @arg: the argument given when the thread was started.
 *
 * Return: the thread's result, handed to whoever stops it.
 */
typedef int (*kpool_thread_fn)(void *arg);

/**
 * define KPOOL_VERSION - kpool's version (MODULE_VERSION of kpool.ko and of
 * its companion modules).
 */
#define KPOOL_VERSION "0.1.0"

/**
 * define KPOOL_MAX_THREADS_CAP - upper bound of max_threads, protecting the
 * machine from PID exhaustion.
 */
#define KPOOL_MAX_THREADS_CAP 4096
/**
 * define KPOOL_IDLE_TIMEOUT_MAX_MS - upper bound of idle_timeout_ms (one day).
 */
#define KPOOL_IDLE_TIMEOUT_MAX_MS 86400000u
/**
 * define KPOOL_NAME_MAX - longest pool name, without the terminating NUL.
 */
#define KPOOL_NAME_MAX 31
/**
 * define KPOOL_ALREADY_PENDING - kpool_queue()'s result for a job that was
 * pending already: nothing changed (not an error; queue_work()'s false).
 */
#define KPOOL_ALREADY_PENDING 1

/**
 * define KPOOL_MEM_RECLAIM - a pool flag (kpool_attrs.flags) for pools used
 * on a memory-reclaim path.
 *
 * The pool keeps a rescuer thread, created with the pool, that runs its jobs
 * when no thread can be created (as WQ_MEM_RECLAIM), so it always makes
 * progress.
 *
 * When a thread creation fails while jobs wait, the rescuer takes the jobs
 * no thread will take, one at a time, until the queue is empty or a creation
 * succeeds. It runs jobs only (quick threads wait for a pool thread). It is
 * not counted in nr_threads; its name is kpool_rsc/<pool>. A creation that
 * blocks instead of failing (kthreadd stuck) does not call it.
 */
#define KPOOL_MEM_RECLAIM 0x1u

/**
 * define KPOOL_LATENCY_STATS - a pool flag (kpool_attrs.flags) that starts
 * the pool with its latency histogram on (its sysfs knob latency_stats = 1).
 *
 * With the histogram off (the default) a job's enqueue time is the coarse
 * clock (the last tick's time, one load) and nothing is recorded when it
 * starts, so the queue costs no clocksource read; oldest_job_age_ns may then
 * read high by the coarse clock's lag (a tick, more when ticks run late).
 * With it on, each job and quick thread reads the clocksource when queued
 * and when started, and latency_hist counts it.
 * The job tracepoints (kpool_enqueue, kpool_job_start, kpool_job_end) take
 * the precise time whenever they are enabled, whatever this flag says.
 */
#define KPOOL_LATENCY_STATS 0x2u

/**
 * define KPOOL_DOMAIN_MAX_ACTIVE - upper bound of a domain's max_active.
 */
#define KPOOL_DOMAIN_MAX_ACTIVE 4096u

/**
 * struct kpool_attrs - sizing of a pool; see kpool_set_attrs() for the rules.
 * @min_threads: threads kept alive even when idle.
 * @max_threads: most threads at once, 1..KPOOL_MAX_THREADS_CAP.
 * @reserve: parked spare threads, <= max_threads.
 * @idle_timeout_ms: surplus idle threads retire after it.
 * @nice: the threads' nice value, -20..19.
 * @flags: 0, KPOOL_MEM_RECLAIM, KPOOL_LATENCY_STATS or both; read by
 *         kpool_create() and kpool_create_bound() only (kpool_set_attrs()
 *         keeps the pool's; latency_stats is then changed through sysfs).
 */
struct kpool_attrs {
	unsigned int min_threads;
	unsigned int max_threads;
	unsigned int reserve;
	unsigned int idle_timeout_ms;
	int nice;
	unsigned int flags;
};

/**
 * struct kpool_stats - statistics of a pool.
 * @nr_threads: threads alive (any state).
 * @nr_idle: threads waiting for work, which may retire.
 * @nr_parked: reserve threads: waiting for work, never retire.
 * @nr_running: threads running a job or a quick thread.
 * @nr_blocked: running threads inside kpool_block_begin/end.
 * @nr_queued: jobs and quick threads not started yet.
 * @completed: jobs and quick threads finished.
 * @warm_handoffs: items started by waking a waiting thread.
 * @cold_starts: items started by a newly created thread.
 * @spawn_failures: thread creations that failed.
 * @reaped: retired threads reaped.
 * @cancelled: jobs cancelled (kpool_cancel(), destroy).
 * @oldest_job_age_ns: age of the oldest queued item.
 *
 * Gauges (nr_*, oldest_job_age_ns) are a snapshot; counters only grow.
 */
struct kpool_stats {
	unsigned int nr_threads;
	unsigned int nr_idle;
	unsigned int nr_parked;
	unsigned int nr_running;
	unsigned int nr_blocked;
	unsigned int nr_queued;
	unsigned long completed;
	unsigned long warm_handoffs;
	unsigned long cold_starts;
	unsigned long spawn_failures;
	unsigned long reaped;
	unsigned long cancelled;
	unsigned long long oldest_job_age_ns;
};

/**
 * struct kpool_job - a job.
 *
 * Embed it in your object and initialise it with kpool_job_init() or
 * KPOOL_JOB_INIT(); every field is private to kpool. While queued or running,
 * the job's memory must stay valid; the job function may free it (kpool does
 * not touch a job after calling its function, unless it was queued again
 * meanwhile).
 *
 * As with work_struct, a job never runs concurrently with itself: queued
 * while it runs, it runs once more after the running instance returned (on
 * any thread of the pool). Each successful queueing (kpool_queue() returned
 * 0) ends in exactly one of: the function runs; kpool_cancel() or
 * kpool_cancel_sync() returns 1; the cancel function is called (only by
 * kpool_destroy()). A job that is pending, or was queued again while it
 * runs, moves to another pool only once idle (kpool_cancel_sync() or
 * kpool_flush_job() returned): kpool keeps a job from overlapping itself on
 * the pool it runs on, not across pools.
 */
struct kpool_job {
	/* private: */
	struct kpool_job *kp_next;
	struct kpool_job *kp_prev;
	struct kpool_job *kp_slot_next; /* active-key hash chain */
	struct kpool_job *kp_followers; /* same-key jobs waiting behind this one */
	struct kpool_job *kp_followers_tail;
	struct kpool *kp_pool;
	kpool_job_fn kp_func;
	kpool_job_fn kp_cancel;
	unsigned long kp_key;
	unsigned long long kp_queued_ns;
	int kp_state;
	struct kpool_domain *kp_domain; /* queued through a domain */
	struct kpool_job *kp_dom_next;	/* the domain's queue order */
	struct kpool_job *kp_dom_prev;
	unsigned long kp_dom_seq;
};

/**
 * KPOOL_JOB_INIT() - a static initializer for a job (as __WORK_INITIALIZER).
 * @func: the job's function.
 * @cancel: its cancel function, or NULL (see kpool_job_init()).
 *
 * Equal to kpool_job_init(job, func, cancel):
 * ``static struct kpool_job my_job = KPOOL_JOB_INIT(my_fn, NULL);``
 */
#define KPOOL_JOB_INIT(func, cancel)                     \
	{                                                \
		.kp_func = (func), .kp_cancel = (cancel) \
	}
/**
 * KPOOL_DEFINE_JOB() - define a job initialised by KPOOL_JOB_INIT() (as
 * DECLARE_WORK).
 * @name: the variable.
 * @func: the job's function.
 * @cancel: its cancel function, or NULL.
 */
#define KPOOL_DEFINE_JOB(name, func, cancel) struct kpool_job name = KPOOL_JOB_INIT(func, cancel)

/**
 * struct kpool_delayed_job - a job queued once a timer expires (as delayed_work).
 * @job: the job; a normal job once its time comes (ordering by key included).
 *
 * Initialise it with kpool_delayed_job_init(). kpool_cancel(),
 * kpool_cancel_sync(), kpool_flush_job() and kpool_job_pending() take
 * &dj->job and cover the timer too (a flush waits for the timer).
 * kpool_destroy() cancels (cancel function) or runs the armed ones, and a
 * delayed job chained during it is due at once. With the kernel's debug
 * objects on, a delayed job must not live on the stack.
 */
struct kpool_delayed_job {
	struct kpool_job job;
	/* private: */
	unsigned long kp_timer[16]; /* a struct timer_list (its size checked at build) */
};

/**
 * struct kpool_thread - a quick thread.
 *
 * Embed it in your object; every field is private to kpool, except that
 * kp_result may be read once kpool_thread_is_done() after kpool_destroy().
 * It must stay valid from kpool_thread_run() until kpool_thread_stop()
 * returned.
 */
struct kpool_thread {
	/* private: */
	struct kpool_thread *kp_next;
	struct kpool_thread *kp_prev;
	struct kpool *kp_pool;
	void *kp_worker;
	kpool_thread_fn kp_fn;
	void *kp_arg;
	unsigned long long kp_queued_ns;
	int kp_result;
	int kp_state;
	int kp_stop;
	char kp_name[16]; /* the name shown while it runs (TASK_COMM_LEN) */
};

/* ---- pools --------------------------------------------------------------------- */

/**
 * kpool_create() - create a pool and start its min_threads and reserve.
 * @name: the pool's name, 1..KPOOL_NAME_MAX characters of [A-Za-z0-9_-],
 *        unique.
 * @attrs: its sizing (rules: kpool_set_attrs()).
 * @out: where the new pool is stored.
 *
 * Context: process context, may sleep.
 * Return: 0 and the pool in *@out, or -EINVAL or -ERANGE (bad name or
 * attributes, an unknown flag), -EEXIST (name taken), -ENOMEM.
 */
__must_check int kpool_create(const char *name, const struct kpool_attrs *attrs,
			      struct kpool **out);

/**
 * kpool_create_bound() - as kpool_create(), for a pool whose threads run on
 * one CPU only.
 * @name: as for kpool_create().
 * @attrs: as for kpool_create().
 * @cpu: the CPU (a per-CPU user creates one pool per CPU).
 * @out: where the new pool is stored.
 *
 * While @cpu is offline the pool's free threads are parked (not destroyed)
 * and jobs keep running on threads created unbound meanwhile (the pool may
 * then exceed max_threads by the number of parked threads); when @cpu comes
 * back the parked threads are unparked and every thread is bound to it
 * again. Jobs running when @cpu goes down finish on another CPU.
 *
 * Context: process context, may sleep.
 * Return: as kpool_create(), or -EINVAL for a CPU that is not possible.
 */
__must_check int kpool_create_bound(const char *name, const struct kpool_attrs *attrs,
				    unsigned int cpu, struct kpool **out);

/**
 * kpool_destroy() - stop every thread of a pool, wait for them, free it.
 * @pool: the pool; NULL is ignored.
 *
 * Every thread is told to stop at once, then waited for. It must not run
 * concurrently with other calls on @pool (as with destroy_workqueue(), flush
 * and drain callers must be done). Queued jobs with a cancel function are
 * cancelled (the function is called); the others run first. Jobs queued
 * meanwhile by @pool's own jobs (chained work, as drain_workqueue() accepts
 * it) are accepted and run before it returns; any other queueing gets
 * -ESHUTDOWN. A job that always queues itself again must stop doing so, or
 * this never returns. Running quick threads see kpool_thread_should_stop().
 * After it returns no kpool thread runs code of @pool's users.
 *
 * Context: process context, may sleep. Lockdep reports a destroy under a lock
 * that one of @pool's jobs takes.
 * Return: 0 (also for NULL); -EDEADLK, with a warning and nothing changed,
 * when called from one of @pool's own threads, which it would wait for;
 * -EINVAL for the default pool; -EBUSY, with a warning and nothing changed,
 * while a domain of @pool exists (kpool_domain_destroy() first).
 */
int kpool_destroy(struct kpool *pool);

/**
 * kpool_default() - the shared pool kpool creates on load.
 *
 * Context: any.
 * Return: the pool; it lives as long as kpool.ko.
 */
struct kpool *kpool_default(void);

/**
 * kpool_name() - the pool's name.
 * @pool: the pool.
 *
 * Context: any.
 * Return: the name, valid as long as @pool.
 */
const char *kpool_name(struct kpool *pool);

/**
 * kpool_set_attrs() - resize a pool live.
 * @pool: the pool.
 * @attrs: the new sizing. Rules: 1 <= max_threads <= KPOOL_MAX_THREADS_CAP,
 *         min_threads <= max_threads, reserve <= max_threads,
 *         1 <= idle_timeout_ms <= KPOOL_IDLE_TIMEOUT_MAX_MS, -20 <= nice <= 19.
 *
 * Growing starts threads in the background; shrinking retires idle threads
 * first and never interrupts a running job. On error nothing changes.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL or -ERANGE.
 */
int kpool_set_attrs(struct kpool *pool, const struct kpool_attrs *attrs);
/**
 * kpool_get_attrs() - read a pool's sizing.
 * @pool: the pool.
 * @attrs: filled with the current sizing.
 *
 * Context: any.
 */
void kpool_get_attrs(struct kpool *pool, struct kpool_attrs *attrs);
/**
 * kpool_get_stats() - read a pool's statistics.
 * @pool: the pool.
 * @stats: filled with a snapshot.
 *
 * Context: any.
 */
void kpool_get_stats(struct kpool *pool, struct kpool_stats *stats);

/* ---- jobs ---------------------------------------------------------------------- */

/**
 * kpool_job_init() - prepare a job.
 * @job: the job.
 * @func: its function.
 * @cancel: may be NULL; kpool's report that it dropped the queued job without
 *          running it, which only kpool_destroy() does: it is called instead
 *          of @func then. A job removed by kpool_cancel() or
 *          kpool_cancel_sync() is reported to that caller by the return value
 *          instead, and @cancel is not called.
 *
 * Context: any.
 */
void kpool_job_init(struct kpool_job *job, kpool_job_fn func, kpool_job_fn cancel);

/**
 * kpool_queue() - queue a job; it runs concurrently with other jobs, never
 * with itself.
 * @pool: the pool.
 * @job: the job, initialised with kpool_job_init().
 *
 * Queued while it runs, the job runs again once that instance returned.
 *
 * Context: any (hard IRQ included, also on PREEMPT_RT); never sleeps, never
 * allocates.
 * Return: 0 (queued); KPOOL_ALREADY_PENDING (1: the job was pending already,
 * on any pool, or a kpool_cancel_sync() of it is in progress; nothing
 * changed, as queue_work() returning false); -EINVAL; -ESHUTDOWN (pool being
 * destroyed; work chained by the pool's own jobs is still accepted, see
 * kpool_destroy()).
 */
__must_check int kpool_queue(struct kpool *pool, struct kpool_job *job);

/**
 * kpool_queue_ordered() - queue a job in order with the others of its key.
 * @pool: the pool.
 * @job: the job, initialised with kpool_job_init().
 * @key: non-zero; jobs queued with the same key run one at a time, in
 *       queueing order. Other keys and unordered jobs are not held up.
 *
 * A job queued again while it runs keeps its place in its key's order when it
 * keeps its key; with another key (or none) it is queued, and takes its
 * place, when the running instance returns.
 *
 * Context: any, as kpool_queue().
 * Return: as kpool_queue(), or -EINVAL for key 0.
 */
__must_check int kpool_queue_ordered(struct kpool *pool, struct kpool_job *job, unsigned long key);

/**
 * kpool_delayed_job_init() - kpool_job_init() for a delayed job, and its timer.
 * @dj: the delayed job.
 * @func: its function.
 * @cancel: as for kpool_job_init().
 *
 * Context: any.
 */
void kpool_delayed_job_init(struct kpool_delayed_job *dj, kpool_job_fn func, kpool_job_fn cancel);

/**
 * kpool_queue_delayed() - queue a job after a delay.
 * @pool: the pool.
 * @dj: the delayed job.
 * @delay: in jiffies; 0 queues it now, as kpool_queue().
 *
 * Until its time comes it is pending (kpool_job_pending()), not counted in
 * nr_queued, and kpool_drain() does not wait for it.
 *
 * Context: any; never sleeps, never allocates.
 * Return: as kpool_queue(): KPOOL_ALREADY_PENDING if it is pending (timer
 * armed, or queued), nothing changed (kpool_mod_delayed() changes the delay).
 */
__must_check int kpool_queue_delayed(struct kpool *pool, struct kpool_delayed_job *dj,
				     unsigned long delay);

/**
 * kpool_queue_delayed_ordered() - kpool_queue_delayed(), then in key order.
 * @pool: the pool.
 * @dj: the delayed job.
 * @key: non-zero; once its time comes the job is queued as
 *       kpool_queue_ordered() with @key (it takes its place in the key's
 *       order then).
 * @delay: in jiffies.
 *
 * Context: any.
 * Return: as kpool_queue_delayed(), or -EINVAL for key 0.
 */
__must_check int kpool_queue_delayed_ordered(struct kpool *pool, struct kpool_delayed_job *dj,
					     unsigned long key, unsigned long delay);

/**
 * kpool_mod_delayed() - queue a delayed job after a new delay, whatever its
 * state (as mod_delayed_work()).
 * @pool: the pool.
 * @dj: the delayed job.
 * @delay: in jiffies.
 *
 * A pending job (timer armed or queued, not started) is taken back and its
 * timer set to the new delay; an idle or running one is queued as
 * kpool_queue_delayed(). It keeps the key it was last queued with (0:
 * unordered).
 *
 * Context: any.
 * Return: 0 if it was not pending (now queued); KPOOL_ALREADY_PENDING if it
 * was and its delay changed, or while a kpool_cancel_sync() holds it (then
 * nothing changed); -EBUSY if it is pending on another pool; -EINVAL;
 * -ESHUTDOWN (nothing changed).
 */
__must_check int kpool_mod_delayed(struct kpool *pool, struct kpool_delayed_job *dj,
				   unsigned long delay);

/**
 * kpool_cancel() - remove a job from its queue if it is pending, without
 * waiting.
 * @job: the job.
 *
 * Its cancel function is not called. A running instance is not waited for:
 * see kpool_cancel_sync(). It may race with the job being queued again, also
 * on another pool: the pool it was last queued on must then still exist.
 *
 * Context: any.
 * Return: 1 if it was pending and was removed (it will not run for that
 * queueing), 0 if it was not pending (never queued, running and not queued
 * again, finished).
 */
int kpool_cancel(struct kpool_job *job);

/**
 * kpool_cancel_sync() - cancel a job if it is pending and wait until it is not
 * running (as cancel_work_sync()).
 * @job: the job.
 *
 * While it runs, queueing @job (from its own function, another thread or an
 * IRQ) is refused with KPOOL_ALREADY_PENDING, so a job that queues itself
 * again is stopped: on return @job is neither pending nor running, and may be
 * freed or queued again. The cancel function is not called. The pool @job was
 * last queued on must exist. Must not be called from @job itself.
 *
 * Context: process context, may sleep.
 * Return: 1 if @job was pending, else 0.
 */
int kpool_cancel_sync(struct kpool_job *job);

/**
 * kpool_job_pending() - whether a job is pending.
 * @job: the job.
 *
 * Pending: queued and not started, or queued again while it runs (false while
 * it only runs, and while a kpool_cancel_sync() holds it). A snapshot, as
 * work_pending(): it may change at once unless the caller excludes queueing
 * and running.
 *
 * Context: any.
 * Return: true if pending.
 */
int kpool_job_pending(const struct kpool_job *job);

/**
 * kpool_flush_job() - wait until a job is neither queued nor running.
 * @job: the job; the pool it was last queued on must exist.
 *
 * Context: process context, may sleep.
 * Return: 0, or -EDEADLK (with a warning, without waiting) when the wait could
 * only end after the caller returns: @job is the job the caller is running,
 * or is queued behind the key of the ordered job the caller is running, or
 * waits (for its slot, or on its timer) in the ordered domain (max_active 1)
 * of the job the caller is running.
 */
int kpool_flush_job(struct kpool_job *job);

/**
 * kpool_drain() - wait until a pool has no queued or running job.
 * @pool: the pool.
 *
 * Jobs queued through its domains that wait there for a max_active slot
 * are queued jobs too: they have run when it returns. Delayed jobs whose
 * timer is armed are not waited for.
 *
 * Context: process context, may sleep. Lockdep reports a drain under a lock
 * that one of @pool's jobs takes.
 * Return: 0, or -EDEADLK (with a warning, without waiting) when called from
 * one of @pool's own threads.
 */
int kpool_drain(struct kpool *pool);

/**
 * kpool_block_begin() - a long sleep follows in this job or quick thread.
 *
 * The pool counts the thread as blocked (not runnable) and wakes or starts
 * another thread if work is waiting. Pairs nest: the outermost pair counts.
 * Where the kernel has preempt notifiers (CONFIG_PREEMPT_NOTIFIERS) the pool
 * sees a job's sleeps without it; elsewhere an unannounced sleep is only
 * found by the stall timer (sysfs stall_timeout_ms). Outside a kpool thread
 * it does nothing.
 *
 * Context: a kpool thread.
 */
void kpool_block_begin(void);
/**
 * kpool_block_end() - the long sleep announced by kpool_block_begin() is over.
 *
 * Context: a kpool thread.
 */
void kpool_block_end(void);

/**
 * kpool_current_is_cold_start() - whether the current item waited for its
 * thread to be created.
 *
 * Lets users split their latency figures.
 *
 * Context: a kpool thread.
 * Return: true inside a job or quick thread that waited for its thread to be
 * created (a cold start); false when it was handed to a waiting thread (a
 * warm hand-off, parked reserve threads included), taken by a thread that
 * had just finished another item, or outside a kpool thread.
 */
int kpool_current_is_cold_start(void);

/* ---- domains --------------------------------------------------------------------- */

/**
 * kpool_domain_create() - create a domain: one user's handle on a pool.
 * @pool: the pool its jobs run on; NULL is the default pool.
 * @name: 1..KPOOL_NAME_MAX characters of [A-Za-z0-9_-], unique among
 *        @pool's domains; its statistics are in
 *        /sys/kernel/kpool/<pool>/domains/<name>/ (queued, completed,
 *        cancelled, nr_active, nr_waiting, nr_delayed, max_active; read-only).
 * @max_active: the most jobs of the domain queued on the pool or running at
 *              once, 1..KPOOL_DOMAIN_MAX_ACTIVE, or 0 for no limit. The
 *              others wait in the domain, in queueing order, and go to the
 *              pool as slots free up (as a workqueue's inactive works).
 *              With 1 the domain is ordered: its jobs run one at a time in
 *              queueing order (alloc_ordered_workqueue()).
 * @out: where the domain is stored.
 *
 * A job queued through a domain is a normal job of @pool (kpool_cancel(),
 * kpool_cancel_sync(), kpool_flush_job(), kpool_job_pending() work on it)
 * that the domain also counts. @pool must not be destroyed while it has
 * domains.
 *
 * Context: process context, may sleep.
 * Return: 0 and the domain in *@out; -EINVAL (bad name, @max_active or
 * @out, nothing created); -EEXIST (name taken in @pool); -ENOMEM.
 */
__must_check int kpool_domain_create(struct kpool *pool, const char *name, unsigned int max_active,
				     struct kpool_domain **out);

/**
 * kpool_domain_destroy() - the safe unload: let the domain's work finish,
 * then free the domain.
 * @dom: the domain; NULL is ignored.
 *
 * From its start, queueing through @dom is refused with -ESHUTDOWN, except
 * work chained by @dom's own running jobs, which is accepted and runs (as
 * destroy_workqueue() drains). Jobs waiting (queued, not started; delayed
 * ones whose timer is armed) with a cancel function are cancelled: the
 * function is called. The others run (an armed delayed job at once). When
 * it returns, no job queued through @dom runs or will run, and @dom is gone.
 * A job that always queues itself again through @dom must stop doing so, or
 * this never returns.
 *
 * Context: process context, may sleep.
 * Return: 0 (also for NULL), or -EDEADLK with a warning and nothing changed
 * when called from one of @dom's own jobs.
 */
int kpool_domain_destroy(struct kpool_domain *dom);

/**
 * kpool_domain_queue() - queue a job through a domain.
 * @dom: the domain.
 * @job: the job, initialised with kpool_job_init().
 *
 * As kpool_queue() on the domain's pool, within the domain's max_active.
 *
 * Context: any (hard IRQ included, also on PREEMPT_RT); never sleeps, never
 * allocates.
 * Return: 0; KPOOL_ALREADY_PENDING (nothing changed); -EINVAL; -ESHUTDOWN
 * (kpool_domain_destroy() runs; work chained by @dom's own jobs is
 * accepted); -EBUSY (kpool_domain_drain() runs; likewise).
 */
__must_check int kpool_domain_queue(struct kpool_domain *dom, struct kpool_job *job);

/**
 * kpool_domain_queue_ordered() - kpool_domain_queue() in order with the
 * others of its key (kpool_queue_ordered()).
 * @dom: the domain.
 * @job: the job.
 * @key: non-zero; jobs of the same key on the domain's pool run one at a
 *       time, in queueing order.
 *
 * Context: any.
 * Return: as kpool_domain_queue(), or -EINVAL for key 0.
 */
__must_check int kpool_domain_queue_ordered(struct kpool_domain *dom, struct kpool_job *job,
					    unsigned long key);

/**
 * kpool_domain_queue_delayed() - queue a job through a domain after a delay
 * (kpool_queue_delayed()).
 * @dom: the domain.
 * @dj: the delayed job, initialised with kpool_delayed_job_init().
 * @delay: in jiffies; 0 queues it now.
 *
 * Once its time comes it is queued through @dom (max_active applies then).
 * Until then kpool_domain_flush() and kpool_domain_drain() do not wait for
 * it; kpool_domain_cancel_all() and kpool_domain_destroy() handle it.
 * kpool_cancel() and kpool_cancel_sync() work on it; kpool_mod_delayed()
 * takes it out of the domain, kpool_domain_mod_delayed() keeps it there.
 *
 * Context: any.
 * Return: as kpool_domain_queue().
 */
__must_check int kpool_domain_queue_delayed(struct kpool_domain *dom, struct kpool_delayed_job *dj,
					    unsigned long delay);

/**
 * kpool_domain_mod_delayed() - queue a delayed job through a domain after a
 * new delay, whatever its state (kpool_mod_delayed(), mod_delayed_work()).
 * @dom: the domain.
 * @dj: the delayed job, initialised with kpool_delayed_job_init().
 * @delay: in jiffies; 0 queues it now.
 *
 * A pending job (timer armed or queued, not started) of @dom's pool is taken
 * back, from @dom, another domain of the pool or the pool itself, and its
 * timer set to the new delay, through @dom; an idle or running one is
 * queued as kpool_domain_queue_delayed(). Re-arming a job pending in @dom
 * counts neither as queued nor as cancelled in @dom's statistics. It keeps
 * the key it was last queued with (0: unordered).
 *
 * Context: any.
 * Return: 0 if it was not pending (now queued); KPOOL_ALREADY_PENDING if it
 * was and its delay changed, or while a kpool_cancel_sync() holds it (then
 * nothing changed); -EBUSY if it is pending on another pool, or while
 * kpool_domain_drain() runs; -EINVAL; -ESHUTDOWN once kpool_domain_destroy()
 * has started. The errors change nothing; work chained by @dom's own jobs
 * is accepted during drain and destroy (as kpool_domain_queue()).
 */
__must_check int kpool_domain_mod_delayed(struct kpool_domain *dom, struct kpool_delayed_job *dj,
					  unsigned long delay);

/**
 * kpool_domain_flush() - wait until every job queued through a domain before
 * the call ran (flush_workqueue()).
 * @dom: the domain.
 *
 * Jobs of the pool's other users, and jobs queued through @dom after the
 * call, are not waited for; nor are delayed jobs whose timer is armed.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL; -EDEADLK (with a warning, without waiting) when called
 * from one of @dom's own jobs.
 */
int kpool_domain_flush(struct kpool_domain *dom);

/**
 * kpool_domain_drain() - wait until a domain has no job queued or running,
 * the work its jobs chain meanwhile included (drain_workqueue()).
 * @dom: the domain.
 *
 * While it runs, queueing through @dom from anywhere but @dom's own jobs is
 * refused with -EBUSY, so it ends. Delayed jobs whose timer is armed are not
 * waited for.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL; -EDEADLK (with a warning, without waiting) when called
 * from one of @dom's own jobs.
 */
int kpool_domain_drain(struct kpool_domain *dom);

/**
 * kpool_domain_cancel_all() - cancel every job of a domain that has not
 * started.
 * @dom: the domain.
 *
 * Queued, waiting and armed delayed jobs are removed; each one with a cancel
 * function has it called (after removal, without any kpool lock held), and
 * each is counted in the domain's and the pool's cancelled. Running jobs are
 * not waited for (kpool_domain_flush() does); a job queued again while it
 * runs is cancelled too.
 *
 * Context: process context, may sleep (it waits for a timer callback that is
 * running).
 * Return: the number of jobs cancelled, or -EINVAL.
 */
int kpool_domain_cancel_all(struct kpool_domain *dom);

/* ---- quick threads --------------------------------------------------------------- */

/**
 * kpool_thread_run() - run a function on a thread of a pool.
 * @pool: the pool.
 * @t: the quick thread's handle.
 * @fn: the function; it should poll kpool_thread_should_stop() if it runs
 *      long.
 * @arg: its argument.
 *
 * A parked or idle thread is handed the function with one wake-up (no
 * allocation, no kthreadd); if none is free it runs as soon as one is (the
 * pool grows up to max_threads).
 *
 * Context: any (hard IRQ included, also on PREEMPT_RT); never sleeps.
 * Return: 0, -EBUSY (@t in use), -ESHUTDOWN.
 */
__must_check int kpool_thread_run(struct kpool *pool, struct kpool_thread *t, kpool_thread_fn fn,
				  void *arg);

/**
 * kpool_thread_run_named() - kpool_thread_run(), with the thread named after
 * the caller's name while the function runs.
 * @pool: the pool.
 * @t: the quick thread's handle.
 * @fn: the function.
 * @arg: its argument.
 * @name: copied, truncated to 15 characters; NULL or "" keeps the worker's
 *        name.
 *
 * While @fn runs its thread's comm is @name (as set_task_comm(): seen by ps
 * for threads whose own name is short, and in traces, oopses and lockdep or
 * hung-task reports), not the pool worker's; the worker's name comes back
 * when @fn returns.
 *
 * Context: any.
 * Return: as kpool_thread_run(), -EINVAL also for a NULL @fn.
 */
__must_check int kpool_thread_run_named(struct kpool *pool, struct kpool_thread *t,
					kpool_thread_fn fn, void *arg, const char *name);

/**
 * kpool_thread_stop() - ask a quick thread's function to stop and wait for it.
 * @t: the quick thread; free to reuse afterwards.
 *
 * A function still queued (no thread was free) is removed and never runs. A
 * function handed to a thread always runs and sees kpool_thread_should_stop().
 * Safe at any time, also long after the function returned by itself.
 *
 * Context: process context, may sleep.
 * Return: the function's result, -EINTR if it never ran, or -EDEADLK (with a
 * warning) when called by @t's own function, which would wait for itself.
 */
int kpool_thread_stop(struct kpool_thread *t);

/**
 * kpool_thread_should_stop() - whether this quick thread (or kpool kthread)
 * was asked to stop.
 *
 * Context: the thread itself.
 * Return: true once a stop was asked.
 */
int kpool_thread_should_stop(void);

/**
 * kpool_thread_is_done() - whether a quick thread's function returned.
 * @t: the quick thread.
 *
 * After kpool_destroy() a handle is done and must not be stopped; its result
 * is in kp_result.
 *
 * Context: any.
 * Return: true once @t's function returned (or, when its pool was destroyed
 * before it started, once it was dropped with result -EINTR).
 */
int kpool_thread_is_done(struct kpool_thread *t);

/* ---- plain kernel threads ----------------------------------------------------------- */

/**
 * kpool_kthread_create() - create a plain kernel thread with a safe stop.
 * @fn: the thread's function; it should poll kpool_thread_should_stop().
 * @init: run first, in the thread (may be NULL); the call waits until it
 *        returned, and if it failed the thread is gone.
 * @arg: the argument of @init and @fn.
 * @name: the thread's name.
 * @out: where the handle is stored.
 *
 * As with kthread_stop(), a thread stopped before it first ran never runs
 * @fn (kpool_kthread_stop() then returns -EINTR).
 *
 * Context: process context, may sleep.
 * Return: 0 and the handle in *@out, -EINVAL, -ENOMEM or @init's error.
 */
__must_check int kpool_kthread_create(kpool_thread_fn fn, kpool_thread_fn init, void *arg,
				      const char *name, struct kpool_kthread **out);

/**
 * kpool_kthread_create_nowait() - create and wake a thread without waiting
 * for it to be scheduled.
 * @fn: the thread's function.
 * @arg: its argument.
 * @name: the thread's name.
 * @out: where the handle is stored.
 *
 * Context: process context, may sleep (the caller waits for kthreadd to
 * create the task).
 * Return: as kpool_kthread_create().
 */
__must_check int kpool_kthread_create_nowait(kpool_thread_fn fn, void *arg, const char *name,
					     struct kpool_kthread **out);

/**
 * kpool_kthread_stop() - stop a kpool kthread, wait for it, free the handle.
 * @t: the thread, unparked first if parked.
 *
 * Safe also when the function returned by itself long before: the
 * task_struct is pinned by the handle.
 *
 * Context: process context, may sleep.
 * Return: the function's result, or -EINTR if it never ran.
 */
int kpool_kthread_stop(struct kpool_kthread *t);

/**
 * kpool_kthread_park() - park a kpool kthread (kthread_park()).
 * @t: the thread; its function must call kpool_kthread_parkme() when
 *     kpool_kthread_should_park().
 *
 * Context: process context, may sleep.
 * Return: 0, or kthread_park()'s error: -ENOSYS (the thread exited), -EBUSY
 * (already parked).
 */
int kpool_kthread_park(struct kpool_kthread *t);
/**
 * kpool_kthread_unpark() - let a parked kpool kthread run again.
 * @t: the thread.
 *
 * Context: process context, may sleep.
 */
void kpool_kthread_unpark(struct kpool_kthread *t);
/**
 * kpool_kthread_should_park() - whether this kpool kthread is asked to park.
 *
 * Context: the thread itself.
 * Return: true while a park is asked.
 */
int kpool_kthread_should_park(void);
/**
 * kpool_kthread_parkme() - park here until unparked.
 *
 * Context: the thread itself, may sleep.
 */
void kpool_kthread_parkme(void);
/**
 * kpool_kthread_has_exited() - whether a kpool kthread's function returned
 * by itself.
 * @t: the thread.
 *
 * Context: any.
 * Return: true once it returned.
 */
int kpool_kthread_has_exited(struct kpool_kthread *t);

#ifdef __cplusplus
}
#endif

#endif /* KPOOL_KPOOL_H */
