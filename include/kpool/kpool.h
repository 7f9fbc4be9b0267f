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
 *    stop is safe at any time, also long after the function returned.
 *
 * Errors are negative errnos. Unless said otherwise a function may sleep and
 * must be called from process context. The comments below are kernel-doc
 * (`make lint` runs the kernel's scripts/kernel-doc over this header).
 *
 * Calls documented "Context: any" take no lock but the pool's raw spinlock
 * (held for O(1) work), never sleep and never allocate, so they may be called
 * from hard IRQ context also on a PREEMPT_RT kernel, and with a raw_spinlock_t
 * held: kpool_queue(), kpool_queue_ordered(), kpool_cancel(),
 * kpool_thread_run(), kpool_thread_is_done(), kpool_get_attrs(),
 * kpool_get_stats(), kpool_default(), kpool_name(), kpool_job_init() and
 * kpool_kthread_has_exited(). Everything else is process context.
 */
#ifndef KPOOL_KPOOL_H
#define KPOOL_KPOOL_H

#ifdef __cplusplus
extern "C" {
#endif

struct kpool;
struct kpool_job;
struct kpool_kthread;

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
 * struct kpool_attrs - sizing of a pool; see kpool_set_attrs() for the rules.
 * @min_threads: threads kept alive even when idle.
 * @max_threads: most threads at once, 1..KPOOL_MAX_THREADS_CAP.
 * @reserve: parked spare threads, <= max_threads.
 * @idle_timeout_ms: surplus idle threads retire after it.
 * @nice: the threads' nice value, -20..19.
 */
struct kpool_attrs {
	unsigned int min_threads;
	unsigned int max_threads;
	unsigned int reserve;
	unsigned int idle_timeout_ms;
	int nice;
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
 * Embed it in your object and initialise it with kpool_job_init(); every
 * field is private to kpool. While queued or running, the job's memory must
 * stay valid; the job function may free it (kpool does not touch a job after
 * calling its function).
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
 * attributes), -EEXIST (name taken), -ENOMEM.
 */
int kpool_create(const char *name, const struct kpool_attrs *attrs, struct kpool **out);

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
int kpool_create_bound(const char *name, const struct kpool_attrs *attrs, unsigned int cpu,
		       struct kpool **out);

/**
 * kpool_destroy() - stop every thread of a pool, wait for them, free it.
 * @pool: the pool; NULL is ignored.
 *
 * Every thread is told to stop at once, then waited for. It must not run
 * concurrently with other calls on @pool (as with destroy_workqueue(), flush
 * and drain callers must be done). Queued jobs with a cancel function are
 * cancelled (the function is called); the others run first. Running quick
 * threads see kpool_thread_should_stop(). After it returns no kpool thread
 * runs code of @pool's users.
 *
 * Context: process context, may sleep. Lockdep reports a destroy under a lock
 * that one of @pool's jobs takes.
 * Return: 0 (also for NULL); -EDEADLK, with a warning and nothing changed,
 * when called from one of @pool's own threads, which it would wait for;
 * -EINVAL for the default pool.
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
 * @cancel: called instead of @func if the job is cancelled by pool
 *          destruction; may be NULL.
 *
 * Context: any.
 */
void kpool_job_init(struct kpool_job *job, kpool_job_fn func, kpool_job_fn cancel);

/**
 * kpool_queue() - queue a job; it runs concurrently with other jobs.
 * @pool: the pool.
 * @job: the job, initialised with kpool_job_init().
 *
 * Context: any (hard IRQ included, also on PREEMPT_RT); never sleeps, never
 * allocates.
 * Return: 0, -EBUSY (already queued), -ESHUTDOWN (pool being destroyed).
 */
int kpool_queue(struct kpool *pool, struct kpool_job *job);

/**
 * kpool_queue_ordered() - queue a job in order with the others of its key.
 * @pool: the pool.
 * @job: the job, initialised with kpool_job_init().
 * @key: non-zero; jobs queued with the same key run one at a time, in
 *       queueing order. Other keys and unordered jobs are not held up.
 *
 * Context: any, as kpool_queue().
 * Return: as kpool_queue(), or -EINVAL for key 0.
 */
int kpool_queue_ordered(struct kpool *pool, struct kpool_job *job, unsigned long key);

/**
 * kpool_cancel() - remove a job from its queue if it has not started.
 * @job: the job.
 *
 * Its cancel function is not called. It may race with the job being queued
 * again, also on another pool: the pool it was last queued on must then
 * still exist.
 *
 * Context: any.
 * Return: 1 if it was removed, 0 if it was not queued (never queued, already
 * running or finished).
 */
int kpool_cancel(struct kpool_job *job);

/**
 * kpool_flush_job() - wait until a job is neither queued nor running.
 * @job: the job.
 *
 * Context: process context, may sleep.
 * Return: 0, or -EDEADLK (with a warning, without waiting) when the wait could
 * only end after the caller returns: @job is the job the caller is running,
 * or is queued behind the key of the ordered job the caller is running.
 */
int kpool_flush_job(struct kpool_job *job);

/**
 * kpool_drain() - wait until a pool has no queued or running job.
 * @pool: the pool.
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
 * The pool counts the thread as blocked and starts another thread if work is
 * waiting. Outside a kpool thread it does nothing.
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
int kpool_thread_run(struct kpool *pool, struct kpool_thread *t, kpool_thread_fn fn, void *arg);

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
int kpool_kthread_create(kpool_thread_fn fn, kpool_thread_fn init, void *arg, const char *name,
			 struct kpool_kthread **out);

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
int kpool_kthread_create_nowait(kpool_thread_fn fn, void *arg, const char *name,
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
