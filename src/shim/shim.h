/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The boundary between kpool's C++ and the kernel.
 *
 * Every kernel facility the C++ side uses is reached through a function declared
 * here and defined in src/shim/kp_<subsystem>.c, the only files that include
 * kernel headers. The header itself is C and C++ neutral: it names kernel
 * structs only as incomplete types and uses compiler-provided integer types.
 *
 * Rules for the shim (see STYLE.md): each function is a thin adapter prefixed
 * with what it wraps, returns 0 or -errno where it can fail, and holds no
 * policy. Objects the kernel keeps the address of (locks, completions, work
 * items) live inside C++ objects as opaque storage whose size and alignment come
 * from the generated kp_layout.h, so no allocation is needed to hold them.
 */
#ifndef KPOOL_SHIM_H
#define KPOOL_SHIM_H

#ifdef __cplusplus
extern "C" {
#endif

struct task_struct;
struct work_struct;
struct workqueue_struct;
struct lock_class_key;
struct kobject;

typedef __SIZE_TYPE__ kp_size_t;
typedef __INT64_TYPE__ kp_s64;
typedef __UINT64_TYPE__ kp_u64;

/* ---- memory (kp_mem.c) ---------------------------------------------------- */

/*
 * Allocation contexts; translated to gfp_t in C (gfp bits depend on config).
 * "Any context" here and below excludes hard IRQ on PREEMPT_RT (and raw
 * spinlocks held on any kernel): the allocator sleeps there. Which shim calls
 * are allowed in hard IRQ on RT: src/shim/README.md.
 */
enum kp_gfp {
	KP_GFP_KERNEL = 0, /* process context, may sleep and reclaim */
	KP_GFP_NOWAIT = 1, /* atomic context (not hard IRQ on RT), no reclaim, may fail */
	KP_GFP_ATOMIC = 2, /* atomic context (not hard IRQ on RT), may dip into reserves */
};

/* Context: per gfp. Returns zeroed memory or NULL. */
void *kp_mem_alloc(kp_size_t size, enum kp_gfp gfp);
/* Context: any but hard IRQ on RT. NULL is ignored. */
void kp_mem_free(const void *p);

/*
 * Per-CPU areas of @size bytes. kp_percpu_add() adds to the long at @offset of
 * this CPU's copy without disabling interrupts longer than the add itself.
 */
void *kp_percpu_alloc(kp_size_t size, kp_size_t align);
void kp_percpu_free(void *pcpu);
void kp_percpu_add(void *pcpu, kp_size_t offset, long delta);
long kp_percpu_sum(void *pcpu, kp_size_t offset);

/* Fault injection point for kpool's own allocations and thread creation:
 * returns true when the caller should fail (see kp_debug.c, debugfs).
 */
int kp_fault_should_fail(int which);
enum kp_fault {
	KP_FAULT_ALLOC = 0,
	KP_FAULT_SPAWN = 1,
	KP_FAULT_CPUHP = 2, /* adding a bound pool's hotplug instance */
};

/* Deterministic injection for tests: the next @count calls of kind @which
 * fail (on top of the random debugfs fault attributes).
 */
void kp_fault_fail_next(int which, int count);

/* ---- locks (kp_sync.c) ------------------------------------------------------ */

/*
 * @key is static storage of KP_SIZEOF_LOCK_CLASS_KEY bytes owned by one C++
 * lock class, so lockdep tells different kinds of kpool locks apart.
 */
void kp_spin_init(void *lock, const char *name, void *key);
void kp_spin_lock(void *lock);
void kp_spin_unlock(void *lock);
void kp_spin_lock_irq(void *lock);
void kp_spin_unlock_irq(void *lock);
unsigned long kp_spin_lock_irqsave(void *lock);
void kp_spin_unlock_irqrestore(void *lock, unsigned long flags);
void kp_spin_assert_held(void *lock);

/* raw_spinlock_t (storage of KP_SIZEOF_RAW_SPINLOCK bytes): callable from hard
 * IRQ on PREEMPT_RT. Same contract as the kp_spin_* functions above.
 */
void kp_raw_spin_init(void *lock, const char *name, void *key);
void kp_raw_spin_lock(void *lock);
void kp_raw_spin_unlock(void *lock);
void kp_raw_spin_lock_irq(void *lock);
void kp_raw_spin_unlock_irq(void *lock);
unsigned long kp_raw_spin_lock_irqsave(void *lock);
void kp_raw_spin_unlock_irqrestore(void *lock, unsigned long flags);
void kp_raw_spin_assert_held(void *lock);

void kp_mutex_init(void *mutex, const char *name, void *key);
void kp_mutex_destroy(void *mutex);
void kp_mutex_lock(void *mutex);
void kp_mutex_unlock(void *mutex);
void kp_mutex_assert_held(void *mutex);

/*
 * A lockdep map standing for "waits on a pool" (as the workqueue's
 * lockdep_map): its users acquire it around what a wait has to wait for
 * (running a job) and around the wait itself (drain, destroy), so lockdep
 * sees a pool drained under a lock that one of its jobs takes. Each map has
 * a key of its own, registered dynamically, so one pool waiting on another
 * is not taken for recursion. @name must outlive the map. Without
 * CONFIG_LOCKDEP (or out of memory) create returns NULL, which every other
 * call accepts and ignores. Create and destroy: process context, may sleep.
 */
void *kp_lockdep_map_create(const char *name);
void kp_lockdep_map_destroy(void *map);
void kp_lockdep_map_acquire(void *map);
void kp_lockdep_map_release(void *map);

void kp_completion_init(void *done);
void kp_completion_reinit(void *done);
void kp_complete(void *done);
void kp_complete_all(void *done);
/* Context: process, sleeps in TASK_IDLE (no hung-task report, no load). */
void kp_completion_wait(void *done);
/* Returns remaining jiffies (>0) or 0 on timeout. */
unsigned long kp_completion_wait_timeout(void *done, unsigned long timeout_jiffies);
int kp_completion_done(void *done);

/* Wait queues (storage of KP_SIZEOF_WAITQ bytes). The condition is evaluated
 * with the task state already set, so it may take spinlocks but not sleep.
 */
typedef int (*kp_cond_fn)(void *arg);
void kp_waitq_init(void *wq, const char *name, void *key);
void kp_waitq_wake_all(void *wq);
/* Context: process, may sleep; TASK_IDLE, so no hung-task report. */
void kp_waitq_wait_idle(void *wq, kp_cond_fn cond, void *arg);

/* ---- scheduler and tasks (kp_sched.c) --------------------------------------- */

enum kp_task_state {
	KP_TASK_RUNNING = 0,
	KP_TASK_INTERRUPTIBLE = 1,
	KP_TASK_IDLE = 2, /* uninterruptible, not counted as hung or as load */
};

struct task_struct *kp_current(void);
void kp_set_current_state(enum kp_task_state state);
void kp_schedule(void);
/* Returns remaining jiffies, 0 on timeout. */
long kp_schedule_timeout(long timeout_jiffies);
int kp_wake_up_process(struct task_struct *task);
int kp_task_pid(struct task_struct *task);
void kp_might_sleep(void);
/* cond_resched(): let other tasks run if this CPU should reschedule. */
void kp_cond_resched(void);
int kp_in_task(void);
/* Sets current's comm (truncated to TASK_COMM_LEN - 1). Context: process. */
void kp_current_set_comm(const char *name);
void kp_set_user_nice(struct task_struct *task, long nice);

/* ---- kthreads (kp_kthread.c) -------------------------------------------------- */

typedef int (*kp_thread_fn)(void *arg);

/*
 * Creates a stopped kernel thread on @node (-1: any) named @name and takes a
 * reference on its task_struct, so that kp_kthread_stop_put() is safe even
 * after the thread function returned by itself. Returns 0 or -errno.
 * Context: process, may sleep (waits for kthreadd).
 */
int kp_kthread_create(kp_thread_fn fn, void *arg, int node, const char *name,
		      struct task_struct **out);
/* As above, bound to @cpu (kthread_create_on_cpu; the name gets "/cpu"). */
int kp_kthread_create_on_cpu(kp_thread_fn fn, void *arg, unsigned int cpu, const char *name,
			     struct task_struct **out);
/* If the current task is a kthread whose thread function is @fn, returns its
 * data pointer (the @arg it was created with), else NULL. Context: any.
 */
void *kp_kthread_current_data(kp_thread_fn fn);
/* kthread_should_stop(); 0 outside a kernel thread (no struct kthread). */
int kp_kthread_should_stop(void);
int kp_kthread_should_park(void);
void kp_kthread_parkme(void);
int kp_kthread_park(struct task_struct *task);
void kp_kthread_unpark(struct task_struct *task);
/* Stops the thread (unparking it if parked), drops the reference taken at
 * creation and returns the thread function's result (-EINTR if it never ran).
 */
int kp_kthread_stop_put(struct task_struct *task);
/* Restricts a running task to @cpu (or, for cpu < 0, to every possible CPU). */
int kp_task_set_cpu(struct task_struct *task, int cpu);
/* kthread_bind(): a thread not yet woken runs on @cpu only and refuses
 * sched_setaffinity (PF_NO_SETAFFINITY). Context: process, may sleep.
 */
void kp_kthread_bind(struct task_struct *task, unsigned int cpu);
/* The current kernel thread refuses sched_setaffinity and cpuset moves
 * (PF_NO_SETAFFINITY, as kthread_bind() sets); the kernel may still move it.
 */
void kp_current_forbid_setaffinity(void);

/* ---- workqueues (kp_wq.c) ----------------------------------------------------- */

typedef void (*kp_work_fn)(struct work_struct *work);

enum kp_wq_flags {
	KP_WQ_UNBOUND = 1 << 0,
	KP_WQ_HIGHPRI = 1 << 1,
	KP_WQ_MEM_RECLAIM = 1 << 2,
	KP_WQ_FREEZABLE = 1 << 3,
};

int kp_wq_alloc(const char *name, unsigned int kp_flags, int max_active,
		struct workqueue_struct **out);
void kp_wq_destroy(struct workqueue_struct *wq);
struct workqueue_struct *kp_wq_system(void);
struct workqueue_struct *kp_wq_system_unbound(void);
void kp_wq_init_work(struct work_struct *work, kp_work_fn fn);
int kp_wq_queue(struct workqueue_struct *wq, struct work_struct *work);
int kp_wq_queue_on(int cpu, struct workqueue_struct *wq, struct work_struct *work);
int kp_wq_cancel_sync(struct work_struct *work);
int kp_wq_flush_work(struct work_struct *work);
void kp_wq_flush(struct workqueue_struct *wq);

/* ---- timers (kp_timer.c) --------------------------------------------------------- */

struct timer_list;
typedef void (*kp_timer_fn)(struct timer_list *timer);

/*
 * @timer is the storage of a struct kpool_delayed_job (kp_timer). The timer
 * is TIMER_IRQSAFE: @fn runs with interrupts off, so a caller spinning until
 * it finished (with interrupts off too) cannot be waiting for itself.
 * Context: any.
 */
void kp_timer_setup_irqsafe(void *timer, kp_timer_fn fn);
/* mod_timer(): (re)arm for @expires (jiffies). Context: any. */
void kp_timer_mod(void *timer, unsigned long expires);
/* timer_delete(): 1 if it was armed (@fn will not run for it). Context: any. */
int kp_timer_delete(void *timer);
/* timer_delete_sync(): also waits for a running @fn. Context: process. */
int kp_timer_delete_sync(void *timer);
void kp_cpu_relax(void);

/* ---- concurrency management (kp_notifier.c) --------------------------------------- */

/* Whether the kernel has preempt notifiers (CONFIG_PREEMPT_NOTIFIERS): then
 * a worker's sleeps are seen without annotations. Context: any.
 */
int kp_notifier_available(void);
/* Module load/unload: enables/disables the scheduler's notifier static key.
 * Context: process, may sleep.
 */
void kp_notifier_init(void);
void kp_notifier_exit(void);
/*
 * Registers (unregisters) @pn, storage of KP_SIZEOF_PREEMPT_NOTIFIER bytes,
 * on the calling task; a thread unregisters before it exits. Nothing without
 * preempt notifiers. The scheduler then calls kp_cm_sched_in(@pn) and, when
 * the task goes to sleep, kp_cm_sched_out_sleeping(@pn): under the runqueue
 * lock with interrupts off (atomics and kp_cm_events_kick() only).
 * Context: the task itself, process context.
 */
void kp_notifier_register_self(void *pn);
void kp_notifier_unregister_self(void *pn);
void kp_cm_sched_in(void *pn);
void kp_cm_sched_out_sleeping(void *pn);
/*
 * A pool's deferred wake-up (a hard irq_work) and stall timer (TIMER_IRQSAFE),
 * calling kp_cm_irq_work(@owner) and kp_cm_stall_timer(@owner) (hard IRQ /
 * timer context, interrupts off). create: process context, NULL on -ENOMEM.
 * destroy: waits for both callbacks, process context; NULL is ignored.
 * kick (irq_work_queue(), a no-op while pending) and arm_timer (mod_timer()):
 * Context: any, including under the runqueue lock (kick).
 */
void *kp_cm_events_create(void *owner);
void kp_cm_events_destroy(void *handle);
void kp_cm_events_kick(void *handle);
void kp_cm_events_arm_timer(void *handle, unsigned long expires);
void kp_cm_irq_work(void *owner);
void kp_cm_stall_timer(void *owner);

/* ---- a pool's submission inbox (kp_inbox.c) ------------------------------------ */

struct kpool_job;
/*
 * Per-CPU lock-free lists of jobs, and which of them are marked (see
 * kp_inbox.c). create/destroy: process context (create: NULL on -ENOMEM).
 * enter/exit: interrupts off around an add and its mark (the RCU read side
 * that kp_rcu_cond_sync() waits for). add: interrupts off; true if the
 * list of this CPU (*@cpu) was empty. mark, take: under the pool lock;
 * mark: true if @cpu was not marked; take: empties the marked lists and
 * unmarks them, returns their jobs (linked by kp_next, each CPU's in the
 * order queued) and how many were unmarked. nr_marked: any context.
 * count: under the pool lock; the jobs on marked lists, and the oldest
 * kp_queued_ns among them in *@oldest_ns (left alone if there are none),
 * without taking them.
 */
void *kp_inbox_create(void);
void kp_inbox_destroy(void *inbox);
unsigned long kp_inbox_enter(void);
void kp_inbox_exit(unsigned long flags);
int kp_inbox_add(void *inbox, struct kpool_job *job, unsigned int *cpu);
int kp_inbox_mark(void *inbox, unsigned int cpu);
unsigned int kp_inbox_nr_marked(const void *inbox);
struct kpool_job *kp_inbox_take(void *inbox, int local, unsigned int *nr_unmarked, int *took_local);
unsigned long kp_inbox_count(void *inbox, unsigned long long *oldest_ns);
/*
 * An RCU grace period's cookie (any context), and a wait until the grace
 * period it names has passed, at once if it has (process context).
 */
unsigned long kp_rcu_cookie(void);
void kp_rcu_cond_sync(unsigned long cookie);

/* ---- time and CPUs (kp_sched.c) ----------------------------------------------- */

kp_u64 kp_ktime_ns(void);
/*
 * An item's enqueue time (kp_trace.c): ktime_get_ns() when @precise or a job
 * tracepoint is enabled (a static key each), else the coarse monotonic clock
 * (the last tick's time: a load, no clocksource read). Context: any.
 */
kp_u64 kp_stamp_ns(int precise);
unsigned long kp_jiffies(void);
unsigned long kp_msecs_to_jiffies(unsigned int ms);
unsigned int kp_nr_cpu_ids(void);
int kp_cpu_online(unsigned int cpu);
int kp_cpu_possible(unsigned int cpu);
unsigned int kp_raw_cpu(void);

/* ---- CPU masks (kp_cpumask.c) ------------------------------------------------------ */

/* A mask of all possible CPUs, or NULL. Context: process, may sleep. */
void *kp_cpumask_alloc(void);
void kp_cpumask_free(void *mask);
void kp_cpumask_copy(void *dst, const void *src);
void kp_cpumask_set_only(void *mask, unsigned int cpu);
/* The CPUs a new kernel thread starts on: housekeeping_cpumask(HK_TYPE_KTHREAD)
 * (all possible CPUs unless nohz_full/isolcpus took some away).
 */
void kp_cpumask_set_kthread_default(void *mask);
/* Hex mask as in /proc/irq/N/smp_affinity; 0 or -EINVAL/-ERANGE/-EOVERFLOW. */
int kp_cpumask_parse(const char *buf, kp_size_t len, void *mask);
int kp_cpumask_has_online(const void *mask);
/* The online CPUs in @mask (at least 1). Context: any. */
unsigned int kp_cpumask_nr_online(const void *mask);
int kp_cpumask_print(char *buf, kp_size_t size, const void *mask);
/* Context: process, may sleep. */
int kp_task_set_mask(struct task_struct *task, const void *mask);

/* ---- CPU hotplug (kp_cpuhp.c) ------------------------------------------------------ */

/* Context: process, may sleep. */
int kp_cpuhp_init(void);
void kp_cpuhp_exit(void);
int kp_cpuhp_add(void *pool, void **handle);
/* cpus_read_lock/unlock: no CPU goes up or down meanwhile. Context: process. */
void kp_cpus_read_lock(void);
void kp_cpus_read_unlock(void);
void kp_cpuhp_remove(void *handle);
/* Implemented by the C++ core; called from the CPU's hotplug thread. */
int kp_pool_cpu_online(void *pool, unsigned int cpu);
int kp_pool_cpu_offline(void *pool, unsigned int cpu);

/* ---- tracepoints (kp_trace.c, events in kp_trace.h) -------------------------------- */

enum kp_trace_job_event { KP_TRACE_ENQUEUE, KP_TRACE_JOB_START, KP_TRACE_JOB_END };
enum kp_trace_thread_event {
	KP_TRACE_HANDOFF,
	KP_TRACE_BLOCK_BEGIN,
	KP_TRACE_BLOCK_END,
	KP_TRACE_SPAWN,
	KP_TRACE_PARK,
	KP_TRACE_UNPARK,
	KP_TRACE_RETIRE,
	KP_TRACE_REAP,
};

/* Context: any. */
void kp_trace_job(enum kp_trace_job_event ev, const char *pool, kp_u64 job_ns, unsigned long key);
void kp_trace_thread(enum kp_trace_thread_event ev, const char *pool, int pid);
void kp_trace_spawn_failed(const char *pool, int error);

/* ---- sysfs (kp_sysfs.c) ------------------------------------------------------------ */

/* The files of /sys/kernel/kpool/<pool>/; writable ones first. */
enum kp_attr {
	KP_ATTR_MIN_THREADS,
	KP_ATTR_MAX_THREADS,
	KP_ATTR_IDLE_TIMEOUT_MS,
	KP_ATTR_RESERVE,
	KP_ATTR_NICE,
	KP_ATTR_CPUMASK,
	KP_ATTR_STALL_TIMEOUT_MS,
	KP_ATTR_LATENCY_STATS,
	KP_ATTR_NR_WRITABLE,
	KP_ATTR_NR_THREADS = KP_ATTR_NR_WRITABLE,
	KP_ATTR_NR_IDLE,
	KP_ATTR_NR_PARKED,
	KP_ATTR_NR_RUNNING,
	KP_ATTR_NR_BLOCKED,
	KP_ATTR_NR_QUEUED,
	KP_ATTR_COMPLETED,
	KP_ATTR_WARM_HANDOFFS,
	KP_ATTR_COLD_STARTS,
	KP_ATTR_SPAWN_FAILURES,
	KP_ATTR_REAPED,
	KP_ATTR_CANCELLED,
	KP_ATTR_OLDEST_JOB_AGE_MS,
	KP_ATTR_LATENCY_HIST,
	KP_ATTR_NR_RUNNABLE,
	KP_ATTR_COUNT,
};

/* Context: process, may sleep. /sys/kernel/kpool itself. */
int kp_sysfs_init(void);
void kp_sysfs_exit(void);
/* Adds /sys/kernel/kpool/@name whose files call kp_pool_attr_show/store with
 * @pool. Removal waits for show/store calls in progress.
 */
int kp_sysfs_add_pool(const char *name, void *pool, void **handle);
void kp_sysfs_remove_pool(void *handle);

/* Implemented by the C++ core. @buf is a page. Return bytes or -errno. */
long kp_pool_attr_show(void *pool, enum kp_attr attr, char *buf);
long kp_pool_attr_store(void *pool, enum kp_attr attr, const char *buf, kp_size_t len);

/* The files of /sys/kernel/kpool/<pool>/domains/<domain>/ (read-only). */
enum kp_dom_attr {
	KP_DOM_ATTR_QUEUED,
	KP_DOM_ATTR_COMPLETED,
	KP_DOM_ATTR_CANCELLED,
	KP_DOM_ATTR_NR_ACTIVE,
	KP_DOM_ATTR_NR_WAITING,
	KP_DOM_ATTR_NR_DELAYED,
	KP_DOM_ATTR_MAX_ACTIVE,
	KP_DOM_ATTR_COUNT,
};

/* Context: process, may sleep. Adds <pool>/domains/@name (@pool_handle from
 * kp_sysfs_add_pool()) whose files call kp_domain_attr_show with @dom.
 * Removal waits for show calls in progress; NULL is ignored.
 */
int kp_sysfs_add_domain(void *pool_handle, const char *name, void *dom, void **handle);
void kp_sysfs_remove_domain(void *handle);
/* Implemented by the C++ core (core/domain.cpp). */
long kp_domain_attr_show(void *dom, enum kp_dom_attr attr, char *buf);

/*
 * Strict decimal parsing for knobs: digits only (a leading '-' only for the
 * signed form), one optional trailing newline, nothing else. Returns 0,
 * -EINVAL (empty, sign, hex, garbage) or -ERANGE (overflow).
 */
int kp_parse_uint(const char *buf, kp_size_t len, unsigned int *out);
int kp_parse_int(const char *buf, kp_size_t len, int *out);

/* ---- diagnostics (kp_debug.c) --------------------------------------------------- */

/* /sys/kernel/debug/kpool (fault-injection controls). Context: process. */
void kp_debugfs_init(void);
void kp_debugfs_exit(void);

enum kp_log_level { KP_LOG_ERR = 3, KP_LOG_WARNING = 4, KP_LOG_INFO = 6, KP_LOG_DEBUG = 7 };

void kp_log(enum kp_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A WARNING with a backtrace; the caller decides once-only. */
void kp_warn(const char *file, int line, const char *what);
int kp_snprintf(char *buf, kp_size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif

#endif /* KPOOL_SHIM_H */
