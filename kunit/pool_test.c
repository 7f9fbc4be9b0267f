// SPDX-License-Identifier: GPL-2.0
/*
 * Suites kpool_kthread, kpool_pool, kpool_jobs and kpool_quick: kpool's public
 * C API (include/kpool/kpool.h), exercised the way a user module would.
 * Waits are bounded polls: a test that hangs is reported as a failure, never
 * as a hung kernel, and no test asserts on elapsed time.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/atomic.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/jiffies.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/smp.h>
#include <linux/fs.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>
#include <linux/ktime.h>
#include <kpool/kpool.h>
#include "core/core.h"
#include "shim/shim.h"

/* Polls @cond every 5 ms for up to @ms; evaluates to its final value. */
#define kp_wait_for(cond, ms)                                           \
	({                                                              \
		unsigned long __end = jiffies + msecs_to_jiffies(ms);   \
		bool __ok;                                              \
		while (!(__ok = (cond)) && time_before(jiffies, __end)) \
			usleep_range(5000, 6000);                       \
		__ok;                                                   \
	})

static const struct kpool_attrs kp_small = {
	.min_threads = 0,
	.max_threads = 8,
	.reserve = 0,
	.idle_timeout_ms = 10000,
};

static struct kpool *kp_make_pool(struct kunit *test, const char *name,
				  const struct kpool_attrs *attrs)
{
	struct kpool *pool = NULL;
	int ret = kpool_create(name, attrs, &pool);

	KUNIT_ASSERT_EQ(test, ret, 0);
	return pool;
}

static struct kpool_stats kp_stats(struct kpool *pool)
{
	struct kpool_stats st;

	kpool_get_stats(pool, &st);
	return st;
}

/* Opens /sys/kernel/kpool/<pool>/<file>, as an administrator would. */
static struct file *kp_open_pool_file(struct kpool *pool, const char *file, int flags)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/kernel/kpool/%s/%s", kpool_name(pool), file);
	return filp_open(path, flags, 0);
}

/* Reads the pool's @file into @buf (NUL-terminated): the length or -errno. */
static ssize_t kp_read_pool_file(struct kpool *pool, const char *file, char *buf, size_t len)
{
	struct file *f = kp_open_pool_file(pool, file, O_RDONLY);
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_read(f, buf, len - 1, &pos);
	filp_close(f, NULL);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

enum kp_task_filter { KP_ANY_TASK, KP_PARKED_TASK };

/* Live tasks whose comm starts with @prefix (e.g. "kpool/kp_td:"); a comm
 * holds 15 characters, so the pool names of these tests are short.
 */
static int kp_count_tasks(const char *prefix, enum kp_task_filter filter)
{
	struct task_struct *p;
	int n = 0;

	rcu_read_lock();
	for_each_process(p) {
		if (p->flags & PF_EXITING)
			continue;
		if (strncmp(p->comm, prefix, strlen(prefix)))
			continue;
		if (filter == KP_PARKED_TASK && !(READ_ONCE(p->__state) & TASK_PARKED))
			continue;
		n++;
	}
	rcu_read_unlock();
	return n;
}

/* For a failing count: every task of @prefix, its state and the pool's gauges. */
static void kp_log_tasks(struct kunit *test, const char *prefix, struct kpool *pool)
{
	struct kpool_stats st = kp_stats(pool);
	struct task_struct *p;

	kunit_info(test, "threads %u idle %u parked %u running %u blocked %u queued %u\n",
		   st.nr_threads, st.nr_idle, st.nr_parked, st.nr_running, st.nr_blocked,
		   st.nr_queued);
	rcu_read_lock();
	for_each_process(p) {
		if (strncmp(p->comm, prefix, strlen(prefix)))
			continue;
		kunit_info(test, "%s pid %d state %#x flags %#x cpu %d\n", p->comm, p->pid,
			   READ_ONCE(p->__state), p->flags, task_cpu(p));
	}
	rcu_read_unlock();
}

/* ---- kpool_kthread ----------------------------------------------------------------- */

static int kp_return_7(void *arg)
{
	return 7;
}

static int kp_init_fail(void *arg)
{
	return -ENODEV;
}

struct kp_loop {
	atomic_t started;
	atomic_t parks;
	atomic_t loops; /* iterations of the thread's loop */
};

static int kp_until_stop(void *arg)
{
	struct kp_loop *l = arg;

	atomic_set(&l->started, 1);
	while (!kpool_thread_should_stop()) {
		atomic_inc(&l->loops);
		if (kpool_kthread_should_park()) {
			atomic_inc(&l->parks);
			kpool_kthread_parkme();
			continue;
		}
		set_current_state(TASK_IDLE);
		if (!kpool_thread_should_stop() && !kpool_kthread_should_park())
			schedule_timeout(HZ / 10);
		__set_current_state(TASK_RUNNING);
	}
	return 42;
}

static void kthread_stop_returns_result(struct kunit *test)
{
	struct kpool_kthread *t;
	struct kp_loop l = {};

	KUNIT_ASSERT_EQ(test, kpool_kthread_create(kp_until_stop, NULL, &l, "kp_t_stop", &t), 0);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&l.started), 10000));
	KUNIT_EXPECT_EQ(test, kpool_kthread_stop(t), 42);
}

static void kthread_stop_after_self_exit(struct kunit *test)
{
	struct kpool_kthread *t;

	KUNIT_ASSERT_EQ(test, kpool_kthread_create(kp_return_7, NULL, NULL, "kp_t_exit", &t), 0);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(kpool_kthread_has_exited(t), 5000));
	/* Long after the exit, the task_struct is pinned by the handle. */
	msleep(300);
	KUNIT_EXPECT_EQ(test, kpool_kthread_stop(t), 7);
}

static void kthread_init_failure_reported(struct kunit *test)
{
	struct kpool_kthread *t = NULL;

	KUNIT_EXPECT_EQ(test,
			kpool_kthread_create(kp_return_7, kp_init_fail, NULL, "kp_t_init", &t),
			-ENODEV);
	KUNIT_EXPECT_NULL(test, t);
}

static void kthread_create_nowait_runs(struct kunit *test)
{
	struct kpool_kthread *t;

	KUNIT_ASSERT_EQ(test, kpool_kthread_create_nowait(kp_return_7, NULL, "kp_t_nowait", &t), 0);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(kpool_kthread_has_exited(t), 5000));
	KUNIT_EXPECT_EQ(test, kpool_kthread_stop(t), 7);
}

static void kthread_park_unpark(struct kunit *test)
{
	struct kpool_kthread *t;
	struct kp_loop l = {};
	int loops;

	KUNIT_ASSERT_EQ(test, kpool_kthread_create(kp_until_stop, NULL, &l, "kp_t_park", &t), 0);
	KUNIT_ASSERT_TRUE(test, kp_wait_for(atomic_read(&l.started), 10000));
	KUNIT_EXPECT_EQ(test, kpool_kthread_park(t), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&l.parks), 1);
	/* Parked: the loop does not turn (it would within 100 ms). */
	loops = atomic_read(&l.loops);
	msleep(300);
	KUNIT_EXPECT_EQ(test, atomic_read(&l.loops), loops);
	/* Unparked: the thread resumes its loop... */
	kpool_kthread_unpark(t);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&l.loops) > loops, 10000));
	/* ...so a second park is a second trip through kthread_parkme(). */
	KUNIT_EXPECT_EQ(test, kpool_kthread_park(t), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&l.parks), 2);
	/* Stopping a parked thread unparks it first. */
	KUNIT_EXPECT_EQ(test, kpool_kthread_stop(t), 42);
}

static void kthread_create_rejects_bad_args(struct kunit *test)
{
	struct kpool_kthread *t;

	KUNIT_EXPECT_EQ(test, kpool_kthread_create(NULL, NULL, NULL, "x", &t), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_kthread_create(kp_return_7, NULL, NULL, NULL, &t), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_kthread_stop(NULL), -EINVAL);
}

static struct kunit_case kp_kthread_cases[] = {
	KUNIT_CASE(kthread_stop_returns_result),
	KUNIT_CASE(kthread_stop_after_self_exit),
	KUNIT_CASE(kthread_init_failure_reported),
	KUNIT_CASE(kthread_create_nowait_runs),
	KUNIT_CASE(kthread_park_unpark),
	KUNIT_CASE(kthread_create_rejects_bad_args),
	{},
};

static struct kunit_suite kp_kthread_suite = {
	.name = "kpool_kthread",
	.test_cases = kp_kthread_cases,
};

/* ---- kpool_pool ---------------------------------------------------------------------- */

static void pool_create_rejects_bad_names(struct kunit *test)
{
	struct kpool *pool;

	KUNIT_EXPECT_EQ(test, kpool_create("", &kp_small, &pool), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_create("has space", &kp_small, &pool), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_create("a/b", &kp_small, &pool), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_create("0123456789012345678901234567890123", &kp_small, &pool),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_create(NULL, &kp_small, &pool), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_create("default", &kp_small, &pool), -EEXIST);
}

static void pool_create_rejects_bad_attrs(struct kunit *test)
{
	struct kpool *pool;
	struct kpool_attrs a = kp_small;

	a.max_threads = 0;
	KUNIT_EXPECT_EQ(test, kpool_create("kp_bad", &a, &pool), -ERANGE);
	a.max_threads = KPOOL_MAX_THREADS_CAP + 1;
	KUNIT_EXPECT_EQ(test, kpool_create("kp_bad", &a, &pool), -ERANGE);
	a = kp_small;
	a.min_threads = 9;
	KUNIT_EXPECT_EQ(test, kpool_create("kp_bad", &a, &pool), -EINVAL);
	a = kp_small;
	a.reserve = 9;
	KUNIT_EXPECT_EQ(test, kpool_create("kp_bad", &a, &pool), -EINVAL);
	a = kp_small;
	a.idle_timeout_ms = 0;
	KUNIT_EXPECT_EQ(test, kpool_create("kp_bad", &a, &pool), -ERANGE);
	a = kp_small;
	a.nice = 20;
	KUNIT_EXPECT_EQ(test, kpool_create("kp_bad", &a, &pool), -ERANGE);
}

static void pool_create_starts_min_and_reserve(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 3, .max_threads = 8, .reserve = 2, .idle_timeout_ms = 10000
	};
	struct kpool *pool = kp_make_pool(test, "kp_min", &a);

	KUNIT_EXPECT_TRUE(test, kp_wait_for(kp_stats(pool).nr_threads == 3, 10000));
	KUNIT_EXPECT_TRUE(test, kp_wait_for(kp_stats(pool).nr_parked == 2, 10000));
	kpool_destroy(pool);
}

static void pool_set_attrs_rejects_and_keeps(struct kunit *test)
{
	struct kpool *pool = kp_make_pool(test, "kp_attrs", &kp_small);
	struct kpool_attrs a = kp_small, got;

	a.min_threads = 9; /* above max */
	KUNIT_EXPECT_EQ(test, kpool_set_attrs(pool, &a), -EINVAL);
	a = kp_small;
	a.max_threads = 0;
	KUNIT_EXPECT_EQ(test, kpool_set_attrs(pool, &a), -ERANGE);
	kpool_get_attrs(pool, &got);
	KUNIT_EXPECT_EQ(test, got.min_threads, kp_small.min_threads);
	KUNIT_EXPECT_EQ(test, got.max_threads, kp_small.max_threads);
	kpool_destroy(pool);
}

struct kp_blocker {
	struct kpool_job job;
	struct completion *release;
	atomic_t *running;
	atomic_t *ran;
	atomic_t *cancelled;
	bool annotate;
};

static void kp_blocker_fn(struct kpool_job *job)
{
	struct kp_blocker *b = container_of(job, struct kp_blocker, job);

	atomic_inc(b->running);
	if (b->annotate)
		kpool_block_begin();
	wait_for_completion_state(b->release, TASK_IDLE);
	if (b->annotate)
		kpool_block_end();
	atomic_dec(b->running);
	atomic_inc(b->ran);
}

static void kp_blocker_cancel(struct kpool_job *job)
{
	struct kp_blocker *b = container_of(job, struct kp_blocker, job);

	atomic_inc(b->cancelled);
}

struct kp_blockers {
	struct kp_blocker *b;
	int n;
	struct completion release;
	atomic_t running, ran, cancelled;
};

static struct kp_blockers *kp_blockers_new(struct kunit *test, int n, bool cancellable)
{
	struct kp_blockers *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->b = kunit_kcalloc(test, n, sizeof(*s->b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s->b);
	s->n = n;
	init_completion(&s->release);
	for (i = 0; i < n; i++) {
		kpool_job_init(&s->b[i].job, kp_blocker_fn, cancellable ? kp_blocker_cancel : NULL);
		s->b[i].release = &s->release;
		s->b[i].running = &s->running;
		s->b[i].ran = &s->ran;
		s->b[i].cancelled = &s->cancelled;
	}
	return s;
}

static void pool_grows_to_256_blocking_jobs(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 0, .max_threads = 256, .reserve = 0, .idle_timeout_ms = 10000
	};
	struct kpool *pool = kp_make_pool(test, "kp_256", &a);
	struct kp_blockers *s = kp_blockers_new(test, 256, false);
	int i;

	for (i = 0; i < s->n; i++)
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[i].job), 0);
	/* All 256 must be running at once: none waits behind a blocked one. */
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&s->running) == 256, 120000));
	KUNIT_EXPECT_EQ(test, kp_stats(pool).nr_threads, 256u);
	complete_all(&s->release);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->ran), 256);
	kpool_destroy(pool);
}

static void pool_queues_past_max_and_loses_nothing(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 0, .max_threads = 4, .reserve = 0, .idle_timeout_ms = 10000
	};
	struct kpool *pool = kp_make_pool(test, "kp_past_max", &a);
	struct kp_blockers *s = kp_blockers_new(test, 16, false);
	struct kpool_stats st;
	int i;

	for (i = 0; i < s->n; i++)
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[i].job), 0);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&s->running) == 4, 30000));
	st = kp_stats(pool);
	KUNIT_EXPECT_EQ(test, st.nr_threads, 4u);
	KUNIT_EXPECT_EQ(test, st.nr_queued, 12u);
	complete_all(&s->release);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->ran), 16);
	KUNIT_EXPECT_EQ(test, kp_stats(pool).nr_queued, 0u);
	kpool_destroy(pool);
}

static void pool_shrinks_after_idle_timeout(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 1, .max_threads = 8, .reserve = 0, .idle_timeout_ms = 200
	};
	struct kpool *pool = kp_make_pool(test, "kp_shrink", &a);
	struct kp_blockers *s = kp_blockers_new(test, 8, false);
	int i;

	for (i = 0; i < s->n; i++)
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[i].job), 0);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&s->running) == 8, 30000));
	complete_all(&s->release);
	kpool_drain(pool);
	/* Surplus idle threads retire after the timeout and are reaped. */
	KUNIT_EXPECT_TRUE(test, kp_wait_for(kp_stats(pool).nr_threads == 1, 20000));
	KUNIT_EXPECT_TRUE(test, kp_wait_for(kp_stats(pool).reaped >= 7, 20000));
	kpool_destroy(pool);
}

static void pool_resize_under_load(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 0, .max_threads = 8, .reserve = 0, .idle_timeout_ms = 100
	};
	struct kpool *pool = kp_make_pool(test, "kp_resize", &a);
	struct kp_blockers *s = kp_blockers_new(test, 8, false);
	int i;

	for (i = 0; i < s->n; i++)
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[i].job), 0);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&s->running) == 8, 30000));
	/* Shrinking below the running count interrupts no running job. */
	a.max_threads = 2;
	KUNIT_EXPECT_EQ(test, kpool_set_attrs(pool, &a), 0);
	msleep(200);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->running), 8);
	complete_all(&s->release);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->ran), 8);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(kp_stats(pool).nr_threads <= 2, 20000));
	/* Growing the minimum starts threads at once. */
	a.min_threads = 2;
	a.max_threads = 6;
	a.reserve = 1;
	KUNIT_EXPECT_EQ(test, kpool_set_attrs(pool, &a), 0);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(kp_stats(pool).nr_threads >= 2, 20000));
	kpool_destroy(pool);
}

static void pool_spawn_failure_loses_nothing(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 0, .max_threads = 2, .reserve = 0, .idle_timeout_ms = 10000
	};
	struct kpool *pool;
	struct kp_blockers *s = kp_blockers_new(test, 10, false);
	int i;

	pool = kp_make_pool(test, "kp_spawnfail", &a);
	/* The next creations fail; the manager backs off and retries. */
	kp_fault_fail_next(KP_FAULT_SPAWN, 3);
	complete_all(&s->release);
	for (i = 0; i < s->n; i++)
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[i].job), 0);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->ran), 10);
	KUNIT_EXPECT_GE(test, kp_stats(pool).spawn_failures, 3ul);
	kp_fault_fail_next(KP_FAULT_SPAWN, 0);
	kpool_destroy(pool);
}

/* Parked reserve threads never retire, however long they wait. */
static void pool_reserve_never_times_out(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 0, .max_threads = 4, .reserve = 2, .idle_timeout_ms = 20
	};
	struct kpool *pool = kp_make_pool(test, "kp_rsv", &a);
	struct kpool_stats st;

	KUNIT_ASSERT_TRUE(test, kp_wait_for(kp_stats(pool).nr_parked == 2, 10000));
	msleep(1000); /* fifty idle timeouts */
	st = kp_stats(pool);
	KUNIT_EXPECT_EQ(test, st.nr_parked, 2u);
	KUNIT_EXPECT_EQ(test, st.nr_threads, 2u);
	KUNIT_EXPECT_EQ(test, st.reaped, 0ul);
	KUNIT_EXPECT_EQ(test, kp_count_tasks("kpool/kp_rsv:", KP_ANY_TASK), 2);
	kpool_destroy(pool);
}

struct kp_timed_job {
	struct kpool_job job;
	struct completion done;
};

static void kp_timed_fn(struct kpool_job *job)
{
	complete(&container_of(job, struct kp_timed_job, job)->done);
}

/*
 * The backoff after failed thread creations: 10 ms doubling to at most 1 s.
 * Twelve failures in a row wait 10+20+...+640 ms, then 5 x 1 s: 6.27 s
 * before the job can start (less at most a jiffy per sleep, from where in
 * its jiffy each sleep began), and far less than the 41 s an uncapped
 * doubling would take (the bound leaves a slow guest 3x the time).
 */
static void pool_spawn_backoff_doubles_to_1s(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 0, .max_threads = 1, .reserve = 0, .idle_timeout_ms = 10000
	};
	struct kpool *pool = kp_make_pool(test, "kp_backoff", &a);
	struct kp_timed_job *j = kunit_kzalloc(test, sizeof(*j), GFP_KERNEL);
	u64 t0, ms;

	KUNIT_ASSERT_NOT_NULL(test, j);
	init_completion(&j->done);
	kpool_job_init(&j->job, kp_timed_fn, NULL);
	kp_fault_fail_next(KP_FAULT_SPAWN, 12);
	t0 = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &j->job), 0);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&j->done, 60 * HZ), 0ul);
	ms = (ktime_get_ns() - t0) / NSEC_PER_MSEC;
	kp_fault_fail_next(KP_FAULT_SPAWN, 0);
	kpool_flush_job(&j->job);
	kunit_info(test, "12 failed creations, job started after %llu ms", ms);
	KUNIT_EXPECT_EQ(test, kp_stats(pool).spawn_failures, 12ul);
	KUNIT_EXPECT_GE(test, ms, 6270ull - 12 * jiffies_to_msecs(1));
	KUNIT_EXPECT_LT(test, ms, 20000ull);
	kpool_destroy(pool);
}

struct kp_destroyer {
	struct kpool *pool;
	struct completion done;
};

static int kp_destroy_thread(void *arg)
{
	struct kp_destroyer *d = arg;

	kpool_destroy(d->pool);
	complete(&d->done);
	return 0;
}

static void pool_destroy_with_blocked_jobs(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 0, .max_threads = 4, .reserve = 0, .idle_timeout_ms = 10000
	};
	struct kp_blockers *s = kp_blockers_new(test, 12, true);
	struct kp_destroyer d = { .pool = kp_make_pool(test, "kp_destroy", &a) };
	struct kpool_kthread *t;
	int i;

	init_completion(&d.done);
	for (i = 0; i < s->n; i++)
		KUNIT_EXPECT_EQ(test, kpool_queue(d.pool, &s->b[i].job), 0);
	KUNIT_ASSERT_TRUE(test, kp_wait_for(atomic_read(&s->running) == 4, 30000));
	KUNIT_ASSERT_EQ(test, kpool_kthread_create(kp_destroy_thread, NULL, &d, "kp_destroyer", &t),
			0);
	/* The 8 queued jobs are reported cancelled while 4 are still blocked. */
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&s->cancelled) == 8, 30000));
	KUNIT_EXPECT_FALSE(test, completion_done(&d.done));
	complete_all(&s->release);
	wait_for_completion_state(&d.done, TASK_IDLE);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->ran), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->ran) + atomic_read(&s->cancelled), 12);
	kpool_kthread_stop(t);
}

static void pool_destroy_runs_jobs_without_cancel(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 0, .max_threads = 1, .reserve = 0, .idle_timeout_ms = 10000
	};
	struct kpool *pool = kp_make_pool(test, "kp_destroy_run", &a);
	struct kp_blockers *s = kp_blockers_new(test, 6, false);
	int i;

	complete_all(&s->release);
	for (i = 0; i < s->n; i++)
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[i].job), 0);
	kpool_destroy(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->ran), 6);
}

#define KP_TEARDOWN_N 256

/* 256 quick threads that, once told to stop, wait for all the others to be told. */
struct kp_teardown {
	atomic_t started, told;
	bool gave_up; /* a thread waited 120 s for the others: told one at a time */
	wait_queue_head_t wq;
};

static int kp_teardown_fn(void *arg)
{
	struct kp_teardown *td = arg;

	atomic_inc(&td->started);
	while (!kpool_thread_should_stop() && !READ_ONCE(td->gave_up))
		wait_event_idle_timeout(td->wq,
					kpool_thread_should_stop() || READ_ONCE(td->gave_up), HZ);
	if (READ_ONCE(td->gave_up))
		return -ETIMEDOUT;
	atomic_inc(&td->told);
	wake_up_all(&td->wq);
	/*
	 * Not one thread returns (and can be reaped) before every thread was
	 * told: a teardown that stops the threads one after the other never
	 * tells the next one while this one waits, so this one gives up and
	 * lets the others go (the test then fails instead of hanging). The
	 * wait is long because a host at load 20 starves the guest's vCPUs
	 * for tens of seconds (the teardown once took 68 s there).
	 */
	if (!wait_event_idle_timeout(td->wq,
				     atomic_read(&td->told) == KP_TEARDOWN_N ||
					     READ_ONCE(td->gave_up),
				     120 * HZ)) {
		WRITE_ONCE(td->gave_up, true);
		wake_up_all(&td->wq);
	}
	return READ_ONCE(td->gave_up) ? -ETIMEDOUT : 0;
}

static void pool_parallel_teardown_256(struct kunit *test)
{
	struct kpool_attrs a = { .min_threads = 0,
				 .max_threads = KP_TEARDOWN_N,
				 .reserve = 0,
				 .idle_timeout_ms = 10000 };
	struct kpool *pool = kp_make_pool(test, "kp_td", &a);
	struct kpool_thread *t = kunit_kcalloc(test, KP_TEARDOWN_N, sizeof(*t), GFP_KERNEL);
	struct kp_teardown *td = kunit_kzalloc(test, sizeof(*td), GFP_KERNEL);
	int i, bad = 0;
	u64 t0;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, td);
	init_waitqueue_head(&td->wq);
	for (i = 0; i < KP_TEARDOWN_N; i++)
		KUNIT_EXPECT_EQ(test, kpool_thread_run(pool, &t[i], kp_teardown_fn, td), 0);
	KUNIT_ASSERT_TRUE(test, kp_wait_for(atomic_read(&td->started) == KP_TEARDOWN_N, 120000));
	KUNIT_EXPECT_EQ(test, kp_stats(pool).nr_threads, (unsigned int)KP_TEARDOWN_N);
	t0 = ktime_get_ns();
	kpool_destroy(pool);
	kunit_info(test, "destroyed 256 threads in %llu us", (ktime_get_ns() - t0) / 1000);
	/* Every thread was told before any returned... */
	KUNIT_EXPECT_FALSE(test, READ_ONCE(td->gave_up));
	KUNIT_EXPECT_EQ(test, atomic_read(&td->told), KP_TEARDOWN_N);
	for (i = 0; i < KP_TEARDOWN_N; i++)
		if (!kpool_thread_is_done(&t[i]) || t[i].kp_result != 0)
			bad++;
	KUNIT_EXPECT_EQ(test, bad, 0);
	/* ...and none of the pool's threads is left. */
	KUNIT_EXPECT_TRUE(test,
			  kp_wait_for(kp_count_tasks("kpool/kp_td:", KP_ANY_TASK) == 0, 10000));
	KUNIT_EXPECT_EQ(test, kp_count_tasks("kpool_mgr/kp_td", KP_ANY_TASK), 0);
}

static void pool_block_annotation_counts(struct kunit *test)
{
	struct kpool *pool = kp_make_pool(test, "kp_block", &kp_small);
	struct kp_blockers *s = kp_blockers_new(test, 3, false);
	int i;

	for (i = 0; i < s->n; i++) {
		s->b[i].annotate = true;
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[i].job), 0);
	}
	KUNIT_EXPECT_TRUE(test, kp_wait_for(kp_stats(pool).nr_blocked == 3, 30000));
	complete_all(&s->release);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, kp_stats(pool).nr_blocked, 0u);
	/* Outside a pool thread the annotations do nothing: no pool counts a
	 * blocked thread (and an unbalanced end warns about nothing).
	 */
	{
		unsigned int dflt = kp_stats(kpool_default()).nr_blocked;

		kpool_block_begin();
		KUNIT_EXPECT_EQ(test, kp_stats(pool).nr_blocked, 0u);
		KUNIT_EXPECT_EQ(test, kp_stats(kpool_default()).nr_blocked, dflt);
		kpool_block_end();
		kpool_block_end();
		KUNIT_EXPECT_EQ(test, kp_stats(pool).nr_blocked, 0u);
		KUNIT_EXPECT_EQ(test, kp_stats(kpool_default()).nr_blocked, dflt);
	}
	kpool_destroy(pool);
}

struct kp_cpu_job {
	struct kpool_job job;
	atomic_t *ran;
	int cpu;
	int weight; /* CPUs its thread was allowed to run on */
	pid_t pid;
};

static void kp_cpu_job_fn(struct kpool_job *job)
{
	struct kp_cpu_job *j = container_of(job, struct kp_cpu_job, job);

	j->cpu = raw_smp_processor_id();
	j->weight = cpumask_weight(current->cpus_ptr);
	j->pid = current->pid;
	atomic_inc(j->ran);
}

static void pool_bound_runs_on_its_cpu(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 1, .max_threads = 4, .reserve = 0, .idle_timeout_ms = 10000
	};
	struct kpool *pool;
	struct kp_cpu_job j = {};
	atomic_t ran = ATOMIC_INIT(0);
	unsigned int cpu = cpumask_last(cpu_online_mask);

	KUNIT_EXPECT_EQ(test, kpool_create_bound("kp_bad_cpu", &a, nr_cpu_ids, &pool), -EINVAL);
	KUNIT_ASSERT_EQ(test, kpool_create_bound("kp_bound", &a, cpu, &pool), 0);
	kpool_job_init(&j.job, kp_cpu_job_fn, NULL);
	j.ran = &ran;
	j.cpu = -1;
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &j.job), 0);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&ran), 1);
	KUNIT_EXPECT_EQ(test, j.cpu, (int)cpu);
	KUNIT_EXPECT_EQ(test, j.weight, 1);
	/* Its cpumask file shows that CPU, and only it. */
	{
		char buf[64];
		cpumask_var_t m;

		KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&m, GFP_KERNEL));
		KUNIT_EXPECT_GT(test, kp_read_pool_file(pool, "cpumask", buf, sizeof(buf)), 0);
		KUNIT_EXPECT_EQ(test, cpumask_parse(strim(buf), m), 0);
		KUNIT_EXPECT_TRUE_MSG(test, cpumask_equal(m, cpumask_of(cpu)),
				      "cpumask reads '%s', the pool is bound to CPU %u", buf, cpu);
		free_cpumask_var(m);
	}
	kpool_destroy(pool);
}

static void pool_bound_cpu_offline_online_busy(struct kunit *test)
{
	/* The idle timeout is long enough that no surplus thread retires
	 * during the test, even on a slow (KCSAN, TCG) guest, and max_threads
	 * is above what the test can start (5 + 2 for min_threads while two
	 * are parked + 4 for the jobs queued meanwhile): threads parked for
	 * the offline CPU do not count against max_threads, so with a lower
	 * cap the pool is over it once they are back and retires the surplus
	 * at once. Then reaped stays 0 only if parking destroys nothing.
	 */
	struct kpool_attrs a = {
		.min_threads = 5, .max_threads = 16, .reserve = 0, .idle_timeout_ms = 120000
	};
	struct kpool *pool;
	struct kp_blockers *s = kp_blockers_new(test, 3, false);
	struct kp_cpu_job *jobs = kunit_kcalloc(test, 8, sizeof(*jobs), GFP_KERNEL);
	atomic_t ran = ATOMIC_INIT(0);
	unsigned int cpu;
	int i, ret;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 online CPUs");
	KUNIT_ASSERT_NOT_NULL(test, jobs);
	cpu = cpumask_last(cpu_online_mask);
	if (cpu == 0)
		kunit_skip(test, "the only hot-pluggable CPU would be CPU 0");
	KUNIT_ASSERT_EQ(test, kpool_create_bound("kp_hp", &a, cpu, &pool), 0);
	KUNIT_ASSERT_TRUE(test, kp_wait_for(kp_stats(pool).nr_idle == 5, 20000));
	/* Busy: three jobs blocked while the CPU goes down, two threads free. */
	for (i = 0; i < s->n; i++)
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[i].job), 0);
	KUNIT_ASSERT_TRUE(test, kp_wait_for(atomic_read(&s->running) == 3, 30000));
	ret = remove_cpu(cpu);
	if (ret) {
		complete_all(&s->release);
		kpool_destroy(pool);
		kunit_skip(test, "CPU %u cannot go offline (%d)", cpu, ret);
	}
	/* The two free threads were parked (the kthread state), not destroyed. */
	ret = kp_count_tasks("kpool/kp_hp:", KP_PARKED_TASK);
	KUNIT_EXPECT_EQ(test, ret, 2);
	if (ret != 2)
		kp_log_tasks(test, "kpool/kp_hp:", pool);
	KUNIT_EXPECT_GE(test, kp_stats(pool).nr_threads, 5u);
	KUNIT_EXPECT_EQ(test, kp_stats(pool).reaped, 0ul);
	/* Jobs queued while it is down still run (nothing is lost), on threads
	 * created meanwhile: the parked ones cannot, the others are blocked.
	 */
	for (i = 0; i < 4; i++) {
		kpool_job_init(&jobs[i].job, kp_cpu_job_fn, NULL);
		jobs[i].ran = &ran;
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &jobs[i].job), 0);
	}
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&ran) == 4, 30000));
	KUNIT_EXPECT_GT(test, kp_stats(pool).nr_threads, 5u);
	KUNIT_EXPECT_EQ(test, kp_count_tasks("kpool/kp_hp:", KP_PARKED_TASK), 2);
	/* The blocked jobs finish elsewhere. */
	complete_all(&s->release);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&s->ran) == 3, 30000));
	KUNIT_ASSERT_EQ(test, add_cpu(cpu), 0);
	/* Back online: no thread is parked, and they are bound to it again. */
	KUNIT_EXPECT_TRUE(test,
			  kp_wait_for(kp_count_tasks("kpool/kp_hp:", KP_PARKED_TASK) == 0, 10000));
	for (i = 4; i < 8; i++) {
		kpool_job_init(&jobs[i].job, kp_cpu_job_fn, NULL);
		jobs[i].ran = &ran;
		jobs[i].cpu = -1;
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &jobs[i].job), 0);
		kpool_flush_job(&jobs[i].job);
		KUNIT_EXPECT_EQ(test, jobs[i].cpu, (int)cpu);
		KUNIT_EXPECT_EQ(test, jobs[i].weight, 1);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&ran), 8);
	KUNIT_EXPECT_EQ(test, kp_stats(pool).reaped, 0ul);
	kpool_destroy(pool);
}

static struct kunit_case kp_pool_cases[] = {
	KUNIT_CASE(pool_create_rejects_bad_names),
	KUNIT_CASE(pool_create_rejects_bad_attrs),
	KUNIT_CASE(pool_create_starts_min_and_reserve),
	KUNIT_CASE(pool_set_attrs_rejects_and_keeps),
	KUNIT_CASE_SLOW(pool_grows_to_256_blocking_jobs),
	KUNIT_CASE(pool_queues_past_max_and_loses_nothing),
	KUNIT_CASE(pool_shrinks_after_idle_timeout),
	KUNIT_CASE(pool_resize_under_load),
	KUNIT_CASE(pool_spawn_failure_loses_nothing),
	KUNIT_CASE(pool_reserve_never_times_out),
	KUNIT_CASE_SLOW(pool_spawn_backoff_doubles_to_1s),
	KUNIT_CASE(pool_destroy_with_blocked_jobs),
	KUNIT_CASE(pool_destroy_runs_jobs_without_cancel),
	KUNIT_CASE_SLOW(pool_parallel_teardown_256),
	KUNIT_CASE(pool_block_annotation_counts),
	KUNIT_CASE(pool_bound_runs_on_its_cpu),
	KUNIT_CASE_SLOW(pool_bound_cpu_offline_online_busy),
	{},
};

static struct kunit_suite kp_pool_suite = {
	.name = "kpool_pool",
	.test_cases = kp_pool_cases,
};

/* ---- kpool_jobs ---------------------------------------------------------------------- */

/* Per-key bookkeeping of the ordered-jobs test: keys 1 and 2, 0 is unordered. */
struct kp_key_log {
	atomic_t in_flight[3];
	atomic_t done[3];
	int last_seq[3];
	atomic_t overlaps; /* a job of a key started while another of it ran */
	atomic_t out_of_order;
	int want[3]; /* jobs queued per key */
};

struct kp_key_job {
	struct kpool_job job;
	struct kp_key_log *log;
	struct completion *gate; /* NULL: a short sleep instead */
	int key, seq;
};

static void kp_key_fn(struct kpool_job *job)
{
	struct kp_key_job *j = container_of(job, struct kp_key_job, job);
	struct kp_key_log *l = j->log;

	if (j->key) {
		if (atomic_inc_return(&l->in_flight[j->key]) != 1)
			atomic_inc(&l->overlaps);
		if (READ_ONCE(l->last_seq[j->key]) + 1 != j->seq)
			atomic_inc(&l->out_of_order);
		WRITE_ONCE(l->last_seq[j->key], j->seq);
	}
	/* Long enough that two jobs of a key run at once would overlap. */
	if (j->gate)
		wait_for_completion_state(j->gate, TASK_IDLE);
	else
		usleep_range(2000, 3000);
	if (j->key)
		atomic_dec(&l->in_flight[j->key]);
	atomic_inc(&l->done[j->key]);
}

static bool kp_keys_done(struct kp_key_log *l, int key)
{
	return atomic_read(&l->done[key]) == l->want[key];
}

static void jobs_ordered_key_holds_order_others_proceed(struct kunit *test)
{
	enum { N1 = 20, N2 = 6, N0 = 6, N = N1 + N2 + N0 };
	struct kpool *pool = kp_make_pool(test, "kp_order", &kp_small);
	struct kp_key_job *jobs = kunit_kcalloc(test, N, sizeof(*jobs), GFP_KERNEL);
	struct kp_key_log *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct completion gate;
	int i, seq[3] = {};

	KUNIT_ASSERT_NOT_NULL(test, jobs);
	KUNIT_ASSERT_NOT_NULL(test, l);
	init_completion(&gate);
	/* Key 2's slow head first; then key 1's jobs with key 2's followers
	 * and unordered jobs interleaved: 2, 1, 2, 0, 1, 2, 0, 1, ...
	 */
	for (i = 0; i < N; i++) {
		struct kp_key_job *j = &jobs[i];

		if (i == 0 || (i % 3 == 2 && seq[2] < N2))
			j->key = 2;
		else if (i % 3 == 0 && seq[0] < N0)
			j->key = 0;
		else if (seq[1] < N1)
			j->key = 1;
		else
			j->key = seq[2] < N2 ? 2 : 0;
		j->seq = ++seq[j->key];
		j->log = l;
		j->gate = i == 0 ? &gate : NULL;
		kpool_job_init(&j->job, kp_key_fn, NULL);
		if (j->key)
			KUNIT_EXPECT_EQ(test, kpool_queue_ordered(pool, &j->job, j->key), 0);
		else
			KUNIT_EXPECT_EQ(test, kpool_queue(pool, &j->job), 0);
	}
	KUNIT_ASSERT_EQ(test, seq[2], N2);
	KUNIT_ASSERT_EQ(test, seq[1], N1);
	memcpy(l->want, seq, sizeof(seq));
	/* Key 1 and the unordered jobs all run while key 2's head blocks... */
	KUNIT_EXPECT_TRUE(test, kp_wait_for(kp_keys_done(l, 1) && kp_keys_done(l, 0), 30000));
	/* ...and key 2's followers wait behind it. */
	KUNIT_EXPECT_EQ(test, atomic_read(&l->done[2]), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&l->in_flight[2]), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(l->last_seq[2]), 1);
	complete_all(&gate);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&l->done[2]), N2);
	/* One at a time per key, in queueing order. */
	KUNIT_EXPECT_EQ(test, atomic_read(&l->overlaps), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&l->out_of_order), 0);
	KUNIT_EXPECT_EQ(test, kp_stats(pool).completed, (unsigned long)N);
	KUNIT_EXPECT_EQ(test, kpool_queue_ordered(pool, &jobs[0].job, 0), -EINVAL);
	kpool_destroy(pool);
}

static void jobs_queue_twice_reports_pending(struct kunit *test)
{
	struct kpool_attrs a = kp_small;
	struct kpool *pool;
	struct kp_blockers *s = kp_blockers_new(test, 2, false);

	a.max_threads = 1;
	pool = kp_make_pool(test, "kp_busy", &a);
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[0].job), 0);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&s->running) == 1, 30000));
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[1].job), 0);
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[1].job), KPOOL_ALREADY_PENDING);
	complete_all(&s->release);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->ran), 2);
	kpool_destroy(pool);
}

static void jobs_cancel_pending_and_flush(struct kunit *test)
{
	struct kpool_attrs a = kp_small;
	struct kpool *pool;
	struct kp_blockers *s = kp_blockers_new(test, 3, false);

	a.max_threads = 1;
	pool = kp_make_pool(test, "kp_cancel", &a);
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[0].job), 0);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&s->running) == 1, 30000));
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[1].job), 0);
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[2].job), 0);
	KUNIT_EXPECT_EQ(test, kpool_cancel(&s->b[1].job), 1);
	KUNIT_EXPECT_EQ(test, kpool_cancel(&s->b[1].job), 0);
	KUNIT_EXPECT_EQ(test, kpool_cancel(&s->b[0].job), 0); /* running */
	KUNIT_EXPECT_EQ(test, kp_stats(pool).cancelled, 1ul);
	complete_all(&s->release);
	kpool_flush_job(&s->b[2].job);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->ran), 2);
	kpool_destroy(pool);
}

static void jobs_queue_rejects_null_pool(struct kunit *test)
{
	struct kpool *pool = kp_make_pool(test, "kp_refuse", &kp_small);
	struct kp_blockers *s = kp_blockers_new(test, 1, false);

	KUNIT_EXPECT_EQ(test, kpool_queue(NULL, &s->b[0].job), -EINVAL);
	kpool_destroy(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->ran), 0);
}

/*
 * Sums the pool's latency_hist file ("<bucket upper bound ns> <count>" lines,
 * log2 buckets); *@max_upper is the highest non-empty bucket's bound.
 */
static long kp_hist_total(struct kunit *test, struct kpool *pool, unsigned long long *max_upper)
{
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	char *line, *cur;
	long total = 0;

	*max_upper = 0;
	if (!buf || kp_read_pool_file(pool, "latency_hist", buf, PAGE_SIZE) < 0)
		return -1;
	cur = buf;
	while ((line = strsep(&cur, "\n")) && *line) {
		unsigned long long upper;
		unsigned long n;

		if (sscanf(line, "%llu %lu", &upper, &n) != 2 || !n || (upper & (upper - 1)))
			return -1; /* malformed, an empty bucket listed, or not log2 */
		total += n;
		if (upper > *max_upper)
			*max_upper = upper;
	}
	return total;
}

static void jobs_stats_consistent_after_run(struct kunit *test)
{
	struct kpool_attrs a = kp_small;
	struct kpool *pool;
	struct kp_blockers *s = kp_blockers_new(test, 50, false);
	struct kp_blockers *w = kp_blockers_new(test, 2, false);
	struct kpool_stats st;
	unsigned long long max_upper;
	u64 t0 = ktime_get_ns(), elapsed;
	int i;

	a.max_threads = 1;
	a.flags = KPOOL_LATENCY_STATS;
	pool = kp_make_pool(test, "kp_stats", &a);
	complete_all(&s->release);
	for (i = 0; i < s->n; i++)
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[i].job), 0);
	kpool_drain(pool);
	st = kp_stats(pool);
	KUNIT_EXPECT_EQ(test, st.completed, 50ul);
	KUNIT_EXPECT_EQ(test, st.nr_queued, 0u);
	KUNIT_EXPECT_EQ(test, st.nr_running, 0u);
	KUNIT_EXPECT_EQ(test, st.cancelled, 0ul);
	KUNIT_EXPECT_LE(test, st.warm_handoffs + st.cold_starts, 50ul);
	KUNIT_EXPECT_GE(test, st.cold_starts, 1ul);
	KUNIT_EXPECT_LE(test, st.nr_threads, a.max_threads);
	KUNIT_EXPECT_EQ(test, st.spawn_failures, 0ul);
	/* One latency sample per job, none longer than the test has run. */
	elapsed = ktime_get_ns() - t0;
	KUNIT_EXPECT_EQ(test, kp_hist_total(test, pool, &max_upper), 50l);
	KUNIT_EXPECT_LE(test, max_upper / 2, elapsed);

	/* A job queued behind a 300 ms one waits at least that long: it lands
	 * in a bucket above 2^28 ns (268 ms), counted once.
	 */
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &w->b[0].job), 0);
	KUNIT_ASSERT_TRUE(test, kp_wait_for(atomic_read(&w->running) == 1, 30000));
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &w->b[1].job), 0);
	msleep(300);
	complete_all(&w->release);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, kp_hist_total(test, pool, &max_upper), 52l);
	KUNIT_EXPECT_GE(test, max_upper, 1ull << 29);
	KUNIT_EXPECT_EQ(test, kp_stats(pool).completed, 52ul);
	kpool_destroy(pool);
}

/* Writes @val to /sys/kernel/kpool/<pool>/<file>; the write's result. */
static ssize_t kp_write_pool_file(struct kpool *pool, const char *file, const char *val)
{
	struct file *f = kp_open_pool_file(pool, file, O_WRONLY);
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_write(f, val, strlen(val), &pos);
	filp_close(f, NULL);
	return n;
}

/* Runs @n jobs of @s (released) on @pool and waits for them. */
static void kp_run_released(struct kunit *test, struct kpool *pool, struct kp_blockers *s, int from,
			    int n)
{
	int i;

	for (i = from; i < from + n; i++)
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[i].job), 0);
	kpool_drain(pool);
}

/*
 * latency_stats: off by default, and then nothing is recorded (the jobs are
 * stamped with the coarse clock); switched on through sysfs, every job is
 * counted; off again, the histogram keeps what it has. The flag
 * KPOOL_LATENCY_STATS starts a pool with it on; a value other than 0 or 1 is
 * refused and changes nothing.
 */
static void jobs_latency_stats_knob_switches_the_histogram(struct kunit *test)
{
	struct kpool_attrs a = kp_small;
	struct kp_blockers *s = kp_blockers_new(test, 30, false);
	unsigned long long max_upper;
	struct kpool *pool, *on;
	char buf[16];

	complete_all(&s->release);
	pool = kp_make_pool(test, "kp_lat_knob", &a);
	KUNIT_EXPECT_GT(test, kp_read_pool_file(pool, "latency_stats", buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, strim(buf), "0");
	kp_run_released(test, pool, s, 0, 10);
	KUNIT_EXPECT_EQ(test, kp_stats(pool).completed, 10ul);
	KUNIT_EXPECT_EQ(test, kp_hist_total(test, pool, &max_upper), 0l);

	KUNIT_EXPECT_EQ(test, kp_write_pool_file(pool, "latency_stats", "1\n"), 2l);
	KUNIT_EXPECT_GT(test, kp_read_pool_file(pool, "latency_stats", buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, strim(buf), "1");
	kp_run_released(test, pool, s, 10, 10);
	KUNIT_EXPECT_EQ(test, kp_hist_total(test, pool, &max_upper), 10l);

	KUNIT_EXPECT_EQ(test, kp_write_pool_file(pool, "latency_stats", "2"), (ssize_t)-ERANGE);
	KUNIT_EXPECT_EQ(test, kp_write_pool_file(pool, "latency_stats", "-1"), (ssize_t)-EINVAL);
	KUNIT_EXPECT_EQ(test, kp_write_pool_file(pool, "latency_stats", "on"), (ssize_t)-EINVAL);
	KUNIT_EXPECT_GT(test, kp_read_pool_file(pool, "latency_stats", buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, strim(buf), "1");

	KUNIT_EXPECT_EQ(test, kp_write_pool_file(pool, "latency_stats", "0"), 1l);
	kp_run_released(test, pool, s, 20, 10);
	KUNIT_EXPECT_EQ(test, kp_stats(pool).completed, 30ul);
	KUNIT_EXPECT_EQ(test, kp_hist_total(test, pool, &max_upper), 10l);
	kpool_destroy(pool);

	a.flags = KPOOL_LATENCY_STATS;
	on = kp_make_pool(test, "kp_lat_flag", &a);
	KUNIT_EXPECT_GT(test, kp_read_pool_file(on, "latency_stats", buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, strim(buf), "1");
	kpool_destroy(on);
	a.flags = 0x80;
	KUNIT_EXPECT_EQ(test, kpool_create("kp_lat_bad", &a, &on), -EINVAL);
}

/*
 * oldest_job_age_ms: the age of the job waiting longest, 0 with none queued.
 * With latency_stats on, so that jobs carry precise stamps: a coarse stamp
 * lags by however late the ticks run (7 ms seen in a KCSAN guest), which
 * leaves no upper bound to check.
 */
static void jobs_oldest_age_grows_while_a_job_waits(struct kunit *test)
{
	struct kpool_attrs a = kp_small;
	struct kpool *pool;
	struct kp_blockers *s = kp_blockers_new(test, 2, false);
	unsigned long ms = 0;
	u64 queued;
	char buf[32];

	a.max_threads = 1;
	a.flags = KPOOL_LATENCY_STATS;
	pool = kp_make_pool(test, "kp_age", &a);
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[0].job), 0);
	KUNIT_ASSERT_TRUE(test, kp_wait_for(atomic_read(&s->running) == 1, 30000));
	queued = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[1].job), 0);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(kp_stats(pool).oldest_job_age_ns >= 200 * NSEC_PER_MSEC,
					    10000));
	KUNIT_EXPECT_GT(test, kp_read_pool_file(pool, "oldest_job_age_ms", buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, kstrtoul(strim(buf), 10, &ms), 0);
	KUNIT_EXPECT_GE(test, ms, 200ul);
	KUNIT_EXPECT_LE(test, ms, (ktime_get_ns() - queued) / NSEC_PER_MSEC + 1);
	complete_all(&s->release);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, kp_stats(pool).oldest_job_age_ns, 0ull);
	KUNIT_EXPECT_GT(test, kp_read_pool_file(pool, "oldest_job_age_ms", buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, strim(buf), "0");
	kpool_destroy(pool);
}

static struct kunit_case kp_jobs_cases[] = {
	KUNIT_CASE(jobs_stats_consistent_after_run),
	KUNIT_CASE(jobs_latency_stats_knob_switches_the_histogram),
	KUNIT_CASE(jobs_oldest_age_grows_while_a_job_waits),
	KUNIT_CASE(jobs_ordered_key_holds_order_others_proceed),
	KUNIT_CASE(jobs_queue_twice_reports_pending),
	KUNIT_CASE(jobs_cancel_pending_and_flush),
	KUNIT_CASE(jobs_queue_rejects_null_pool),
	{},
};

static struct kunit_suite kp_jobs_suite = {
	.name = "kpool_jobs",
	.test_cases = kp_jobs_cases,
};

/* ---- kpool_quick --------------------------------------------------------------------- */

static int kp_record_pid(void *arg)
{
	*(pid_t *)arg = current->pid;
	return 5;
}

static int kp_quick_until_stop(void *arg)
{
	atomic_t *started = arg;

	atomic_inc(started);
	while (!kpool_thread_should_stop())
		schedule_timeout_idle(HZ / 50);
	return 9;
}

static void quick_handoff_reuses_thread(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 1, .max_threads = 1, .reserve = 1, .idle_timeout_ms = 10000
	};
	struct kpool *pool = kp_make_pool(test, "kp_quick", &a);
	struct kpool_thread t = {};
	pid_t first = 0, second = 0;
	unsigned long warm;

	KUNIT_ASSERT_TRUE(test, kp_wait_for(kp_stats(pool).nr_parked == 1, 10000));
	KUNIT_EXPECT_EQ(test, kpool_thread_run(pool, &t, kp_record_pid, &first), 0);
	KUNIT_EXPECT_EQ(test, kpool_thread_stop(&t), 5);
	warm = kp_stats(pool).warm_handoffs;
	KUNIT_ASSERT_TRUE(test, kp_wait_for(kp_stats(pool).nr_parked == 1, 10000));
	KUNIT_EXPECT_EQ(test, kpool_thread_run(pool, &t, kp_record_pid, &second), 0);
	KUNIT_EXPECT_EQ(test, kpool_thread_stop(&t), 5);
	KUNIT_EXPECT_NE(test, first, 0);
	/* One thread in the pool: the function ran on the same, reused thread. */
	KUNIT_EXPECT_EQ(test, first, second);
	KUNIT_EXPECT_EQ(test, kp_stats(pool).warm_handoffs, warm + 1);
	kpool_destroy(pool);
}

/* A warm hand-off is one wake-up and nothing else: the woken thread runs the
 * function with no lock taken first (kpool_thread_run() did its bookkeeping;
 * the function comes through a release store and an acquire load). Each of
 * 20 hand-offs to the parked thread is counted so. Fails when the woken
 * thread goes through the pool lock to find its function.
 */
static void quick_handoff_takes_no_lock_before_the_function(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 1, .max_threads = 1, .reserve = 1, .idle_timeout_ms = 10000
	};
	struct kpool *pool = kp_make_pool(test, "kp_quick_nl", &a);
	unsigned long warm0, lockless0;
	struct kpool_thread t = {};
	pid_t pid;
	int i;

	KUNIT_ASSERT_TRUE(test, kp_wait_for(kp_stats(pool).nr_parked == 1, 10000));
	warm0 = kp_stats(pool).warm_handoffs;
	lockless0 = kp_pool_debug_lockless_handoffs(pool);
	for (i = 0; i < 20; i++) {
		KUNIT_ASSERT_TRUE(test, kp_wait_for(kp_stats(pool).nr_parked == 1, 10000));
		KUNIT_ASSERT_EQ(test, kpool_thread_run(pool, &t, kp_record_pid, &pid), 0);
		KUNIT_ASSERT_EQ(test, kpool_thread_stop(&t), 5);
	}
	KUNIT_EXPECT_EQ(test, kp_stats(pool).warm_handoffs, warm0 + 20);
	KUNIT_EXPECT_EQ(test, kp_pool_debug_lockless_handoffs(pool), lockless0 + 20);
	kpool_destroy(pool);
}

static void quick_stop_asks_and_returns_result(struct kunit *test)
{
	struct kpool *pool = kp_make_pool(test, "kp_quick_stop", &kp_small);
	struct kpool_thread t = {};
	atomic_t started = ATOMIC_INIT(0);

	KUNIT_EXPECT_EQ(test, kpool_thread_run(pool, &t, kp_quick_until_stop, &started), 0);
	KUNIT_EXPECT_EQ(test, kpool_thread_run(pool, &t, kp_quick_until_stop, &started), -EBUSY);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&started) == 1, 30000));
	KUNIT_EXPECT_FALSE(test, kpool_thread_is_done(&t));
	KUNIT_EXPECT_EQ(test, kpool_thread_stop(&t), 9);
	kpool_destroy(pool);
}

static void quick_stop_after_return_is_safe(struct kunit *test)
{
	struct kpool *pool = kp_make_pool(test, "kp_quick_late", &kp_small);
	struct kpool_thread t = {};
	pid_t pid;

	KUNIT_EXPECT_EQ(test, kpool_thread_run(pool, &t, kp_record_pid, &pid), 0);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(kpool_thread_is_done(&t), 30000));
	msleep(200);
	KUNIT_EXPECT_EQ(test, kpool_thread_stop(&t), 5);
	/* Reusable after stop. */
	KUNIT_EXPECT_EQ(test, kpool_thread_run(pool, &t, kp_record_pid, &pid), 0);
	KUNIT_EXPECT_EQ(test, kpool_thread_stop(&t), 5);
	kpool_destroy(pool);
}

static void quick_destroy_stops_running_threads(struct kunit *test)
{
	struct kpool *pool = kp_make_pool(test, "kp_quick_destroy", &kp_small);
	struct kpool_thread t[4] = {};
	atomic_t started = ATOMIC_INIT(0);
	int i;

	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, kpool_thread_run(pool, &t[i], kp_quick_until_stop, &started),
				0);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&started) == 4, 30000));
	kpool_destroy(pool);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_TRUE(test, kpool_thread_is_done(&t[i]));
		KUNIT_EXPECT_EQ(test, t[i].kp_result, 9);
	}
}

/* Quick threads still queued (no thread free) when the pool is destroyed
 * never run: they are done with -EINTR. The running one is asked to stop.
 */
static void quick_queued_at_destroy_get_eintr(struct kunit *test)
{
	struct kpool_attrs a = kp_small;
	struct kpool *pool;
	struct kpool_thread t[4] = {};
	atomic_t started = ATOMIC_INIT(0);
	int i;

	a.max_threads = 1;
	pool = kp_make_pool(test, "kp_quick_eintr", &a);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, kpool_thread_run(pool, &t[i], kp_quick_until_stop, &started),
				0);
	KUNIT_ASSERT_TRUE(test, kp_wait_for(atomic_read(&started) == 1, 30000));
	KUNIT_EXPECT_EQ(test, kp_stats(pool).nr_queued, 3u);
	kpool_destroy(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&started), 1);
	KUNIT_EXPECT_TRUE(test, kpool_thread_is_done(&t[0]));
	KUNIT_EXPECT_EQ(test, t[0].kp_result, 9);
	for (i = 1; i < 4; i++) {
		KUNIT_EXPECT_TRUE(test, kpool_thread_is_done(&t[i]));
		KUNIT_EXPECT_EQ(test, t[i].kp_result, -EINTR);
	}
}

/* The hand-off to a parked reserve thread allocates nothing and creates no
 * thread: it works with every kpool allocation and thread creation failing.
 */
static void quick_handoff_needs_no_alloc_or_kthreadd(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 1, .max_threads = 1, .reserve = 1, .idle_timeout_ms = 10000
	};
	struct kpool *pool = kp_make_pool(test, "kp_quick_nofault", &a);
	struct kpool_thread t = {};
	struct kpool_stats before;
	pid_t pid = 0;
	int ret, result;

	KUNIT_ASSERT_TRUE(test, kp_wait_for(kp_stats(pool).nr_parked == 1, 10000));
	before = kp_stats(pool);
	kp_fault_fail_next(KP_FAULT_ALLOC, 1000000);
	kp_fault_fail_next(KP_FAULT_SPAWN, 1000000);
	ret = kpool_thread_run(pool, &t, kp_record_pid, &pid);
	result = ret ? ret : kpool_thread_stop(&t);
	kp_fault_fail_next(KP_FAULT_ALLOC, 0);
	kp_fault_fail_next(KP_FAULT_SPAWN, 0);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, result, 5);
	KUNIT_EXPECT_NE(test, pid, 0);
	KUNIT_EXPECT_EQ(test, kp_stats(pool).warm_handoffs, before.warm_handoffs + 1);
	KUNIT_EXPECT_EQ(test, kp_stats(pool).cold_starts, before.cold_starts);
	kpool_destroy(pool);
}

struct kp_cold_probe {
	struct kpool_job job;
	struct completion done;
	int cold;
};

static void kp_cold_probe_fn(struct kpool_job *job)
{
	struct kp_cold_probe *p = container_of(job, struct kp_cold_probe, job);

	p->cold = kpool_current_is_cold_start();
	complete(&p->done);
}

static int kp_cold_probe_run(struct kunit *test, struct kpool *pool, struct kp_cold_probe *p)
{
	kpool_job_init(&p->job, kp_cold_probe_fn, NULL);
	init_completion(&p->done);
	p->cold = -1;
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &p->job), 0);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&p->done, 10 * HZ), 0ul);
	kpool_flush_job(&p->job);
	return p->cold;
}

/* The cold-start flag: set for a job that waited for its thread's creation,
 * clear for one handed to a parked reserve thread and outside the pool.
 */
static void quick_cold_start_flag_tells_creation_from_handoff(struct kunit *test)
{
	struct kpool_attrs none = { .max_threads = 1, .idle_timeout_ms = 10000 };
	struct kpool_attrs parked = { .max_threads = 1, .reserve = 1, .idle_timeout_ms = 10000 };
	struct kp_cold_probe *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct kpool *cold, *warm;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, kpool_current_is_cold_start(), 0);
	cold = kp_make_pool(test, "kp_cold", &none);
	KUNIT_EXPECT_EQ(test, kp_cold_probe_run(test, cold, p), 1);
	kpool_destroy(cold);

	warm = kp_make_pool(test, "kp_warm", &parked);
	KUNIT_ASSERT_TRUE(test, kp_wait_for(kp_stats(warm).nr_parked == 1, 10000));
	KUNIT_EXPECT_EQ(test, kp_cold_probe_run(test, warm, p), 0);
	KUNIT_EXPECT_EQ(test, kp_stats(warm).cold_starts, 0ul);
	KUNIT_EXPECT_EQ(test, kp_stats(warm).warm_handoffs, 1ul);
	kpool_destroy(warm);
}

/*
 * A worker that finishes a job takes the next one in the same lock hold
 * (Pool::run_job()), but never past a quick thread waiting for a thread:
 * with one thread, a job that queues a quick thread and then a second job
 * is followed by the quick thread, then the job.
 */
struct kp_order_ctx {
	struct kpool *pool;
	struct kpool_job first, second;
	struct kpool_thread quick;
	atomic_t n;
	char log[4];
	int queue_ret, run_ret;
};

static void kp_order_log(struct kp_order_ctx *c, char what)
{
	int i = atomic_inc_return(&c->n) - 1;

	if (i < (int)sizeof(c->log))
		c->log[i] = what;
}

static int kp_order_quick_fn(void *arg)
{
	kp_order_log(arg, 'Q');
	return 0;
}

static void kp_order_second_fn(struct kpool_job *job)
{
	kp_order_log(container_of(job, struct kp_order_ctx, second), 'B');
}

static void kp_order_first_fn(struct kpool_job *job)
{
	struct kp_order_ctx *c = container_of(job, struct kp_order_ctx, first);

	kp_order_log(c, 'A');
	c->run_ret = kpool_thread_run(c->pool, &c->quick, kp_order_quick_fn, c);
	c->queue_ret = kpool_queue(c->pool, &c->second);
}

static void quick_waiting_goes_before_the_next_job(struct kunit *test)
{
	struct kpool_attrs a = kp_small;
	struct kp_order_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	a.min_threads = 1;
	a.max_threads = 1;
	a.reserve = 0;
	c->pool = kp_make_pool(test, "kp_quick_order", &a);
	kpool_job_init(&c->first, kp_order_first_fn, NULL);
	kpool_job_init(&c->second, kp_order_second_fn, NULL);
	KUNIT_EXPECT_EQ(test, kpool_queue(c->pool, &c->first), 0);
	KUNIT_ASSERT_TRUE(test, kp_wait_for(atomic_read(&c->n) == 3, 30000));
	KUNIT_EXPECT_EQ(test, c->run_ret, 0);
	KUNIT_EXPECT_EQ(test, c->queue_ret, 0);
	KUNIT_EXPECT_EQ(test, kpool_thread_stop(&c->quick), 0);
	KUNIT_EXPECT_EQ(test, c->log[0], 'A');
	KUNIT_EXPECT_EQ(test, c->log[1], 'Q');
	KUNIT_EXPECT_EQ(test, c->log[2], 'B');
	kpool_destroy(c->pool);
}

static struct kunit_case kp_quick_cases[] = {
	KUNIT_CASE(quick_handoff_reuses_thread),
	KUNIT_CASE(quick_handoff_takes_no_lock_before_the_function),
	KUNIT_CASE(quick_stop_asks_and_returns_result),
	KUNIT_CASE(quick_stop_after_return_is_safe),
	KUNIT_CASE(quick_destroy_stops_running_threads),
	KUNIT_CASE(quick_queued_at_destroy_get_eintr),
	KUNIT_CASE(quick_handoff_needs_no_alloc_or_kthreadd),
	KUNIT_CASE(quick_cold_start_flag_tells_creation_from_handoff),
	KUNIT_CASE(quick_waiting_goes_before_the_next_job),
	{},
};

static struct kunit_suite kp_quick_suite = {
	.name = "kpool_quick",
	.test_cases = kp_quick_cases,
};

kunit_test_suites(&kp_kthread_suite, &kp_pool_suite, &kp_jobs_suite, &kp_quick_suite);
