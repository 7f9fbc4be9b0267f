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
#include <kpool/kpool.h>
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
};

static int kp_until_stop(void *arg)
{
	struct kp_loop *l = arg;

	atomic_set(&l->started, 1);
	while (!kpool_thread_should_stop()) {
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

	KUNIT_ASSERT_EQ(test, kpool_kthread_create(kp_until_stop, NULL, &l, "kp_t_park", &t), 0);
	KUNIT_ASSERT_TRUE(test, kp_wait_for(atomic_read(&l.started), 10000));
	KUNIT_EXPECT_EQ(test, kpool_kthread_park(t), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&l.parks), 1);
	kpool_kthread_unpark(t);
	/* A re-park may catch the thread before it left kthread_parkme(). */
	KUNIT_EXPECT_EQ(test, kpool_kthread_park(t), 0);
	KUNIT_EXPECT_GE(test, atomic_read(&l.parks), 1);
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

static void pool_parallel_teardown_256(struct kunit *test)
{
	struct kpool_attrs a = {
		.min_threads = 256, .max_threads = 256, .reserve = 0, .idle_timeout_ms = 10000
	};
	struct kpool *pool = kp_make_pool(test, "kp_teardown", &a);
	u64 t0;

	KUNIT_ASSERT_TRUE(test, kp_wait_for(kp_stats(pool).nr_threads == 256, 120000));
	t0 = ktime_get_ns();
	kpool_destroy(pool);
	kunit_info(test, "destroyed 256 threads in %llu us", (ktime_get_ns() - t0) / 1000);
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
	/* Outside a pool thread the annotations do nothing. */
	kpool_block_begin();
	kpool_block_end();
	kpool_destroy(pool);
}

struct kp_cpu_job {
	struct kpool_job job;
	atomic_t *ran;
	int cpu;
};

static void kp_cpu_job_fn(struct kpool_job *job)
{
	struct kp_cpu_job *j = container_of(job, struct kp_cpu_job, job);

	j->cpu = raw_smp_processor_id();
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
	kpool_destroy(pool);
}

static void pool_bound_cpu_offline_online_busy(struct kunit *test)
{
	/* The idle timeout is long enough that no surplus thread retires
	 * during the test, even on a slow (KCSAN, TCG) guest: reaped stays 0.
	 */
	struct kpool_attrs a = {
		.min_threads = 5, .max_threads = 8, .reserve = 0, .idle_timeout_ms = 120000
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
	KUNIT_ASSERT_EQ(test, kpool_create_bound("kp_hotplug", &a, cpu, &pool), 0);
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
	/* The free threads were parked, not destroyed (nothing was reaped). */
	KUNIT_EXPECT_GE(test, kp_stats(pool).nr_threads, 5u);
	KUNIT_EXPECT_EQ(test, kp_stats(pool).reaped, 0ul);
	/* Jobs queued while it is down still run (nothing is lost). */
	for (i = 0; i < 4; i++) {
		kpool_job_init(&jobs[i].job, kp_cpu_job_fn, NULL);
		jobs[i].ran = &ran;
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &jobs[i].job), 0);
	}
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&ran) == 4, 30000));
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_NE(test, jobs[i].cpu, (int)cpu);
	/* The blocked jobs finish elsewhere. */
	complete_all(&s->release);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&s->ran) == 3, 30000));
	KUNIT_ASSERT_EQ(test, add_cpu(cpu), 0);
	/* Back online: the threads are bound to it again. */
	for (i = 4; i < 8; i++) {
		kpool_job_init(&jobs[i].job, kp_cpu_job_fn, NULL);
		jobs[i].ran = &ran;
		jobs[i].cpu = -1;
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &jobs[i].job), 0);
		kpool_flush_job(&jobs[i].job);
		KUNIT_EXPECT_EQ(test, jobs[i].cpu, (int)cpu);
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

struct kp_seq_job {
	struct kpool_job job;
	int id;
	int *log;
	atomic_t *pos;
	struct completion *gate; /* NULL: no wait */
};

static void kp_seq_fn(struct kpool_job *job)
{
	struct kp_seq_job *j = container_of(job, struct kp_seq_job, job);

	if (j->gate)
		wait_for_completion_state(j->gate, TASK_IDLE);
	j->log[atomic_inc_return(j->pos) - 1] = j->id;
}

static void jobs_ordered_key_holds_order_others_proceed(struct kunit *test)
{
	struct kpool *pool = kp_make_pool(test, "kp_order", &kp_small);
	struct kp_seq_job *jobs = kunit_kcalloc(test, 21, sizeof(*jobs), GFP_KERNEL);
	int *log = kunit_kcalloc(test, 21, sizeof(int), GFP_KERNEL);
	struct completion gate;
	atomic_t pos = ATOMIC_INIT(0);
	int i, last = -1;

	KUNIT_ASSERT_NOT_NULL(test, jobs);
	KUNIT_ASSERT_NOT_NULL(test, log);
	init_completion(&gate);
	/* Key 2: a slow head holds its followers back... */
	for (i = 0; i < 21; i++) {
		kpool_job_init(&jobs[i].job, kp_seq_fn, NULL);
		jobs[i].id = i;
		jobs[i].log = log;
		jobs[i].pos = &pos;
	}
	jobs[20].gate = &gate;
	KUNIT_EXPECT_EQ(test, kpool_queue_ordered(pool, &jobs[20].job, 2), 0);
	/* ...while key 1's twenty jobs run, one at a time, in order. */
	for (i = 0; i < 20; i++)
		KUNIT_EXPECT_EQ(test, kpool_queue_ordered(pool, &jobs[i].job, 1), 0);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&pos) == 20, 30000));
	for (i = 0; i < 20; i++) {
		KUNIT_EXPECT_GT(test, log[i], last);
		last = log[i];
	}
	complete_all(&gate);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&pos), 21);
	KUNIT_EXPECT_EQ(test, log[20], 20);
	KUNIT_EXPECT_EQ(test, kpool_queue_ordered(pool, &jobs[0].job, 0), -EINVAL);
	kpool_destroy(pool);
}

static void jobs_queue_twice_is_busy(struct kunit *test)
{
	struct kpool_attrs a = kp_small;
	struct kpool *pool;
	struct kp_blockers *s = kp_blockers_new(test, 2, false);

	a.max_threads = 1;
	pool = kp_make_pool(test, "kp_busy", &a);
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[0].job), 0);
	KUNIT_EXPECT_TRUE(test, kp_wait_for(atomic_read(&s->running) == 1, 30000));
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[1].job), 0);
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &s->b[1].job), -EBUSY);
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

static void jobs_stats_consistent_after_run(struct kunit *test)
{
	struct kpool *pool = kp_make_pool(test, "kp_stats", &kp_small);
	struct kp_blockers *s = kp_blockers_new(test, 50, false);
	struct kpool_stats st;
	int i;

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
	KUNIT_EXPECT_LE(test, st.nr_threads, kp_small.max_threads);
	KUNIT_EXPECT_EQ(test, st.spawn_failures, 0ul);
	kpool_destroy(pool);
}

static struct kunit_case kp_jobs_cases[] = {
	KUNIT_CASE(jobs_stats_consistent_after_run),
	KUNIT_CASE(jobs_ordered_key_holds_order_others_proceed),
	KUNIT_CASE(jobs_queue_twice_is_busy),
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

static struct kunit_case kp_quick_cases[] = {
	KUNIT_CASE(quick_handoff_reuses_thread),
	KUNIT_CASE(quick_stop_asks_and_returns_result),
	KUNIT_CASE(quick_stop_after_return_is_safe),
	KUNIT_CASE(quick_destroy_stops_running_threads),
	KUNIT_CASE(quick_cold_start_flag_tells_creation_from_handoff),
	{},
};

static struct kunit_suite kp_quick_suite = {
	.name = "kpool_quick",
	.test_cases = kp_quick_cases,
};

kunit_test_suites(&kp_kthread_suite, &kp_pool_suite, &kp_jobs_suite, &kp_quick_suite);
