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
 * must be called from process context.
 *
 * Calls documented "Context: any" take no lock but the pool's raw spinlock
 * (held for O(1) work), never sleep and never allocate, so they may be called
 * from hard IRQ context also on a PREEMPT_RT kernel, and with a raw_spinlock_t
 * held: kpool_queue(), kpool_queue_ordered(), kpool_cancel(),
 * kpool_queue_delayed(), kpool_queue_delayed_ordered(), kpool_mod_delayed(),
 * kpool_delayed_job_init(), kpool_thread_run(), kpool_thread_run_named(),
 * kpool_thread_is_done(), kpool_get_attrs(),
 * kpool_get_stats(), kpool_default(), kpool_name(), kpool_job_init(),
 * kpool_job_pending() and kpool_kthread_has_exited(). Everything else is
 * process context.
 */
#ifndef KPOOL_KPOOL_H
#define KPOOL_KPOOL_H

#ifdef __cplusplus
extern "C" {
#endif

struct kpool;
struct kpool_job;
struct kpool_kthread;

/* Results that must not be ignored: work would be lost (C and C++ callers). */
#ifndef __must_check
#define __must_check __attribute__((__warn_unused_result__))
#endif

typedef void (*kpool_job_fn)(struct kpool_job *job);
typedef int (*kpool_thread_fn)(void *arg);

/* kpool's version (MODULE_VERSION of kpool.ko and of its companion modules). */
#define KPOOL_VERSION "0.1.0"

/* Upper bound of max_threads, protecting the machine from PID exhaustion. */
#define KPOOL_MAX_THREADS_CAP 4096
/* Upper bound of idle_timeout_ms (one day). */
#define KPOOL_IDLE_TIMEOUT_MAX_MS 86400000u
/* Longest pool name, without the terminating NUL. */
#define KPOOL_NAME_MAX 31
/* kpool_queue(): the job was pending already; nothing changed (not an error). */
#define KPOOL_ALREADY_PENDING 1

/* Sizing of a pool; see kpool_set_attrs() for the rules. */
struct kpool_attrs {
	unsigned int min_threads;     /* kept alive even when idle */
	unsigned int max_threads;     /* 1..KPOOL_MAX_THREADS_CAP */
	unsigned int reserve;	      /* parked spare threads, <= max_threads */
	unsigned int idle_timeout_ms; /* surplus idle threads retire after it */
	int nice;		      /* -20..19 */
};

/* Statistics of a pool. Gauges are a snapshot; counters only grow. */
struct kpool_stats {
	unsigned int nr_threads;	      /* threads alive (any state) */
	unsigned int nr_idle;		      /* waiting for work, may retire */
	unsigned int nr_parked;		      /* reserve: waiting for work, never retire */
	unsigned int nr_running;	      /* running a job or a quick thread */
	unsigned int nr_blocked;	      /* running, inside kpool_block_begin/end */
	unsigned int nr_queued;		      /* jobs and quick threads not started yet */
	unsigned long completed;	      /* jobs and quick threads finished */
	unsigned long warm_handoffs;	      /* started by waking a waiting thread */
	unsigned long cold_starts;	      /* started by a newly created thread */
	unsigned long spawn_failures;	      /* thread creations that failed */
	unsigned long reaped;		      /* retired threads reaped */
	unsigned long cancelled;	      /* jobs cancelled (kpool_cancel, destroy) */
	unsigned long long oldest_job_age_ns; /* age of the oldest queued item */
};

/*
 * A job. Embed it in your object and initialise it with kpool_job_init(); the
 * kp_ fields are private to kpool. While queued or running, the job's memory
 * must stay valid; the job function may free it (kpool does not touch a job
 * after calling its function, unless it was queued again meanwhile).
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

/*
 * KPOOL_JOB_INIT - a static initializer for a job, equal to
 * kpool_job_init(job, func, cancel) (as __WORK_INITIALIZER):
 *   static struct kpool_job my_job = KPOOL_JOB_INIT(my_fn, NULL);
 * KPOOL_DEFINE_JOB - defines such a job (as DECLARE_WORK):
 *   static KPOOL_DEFINE_JOB(my_job, my_fn, NULL);
 */
#define KPOOL_JOB_INIT(func, cancel)                     \
	{                                                \
		.kp_func = (func), .kp_cancel = (cancel) \
	}
#define KPOOL_DEFINE_JOB(name, func, cancel) struct kpool_job name = KPOOL_JOB_INIT(func, cancel)

/*
 * A delayed job (as delayed_work): @job is queued on its pool once a kernel
 * timer expires, and is a normal job from then on (ordering by key
 * included). Initialise it with kpool_delayed_job_init(); kp_ fields are
 * private. kpool_cancel(), kpool_cancel_sync(), kpool_flush_job() and
 * kpool_job_pending() take &dj->job and cover the timer too (a flush waits
 * for the timer). kpool_destroy() cancels (cancel function) or runs the
 * armed ones, and a delayed job chained during it is due at once. With the
 * kernel's debug objects on, a delayed job must not live on the stack.
 */
struct kpool_delayed_job {
	struct kpool_job job;
	unsigned long kp_timer[16]; /* a struct timer_list (its size checked at build) */
};

/*
 * A quick thread. Embed it in your object; kp_ fields are private. Valid from
 * kpool_thread_run() until kpool_thread_stop() returned.
 */
struct kpool_thread {
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

/*
 * kpool_create - create a pool named @name (1..KPOOL_NAME_MAX characters of
 * [A-Za-z0-9_-], unique) sized by @attrs, and start its min_threads and reserve.
 * Returns 0 and the pool in *@out, or -EINVAL/-ERANGE (bad name or attrs),
 * -EEXIST (name taken), -ENOMEM.
 */
__must_check int kpool_create(const char *name, const struct kpool_attrs *attrs,
			      struct kpool **out);

/*
 * kpool_create_bound - as kpool_create(), for a pool whose threads run on
 * @cpu only (a per-CPU user creates one per CPU). While @cpu is offline its
 * free threads are parked (not destroyed) and jobs keep running on threads
 * created unbound meanwhile (the pool may then exceed max_threads by the
 * number of parked threads); when @cpu comes back the parked threads are
 * unparked and every thread is bound to it again. Jobs running when @cpu goes
 * down finish on another CPU. Returns as kpool_create(), or -EINVAL for a CPU
 * that is not possible.
 */
__must_check int kpool_create_bound(const char *name, const struct kpool_attrs *attrs,
				    unsigned int cpu, struct kpool **out);

/*
 * kpool_destroy - tell every thread of @pool to stop at once, then wait for
 * them. It must not run concurrently with other calls on @pool (as with
 * destroy_workqueue(), flush and drain callers must be done). Queued jobs
 * with a cancel function are cancelled (the function is called); the others
 * run first. Jobs queued meanwhile by @pool's own jobs (chained work, as
 * drain_workqueue() accepts it) are accepted and run before it returns; any
 * other queueing gets -ESHUTDOWN. A job that always queues itself again must
 * stop doing so, or this never returns. Running quick threads see
 * should_stop. After it returns no kpool thread runs code of @pool's users.
 * NULL is ignored.
 */
void kpool_destroy(struct kpool *pool);

/* kpool_default - the shared pool kpool creates on load. Context: any. */
struct kpool *kpool_default(void);

/* kpool_name - the pool's name. Context: any. */
const char *kpool_name(struct kpool *pool);

/*
 * kpool_set_attrs - resize @pool live. Rules: 1 <= max_threads <=
 * KPOOL_MAX_THREADS_CAP, min_threads <= max_threads, reserve <= max_threads,
 * 1 <= idle_timeout_ms <= KPOOL_IDLE_TIMEOUT_MAX_MS, -20 <= nice <= 19.
 * Growing starts threads in the background; shrinking retires idle threads
 * first and never interrupts a running job. On error nothing changes.
 * Returns 0, -EINVAL or -ERANGE. Context: process, may sleep.
 */
int kpool_set_attrs(struct kpool *pool, const struct kpool_attrs *attrs);
/* Context: any. */
void kpool_get_attrs(struct kpool *pool, struct kpool_attrs *attrs);
/* Context: any. */
void kpool_get_stats(struct kpool *pool, struct kpool_stats *stats);

/* ---- jobs ---------------------------------------------------------------------- */

/*
 * kpool_job_init - prepare @job to run @func; @cancel (may be NULL) is
 * kpool's report that it dropped the queued job without running it, which
 * only kpool_destroy() does: it is called instead of @func then. A job
 * removed by kpool_cancel() or kpool_cancel_sync() is reported to that
 * caller by the return value instead, and @cancel is not called.
 * Context: any.
 */
void kpool_job_init(struct kpool_job *job, kpool_job_fn func, kpool_job_fn cancel);

/*
 * kpool_queue - queue @job on @pool; it runs concurrently with other jobs,
 * never with itself (queued while it runs, it runs again once that
 * instance returned). Returns 0 (queued), KPOOL_ALREADY_PENDING (1: the job was
 * pending already, on any pool, or a kpool_cancel_sync() of it is in
 * progress; nothing changed, as queue_work() returning false), -EINVAL,
 * -ESHUTDOWN (pool being destroyed; work chained by the pool's own jobs is
 * still accepted, see kpool_destroy()).
 * Context: any (hard IRQ included, also on PREEMPT_RT); never sleeps, never
 * allocates.
 */
__must_check int kpool_queue(struct kpool *pool, struct kpool_job *job);

/*
 * kpool_queue_ordered - as kpool_queue(), but jobs queued with the same
 * non-zero @key run one at a time, in queueing order; other keys and unordered
 * jobs are not held up. A job queued again while it runs keeps its place in
 * its key's order when it keeps its key; with another key (or none) it is
 * queued, and takes its place, when the running instance returns.
 * Returns as kpool_queue(), or -EINVAL for key 0.
 */
__must_check int kpool_queue_ordered(struct kpool *pool, struct kpool_job *job, unsigned long key);

/*
 * kpool_delayed_job_init - kpool_job_init() for a delayed job, and its timer.
 * Context: any.
 */
void kpool_delayed_job_init(struct kpool_delayed_job *dj, kpool_job_fn func, kpool_job_fn cancel);

/*
 * kpool_queue_delayed - queue @dj->job on @pool after @delay jiffies (0:
 * now, as kpool_queue()). Until then it is pending (kpool_job_pending()),
 * not counted in nr_queued, and kpool_drain() does not wait for it.
 * Returns as kpool_queue(): KPOOL_ALREADY_PENDING if it is pending (timer
 * armed, or queued), nothing changed (kpool_mod_delayed() changes the delay).
 * Context: any; never sleeps, never allocates.
 */
__must_check int kpool_queue_delayed(struct kpool *pool, struct kpool_delayed_job *dj,
				     unsigned long delay);

/*
 * kpool_queue_delayed_ordered - kpool_queue_delayed(), and once its time
 * comes it is queued as kpool_queue_ordered() with @key (its place in the
 * key's order is taken then). Returns as kpool_queue_delayed(), or -EINVAL
 * for key 0.
 */
__must_check int kpool_queue_delayed_ordered(struct kpool *pool, struct kpool_delayed_job *dj,
					     unsigned long key, unsigned long delay);

/*
 * kpool_mod_delayed - as mod_delayed_work(): queue @dj on @pool after @delay
 * jiffies whatever its state: a pending job (timer armed or queued, not
 * started) is taken back and its timer set to the new delay; an idle or
 * running one is queued as kpool_queue_delayed(). It keeps the key it was
 * last queued with (0: unordered). Returns 0 if it was not pending (now
 * queued), KPOOL_ALREADY_PENDING (1) if it was and its delay changed, or
 * while a kpool_cancel_sync() holds it (then nothing changed); -EBUSY if it
 * is pending on another pool, -EINVAL, -ESHUTDOWN (nothing changed).
 * Context: any.
 */
__must_check int kpool_mod_delayed(struct kpool *pool, struct kpool_delayed_job *dj,
				   unsigned long delay);

/*
 * kpool_cancel - remove @job from its queue if it is pending, without
 * waiting. Its cancel function is not called. Returns 1 if it was pending
 * and was removed (it will not run for that queueing), 0 if it was not
 * pending (never queued, running and not queued again, finished). A running
 * instance is not waited for: see kpool_cancel_sync(). It may race with the
 * job being queued again, also on another pool: the pool it was last queued
 * on must then still exist. Context: any.
 */
int kpool_cancel(struct kpool_job *job);

/*
 * kpool_cancel_sync - cancel @job if it is pending and wait until it is not
 * running, as cancel_work_sync(). While it runs, queueing @job (from its own
 * function, another thread or an IRQ) is refused with KPOOL_ALREADY_PENDING,
 * so a job that queues itself again is stopped: on return @job is neither
 * pending nor running, and may be freed or queued again. The cancel function
 * is not called. The pool @job was last queued on must exist. Must not be
 * called from @job itself. Returns 1 if @job was pending, else 0.
 * Context: process, may sleep.
 */
int kpool_cancel_sync(struct kpool_job *job);

/*
 * kpool_job_pending - whether @job is pending: queued and not started, or
 * queued again while it runs (false while it only runs, and while a
 * kpool_cancel_sync() holds it). A snapshot, as work_pending(): it may change
 * at once unless the caller excludes queueing and running. Context: any.
 */
int kpool_job_pending(const struct kpool_job *job);

/*
 * kpool_flush_job - wait until @job is neither queued nor running. The pool
 * it was last queued on must exist.
 */
void kpool_flush_job(struct kpool_job *job);

/* kpool_drain - wait until @pool has no queued or running job. */
void kpool_drain(struct kpool *pool);

/*
 * kpool_block_begin/end - annotate a long sleep inside a job or quick thread,
 * so the pool counts the thread as blocked and starts another thread if work
 * is waiting. Outside a kpool thread they do nothing. Context: kpool thread.
 */
void kpool_block_begin(void);
void kpool_block_end(void);

/*
 * kpool_current_is_cold_start - true inside a job or quick thread that waited
 * for its thread to be created (a cold start); false when it was handed to a
 * waiting thread (a warm hand-off, parked reserve threads included), taken by
 * a thread that had just finished another item, or outside a kpool thread.
 * Lets users split their latency figures. Context: kpool thread.
 */
int kpool_current_is_cold_start(void);

/* ---- quick threads --------------------------------------------------------------- */

/*
 * kpool_thread_run - run @fn(@arg) on a thread of @pool: a parked or idle
 * thread is handed the function with one wake-up (no allocation, no kthreadd);
 * if none is free it runs as soon as one is (the pool grows up to max_threads).
 * @fn should poll kpool_thread_should_stop() if it runs long.
 * Returns 0, -EBUSY (@t in use), -ESHUTDOWN. Context: any (hard IRQ included,
 * also on PREEMPT_RT); never sleeps.
 */
__must_check int kpool_thread_run(struct kpool *pool, struct kpool_thread *t, kpool_thread_fn fn,
				  void *arg);

/*
 * kpool_thread_run_named - as kpool_thread_run(), and while @fn runs its
 * thread is named @name (its comm, as set_task_comm(): seen by ps for threads
 * whose own name is short, and in traces, oopses and lockdep or hung-task
 * reports), not after the pool's worker; the worker's name comes back when
 * @fn returns. @name is copied, truncated to 15 characters; NULL or "" keeps
 * the worker's name. Returns as kpool_thread_run(), -EINVAL also for a NULL
 * @fn. Context: any.
 */
__must_check int kpool_thread_run_named(struct kpool *pool, struct kpool_thread *t,
					kpool_thread_fn fn, void *arg, const char *name);

/*
 * kpool_thread_stop - ask @t's function to stop, wait for it, and return its
 * result. A function still queued (no thread was free) is removed and never
 * runs: the result is then -EINTR. A function handed to a thread always runs
 * and sees kpool_thread_should_stop(). Safe at any
 * time, also long after the function returned by itself. @t is free to reuse
 * afterwards. Context: process, may sleep.
 */
int kpool_thread_stop(struct kpool_thread *t);

/* kpool_thread_should_stop - for quick-thread functions (and kpool_kthread
 * functions): true once a stop was asked. Context: the thread itself.
 */
int kpool_thread_should_stop(void);

/* kpool_thread_is_done - true once @t's function returned (or, when its pool
 * was destroyed before it started, once it was dropped with result -EINTR).
 * After kpool_destroy() a handle is done and must not be stopped; its result
 * is in kp_result. Context: any.
 */
int kpool_thread_is_done(struct kpool_thread *t);

/* ---- plain kernel threads ----------------------------------------------------------- */

/*
 * kpool_kthread_create - create a kernel thread named @name that first runs
 * @init(@arg) (may be NULL) and then @fn(@arg). Waits until @init returned; if
 * it failed, the thread is gone and its error is returned. @fn should poll
 * kpool_thread_should_stop(). As with kthread_stop(), a thread stopped before
 * it first ran never runs @fn (kpool_kthread_stop() then returns -EINTR).
 * Returns 0 and the handle in *@out, -EINVAL, -ENOMEM or @init's error.
 */
__must_check int kpool_kthread_create(kpool_thread_fn fn, kpool_thread_fn init, void *arg,
				      const char *name, struct kpool_kthread **out);

/*
 * kpool_kthread_create_nowait - create and wake a thread running @fn(@arg)
 * without waiting for it to be scheduled (the caller waits only for kthreadd
 * to create the task).
 */
__must_check int kpool_kthread_create_nowait(kpool_thread_fn fn, void *arg, const char *name,
					     struct kpool_kthread **out);

/*
 * kpool_kthread_stop - stop @t (unparking it if parked), wait for it, free the
 * handle and return @fn's result (-EINTR if @fn never ran). Safe also when @fn
 * returned by itself long before: the task_struct is pinned by the handle.
 */
int kpool_kthread_stop(struct kpool_kthread *t);

/* Park and unpark (kthread_park/kthread_unpark); @fn must call
 * kpool_kthread_parkme() when kpool_kthread_should_park().
 */
int kpool_kthread_park(struct kpool_kthread *t);
void kpool_kthread_unpark(struct kpool_kthread *t);
int kpool_kthread_should_park(void);
void kpool_kthread_parkme(void);
/* True once @t's function has returned by itself. Context: any. */
int kpool_kthread_has_exited(struct kpool_kthread *t);

#ifdef __cplusplus
}
#endif

#endif /* KPOOL_KPOOL_H */
