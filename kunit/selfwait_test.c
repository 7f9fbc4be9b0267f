// SPDX-License-Identifier: GPL-2.0
/*
 * Suite kpool_selfwait: waits that could only end after their caller returns
 * are refused with -EDEADLK instead of hanging (issue 12): drain and destroy
 * called from one of the pool's own threads, a job flushing itself or a job
 * queued behind the key it holds or behind it in its ordered domain, a quick
 * thread stopping itself. Each case also checks that the legitimate
 * neighbour of the refused call still works (a job draining another pool,
 * flushing another job). Without the checks
 * the job hangs: the case fails on its bounded wait for the job's result.
 *
 * The refusal's WARNING is turned into a log line for the suite
 * (kp_pool_debug_quiet_self_wait), or the dmesg check would fail the run.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <kpool/kpool.h>
#include "core/core.h"

#define KP_SW_WAIT (10 * HZ)

struct kp_sw_job {
	struct kpool_job job;
	struct kpool *target;	 /* the pool the job waits on */
	struct kpool_job *flush; /* the job it flushes, if any */
	struct completion *go;	 /* if set, waited for first */
	struct completion done;
	int ret;
};

static struct kpool *kp_sw_pool(struct kunit *test, const char *name, unsigned int threads)
{
	struct kpool_attrs a = {
		.min_threads = threads, .max_threads = 8, .reserve = 0, .idle_timeout_ms = 60000
	};
	struct kpool *pool = NULL;

	KUNIT_ASSERT_EQ(test, kpool_create(name, &a, &pool), 0);
	return pool;
}

static void kp_sw_drain_fn(struct kpool_job *job)
{
	struct kp_sw_job *j = container_of(job, struct kp_sw_job, job);

	j->ret = kpool_drain(j->target);
	complete(&j->done);
}

static void kp_sw_destroy_fn(struct kpool_job *job)
{
	struct kp_sw_job *j = container_of(job, struct kp_sw_job, job);

	j->ret = kpool_destroy(j->target);
	complete(&j->done);
}

static void kp_sw_flush_fn(struct kpool_job *job)
{
	struct kp_sw_job *j = container_of(job, struct kp_sw_job, job);

	if (j->go)
		wait_for_completion(j->go);
	j->ret = kpool_flush_job(j->flush);
	complete(&j->done);
}

static void kp_sw_noop_fn(struct kpool_job *job)
{
	struct kp_sw_job *j = container_of(job, struct kp_sw_job, job);

	j->ret = 0;
	complete(&j->done);
}

static void kp_sw_init(struct kp_sw_job *j, kpool_job_fn fn)
{
	memset(j, 0, sizeof(*j));
	kpool_job_init(&j->job, fn, NULL);
	init_completion(&j->done);
	j->ret = 1; /* neither 0 nor an errno: the function did not run */
}

/* Runs @j on @pool and returns its result, or 1 if it did not finish. */
static int kp_sw_run(struct kunit *test, struct kpool *pool, struct kp_sw_job *j)
{
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &j->job), 0);
	if (!wait_for_completion_timeout(&j->done, KP_SW_WAIT))
		return 1;
	return j->ret;
}

static void selfwait_drain_from_own_job(struct kunit *test)
{
	struct kpool *a = kp_sw_pool(test, "kp_sw_a", 1), *b = kp_sw_pool(test, "kp_sw_b", 1);
	struct kp_sw_job j;

	kp_sw_init(&j, kp_sw_drain_fn);
	j.target = a;
	KUNIT_EXPECT_EQ(test, kp_sw_run(test, a, &j), -EDEADLK);
	/* Draining another pool from a job is fine. */
	kp_sw_init(&j, kp_sw_drain_fn);
	j.target = b;
	KUNIT_EXPECT_EQ(test, kp_sw_run(test, a, &j), 0);
	KUNIT_EXPECT_EQ(test, kpool_drain(a), 0);
	kpool_destroy(b);
	kpool_destroy(a);
}

static void selfwait_destroy_from_own_job(struct kunit *test)
{
	struct kpool *a = kp_sw_pool(test, "kp_sw_a", 1);
	struct kp_sw_job j;

	kp_sw_init(&j, kp_sw_destroy_fn);
	j.target = a;
	KUNIT_EXPECT_EQ(test, kp_sw_run(test, a, &j), -EDEADLK);
	/* Nothing changed: the pool still runs jobs. */
	kp_sw_init(&j, kp_sw_noop_fn);
	KUNIT_EXPECT_EQ(test, kp_sw_run(test, a, &j), 0);
	KUNIT_EXPECT_EQ(test, kpool_destroy(a), 0);
}

static void selfwait_flush_own_job(struct kunit *test)
{
	struct kpool *a = kp_sw_pool(test, "kp_sw_a", 2);
	struct kp_sw_job j, other;

	kp_sw_init(&j, kp_sw_flush_fn);
	j.flush = &j.job;
	KUNIT_EXPECT_EQ(test, kp_sw_run(test, a, &j), -EDEADLK);
	/* Flushing another job from a job waits for it and returns 0. */
	kp_sw_init(&other, kp_sw_noop_fn);
	kp_sw_init(&j, kp_sw_flush_fn);
	j.flush = &other.job;
	KUNIT_ASSERT_EQ(test, kpool_queue(a, &other.job), 0);
	KUNIT_EXPECT_EQ(test, kp_sw_run(test, a, &j), 0);
	KUNIT_EXPECT_TRUE(test, completion_done(&other.done));
	kpool_destroy(a);
}

/* Job A holds key 7 and flushes B, queued behind it with the same key. */
static void selfwait_flush_job_behind_own_key(struct kunit *test)
{
	struct kpool *a = kp_sw_pool(test, "kp_sw_a", 2);
	struct kp_sw_job ja, jb;
	DECLARE_COMPLETION_ONSTACK(go);

	kp_sw_init(&ja, kp_sw_flush_fn);
	kp_sw_init(&jb, kp_sw_noop_fn);
	ja.go = &go;
	ja.flush = &jb.job;
	KUNIT_ASSERT_EQ(test, kpool_queue_ordered(a, &ja.job, 7), 0);
	KUNIT_ASSERT_EQ(test, kpool_queue_ordered(a, &jb.job, 7), 0);
	complete(&go);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&ja.done, KP_SW_WAIT) > 0);
	KUNIT_EXPECT_EQ(test, ja.ret, -EDEADLK);
	/* B runs once A has returned. */
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&jb.done, KP_SW_WAIT) > 0);
	/* Behind another key, the flush just waits. */
	reinit_completion(&go);
	kp_sw_init(&ja, kp_sw_flush_fn);
	kp_sw_init(&jb, kp_sw_noop_fn);
	ja.go = &go;
	ja.flush = &jb.job;
	KUNIT_ASSERT_EQ(test, kpool_queue_ordered(a, &ja.job, 7), 0);
	KUNIT_ASSERT_EQ(test, kpool_queue_ordered(a, &jb.job, 8), 0);
	complete(&go);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&ja.done, KP_SW_WAIT) > 0);
	KUNIT_EXPECT_EQ(test, ja.ret, 0);
	kpool_destroy(a);
}

struct kp_sw_delayed {
	struct kpool_delayed_job dj;
	struct completion done;
};

static void kp_sw_delayed_fn(struct kpool_job *job)
{
	complete(&container_of(job, struct kp_sw_delayed, dj.job)->done);
}

/*
 * Queues job A through @dom, then behind it @follower (or @dj, due in 100 ms);
 * A flushes it. If the flush hangs, the follower is taken off its domain so
 * that it returns (and the case fails, not hangs). Returns A's result, or 1
 * if it hung.
 */
static int kp_sw_flush_follower(struct kunit *test, struct kpool_domain *dom,
				struct kpool_job *follower, struct kpool_delayed_job *dj)
{
	struct kp_sw_job ja;
	DECLARE_COMPLETION_ONSTACK(go);
	int ret;

	kp_sw_init(&ja, kp_sw_flush_fn);
	ja.go = &go;
	ja.flush = dj ? &dj->job : follower;
	KUNIT_ASSERT_EQ(test, kpool_domain_queue(dom, &ja.job), 0);
	ret = dj ? kpool_domain_queue_delayed(dom, dj, HZ / 10) : kpool_domain_queue(dom, follower);
	KUNIT_EXPECT_EQ(test, ret, 0);
	complete(&go);
	if (wait_for_completion_timeout(&ja.done, KP_SW_WAIT))
		return ja.ret;
	kpool_cancel(ja.flush);
	wait_for_completion(&ja.done);
	return 1;
}

/*
 * Job A of an ordered domain flushes B, queued behind it in that domain (B
 * waits for A's slot), then a delayed job armed there (once due it waits for
 * the slot too): both could only start after A returned.
 */
static void selfwait_flush_follower_in_ordered_domain(struct kunit *test)
{
	struct kpool *a = kp_sw_pool(test, "kp_sw_a", 2);
	struct kpool_domain *ordered = NULL, *wide = NULL;
	/* Its timer is a debug object: not on the stack. */
	struct kp_sw_delayed *jd = kunit_kzalloc(test, sizeof(*jd), GFP_KERNEL);
	struct kp_sw_job jb;

	KUNIT_ASSERT_NOT_NULL(test, jd);
	KUNIT_ASSERT_EQ(test, kpool_domain_create(a, "kp_sw_ord", 1, &ordered), 0);
	kp_sw_init(&jb, kp_sw_noop_fn);
	KUNIT_EXPECT_EQ(test, kp_sw_flush_follower(test, ordered, &jb.job, NULL), -EDEADLK);
	/* B runs once A has returned. */
	KUNIT_EXPECT_EQ(test, kpool_domain_flush(ordered), 0);
	KUNIT_EXPECT_TRUE(test, completion_done(&jb.done));

	/* A delayed follower: its timer armed, or due and waiting for the slot. */
	kpool_delayed_job_init(&jd->dj, kp_sw_delayed_fn, NULL);
	init_completion(&jd->done);
	KUNIT_EXPECT_EQ(test, kp_sw_flush_follower(test, ordered, NULL, &jd->dj), -EDEADLK);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&jd->done, KP_SW_WAIT) > 0);

	/* With two slots B does not wait for A: the flush just waits. */
	KUNIT_ASSERT_EQ(test, kpool_domain_create(a, "kp_sw_wide", 2, &wide), 0);
	kp_sw_init(&jb, kp_sw_noop_fn);
	KUNIT_EXPECT_EQ(test, kp_sw_flush_follower(test, wide, &jb.job, NULL), 0);
	KUNIT_EXPECT_TRUE(test, completion_done(&jb.done));
	KUNIT_EXPECT_EQ(test, kpool_domain_destroy(wide), 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_destroy(ordered), 0);
	kpool_destroy(a);
}

struct kp_sw_quick {
	struct kpool_thread t;
	struct completion done;
	int ret;
};

static int kp_sw_stop_self_fn(void *arg)
{
	struct kp_sw_quick *q = arg;

	q->ret = kpool_thread_stop(&q->t);
	complete(&q->done);
	return 5;
}

static void selfwait_thread_stop_self(struct kunit *test)
{
	struct kpool *a = kp_sw_pool(test, "kp_sw_a", 1);
	struct kp_sw_quick q = {};

	init_completion(&q.done);
	q.ret = 1;
	KUNIT_ASSERT_EQ(test, kpool_thread_run(a, &q.t, kp_sw_stop_self_fn, &q), 0);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&q.done, KP_SW_WAIT) > 0);
	KUNIT_EXPECT_EQ(test, q.ret, -EDEADLK);
	/* Stopped from outside, it returns the function's result. */
	KUNIT_EXPECT_EQ(test, kpool_thread_stop(&q.t), 5);
	kpool_destroy(a);
}

static int kp_sw_suite_init(struct kunit_suite *suite)
{
	kp_pool_debug_quiet_self_wait(1);
	return 0;
}

static void kp_sw_suite_exit(struct kunit_suite *suite)
{
	kp_pool_debug_quiet_self_wait(0);
}

static struct kunit_case kp_selfwait_cases[] = {
	KUNIT_CASE(selfwait_drain_from_own_job),
	KUNIT_CASE(selfwait_destroy_from_own_job),
	KUNIT_CASE(selfwait_flush_own_job),
	KUNIT_CASE(selfwait_flush_job_behind_own_key),
	KUNIT_CASE(selfwait_thread_stop_self),
	KUNIT_CASE(selfwait_flush_follower_in_ordered_domain),
	{},
};

static struct kunit_suite kp_selfwait_suite = {
	.name = "kpool_selfwait",
	.suite_init = kp_sw_suite_init,
	.suite_exit = kp_sw_suite_exit,
	.test_cases = kp_selfwait_cases,
};

kunit_test_suites(&kp_selfwait_suite);
