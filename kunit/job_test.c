// SPDX-License-Identifier: GPL-2.0
/*
 * Suite kpool_semantics: the workqueue guarantees kpool's jobs keep
 * (include/kpool/kpool.h): a job never runs alongside itself, queueing a
 * pending job is reported and changes nothing, kpool_cancel_sync() stops a
 * job that queues itself, and work chained by a pool's own jobs during
 * kpool_destroy() runs before it returns. Suite kpool_delayed: delayed jobs
 * fire, are modified and cancelled, take their key's order when due, and are
 * never lost or fired after kpool_destroy(). Waits are bounded polls; no
 * test asserts on elapsed time.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/atomic.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/jiffies.h>
#include <linux/string.h>
#include <kpool/kpool.h>
#include "core/core.h"
#include "shim/shim.h"

/* Polls @cond every 2 ms for up to @ms; evaluates to its final value. */
#define ks_wait_for(cond, ms)                                           \
	({                                                              \
		unsigned long __end = jiffies + msecs_to_jiffies(ms);   \
		bool __ok;                                              \
		while (!(__ok = (cond)) && time_before(jiffies, __end)) \
			usleep_range(2000, 3000);                       \
		__ok;                                                   \
	})

static struct kpool *ks_make_pool(struct kunit *test, const char *name, unsigned int max_threads)
{
	struct kpool_attrs a = {
		.min_threads = 0, .max_threads = max_threads, .reserve = 0, .idle_timeout_ms = 10000
	};
	struct kpool *pool = NULL;

	KUNIT_ASSERT_EQ(test, kpool_create(name, &a, &pool), 0);
	return pool;
}

/*
 * A job that counts its instances: @active is how many run at this moment,
 * @max_active the most ever seen at once. It blocks on @release when given,
 * and queues itself again while @rearm is set.
 */
struct ks_job {
	struct kpool_job job;
	struct kpool *pool;
	atomic_t active, max_active, started, ran, requeued, cancelled;
	atomic_t rearm;
	struct completion *release;
	unsigned int spin_us, sleep_us;
	int order_tag;
	int *order;
	atomic_t *order_pos;
};

/* Raises *@max to @now if it is below. */
static void ks_track_max(atomic_t *max, int now)
{
	int old = atomic_read(max);

	while (now > old && !atomic_try_cmpxchg(max, &old, now))
		;
}

static void ks_job_fn(struct kpool_job *job)
{
	struct ks_job *j = container_of(job, struct ks_job, job);

	ks_track_max(&j->max_active, atomic_inc_return(&j->active));
	atomic_inc(&j->started);
	if (j->order)
		j->order[atomic_inc_return(j->order_pos) - 1] = j->order_tag;
	if (j->release)
		wait_for_completion_state(j->release, TASK_IDLE);
	if (j->spin_us)
		udelay(j->spin_us);
	if (j->sleep_us)
		usleep_range(j->sleep_us, 2 * j->sleep_us);
	/* Before the re-queue: a new instance must not be counted as this one. */
	atomic_dec(&j->active);
	atomic_inc(&j->ran);
	if (atomic_read(&j->rearm) && kpool_queue(j->pool, &j->job) == 0)
		atomic_inc(&j->requeued);
}

static void ks_job_cancel(struct kpool_job *job)
{
	atomic_inc(&container_of(job, struct ks_job, job)->cancelled);
}

static void ks_job_setup(struct ks_job *j, struct kpool *pool, bool cancellable)
{
	memset(j, 0, sizeof(*j));
	kpool_job_init(&j->job, ks_job_fn, cancellable ? ks_job_cancel : NULL);
	j->pool = pool;
}

/* A thread that queues @j in a loop until stopped, counting what it got. */
struct ks_submitter {
	struct ks_job *j;
	atomic_t queued, pending, errors;
};

static int ks_submit_fn(void *arg)
{
	struct ks_submitter *s = arg;

	while (!kthread_should_stop()) {
		int ret = kpool_queue(s->j->pool, &s->j->job);

		if (ret == 0)
			atomic_inc(&s->queued);
		else if (ret == KPOOL_ALREADY_PENDING)
			atomic_inc(&s->pending);
		else
			atomic_inc(&s->errors);
		usleep_range(20, 60);
	}
	return 0;
}

static struct task_struct *ks_start_submitter(struct kunit *test, struct ks_submitter *s,
					      const char *name)
{
	struct task_struct *t = kthread_run(ks_submit_fn, s, "%s", name);

	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	return t;
}

static unsigned int kp_semantics_nr_queued(struct kpool *pool)
{
	struct kpool_stats st;

	kpool_get_stats(pool, &st);
	return st.nr_queued;
}

/* ---- the inbox (lock-free queueing) ------------------------------------------------- */

/*
 * Unordered jobs queued from one CPU while the pool's only thread is busy
 * wait in the inbox: they are counted as queued, the odd ones are cancelled
 * from there (reported 1, never run, counted), and the even ones run in the
 * order they were queued once the thread is free.
 */
static void queue_inbox_keeps_cpu_order_and_cancels(struct kunit *test)
{
	enum { N = 64 };
	struct kpool *pool = ks_make_pool(test, "ks_inbox", 1);
	struct ks_job *blocker = kunit_kzalloc(test, sizeof(*blocker), GFP_KERNEL);
	struct ks_job *jobs = kunit_kcalloc(test, N, sizeof(*jobs), GFP_KERNEL);
	int *order = kunit_kcalloc(test, N, sizeof(*order), GFP_KERNEL);
	DECLARE_COMPLETION_ONSTACK(release);
	atomic_t pos = ATOMIC_INIT(0);
	struct kpool_stats st;
	int i, ran = 0, cancelled = 0;

	KUNIT_ASSERT_NOT_NULL(test, blocker);
	KUNIT_ASSERT_NOT_NULL(test, jobs);
	KUNIT_ASSERT_NOT_NULL(test, order);
	ks_job_setup(blocker, pool, false);
	blocker->release = &release;
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &blocker->job), 0);
	KUNIT_ASSERT_TRUE(test, ks_wait_for(atomic_read(&blocker->started) == 1, 20000));
	/* One CPU's inbox: its jobs keep their order. */
	preempt_disable();
	for (i = 0; i < N; i++) {
		ks_job_setup(&jobs[i], pool, true);
		jobs[i].order = order;
		jobs[i].order_pos = &pos;
		jobs[i].order_tag = i;
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &jobs[i].job), 0);
		KUNIT_EXPECT_TRUE(test, kpool_job_pending(&jobs[i].job));
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &jobs[i].job), KPOOL_ALREADY_PENDING);
	}
	preempt_enable();
	KUNIT_EXPECT_EQ(test, kp_semantics_nr_queued(pool), (unsigned int)N);
	for (i = 1; i < N; i += 2)
		KUNIT_EXPECT_EQ(test, kpool_cancel(&jobs[i].job), 1);
	KUNIT_EXPECT_EQ(test, kp_semantics_nr_queued(pool), (unsigned int)N / 2);
	complete(&release);
	KUNIT_EXPECT_EQ(test, kpool_drain(pool), 0);
	for (i = 0; i < N; i++) {
		ran += atomic_read(&jobs[i].ran);
		cancelled += atomic_read(&jobs[i].cancelled);
		KUNIT_EXPECT_EQ(test, atomic_read(&jobs[i].ran), i % 2 ? 0 : 1);
		KUNIT_EXPECT_FALSE(test, kpool_job_pending(&jobs[i].job));
	}
	KUNIT_EXPECT_EQ(test, ran, N / 2);
	KUNIT_EXPECT_EQ(test, cancelled, 0); /* kpool_cancel() reports by its result */
	KUNIT_ASSERT_EQ(test, atomic_read(&pos), N / 2);
	for (i = 0; i < N / 2; i++)
		KUNIT_EXPECT_EQ_MSG(test, order[i], 2 * i, "position %d", i);
	kpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.cancelled, (unsigned long)N / 2);
	KUNIT_EXPECT_EQ(test, st.nr_queued, 0u);
	kpool_destroy(pool);
}

/*
 * Statistics count the inbox without taking it: a reader must not do the
 * workers' work (the bench polls kpool_get_stats() every jiffy). With the one
 * thread blocked and the stall timer off, the jobs stay on their marked list
 * through the read, and are counted with their age; they run when it is free.
 */
static void stats_count_the_inbox_without_taking_it(struct kunit *test)
{
	enum { N = 8 };
	struct kpool *pool = ks_make_pool(test, "ks_inbox_st", 1);
	struct ks_job *blocker = kunit_kzalloc(test, sizeof(*blocker), GFP_KERNEL);
	struct ks_job *jobs = kunit_kcalloc(test, N, sizeof(*jobs), GFP_KERNEL);
	DECLARE_COMPLETION_ONSTACK(release);
	struct kpool_stats st;
	int i, ran = 0;

	KUNIT_ASSERT_NOT_NULL(test, blocker);
	KUNIT_ASSERT_NOT_NULL(test, jobs);
	kp_pool_debug_set_cm(pool, 1, 0); /* the stall timer would take the inbox */
	ks_job_setup(blocker, pool, false);
	blocker->release = &release;
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &blocker->job), 0);
	KUNIT_ASSERT_TRUE(test, ks_wait_for(atomic_read(&blocker->started) == 1, 20000));
	for (i = 0; i < N; i++) {
		ks_job_setup(&jobs[i], pool, true);
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &jobs[i].job), 0);
	}
	KUNIT_ASSERT_GE(test, kp_pool_debug_inbox_marked(pool), 1u);
	msleep(20);
	kpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.nr_queued, (unsigned int)N);
	KUNIT_EXPECT_GE(test, st.oldest_job_age_ns, 10ull * NSEC_PER_MSEC);
	KUNIT_EXPECT_GE_MSG(test, kp_pool_debug_inbox_marked(pool), 1u,
			    "reading the statistics took the inbox");
	complete(&release);
	KUNIT_EXPECT_EQ(test, kpool_drain(pool), 0);
	for (i = 0; i < N; i++)
		ran += atomic_read(&jobs[i].ran);
	KUNIT_EXPECT_EQ(test, ran, N);
	kpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.nr_queued, 0u);
	KUNIT_EXPECT_EQ(test, kp_pool_debug_inbox_marked(pool), 0u);
	kpool_destroy(pool);
}

/* ---- non-reentrancy ------------------------------------------------------------------ */

/*
 * Queued while it runs, a job is queued (0), pending, and reported pending
 * when queued once more; it runs once more after the running instance
 * returned, never alongside it, although three threads are free.
 */
static void queue_while_running_runs_once_more_after(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_rerun", 4);
	struct completion release;
	struct ks_job j;

	init_completion(&release);
	ks_job_setup(&j, pool, false);
	j.release = &release;
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &j.job), 0);
	KUNIT_ASSERT_TRUE(test, ks_wait_for(atomic_read(&j.started) == 1, 30000));
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&j.job));
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &j.job), 0);
	KUNIT_EXPECT_TRUE(test, kpool_job_pending(&j.job));
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &j.job), KPOOL_ALREADY_PENDING);
	/* A second instance would have started on a free thread by now. */
	msleep(100);
	KUNIT_EXPECT_EQ(test, atomic_read(&j.started), 1);
	complete_all(&release);
	kpool_flush_job(&j.job);
	KUNIT_EXPECT_EQ(test, atomic_read(&j.ran), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&j.max_active), 1);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&j.job));
	kpool_destroy(pool);
}

/* A pending job queued again: KPOOL_ALREADY_PENDING, and it runs once. */
static void queue_while_pending_reports_pending(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_pending", 1);
	struct completion release;
	struct ks_job blocker, j;
	struct kpool_stats st;

	init_completion(&release);
	ks_job_setup(&blocker, pool, false);
	blocker.release = &release;
	ks_job_setup(&j, pool, false);
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &blocker.job), 0);
	KUNIT_ASSERT_TRUE(test, ks_wait_for(atomic_read(&blocker.started) == 1, 30000));
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &j.job), 0);
	KUNIT_EXPECT_TRUE(test, kpool_job_pending(&j.job));
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &j.job), KPOOL_ALREADY_PENDING);
	KUNIT_EXPECT_EQ(test, kpool_queue_ordered(pool, &j.job, 5), KPOOL_ALREADY_PENDING);
	kpool_get_stats(pool, &st);
	KUNIT_EXPECT_EQ(test, st.nr_queued, 1u);
	complete_all(&release);
	kpool_flush_job(&j.job);
	KUNIT_EXPECT_EQ(test, atomic_read(&j.ran), 1);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&j.job));
	kpool_destroy(pool);
}

/*
 * A job that queues itself again from its function, while two other threads
 * queue it in a loop, on a pool with free threads: never two instances at
 * once, and every queueing that returned 0 ran exactly once.
 */
static void queue_self_requeue_never_overlaps(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_overlap", 4);
	struct ks_submitter s = {};
	struct task_struct *t[2];
	struct ks_job j;
	int i;

	ks_job_setup(&j, pool, false);
	/* A window for a second instance to start in, on a free thread. */
	j.spin_us = 30;
	j.sleep_us = 200;
	atomic_set(&j.rearm, 1);
	s.j = &j;
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &j.job), 0);
	t[0] = ks_start_submitter(test, &s, "ks_submit0");
	t[1] = ks_start_submitter(test, &s, "ks_submit1");
	msleep(500);
	for (i = 0; i < 2; i++)
		kthread_stop_put(t[i]);
	atomic_set(&j.rearm, 0);
	kpool_flush_job(&j.job);
	KUNIT_EXPECT_EQ(test, atomic_read(&j.max_active), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&s.errors), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&s.pending), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&j.ran),
			1 + atomic_read(&j.requeued) + atomic_read(&s.queued));
	KUNIT_EXPECT_EQ(test, kpool_cancel_sync(&j.job), 0);
	kpool_destroy(pool);
}

/*
 * An ordered job queued again with its key while it runs keeps its place in
 * the key's order: A runs, A is queued again, then B: A, A, B.
 */
static void queue_ordered_requeue_keeps_key_order(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_order", 4);
	struct completion release;
	struct ks_job a, b;
	atomic_t pos = ATOMIC_INIT(0);
	int order[3] = {};

	init_completion(&release);
	ks_job_setup(&a, pool, false);
	ks_job_setup(&b, pool, false);
	a.release = &release;
	a.order = order;
	b.order = order;
	a.order_pos = &pos;
	b.order_pos = &pos;
	a.order_tag = 1;
	b.order_tag = 2;
	KUNIT_ASSERT_EQ(test, kpool_queue_ordered(pool, &a.job, 7), 0);
	KUNIT_ASSERT_TRUE(test, ks_wait_for(atomic_read(&a.started) == 1, 30000));
	KUNIT_EXPECT_EQ(test, kpool_queue_ordered(pool, &a.job, 7), 0);
	KUNIT_EXPECT_EQ(test, kpool_queue_ordered(pool, &b.job, 7), 0);
	msleep(50);
	KUNIT_EXPECT_EQ(test, atomic_read(&b.started), 0);
	complete_all(&release);
	kpool_flush_job(&a.job);
	kpool_flush_job(&b.job);
	KUNIT_EXPECT_EQ(test, atomic_read(&pos), 3);
	KUNIT_EXPECT_EQ(test, order[0], 1);
	KUNIT_EXPECT_EQ(test, order[1], 1);
	KUNIT_EXPECT_EQ(test, order[2], 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&a.max_active), 1);
	kpool_destroy(pool);
}

/* ---- cancel ---------------------------------------------------------------------------- */

/*
 * kpool_cancel() of a pending job returns 1 and does not call the cancel
 * function (the return value is the report); kpool_destroy() calls it for
 * a job it drops.
 */
static void cancel_reports_by_result_destroy_by_callback(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_cancel_cb", 1);
	struct completion release;
	struct ks_job blocker, j, k;

	init_completion(&release);
	ks_job_setup(&blocker, pool, false);
	blocker.release = &release;
	ks_job_setup(&j, pool, true);
	ks_job_setup(&k, pool, true);
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &blocker.job), 0);
	KUNIT_ASSERT_TRUE(test, ks_wait_for(atomic_read(&blocker.started) == 1, 30000));
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &j.job), 0);
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &k.job), 0);
	KUNIT_EXPECT_EQ(test, kpool_cancel(&j.job), 1);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&j.job));
	KUNIT_EXPECT_EQ(test, atomic_read(&j.cancelled), 0);
	KUNIT_EXPECT_EQ(test, kpool_cancel(&j.job), 0);
	complete_all(&release);
	kpool_destroy(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&j.ran) + atomic_read(&j.cancelled), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&k.ran) + atomic_read(&k.cancelled), 1);
}

/* kpool_cancel_sync() of a pending job: 1, it never runs; again: 0. */
static void cancel_sync_pending_returns_1(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_csync_pend", 1);
	struct completion release;
	struct ks_job blocker, j;

	init_completion(&release);
	ks_job_setup(&blocker, pool, false);
	blocker.release = &release;
	ks_job_setup(&j, pool, true);
	KUNIT_EXPECT_EQ(test, kpool_cancel_sync(&j.job), 0); /* never queued */
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &blocker.job), 0);
	KUNIT_ASSERT_TRUE(test, ks_wait_for(atomic_read(&blocker.started) == 1, 30000));
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &j.job), 0);
	KUNIT_EXPECT_EQ(test, kpool_cancel_sync(&j.job), 1);
	KUNIT_EXPECT_EQ(test, kpool_cancel_sync(&j.job), 0);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&j.job));
	complete_all(&release);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&j.ran), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&j.cancelled), 0);
	/* Idle again: it may be queued and runs. */
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &j.job), 0);
	kpool_flush_job(&j.job);
	KUNIT_EXPECT_EQ(test, atomic_read(&j.ran), 1);
	kpool_destroy(pool);
}

struct ks_canceller {
	struct ks_job *j;
	struct completion done;
	int result;
};

static int ks_cancel_sync_fn(void *arg)
{
	struct ks_canceller *c = arg;

	c->result = kpool_cancel_sync(&c->j->job);
	complete(&c->done);
	return 0;
}

/*
 * kpool_cancel_sync() of a running job (queued again meanwhile) takes the
 * pending instance off, waits for the running one, and returns 1.
 */
static void cancel_sync_waits_for_running(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_csync_run", 2);
	struct completion release;
	struct ks_canceller c;
	struct task_struct *t;
	struct ks_job j;

	init_completion(&release);
	init_completion(&c.done);
	ks_job_setup(&j, pool, false);
	j.release = &release;
	c.j = &j;
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &j.job), 0);
	KUNIT_ASSERT_TRUE(test, ks_wait_for(atomic_read(&j.started) == 1, 30000));
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &j.job), 0);
	t = kthread_run(ks_cancel_sync_fn, &c, "ks_csync");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	/* It took the pending instance off and waits for the running one. */
	KUNIT_EXPECT_TRUE(test, ks_wait_for(!kpool_job_pending(&j.job), 30000));
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &j.job), KPOOL_ALREADY_PENDING);
	msleep(50);
	KUNIT_EXPECT_FALSE(test, completion_done(&c.done));
	complete_all(&release);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&c.done, 30 * HZ));
	kthread_stop_put(t);
	KUNIT_EXPECT_EQ(test, c.result, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&j.active), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&j.ran), 1);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&j.ran), 1);
	kpool_destroy(pool);
}

/*
 * kpool_cancel_sync() against a job that always queues itself again (after
 * another thread queued it too for a while): on return it is neither
 * running nor pending, and it stays so (nothing of it runs afterwards).
 */
static void cancel_sync_stops_self_requeueing_job(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_csync_self", 4);
	struct ks_submitter s = {};
	struct task_struct *t;
	struct ks_job j;
	int ran;

	ks_job_setup(&j, pool, false);
	j.sleep_us = 200; /* mostly running: the cancel meets it there */
	atomic_set(&j.rearm, 1);
	s.j = &j;
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &j.job), 0);
	t = ks_start_submitter(test, &s, "ks_submit");
	KUNIT_ASSERT_TRUE(test, ks_wait_for(atomic_read(&j.ran) > 20, 30000));
	kthread_stop_put(t);
	/* Only the job itself queues it from here on. */
	KUNIT_ASSERT_TRUE(test, ks_wait_for(atomic_read(&j.requeued) > 5, 30000));
	kpool_cancel_sync(&j.job);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&j.job));
	KUNIT_EXPECT_EQ(test, atomic_read(&j.active), 0);
	ran = atomic_read(&j.ran);
	msleep(100);
	KUNIT_EXPECT_EQ(test, atomic_read(&j.ran), ran);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&j.job));
	KUNIT_EXPECT_EQ(test, atomic_read(&j.max_active), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&s.errors), 0);
	kpool_destroy(pool);
}

/* ---- chained work at destroy ---------------------------------------------------------- */

#define KS_CHAIN_N 40

struct ks_chain;

struct ks_link {
	struct kpool_job job;
	struct ks_chain *chain;
	int index;
};

/* Each link queues the next one on the same pool, as chained work. */
struct ks_chain {
	struct ks_link link[KS_CHAIN_N];
	struct kpool *pool;
	atomic_t ran, refused;
	struct completion first_ran;
	bool sleep;
};

static void ks_chain_fn(struct kpool_job *job)
{
	struct ks_link *l = container_of(job, struct ks_link, job);
	struct ks_chain *c = l->chain;

	atomic_inc(&c->ran);
	complete(&c->first_ran);
	if (c->sleep)
		usleep_range(500, 1000);
	if (l->index + 1 < KS_CHAIN_N && kpool_queue(c->pool, &c->link[l->index + 1].job))
		atomic_inc(&c->refused);
}

static struct ks_chain *ks_chain_new(struct kunit *test, struct kpool *pool)
{
	struct ks_chain *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i < KS_CHAIN_N; i++) {
		kpool_job_init(&c->link[i].job, ks_chain_fn, NULL);
		c->link[i].chain = c;
		c->link[i].index = i;
	}
	c->pool = pool;
	init_completion(&c->first_ran);
	return c;
}

/*
 * kpool_destroy() while a chain of jobs runs, each link queueing the next
 * from its function: every link runs before destroy returns, none refused.
 */
static void destroy_runs_chained_jobs(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_chain", 2);
	struct ks_chain *c = ks_chain_new(test, pool);

	c->sleep = true;
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &c->link[0].job), 0);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&c->first_ran, 30 * HZ));
	kpool_destroy(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->refused), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->ran), KS_CHAIN_N);
}

/*
 * The same with no thread at all (every creation fails): destroy() runs the
 * queued job itself, and the links it chains.
 */
static void destroy_runs_chained_jobs_without_threads(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_chain_nothr", 2);
	struct ks_chain *c;
	struct kpool_stats st;

	kp_fault_fail_next(KP_FAULT_SPAWN, 1000);
	c = ks_chain_new(test, pool);
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &c->link[0].job), 0);
	kpool_get_stats(pool, &st);
	if (st.nr_threads) {
		kp_fault_fail_next(KP_FAULT_SPAWN, 0);
		kpool_destroy(pool);
		kunit_skip(test, "a thread was created before the fault took effect");
	}
	kpool_destroy(pool);
	kp_fault_fail_next(KP_FAULT_SPAWN, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->refused), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->ran), KS_CHAIN_N);
}

static int ks_destroy_fn(void *pool)
{
	kpool_destroy(pool);
	return 0;
}

/* Until @pool refuses @j: a queueing accepted before that is cancelled. */
static int ks_queue_until_refused(struct kpool *pool, struct ks_job *j)
{
	unsigned long end = jiffies + 30 * HZ;
	int ret;

	while ((ret = kpool_queue(pool, &j->job)) != -ESHUTDOWN && time_before(jiffies, end)) {
		/* Not dying yet: take it back (or destroy's sweep did). */
		if (ret == 0 && kpool_cancel(&j->job))
			atomic_inc(&j->cancelled);
		usleep_range(1000, 2000);
	}
	return ret;
}

/* Queueing from outside the pool while it is destroyed is still refused. */
static void destroy_refuses_unchained_work(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_refuse", 1);
	struct completion release;
	struct ks_job blocker, j;
	struct task_struct *t;

	init_completion(&release);
	ks_job_setup(&blocker, pool, false);
	blocker.release = &release;
	ks_job_setup(&j, pool, true);
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &blocker.job), 0);
	KUNIT_ASSERT_TRUE(test, ks_wait_for(atomic_read(&blocker.started) == 1, 30000));
	t = kthread_run(ks_destroy_fn, pool, "ks_destroyer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	/* Destroy waits for the blocker; meanwhile the pool refuses us. */
	KUNIT_EXPECT_EQ(test, ks_queue_until_refused(pool, &j), -ESHUTDOWN);
	complete_all(&release);
	kthread_stop_put(t); /* returns once kpool_destroy() did */
	KUNIT_EXPECT_EQ(test, atomic_read(&j.ran), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&blocker.ran), 1);
}

/* ---- conventions ------------------------------------------------------------------------- */

static atomic_t ks_static_ran = ATOMIC_INIT(0);

static void ks_static_fn(struct kpool_job *job)
{
	atomic_inc(&ks_static_ran);
}

static KPOOL_DEFINE_JOB(ks_static_job, ks_static_fn, ks_job_cancel);

/* A job defined statically equals one from kpool_job_init(), and runs. */
static void job_initializer_matches_job_init(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_static", 1);
	struct kpool_job local = KPOOL_JOB_INIT(ks_static_fn, ks_job_cancel);
	struct kpool_job *jobs[] = { &local, &ks_static_job };
	struct kpool_job dyn;
	int i;

	memset(&dyn, 0x5a, sizeof(dyn));
	kpool_job_init(&dyn, ks_static_fn, ks_job_cancel);
	for (i = 0; i < ARRAY_SIZE(jobs); i++) {
		KUNIT_EXPECT_PTR_EQ(test, jobs[i]->kp_func, dyn.kp_func);
		KUNIT_EXPECT_PTR_EQ(test, jobs[i]->kp_cancel, dyn.kp_cancel);
		KUNIT_EXPECT_PTR_EQ(test, jobs[i]->kp_pool, dyn.kp_pool);
		KUNIT_EXPECT_PTR_EQ(test, jobs[i]->kp_next, dyn.kp_next);
		KUNIT_EXPECT_EQ(test, jobs[i]->kp_state, dyn.kp_state);
		KUNIT_EXPECT_EQ(test, jobs[i]->kp_key, dyn.kp_key);
		KUNIT_EXPECT_FALSE(test, kpool_job_pending(jobs[i]));
	}
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &ks_static_job), 0);
	kpool_flush_job(&ks_static_job);
	KUNIT_EXPECT_EQ(test, atomic_read(&ks_static_ran), 1);
	kpool_destroy(pool);
}

struct ks_comm {
	char comm[TASK_COMM_LEN];
	struct completion done;
};

static int ks_record_comm(void *arg)
{
	struct ks_comm *c = arg;

	get_task_comm(c->comm, current);
	complete(&c->done);
	return 0;
}

/*
 * A named quick thread shows its caller's name while it runs; the worker's
 * own name is back for the next, unnamed one (the same single thread).
 */
static void quick_named_shows_name_then_worker_name(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_named", 1);
	struct kpool_thread t = {};
	struct ks_comm c;

	init_completion(&c.done);
	KUNIT_ASSERT_EQ(test,
			kpool_thread_run_named(pool, &t, ks_record_comm, &c,
					       "ks_caller_name_too_long"),
			0);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&c.done, 30 * HZ));
	KUNIT_EXPECT_EQ(test, kpool_thread_stop(&t), 0);
	KUNIT_EXPECT_STREQ(test, c.comm, "ks_caller_name_");
	reinit_completion(&c.done);
	KUNIT_ASSERT_EQ(test, kpool_thread_run(pool, &t, ks_record_comm, &c), 0);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&c.done, 30 * HZ));
	KUNIT_EXPECT_EQ(test, kpool_thread_stop(&t), 0);
	KUNIT_EXPECT_EQ(test, strncmp(c.comm, "kpool/ks_named:", 15), 0);
	KUNIT_EXPECT_EQ(test, kpool_thread_run_named(pool, &t, NULL, &c, "x"), -EINVAL);
	kpool_destroy(pool);
}

static struct kunit_case kp_semantics_cases[] = {
	KUNIT_CASE(queue_inbox_keeps_cpu_order_and_cancels),
	KUNIT_CASE(stats_count_the_inbox_without_taking_it),
	KUNIT_CASE(queue_while_running_runs_once_more_after),
	KUNIT_CASE(queue_while_pending_reports_pending),
	KUNIT_CASE(queue_self_requeue_never_overlaps),
	KUNIT_CASE(queue_ordered_requeue_keeps_key_order),
	KUNIT_CASE(cancel_reports_by_result_destroy_by_callback),
	KUNIT_CASE(cancel_sync_pending_returns_1),
	KUNIT_CASE(cancel_sync_waits_for_running),
	KUNIT_CASE(cancel_sync_stops_self_requeueing_job),
	KUNIT_CASE(destroy_runs_chained_jobs),
	KUNIT_CASE(destroy_runs_chained_jobs_without_threads),
	KUNIT_CASE(destroy_refuses_unchained_work),
	KUNIT_CASE(job_initializer_matches_job_init),
	KUNIT_CASE(quick_named_shows_name_then_worker_name),
	{},
};

static struct kunit_suite kp_semantics_suite = {
	.name = "kpool_semantics",
	.test_cases = kp_semantics_cases,
};

/* ---- kpool_delayed ------------------------------------------------------------------------ */

/* On the heap: debug objects refuse timers on the stack. */
struct ks_djob {
	struct kpool_delayed_job dj;
	struct kpool *pool;
	atomic_t ran, cancelled, active, max_active, rearm, errors;
	struct completion *release;
	unsigned int sleep_us;
	int order_tag;
	int *order;
	atomic_t *order_pos;
};

static void ks_djob_fn(struct kpool_job *job)
{
	struct ks_djob *d = container_of(job, struct ks_djob, dj.job);

	ks_track_max(&d->max_active, atomic_inc_return(&d->active));
	if (d->order)
		d->order[atomic_inc_return(d->order_pos) - 1] = d->order_tag;
	if (d->release)
		wait_for_completion_state(d->release, TASK_IDLE);
	if (d->sleep_us)
		usleep_range(d->sleep_us, 2 * d->sleep_us);
	atomic_dec(&d->active);
	atomic_inc(&d->ran);
	/* 1 (pending) only if a cancel_sync() holds it. */
	if (atomic_read(&d->rearm) && kpool_queue_delayed(d->pool, &d->dj, 1) < 0)
		atomic_inc(&d->errors);
}

static void ks_djob_cancel(struct kpool_job *job)
{
	atomic_inc(&container_of(job, struct ks_djob, dj.job)->cancelled);
}

static struct ks_djob *ks_djob_new(struct kunit *test, struct kpool *pool, bool cancellable)
{
	struct ks_djob *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, d);
	kpool_delayed_job_init(&d->dj, ks_djob_fn, cancellable ? ks_djob_cancel : NULL);
	d->pool = pool;
	return d;
}

/* Queued with a delay: pending (queueing again is reported), then it runs once. */
static void delayed_runs_once_when_due(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_dl_run", 2);
	struct ks_djob *d = ks_djob_new(test, pool, false);

	KUNIT_EXPECT_EQ(test, kpool_queue_delayed(pool, &d->dj, msecs_to_jiffies(50)), 0);
	KUNIT_EXPECT_TRUE(test, kpool_job_pending(&d->dj.job));
	KUNIT_EXPECT_EQ(test, kpool_queue_delayed(pool, &d->dj, 1), KPOOL_ALREADY_PENDING);
	KUNIT_EXPECT_EQ(test, kpool_queue(pool, &d->dj.job), KPOOL_ALREADY_PENDING);
	KUNIT_EXPECT_TRUE(test, ks_wait_for(atomic_read(&d->ran) == 1, 30000));
	kpool_flush_job(&d->dj.job);
	msleep(50);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->ran), 1);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&d->dj.job));
	/* Delay 0: queued at once. */
	KUNIT_EXPECT_EQ(test, kpool_queue_delayed(pool, &d->dj, 0), 0);
	kpool_flush_job(&d->dj.job);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->ran), 2);
	KUNIT_EXPECT_EQ(test, kpool_queue_delayed_ordered(pool, &d->dj, 0, 1), -EINVAL);
	kpool_destroy(pool);
}

/*
 * kpool_mod_delayed(): a minute's delay cut to a jiffy runs it; an idle job
 * is queued (0); a queued job not started is taken back onto a timer.
 */
static void delayed_mod_changes_the_delay(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_dl_mod", 1);
	struct ks_djob *d = ks_djob_new(test, pool, false);
	struct completion release;
	struct ks_job blocker;

	KUNIT_ASSERT_EQ(test, kpool_queue_delayed(pool, &d->dj, 60 * HZ), 0);
	msleep(50);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->ran), 0);
	KUNIT_EXPECT_EQ(test, kpool_mod_delayed(pool, &d->dj, 1), KPOOL_ALREADY_PENDING);
	KUNIT_EXPECT_TRUE(test, ks_wait_for(atomic_read(&d->ran) == 1, 30000));
	kpool_flush_job(&d->dj.job);
	KUNIT_EXPECT_EQ(test, kpool_mod_delayed(pool, &d->dj, 1), 0);
	KUNIT_EXPECT_TRUE(test, ks_wait_for(atomic_read(&d->ran) == 2, 30000));
	kpool_flush_job(&d->dj.job);

	init_completion(&release);
	ks_job_setup(&blocker, pool, false);
	blocker.release = &release;
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &blocker.job), 0);
	KUNIT_ASSERT_TRUE(test, ks_wait_for(atomic_read(&blocker.started) == 1, 30000));
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &d->dj.job), 0);
	KUNIT_EXPECT_EQ(test, kpool_mod_delayed(pool, &d->dj, 60 * HZ), KPOOL_ALREADY_PENDING);
	complete_all(&release);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->ran), 2);
	KUNIT_EXPECT_TRUE(test, kpool_job_pending(&d->dj.job));
	KUNIT_EXPECT_EQ(test, kpool_cancel(&d->dj.job), 1);
	kpool_destroy(pool);
}

/* Cancelled before its time: 1, not pending, it never runs; cancel_sync too. */
static void delayed_cancel_before_due(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_dl_cancel", 2);
	struct ks_djob *d = ks_djob_new(test, pool, true);

	KUNIT_ASSERT_EQ(test, kpool_queue_delayed(pool, &d->dj, 60 * HZ), 0);
	KUNIT_EXPECT_EQ(test, kpool_cancel(&d->dj.job), 1);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&d->dj.job));
	KUNIT_EXPECT_EQ(test, kpool_cancel(&d->dj.job), 0);
	KUNIT_ASSERT_EQ(test, kpool_queue_delayed(pool, &d->dj, 60 * HZ), 0);
	KUNIT_EXPECT_EQ(test, kpool_cancel_sync(&d->dj.job), 1);
	KUNIT_EXPECT_EQ(test, kpool_cancel_sync(&d->dj.job), 0);
	/* A short one cancelled: it does not fire later either. */
	KUNIT_ASSERT_EQ(test, kpool_queue_delayed(pool, &d->dj, 2), 0);
	if (!kpool_cancel(&d->dj.job))
		kpool_cancel_sync(&d->dj.job); /* it fired: wait for its run */
	msleep(100);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&d->dj.job));
	KUNIT_EXPECT_LE(test, atomic_read(&d->ran), 1);
	kpool_destroy(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->cancelled), 0);
}

/*
 * A delayed job that queues itself again with a jiffy's delay from its
 * function: kpool_cancel_sync() leaves it neither pending nor running.
 */
static void delayed_cancel_sync_stops_self_rearming(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_dl_rearm", 2);
	struct ks_djob *d = ks_djob_new(test, pool, false);
	int ran;

	atomic_set(&d->rearm, 1);
	d->sleep_us = 4000; /* longer than its delay: the cancel meets it running */
	KUNIT_ASSERT_EQ(test, kpool_queue_delayed(pool, &d->dj, 1), 0);
	KUNIT_ASSERT_TRUE(test, ks_wait_for(atomic_read(&d->ran) >= 5, 30000));
	kpool_cancel_sync(&d->dj.job);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&d->dj.job));
	KUNIT_EXPECT_EQ(test, atomic_read(&d->active), 0);
	ran = atomic_read(&d->ran);
	msleep(100);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->ran), ran);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->max_active), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->errors), 0);
	kpool_destroy(pool);
}

/*
 * An ordered delayed job takes its place in the key's order when it is due:
 * A runs (key 9), B is due meanwhile and waits behind it, C is queued
 * after: A, B, C.
 */
static void delayed_ordered_takes_key_order_when_due(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_dl_order", 4);
	struct ks_djob *b = ks_djob_new(test, pool, false);
	struct completion release;
	atomic_t pos = ATOMIC_INIT(0);
	int order[3] = {};
	struct ks_job a, c;

	init_completion(&release);
	ks_job_setup(&a, pool, false);
	ks_job_setup(&c, pool, false);
	a.release = &release;
	a.order = order;
	b->order = order;
	c.order = order;
	a.order_pos = &pos;
	b->order_pos = &pos;
	c.order_pos = &pos;
	a.order_tag = 1;
	b->order_tag = 2;
	c.order_tag = 3;
	KUNIT_ASSERT_EQ(test, kpool_queue_ordered(pool, &a.job, 9), 0);
	KUNIT_ASSERT_TRUE(test, ks_wait_for(atomic_read(&a.started) == 1, 30000));
	KUNIT_ASSERT_EQ(test, kpool_queue_delayed_ordered(pool, &b->dj, 9, 1), 0);
	/* Due: queued behind A (counted as queued once off its timer). */
	KUNIT_ASSERT_TRUE(test, ks_wait_for(kp_semantics_nr_queued(pool) == 1, 30000));
	KUNIT_ASSERT_EQ(test, kpool_queue_ordered(pool, &c.job, 9), 0);
	complete_all(&release);
	kpool_drain(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&pos), 3);
	KUNIT_EXPECT_EQ(test, order[0], 1);
	KUNIT_EXPECT_EQ(test, order[1], 2);
	KUNIT_EXPECT_EQ(test, order[2], 3);
	kpool_destroy(pool);
}

/*
 * kpool_destroy() with timers armed: the delayed job with a cancel function
 * is reported cancelled, the other runs; neither fires afterwards (debug
 * objects would report the timer freed while active).
 */
static void delayed_destroy_cancels_or_runs_armed(struct kunit *test)
{
	struct kpool *pool = ks_make_pool(test, "ks_dl_destroy", 2);
	struct ks_djob *with = ks_djob_new(test, pool, true);
	struct ks_djob *without = ks_djob_new(test, pool, false);

	KUNIT_ASSERT_EQ(test, kpool_queue_delayed(pool, &with->dj, 60 * HZ), 0);
	KUNIT_ASSERT_EQ(test, kpool_queue_delayed(pool, &without->dj, 60 * HZ), 0);
	kpool_destroy(pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&with->cancelled), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&with->ran), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&without->ran), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&without->cancelled), 0);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&with->dj.job));
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&without->dj.job));
}

static struct kunit_case kp_delayed_cases[] = {
	KUNIT_CASE(delayed_runs_once_when_due),
	KUNIT_CASE(delayed_mod_changes_the_delay),
	KUNIT_CASE(delayed_cancel_before_due),
	KUNIT_CASE(delayed_cancel_sync_stops_self_rearming),
	KUNIT_CASE(delayed_ordered_takes_key_order_when_due),
	KUNIT_CASE(delayed_destroy_cancels_or_runs_armed),
	{},
};

static struct kunit_suite kp_delayed_suite = {
	.name = "kpool_delayed",
	.test_cases = kp_delayed_cases,
};

kunit_test_suites(&kp_semantics_suite, &kp_delayed_suite);
