// SPDX-License-Identifier: GPL-2.0
/*
 * Suite kpool_concurrency: the runnable count and the wake-up, growth and
 * stall rules of src/core/concurrency.h, seen through the public API and the
 * KUnit-only switches of core/core.h (kp_pool_debug_set_cm() turns a pool's
 * preempt-notifier accounting or stall timer off, so each path is tested
 * alone). Waits are bounded polls; no case asserts on elapsed time.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/atomic.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/cpumask.h>
#include <kpool/kpool.h>
#include "core/core.h"
#include "shim/shim.h"

/* Polls @cond every 5 ms for up to @ms; evaluates to its final value. */
#define kp_cm_wait_for(cond, ms)                                        \
	({                                                              \
		unsigned long __end = jiffies + msecs_to_jiffies(ms);   \
		bool __ok;                                              \
		while (!(__ok = (cond)) && time_before(jiffies, __end)) \
			usleep_range(5000, 6000);                       \
		__ok;                                                   \
	})

enum kp_cm_mode { KP_CM_NOTIFIER = 1, KP_CM_STALL = 2 };

static void kp_cm_destroy(void *pool)
{
	kpool_destroy(pool);
}

/* A pool that starts with no thread, so every thread it has was grown. */
static struct kpool *kp_cm_pool(struct kunit *test, const char *name, int mode)
{
	const struct kpool_attrs a = {
		.min_threads = 0, .max_threads = 32, .reserve = 0, .idle_timeout_ms = 10000
	};
	struct kpool *pool = NULL;

	KUNIT_ASSERT_EQ(test, kpool_create(name, &a, &pool), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kp_cm_destroy, pool), 0);
	kp_pool_debug_set_cm(pool, !!(mode & KP_CM_NOTIFIER), !!(mode & KP_CM_STALL));
	return pool;
}

static unsigned int kp_cm_threads(struct kpool *pool)
{
	struct kpool_stats st;

	kpool_get_stats(pool, &st);
	return st.nr_threads;
}

/* ---- sleepers that can only finish once all of them run at once ---------------- */

/* More sleepers than the pool's concurrency target (its CPUs), so only
 * growth for blocked workers can run them all; within max_threads.
 */
static int kp_cm_beyond_cpus(int extra)
{
	return min_t(int, num_online_cpus() + extra, 24);
}

struct kp_cm_sleepers {
	struct kpool_job *jobs;
	int n;
	bool announce; /* kpool_block_begin/end around the sleep */
	atomic_t started, ran, timed_out;
	struct completion all;
};

static void kp_cm_sleeper_fn(struct kpool_job *job);

static struct kp_cm_sleepers *kp_cm_sleepers_new(struct kunit *test, int n, bool announce)
{
	struct kp_cm_sleepers *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->jobs = kunit_kcalloc(test, n, sizeof(*s->jobs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s->jobs);
	s->n = n;
	s->announce = announce;
	init_completion(&s->all);
	for (i = 0; i < n; i++)
		kpool_job_init(&s->jobs[i], kp_cm_sleeper_fn, NULL);
	return s;
}

/* The sleepers of the running case (one case at a time). */
static struct kp_cm_sleepers *kp_cm_current;

/*
 * Each job sleeps (TASK_UNINTERRUPTIBLE, not announced unless @announce)
 * until all n started, for at most 5 s: a pool that does not grow for such
 * sleeps leaves the later ones queued and the earlier ones time out.
 */
static void kp_cm_sleeper_fn(struct kpool_job *job)
{
	struct kp_cm_sleepers *s = kp_cm_current;

	if (atomic_inc_return(&s->started) == s->n)
		complete_all(&s->all);
	if (s->announce)
		kpool_block_begin();
	if (!wait_for_completion_timeout(&s->all, 5 * HZ))
		atomic_inc(&s->timed_out);
	if (s->announce)
		kpool_block_end();
	atomic_inc(&s->ran);
}

static void kp_cm_run_sleepers(struct kunit *test, struct kpool *pool, int n, bool announce)
{
	struct kp_cm_sleepers *s = kp_cm_sleepers_new(test, n, announce);
	int i;

	kp_cm_current = s;
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, kpool_queue(pool, &s->jobs[i]), 0);
	KUNIT_EXPECT_TRUE(test, kp_cm_wait_for(atomic_read(&s->ran) == n, 60000));
	KUNIT_ASSERT_EQ(test, kpool_drain(pool), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->started), n);
	/* All ran at once: none waited in vain for the others. */
	KUNIT_EXPECT_EQ(test, atomic_read(&s->timed_out), 0);
	kp_cm_current = NULL;
}

/* Sleeps nobody announced are seen by the preempt notifier: the pool grows
 * until every sleeper runs (with the stall timer off, nothing else could).
 * Fails when sched_out does not stop counting the worker as runnable.
 */
static void cm_unannounced_sleepers_grow_with_notifier(struct kunit *test)
{
	struct kpool *pool;

	if (!kp_notifier_available())
		kunit_skip(test, "needs CONFIG_PREEMPT_NOTIFIERS");
	pool = kp_cm_pool(test, "kp_cm_pn", KP_CM_NOTIFIER);
	kp_cm_run_sleepers(test, pool, kp_cm_beyond_cpus(4), false);
}

/* kpool_block_begin/end count where notifiers are missing (turned off here),
 * with the stall timer off too: only the annotation makes the pool grow.
 */
static void cm_annotated_sleepers_grow_without_notifier(struct kunit *test)
{
	struct kpool *pool = kp_cm_pool(test, "kp_cm_an", 0);

	kp_cm_run_sleepers(test, pool, kp_cm_beyond_cpus(4), true);
}

/* Neither notifier nor annotation: the stall timer (cmwq's mayday) finds
 * jobs waiting with no progress and adds a thread per stall period.
 */
static void cm_stall_timer_rescues_unannounced_sleepers(struct kunit *test)
{
	struct kpool *pool = kp_cm_pool(test, "kp_cm_st", KP_CM_STALL);

	kp_cm_run_sleepers(test, pool, kp_cm_beyond_cpus(2), false);
}

/* Growth for jobs creates one thread at a time: never two in flight. */
static void cm_growth_one_creation_in_flight(struct kunit *test)
{
	struct kpool *pool = kp_cm_pool(test, "kp_cm_if", 0);
	int n = kp_cm_beyond_cpus(4);

	kp_cm_run_sleepers(test, pool, n, true);
	KUNIT_EXPECT_GE(test, kp_cm_threads(pool), (unsigned int)n);
	KUNIT_EXPECT_LE(test, kp_pool_debug_max_growth_in_flight(pool), 1u);
}

/* ---- nesting ---------------------------------------------------------------------- */

struct kp_cm_nest {
	struct kpool_job job;
	struct kpool *pool;
	unsigned int runnable[5], blocked[5];
};

static unsigned int kp_cm_blocked(struct kpool *pool)
{
	struct kpool_stats st;

	kpool_get_stats(pool, &st);
	return st.nr_blocked;
}

static void kp_cm_nest_fn(struct kpool_job *job)
{
	struct kp_cm_nest *n = container_of(job, struct kp_cm_nest, job);
	int i = 0;

#define KP_CM_SAMPLE()                                               \
	do {                                                         \
		n->runnable[i] = kp_pool_debug_nr_runnable(n->pool); \
		n->blocked[i] = kp_cm_blocked(n->pool);              \
		i++;                                                 \
	} while (0)
	KP_CM_SAMPLE();
	kpool_block_begin();
	KP_CM_SAMPLE();
	kpool_block_begin();
	KP_CM_SAMPLE();
	kpool_block_end();
	KP_CM_SAMPLE();
	kpool_block_end();
	KP_CM_SAMPLE();
#undef KP_CM_SAMPLE
}

/* Nested kpool_block_begin/end count once: blocked from the outer begin to
 * the outer end, runnable again only after it (no warning either).
 */
static void cm_block_begin_end_nest(struct kunit *test)
{
	struct kpool *pool = kp_cm_pool(test, "kp_cm_ne", 0);
	struct kp_cm_nest *n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);
	const unsigned int runnable[5] = { 1, 0, 0, 0, 1 };
	const unsigned int blocked[5] = { 0, 1, 1, 1, 0 };
	int i;

	KUNIT_ASSERT_NOT_NULL(test, n);
	n->pool = pool;
	kpool_job_init(&n->job, kp_cm_nest_fn, NULL);
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &n->job), 0);
	KUNIT_ASSERT_TRUE(test, kp_cm_wait_for(!kpool_job_pending(&n->job), 30000));
	KUNIT_ASSERT_EQ(test, kpool_drain(pool), 0);
	for (i = 0; i < 5; i++) {
		KUNIT_EXPECT_EQ_MSG(test, n->runnable[i], runnable[i], "runnable at step %d", i);
		KUNIT_EXPECT_EQ_MSG(test, n->blocked[i], blocked[i], "blocked at step %d", i);
	}
}

/* ---- CPU-bound floods and idle workers ------------------------------------------- */

#define KP_CM_FLOOD 512
#define KP_CM_FLOOD_ROUNDS 4

struct kp_cm_flood {
	struct kpool_job jobs[KP_CM_FLOOD];
	struct kpool *pool;
	atomic_t ran, peak;
};

/* The flood of the running case (one case at a time). */
static struct kp_cm_flood *kp_cm_flood_current;

static void kp_cm_flood_fn(struct kpool_job *job)
{
	struct kp_cm_flood *f = kp_cm_flood_current;
	u64 end = ktime_get_ns() + 20 * NSEC_PER_USEC;
	int n, old;

	while (ktime_get_ns() < end) /* CPU-bound: never sleeps */
		cpu_relax();
	n = kp_cm_threads(f->pool);
	old = atomic_read(&f->peak);
	while (n > old && !atomic_try_cmpxchg(&f->peak, &old, n))
		;
	atomic_inc(&f->ran);
}

/* A flood of tiny CPU-bound jobs keeps the pool at the CPU count (+2 for
 * threads on their way): every worker stays runnable, so nothing calls for
 * a new one. Fails when the pool grows for queued jobs instead of for
 * blocked workers (the old rule: one thread per job waiting). The stall
 * timer is off: on a starved host (TCG vCPUs descheduled for longer than
 * stall_timeout_ms, seen at host load 16) it adds threads by its own rule,
 * which cm_stall_timer_rescues_unannounced_sleepers tests.
 */
static void cm_cpu_bound_flood_keeps_threads_near_cpus(struct kunit *test)
{
	struct kpool *pool = kp_cm_pool(test, "kp_cm_fl", KP_CM_NOTIFIER);
	struct kp_cm_flood *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	int r, i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->pool = pool;
	kp_cm_flood_current = f;
	for (r = 0; r < KP_CM_FLOOD_ROUNDS; r++) {
		for (i = 0; i < KP_CM_FLOOD; i++) {
			kpool_job_init(&f->jobs[i], kp_cm_flood_fn, NULL);
			KUNIT_ASSERT_EQ(test, kpool_queue(pool, &f->jobs[i]), 0);
		}
		KUNIT_ASSERT_EQ(test, kpool_drain(pool), 0);
	}
	kp_cm_flood_current = NULL;
	KUNIT_EXPECT_EQ(test, atomic_read(&f->ran), KP_CM_FLOOD * KP_CM_FLOOD_ROUNDS);
	KUNIT_EXPECT_LE(test, atomic_read(&f->peak), (int)num_online_cpus() + 2);
	KUNIT_EXPECT_LE(test, kp_cm_threads(pool), num_online_cpus() + 2);
}

static void kp_cm_nop_fn(struct kpool_job *job)
{
}

/* A worker that went free does not count as runnable (the lost attempt's
 * regression: a finished worker still counted, so a submit woke no one and
 * its job waited). After each job the count drops back to 0, and a job
 * queued then still runs.
 */
static void cm_free_worker_not_runnable(struct kunit *test)
{
	struct kpool *pool = kp_cm_pool(test, "kp_cm_fr", 0);
	struct kpool_job job;
	int i;

	kpool_job_init(&job, kp_cm_nop_fn, NULL);
	for (i = 0; i < 20; i++) {
		KUNIT_ASSERT_EQ(test, kpool_queue(pool, &job), 0);
		KUNIT_ASSERT_EQ(test, kpool_flush_job(&job), 0);
		KUNIT_ASSERT_TRUE_MSG(test,
				      kp_cm_wait_for(kp_pool_debug_nr_runnable(pool) == 0, 5000),
				      "round %d: nr_runnable %u with every worker free", i,
				      kp_pool_debug_nr_runnable(pool));
	}
}

/* Waits on the completion in its container (kp_cm_gate). */
struct kp_cm_gate {
	struct kpool_job job;
	struct completion *open;
};

static void kp_cm_gate_fn(struct kpool_job *job)
{
	wait_for_completion(container_of(job, struct kp_cm_gate, job)->open);
}

/* Jobs queued while no worker runs wake free workers up to the CPUs at once,
 * not one at a time: a woken worker on its way counts as runnable, and the
 * next job wakes the next worker before the first one ran (the regression:
 * a burst of blocking jobs started one wake-up latency per worker). With
 * preemption off on this CPU the woken workers have not taken their jobs
 * when the free count is read (on another CPU one may have: then it went on
 * by waking the next itself, and the count is the same).
 */
static void cm_jobs_wake_workers_up_to_the_cpus(struct kunit *test)
{
	const struct kpool_attrs a = {
		.min_threads = 4, .max_threads = 8, .reserve = 0, .idle_timeout_ms = 10000
	};
	struct kp_cm_gate *g = kunit_kcalloc(test, 2, sizeof(*g), GFP_KERNEL);
	DECLARE_COMPLETION_ONSTACK(open);
	struct kpool *pool = NULL;
	struct kpool_stats before, after;
	int r1, r2, i;

	KUNIT_ASSERT_NOT_NULL(test, g);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs (the pool's concurrency target)");
	KUNIT_ASSERT_EQ(test, kpool_create("kp_cm_wk", &a, &pool), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kp_cm_destroy, pool), 0);
	KUNIT_ASSERT_TRUE(test,
			  kp_cm_wait_for((kpool_get_stats(pool, &before), before.nr_idle == 4),
					 10000));
	for (i = 0; i < 2; i++) {
		g[i].open = &open;
		kpool_job_init(&g[i].job, kp_cm_gate_fn, NULL);
	}
	/* Ordered: each queueing applies the wake rule (unordered jobs share
	 * one inbox mark).
	 */
	preempt_disable();
	r1 = kpool_queue_ordered(pool, &g[0].job, 1);
	r2 = kpool_queue_ordered(pool, &g[1].job, 2);
	kpool_get_stats(pool, &after);
	preempt_enable();
	KUNIT_EXPECT_EQ(test, r1, 0);
	KUNIT_EXPECT_EQ(test, r2, 0);
	KUNIT_EXPECT_EQ_MSG(test, after.nr_idle, 2u, "two jobs queued, %u of 4 free workers woken",
			    4 - after.nr_idle);
	complete_all(&open);
	KUNIT_EXPECT_EQ(test, kpool_drain(pool), 0);
}

/* ---- claims: a worker takes a batch of jobs at once (src/core/worker.cpp) -------- */

#define KP_CM_BATCH 12

/*
 * A pool of one thread (max_threads 1) held in a gate job while the case's
 * jobs are queued: when the gate opens, that thread takes job 0 and claims
 * the next ones with it (its share: the queue over the pool's CPUs, so on
 * up to 4 CPUs at least job 1 and job 2).
 */
struct kp_cm_batch {
	struct kp_cm_gate gate;
	struct completion open, others;
	struct kpool_job jobs[KP_CM_BATCH];
	atomic_t ran[KP_CM_BATCH];
	atomic_t started0, spinning, release, timed_out, others_ran;
};

/* The batch of the running case (one case at a time). */
static struct kp_cm_batch *kp_cm_batch_current;

static int kp_cm_batch_index(struct kpool_job *job)
{
	return job - kp_cm_batch_current->jobs;
}

static void kp_cm_batch_nop_fn(struct kpool_job *job)
{
	struct kp_cm_batch *b = kp_cm_batch_current;

	atomic_inc(&b->ran[kp_cm_batch_index(job)]);
	if (atomic_inc_return(&b->others_ran) == KP_CM_BATCH - 1)
		complete(&b->others);
}

/* Job 1 of the flush and cancel cases: runnable all along (it never sleeps,
 * so nothing gives the batch back) until the case releases it, 10 s at most.
 */
static void kp_cm_batch_spin_fn(struct kpool_job *job)
{
	struct kp_cm_batch *b = kp_cm_batch_current;
	u64 end = ktime_get_ns() + 10 * NSEC_PER_SEC;

	atomic_set(&b->spinning, 1);
	while (!atomic_read(&b->release)) {
		if (ktime_get_ns() > end) {
			atomic_inc(&b->timed_out);
			break;
		}
		cpu_relax();
		cond_resched();
	}
	kp_cm_batch_nop_fn(job);
}

static void kp_cm_batch_first_fn(struct kpool_job *job)
{
	atomic_set(&kp_cm_batch_current->started0, 1);
	atomic_inc(&kp_cm_batch_current->ran[0]);
}

/* Job 0 of the sleeper case: sleeps (not announced) until all the others
 * ran, 10 s at most.
 */
static void kp_cm_batch_sleeper_fn(struct kpool_job *job)
{
	struct kp_cm_batch *b = kp_cm_batch_current;

	atomic_set(&b->started0, 1);
	if (!wait_for_completion_timeout(&b->others, 10 * HZ))
		atomic_inc(&b->timed_out);
	atomic_inc(&b->ran[0]);
}

/* Creates the one-thread pool, queues the gate and the jobs (job 0 runs
 * @first, job 1 @second, the others count), opens the gate, and waits
 * until job 0 started.
 */
static struct kpool *kp_cm_batch_start(struct kunit *test, const char *name, kpool_job_fn first,
				       kpool_job_fn second)
{
	const struct kpool_attrs a = {
		.min_threads = 1, .max_threads = 1, .reserve = 0, .idle_timeout_ms = 10000
	};
	struct kp_cm_batch *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct kpool *pool = NULL;
	struct kpool_stats st;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, b);
	if (!kp_notifier_available())
		kunit_skip(test, "needs CONFIG_PREEMPT_NOTIFIERS (workers claim only then)");
	if (num_online_cpus() > 4)
		kunit_skip(test, "the batch is the queue over the CPUs: needs at most 4 CPUs");
	KUNIT_ASSERT_EQ(test, kpool_create(name, &a, &pool), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kp_cm_destroy, pool), 0);
	kp_cm_batch_current = b;
	init_completion(&b->open);
	init_completion(&b->others);
	b->gate.open = &b->open;
	kpool_job_init(&b->gate.job, kp_cm_gate_fn, NULL);
	KUNIT_ASSERT_EQ(test, kpool_queue(pool, &b->gate.job), 0);
	KUNIT_ASSERT_TRUE(test,
			  kp_cm_wait_for((kpool_get_stats(pool, &st), st.nr_running == 1), 10000));
	kpool_job_init(&b->jobs[0], first, NULL);
	kpool_job_init(&b->jobs[1], second, NULL);
	for (i = 2; i < KP_CM_BATCH; i++)
		kpool_job_init(&b->jobs[i], kp_cm_batch_nop_fn, NULL);
	for (i = 0; i < KP_CM_BATCH; i++)
		KUNIT_ASSERT_EQ(test, kpool_queue(pool, &b->jobs[i]), 0);
	complete(&b->open);
	KUNIT_ASSERT_TRUE(test, kp_cm_wait_for(atomic_read(&b->started0), 10000));
	/* The precondition of every case: job 0 came with claimed jobs. */
	KUNIT_ASSERT_GE(test, kp_pool_debug_max_batch(pool), 3u);
	return pool;
}

static void kp_cm_batch_finish(struct kunit *test, struct kpool *pool)
{
	struct kp_cm_batch *b = kp_cm_batch_current;

	atomic_set(&b->release, 1);
	KUNIT_EXPECT_EQ(test, kpool_drain(pool), 0);
	KUNIT_EXPECT_EQ(test, kp_pool_debug_nr_claimed(pool), 0u);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->timed_out), 0);
}

/* A job of a batch that has run is done for its flushers at once, not when
 * the batch ends: a flush of job 0 while job 1 of the same batch runs
 * returns (job 1 waits for it, so waiting for the batch would hang until
 * job 1's 10 s run out). Fails when a batch's records are kept busy until
 * its end.
 */
static void cm_flush_of_a_batch_job_returns_once_it_ran(struct kunit *test)
{
	struct kpool *pool =
		kp_cm_batch_start(test, "kp_cm_bf", kp_cm_batch_first_fn, kp_cm_batch_spin_fn);
	struct kp_cm_batch *b = kp_cm_batch_current;

	KUNIT_ASSERT_TRUE(test, kp_cm_wait_for(atomic_read(&b->spinning), 10000));
	KUNIT_EXPECT_EQ(test, kpool_flush_job(&b->jobs[0]), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->ran[0]), 1);
	kp_cm_batch_finish(test, pool);
	kp_cm_batch_current = NULL;
}

/* A claimed job is still pending: kpool_cancel() takes it back from the
 * worker that claimed it (which is busy in job 1), and it never runs; the
 * other jobs all run. Fails when cancel does not know claimed jobs.
 */
static void cm_cancel_takes_a_claimed_job(struct kunit *test)
{
	struct kpool *pool =
		kp_cm_batch_start(test, "kp_cm_bc", kp_cm_batch_first_fn, kp_cm_batch_spin_fn);
	struct kp_cm_batch *b = kp_cm_batch_current;
	int i;

	KUNIT_ASSERT_TRUE(test, kp_cm_wait_for(atomic_read(&b->spinning), 10000));
	KUNIT_EXPECT_GE(test, kp_pool_debug_nr_claimed(pool), 1u);
	KUNIT_EXPECT_TRUE(test, kpool_job_pending(&b->jobs[2]));
	KUNIT_EXPECT_EQ(test, kpool_cancel(&b->jobs[2]), 1);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&b->jobs[2]));
	kp_cm_batch_finish(test, pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->ran[2]), 0);
	for (i = 0; i < KP_CM_BATCH; i++)
		if (i != 2)
			KUNIT_EXPECT_EQ_MSG(test, atomic_read(&b->ran[i]), 1, "job %d", i);
	kp_cm_batch_current = NULL;
}

/* Job 0 sleeps (unannounced) until all the others ran: the jobs its worker
 * claimed with it go back to the queue when it sleeps (the preempt
 * notifier's deferred wake-up), and the thread added once max_threads
 * allows it runs them all. Fails when claims wait behind a sleeping job:
 * job 0 then waits for jobs only its own thread would run.
 */
static void cm_claims_go_back_when_the_worker_sleeps(struct kunit *test)
{
	struct kpool *pool =
		kp_cm_batch_start(test, "kp_cm_bs", kp_cm_batch_sleeper_fn, kp_cm_batch_nop_fn);
	struct kp_cm_batch *b = kp_cm_batch_current;
	struct kpool_attrs a;

	kpool_get_attrs(pool, &a);
	a.max_threads = 2;
	KUNIT_ASSERT_EQ(test, kpool_set_attrs(pool, &a), 0);
	KUNIT_EXPECT_TRUE(test, kp_cm_wait_for(atomic_read(&b->ran[0]) == 1, 30000));
	kp_cm_batch_finish(test, pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->others_ran), KP_CM_BATCH - 1);
	kp_cm_batch_current = NULL;
}

static struct kunit_case kp_concurrency_cases[] = {
	KUNIT_CASE(cm_block_begin_end_nest),
	KUNIT_CASE(cm_free_worker_not_runnable),
	KUNIT_CASE(cm_jobs_wake_workers_up_to_the_cpus),
	KUNIT_CASE_SLOW(cm_cpu_bound_flood_keeps_threads_near_cpus),
	KUNIT_CASE_SLOW(cm_unannounced_sleepers_grow_with_notifier),
	KUNIT_CASE_SLOW(cm_annotated_sleepers_grow_without_notifier),
	KUNIT_CASE_SLOW(cm_stall_timer_rescues_unannounced_sleepers),
	KUNIT_CASE_SLOW(cm_growth_one_creation_in_flight),
	KUNIT_CASE(cm_flush_of_a_batch_job_returns_once_it_ran),
	KUNIT_CASE(cm_cancel_takes_a_claimed_job),
	KUNIT_CASE(cm_claims_go_back_when_the_worker_sleeps),
	{},
};

static struct kunit_suite kp_concurrency_suite = {
	.name = "kpool_concurrency",
	.test_cases = kp_concurrency_cases,
};

kunit_test_suites(&kp_concurrency_suite);
