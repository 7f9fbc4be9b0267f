// SPDX-License-Identifier: GPL-2.0
/*
 * Suite kpool_domain: domains (kpool_domain_*), one user's handle on a shared
 * pool, and the rescuer of KPOOL_MEM_RECLAIM pools. A domain's flush ignores
 * other users' jobs; its destroy leaves nothing of it running or pending,
 * with chained work run; cancel-all; max_active honoured; max_active 1 runs
 * in order, one at a time; queueing refused once destroy starts; bad
 * arguments refused; waits on itself refused; delayed jobs through a domain,
 * and kpool_domain_mod_delayed() re-arming or queueing them; a domain's drain
 * runs the work its jobs chain; a pool's drain
 * waits for the jobs waiting in its domains for a max_active slot; the
 * rescuer runs jobs when no thread can be created, and without it nothing
 * runs. Waits are bounded: a broken guarantee fails its case, never hangs.
 *
 * The self-wait refusals' WARNING is a log line for the suite
 * (kp_pool_debug_quiet_self_wait), or the dmesg check would fail the run.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/completion.h>
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kpool/kpool.h>
#include "core/core.h"
#include "shim/shim.h"

#define KD_WAIT (10 * HZ)
#define KD_N 16

/* Polls @cond every 5 ms for up to @ms; evaluates to its final value. */
#define kd_wait_for(cond, ms)                                           \
	({                                                              \
		unsigned long __end = jiffies + msecs_to_jiffies(ms);   \
		bool __ok;                                              \
		while (!(__ok = (cond)) && time_before(jiffies, __end)) \
			usleep_range(5000, 6000);                       \
		__ok;                                                   \
	})

struct kd_ctx;

struct kd_job {
	struct kpool_job job;
	struct kd_ctx *c;
	int idx;
	bool block;		  /* waits for c->release */
	unsigned int sleep_ms;	  /* then sleeps */
	struct kd_job *chain;	  /* then queues this one through c->dom */
	struct kpool_domain *own; /* self-wait case: waits on this domain */
	struct kpool_domain *other;
};

struct kd_ctx {
	struct kpool_domain *dom;
	atomic_t ran, cancelled, refused, in_flight, max_in_flight, pos;
	int order[KD_N];
	int self_ret[4];
	struct completion release;
	struct kd_job jobs[KD_N];
};

static unsigned int kd_nr_threads(struct kpool *pool)
{
	struct kpool_stats st;

	kpool_get_stats(pool, &st);
	return st.nr_threads;
}

static struct kpool *kd_pool(struct kunit *test, const char *name, unsigned int min,
			     unsigned int flags)
{
	struct kpool_attrs a = {
		.min_threads = min, .max_threads = 8, .idle_timeout_ms = 60000, .flags = flags
	};
	struct kpool *pool = NULL;

	KUNIT_ASSERT_EQ(test, kpool_create(name, &a, &pool), 0);
	KUNIT_ASSERT_TRUE(test, kd_wait_for(kd_nr_threads(pool) >= min, 10000));
	return pool;
}

static struct kpool_domain *kd_domain(struct kunit *test, struct kpool *pool, const char *name,
				      unsigned int max_active)
{
	struct kpool_domain *dom = NULL;

	KUNIT_ASSERT_EQ(test, kpool_domain_create(pool, name, max_active, &dom), 0);
	return dom;
}

static void kd_fn(struct kpool_job *job)
{
	struct kd_job *j = container_of(job, struct kd_job, job);
	struct kd_ctx *c = j->c;
	int now = atomic_inc_return(&c->in_flight);
	int max = atomic_read(&c->max_in_flight);
	int pos;

	while (now > max && !atomic_try_cmpxchg(&c->max_in_flight, &max, now))
		;
	pos = atomic_inc_return(&c->pos) - 1;
	if (pos < KD_N)
		c->order[pos] = j->idx;
	if (j->block)
		wait_for_completion_timeout(&c->release, 30 * HZ);
	if (j->sleep_ms)
		msleep(j->sleep_ms);
	if (j->chain && kpool_domain_queue(c->dom, &j->chain->job))
		atomic_inc(&c->refused);
	if (j->own) {
		WRITE_ONCE(c->self_ret[0], kpool_domain_flush(j->own));
		WRITE_ONCE(c->self_ret[1], kpool_domain_drain(j->own));
		WRITE_ONCE(c->self_ret[2], kpool_domain_destroy(j->own));
		WRITE_ONCE(c->self_ret[3], kpool_domain_flush(j->other));
	}
	atomic_dec(&c->in_flight);
	/* Ordered (a full barrier): what the job wrote is seen with the count. */
	atomic_inc_return(&c->ran);
}

static void kd_cancel_fn(struct kpool_job *job)
{
	atomic_inc(&container_of(job, struct kd_job, job)->c->cancelled);
}

static struct kd_ctx *kd_ctx_new(struct kunit *test)
{
	struct kd_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	init_completion(&c->release);
	for (i = 0; i < KD_N; i++) {
		c->jobs[i].c = c;
		c->jobs[i].idx = i;
		kpool_job_init(&c->jobs[i].job, kd_fn, NULL);
	}
	return c;
}

/* Reads /sys/kernel/kpool/<pool>/domains/<file> as an unsigned number, or -errno. */
static long kd_read_domain_file(struct kpool *pool, const char *file)
{
	char path[128], buf[32];
	struct file *f;
	loff_t pos = 0;
	ssize_t n;
	unsigned long v;

	snprintf(path, sizeof(path), "/sys/kernel/kpool/%s/domains/%s", kpool_name(pool), file);
	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n < 0)
		return n;
	buf[n] = '\0';
	if (kstrtoul(strim(buf), 10, &v))
		return -EINVAL;
	return v;
}

struct kd_waiter {
	struct kpool_domain *dom;
	int (*call)(struct kpool_domain *dom);
	struct kpool *pool; /* or @pool_call(@pool) */
	int (*pool_call)(struct kpool *pool);
	struct kd_ctx *c;
	int ran_at_return;
	int ret;
	struct completion done;
};

static int kd_waiter_fn(void *arg)
{
	struct kd_waiter *w = arg;

	w->ret = w->call ? w->call(w->dom) : w->pool_call(w->pool);
	w->ran_at_return = w->c ? atomic_read(&w->c->ran) : 0;
	complete(&w->done);
	return 0;
}

/* Runs the call of a copy of @init on a kthread; the caller waits on ->done.
 * Freed by the test once the call returned, leaked when it never did (its
 * thread may still write to it).
 */
static struct kd_waiter *kd_waiter_run(struct kunit *test, const struct kd_waiter *init)
{
	struct kd_waiter *w = kmemdup(init, sizeof(*init), GFP_KERNEL);
	struct task_struct *t;

	KUNIT_ASSERT_NOT_NULL(test, w);
	w->ret = 1;
	init_completion(&w->done);
	t = kthread_run(kd_waiter_fn, w, "kd_waiter");
	if (IS_ERR(t)) {
		kfree(w);
		KUNIT_ASSERT_FALSE_MSG(test, true, "kthread_run: %ld", PTR_ERR(t));
	}
	return w;
}

/* Runs @call(@dom) on a kthread (kd_waiter_run()). */
static struct kd_waiter *kd_waiter_start(struct kunit *test, struct kpool_domain *dom,
					 int (*call)(struct kpool_domain *), struct kd_ctx *c)
{
	struct kd_waiter init = { .dom = dom, .call = call, .c = c };

	return kd_waiter_run(test, &init);
}

/* Runs @call(@pool) on a kthread (kd_waiter_run()). */
static struct kd_waiter *kd_pool_waiter_start(struct kunit *test, struct kpool *pool,
					      int (*call)(struct kpool *), struct kd_ctx *c)
{
	struct kd_waiter init = { .pool = pool, .pool_call = call, .c = c };

	return kd_waiter_run(test, &init);
}

/* Waits for @w. Returns whether its call returned. */
static bool kd_waiter_end(struct kd_waiter *w, unsigned long timeout)
{
	if (!wait_for_completion_timeout(&w->done, timeout))
		return false;
	return true;
}

/*
 * A job of another domain blocked on the same pool does not delay a flush:
 * the flush returns once the domain's own jobs ran, while the other job
 * still blocks.
 */
static void domain_flush_ignores_other_domains(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_flush", 4, 0);
	struct kd_ctx *a = kd_ctx_new(test), *b = kd_ctx_new(test);
	struct kd_waiter *w;
	bool flushed;
	int i;

	a->dom = kd_domain(test, pool, "a", 0);
	b->dom = kd_domain(test, pool, "b", 0);
	b->jobs[0].block = true;
	KUNIT_ASSERT_EQ(test, kpool_domain_queue(b->dom, &b->jobs[0].job), 0);
	KUNIT_EXPECT_TRUE(test, kd_wait_for(atomic_read(&b->in_flight) == 1, 10000));
	for (i = 0; i < 4; i++) {
		a->jobs[i].sleep_ms = 10;
		KUNIT_EXPECT_EQ(test, kpool_domain_queue(a->dom, &a->jobs[i].job), 0);
	}
	w = kd_waiter_start(test, a->dom, kpool_domain_flush, a);
	flushed = kd_waiter_end(w, KD_WAIT);
	KUNIT_EXPECT_TRUE_MSG(test, flushed, "the flush waited for another domain's job");
	KUNIT_EXPECT_EQ(test, atomic_read(&b->in_flight), 1);
	complete_all(&b->release);
	if (!flushed && !kd_waiter_end(w, 60 * HZ))
		w = NULL; /* still used by its thread: leaked */
	if (w) {
		KUNIT_EXPECT_EQ(test, w->ret, 0);
		KUNIT_EXPECT_EQ(test, w->ran_at_return, 4);
		kfree(w);
	}
	KUNIT_EXPECT_EQ(test, kpool_domain_flush(b->dom), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->ran), 1);
	kpool_domain_destroy(a->dom);
	kpool_domain_destroy(b->dom);
	kpool_destroy(pool);
}

/* Queues @j through c->dom; if that worked, waits (bounded) until it ran. */
static int kd_probe_runs(struct kd_ctx *c, struct kd_job *j)
{
	int ran_before = atomic_read(&c->ran);
	int ret = kpool_domain_queue(c->dom, &j->job);

	if (!ret)
		kd_wait_for(!kpool_job_pending(&j->job) && atomic_read(&c->ran) > ran_before,
			    10000);
	return ret;
}

/* Queues @j (with a cancel function) through c->dom; counts in @queued. */
static int kd_probe_queue(struct kd_ctx *c, struct kd_job *j, int *queued)
{
	int ret = kpool_domain_queue(c->dom, &j->job);

	*queued += ret == 0;
	return ret;
}

/*
 * Destroy: jobs not started with a cancel function are cancelled, the others
 * run, and so does the work their chain queues meanwhile; on return nothing
 * of the domain runs or is pending. The two running jobs block until the
 * destroy has started, so the waiting ones cannot start before it.
 */
static void domain_destroy_runs_chained_work_and_leaves_nothing(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_destroy", 2, 0);
	struct kd_ctx *c = kd_ctx_new(test);
	const int chain = 8, slow = chain, first_cancel = chain + 1, nr_cancel = 3;
	const int probe = first_cancel + nr_cancel;
	struct kd_waiter *w;
	int i, ret = 0, probes = 0;
	bool done;

	c->dom = kd_domain(test, pool, "d", 2);
	for (i = 0; i < chain; i++) {
		c->jobs[i].sleep_ms = 5;
		c->jobs[i].chain = i + 1 < chain ? &c->jobs[i + 1] : NULL;
	}
	c->jobs[0].block = true;
	c->jobs[slow].block = true;
	for (i = first_cancel; i <= probe; i++)
		kpool_job_init(&c->jobs[i].job, kd_fn, kd_cancel_fn);
	KUNIT_ASSERT_EQ(test, kpool_domain_queue(c->dom, &c->jobs[0].job), 0);
	KUNIT_ASSERT_EQ(test, kpool_domain_queue(c->dom, &c->jobs[slow].job), 0);
	/* Both max_active slots are taken: these wait in the domain. */
	for (i = first_cancel; i < first_cancel + nr_cancel; i++)
		KUNIT_ASSERT_EQ(test, kpool_domain_queue(c->dom, &c->jobs[i].job), 0);
	KUNIT_ASSERT_TRUE(test, kd_wait_for(atomic_read(&c->in_flight) == 2, 10000));
	w = kd_waiter_start(test, c->dom, kpool_domain_destroy, NULL);
	/* Until refused: a probe queued before is cancelled by the destroy. */
	kd_wait_for((ret = kd_probe_queue(c, &c->jobs[probe], &probes)) == -ESHUTDOWN, 10000);
	KUNIT_EXPECT_EQ(test, ret, -ESHUTDOWN);
	KUNIT_EXPECT_TRUE(test,
			  kd_wait_for(atomic_read(&c->cancelled) == nr_cancel + probes, 10000));
	complete_all(&c->release);
	done = kd_waiter_end(w, 60 * HZ);
	KUNIT_ASSERT_TRUE(test, done);
	KUNIT_EXPECT_EQ(test, w->ret, 0);
	kfree(w);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->in_flight), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->refused), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->ran), chain + 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->cancelled), nr_cancel + probes);
	for (i = 0; i <= probe; i++)
		KUNIT_EXPECT_FALSE(test, kpool_job_pending(&c->jobs[i].job));
	/* Nothing runs later either. */
	msleep(50);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->ran), chain + 1);
	kpool_destroy(pool);
}

struct kd_delayed {
	struct kpool_delayed_job dj;
	atomic_t *ran, *cancelled;
};

static void kd_delayed_fn(struct kpool_job *job)
{
	atomic_inc(container_of(job, struct kd_delayed, dj.job)->ran);
}

static void kd_delayed_cancel(struct kpool_job *job)
{
	atomic_inc(container_of(job, struct kd_delayed, dj.job)->cancelled);
}

/*
 * @n delayed jobs (freed with the test) counting into @ran and @cancelled;
 * job i has a cancel function if bit i of @cancel_mask is set.
 */
static struct kd_delayed *kd_delayed_new(struct kunit *test, int n, atomic_t *ran,
					 atomic_t *cancelled, unsigned long cancel_mask)
{
	struct kd_delayed *d = kunit_kcalloc(test, n, sizeof(*d), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, d);
	for (i = 0; i < n; i++) {
		kpool_delayed_job_init(&d[i].dj, kd_delayed_fn,
				       cancel_mask & BIT(i) ? kd_delayed_cancel : NULL);
		d[i].ran = ran;
		d[i].cancelled = cancelled;
	}
	return d;
}

/*
 * cancel_all: every job that has not started (waiting for max_active, or an
 * armed delayed job) is removed and counted; those with a cancel function
 * have it called; the running one is left alone.
 */
static void domain_cancel_all_cancels_what_has_not_started(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_cancel", 1, 0);
	struct kd_ctx *c = kd_ctx_new(test);
	struct kd_delayed *dj = kunit_kzalloc(test, sizeof(*dj), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, dj);
	c->dom = kd_domain(test, pool, "c", 1);
	c->jobs[0].block = true;
	KUNIT_ASSERT_EQ(test, kpool_domain_queue(c->dom, &c->jobs[0].job), 0);
	KUNIT_ASSERT_TRUE(test, kd_wait_for(atomic_read(&c->in_flight) == 1, 10000));
	for (i = 1; i <= 5; i++) {
		kpool_job_init(&c->jobs[i].job, kd_fn, i % 2 ? kd_cancel_fn : NULL);
		KUNIT_EXPECT_EQ(test, kpool_domain_queue(c->dom, &c->jobs[i].job), 0);
	}
	kpool_delayed_job_init(&dj->dj, kd_delayed_fn, kd_delayed_cancel);
	dj->ran = &c->ran;
	dj->cancelled = &c->cancelled;
	KUNIT_EXPECT_EQ(test, kpool_domain_queue_delayed(c->dom, &dj->dj, 60 * HZ), 0);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "c/nr_waiting"), 5);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "c/nr_delayed"), 1);
	KUNIT_EXPECT_EQ(test, kpool_domain_cancel_all(c->dom), 6);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->cancelled), 4);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&dj->dj.job));
	for (i = 1; i <= 5; i++)
		KUNIT_EXPECT_FALSE(test, kpool_job_pending(&c->jobs[i].job));
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "c/cancelled"), 6);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "c/nr_waiting"), 0);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "c/nr_delayed"), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->in_flight), 1);
	complete_all(&c->release);
	KUNIT_EXPECT_EQ(test, kpool_domain_flush(c->dom), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->ran), 1);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "c/completed"), 1);
	kpool_domain_destroy(c->dom);
	kpool_destroy(pool);
}

/* max_active 3 on a pool with 4 free threads: never more than 3 in flight. */
static void domain_max_active_is_honoured(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_maxact", 4, 0);
	struct kd_ctx *c = kd_ctx_new(test);
	int i;

	c->dom = kd_domain(test, pool, "m", 3);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "m/max_active"), 3);
	for (i = 0; i < 12; i++) {
		c->jobs[i].sleep_ms = 40;
		KUNIT_EXPECT_EQ(test, kpool_domain_queue(c->dom, &c->jobs[i].job), 0);
	}
	KUNIT_EXPECT_LE(test, kd_read_domain_file(pool, "m/nr_active"), 3);
	KUNIT_EXPECT_GE(test, kd_read_domain_file(pool, "m/nr_waiting"), 1);
	KUNIT_EXPECT_EQ(test, kpool_domain_drain(c->dom), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->ran), 12);
	KUNIT_EXPECT_LE(test, atomic_read(&c->max_in_flight), 3);
	KUNIT_EXPECT_GE(test, atomic_read(&c->max_in_flight), 2);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "m/queued"), 12);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "m/completed"), 12);
	kpool_domain_destroy(c->dom);
	kpool_destroy(pool);
}

/* max_active 1 (an ordered domain): FIFO, one at a time, on a 4-thread pool. */
static void domain_ordered_is_fifo_one_at_a_time(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_ordered", 4, 0);
	struct kd_ctx *c = kd_ctx_new(test);
	int i;

	c->dom = kd_domain(test, pool, "o", 1);
	for (i = 0; i < KD_N; i++) {
		c->jobs[i].sleep_ms = i % 3 ? 0 : 2;
		KUNIT_EXPECT_EQ(test, kpool_domain_queue(c->dom, &c->jobs[i].job), 0);
	}
	KUNIT_EXPECT_EQ(test, kpool_domain_drain(c->dom), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->ran), KD_N);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->max_in_flight), 1);
	for (i = 0; i < KD_N; i++)
		KUNIT_EXPECT_EQ(test, c->order[i], i);
	kpool_domain_destroy(c->dom);
	kpool_destroy(pool);
}

/*
 * Once destroy has started, queueing from outside the domain is refused with
 * -ESHUTDOWN (the domain's running job keeps destroy from returning), also
 * through kpool_domain_mod_delayed().
 */
static void domain_queue_refused_once_destroy_starts(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_refuse", 2, 0);
	struct kd_ctx *c = kd_ctx_new(test);
	atomic_t ran = ATOMIC_INIT(0), cancelled = ATOMIC_INIT(0);
	struct kd_delayed *d = kd_delayed_new(test, 1, &ran, &cancelled, 0);
	struct kd_waiter *w;
	int ret = 0;
	bool done;

	c->dom = kd_domain(test, pool, "r", 0);
	c->jobs[0].block = true;
	KUNIT_ASSERT_EQ(test, kpool_domain_queue(c->dom, &c->jobs[0].job), 0);
	KUNIT_ASSERT_TRUE(test, kd_wait_for(atomic_read(&c->in_flight) == 1, 10000));
	w = kd_waiter_start(test, c->dom, kpool_domain_destroy, NULL);
	/* A probe queued before destroy started runs; retry until refused. */
	kd_wait_for((ret = kd_probe_runs(c, &c->jobs[1])) == -ESHUTDOWN, 10000);
	KUNIT_EXPECT_EQ(test, ret, -ESHUTDOWN);
	KUNIT_EXPECT_EQ(test, kpool_domain_queue_ordered(c->dom, &c->jobs[2].job, 7), -ESHUTDOWN);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&c->jobs[2].job));
	KUNIT_EXPECT_EQ(test, kpool_domain_mod_delayed(c->dom, &d->dj, 1), -ESHUTDOWN);
	KUNIT_EXPECT_EQ(test, kpool_domain_mod_delayed(c->dom, &d->dj, 0), -ESHUTDOWN);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&d->dj.job));
	KUNIT_EXPECT_FALSE(test, completion_done(&w->done));
	complete_all(&c->release);
	done = kd_waiter_end(w, 60 * HZ);
	KUNIT_EXPECT_TRUE(test, done);
	if (done) {
		KUNIT_EXPECT_EQ(test, w->ret, 0);
		kfree(w);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&c->in_flight), 0);
	kpool_destroy(pool);
}

/* Bad arguments: -EINVAL (a taken name -EEXIST), and nothing changes. */
static void domain_bad_arguments_are_refused(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_args", 0, 0);
	struct kd_ctx *c = kd_ctx_new(test);
	struct kpool_domain *d = NULL, *dup = NULL;
	struct kpool_delayed_job *dj = kunit_kzalloc(test, sizeof(*dj), GFP_KERNEL);
	struct kpool_job nofn = {};
	struct kpool_attrs bad = { .max_threads = 1, .idle_timeout_ms = 1000, .flags = 0x80 };
	struct kpool *bp = NULL;

	KUNIT_ASSERT_NOT_NULL(test, dj);
	KUNIT_EXPECT_EQ(test, kpool_domain_create(pool, NULL, 0, &d), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_domain_create(pool, "", 0, &d), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_domain_create(pool, "a/b", 0, &d), -EINVAL);
	KUNIT_EXPECT_EQ(test,
			kpool_domain_create(pool, "0123456789012345678901234567890123", 0, &d),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_domain_create(pool, "big", KPOOL_DOMAIN_MAX_ACTIVE + 1, &d),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_domain_create(pool, "noout", 0, NULL), -EINVAL);
	KUNIT_EXPECT_NULL(test, d);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "big/queued"), -ENOENT);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "noout/queued"), -ENOENT);
	KUNIT_EXPECT_EQ(test, kpool_create("kd_badflags", &bad, &bp), -EINVAL);
	KUNIT_EXPECT_NULL(test, bp);

	c->dom = kd_domain(test, pool, "ok", 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_create(pool, "ok", 0, &dup), -EEXIST);
	KUNIT_EXPECT_NULL(test, dup);
	KUNIT_EXPECT_EQ(test, kpool_domain_queue(NULL, &c->jobs[0].job), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_domain_queue(c->dom, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_domain_queue(c->dom, &nofn), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_domain_queue_ordered(c->dom, &c->jobs[0].job, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_domain_queue_delayed(c->dom, NULL, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_domain_queue_delayed(c->dom, dj, 1), -EINVAL); /* no function */
	KUNIT_EXPECT_EQ(test, kpool_domain_flush(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_domain_drain(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_domain_cancel_all(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_domain_destroy(NULL), 0);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&c->jobs[0].job));
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "ok/queued"), 0);
	/* The domain still works. */
	KUNIT_EXPECT_EQ(test, kpool_domain_queue(c->dom, &c->jobs[0].job), 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_flush(c->dom), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->ran), 1);
	kpool_domain_destroy(c->dom);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "ok/queued"), -ENOENT);
	kpool_destroy(pool);
}

/*
 * Flush, drain and destroy of a domain from one of its own jobs would wait
 * for themselves: -EDEADLK, nothing changed. A flush of another domain from
 * it works.
 */
static void domain_self_wait_is_edeadlk(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_self", 2, 0);
	struct kd_ctx *c = kd_ctx_new(test), *o = kd_ctx_new(test);

	c->dom = kd_domain(test, pool, "s", 0);
	o->dom = kd_domain(test, pool, "other", 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_queue(o->dom, &o->jobs[0].job), 0);
	c->jobs[0].own = c->dom;
	c->jobs[0].other = o->dom;
	KUNIT_ASSERT_EQ(test, kpool_domain_queue(c->dom, &c->jobs[0].job), 0);
	KUNIT_ASSERT_TRUE(test, kd_wait_for(atomic_read(&c->ran) == 1, 10000));
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->self_ret[0]), -EDEADLK);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->self_ret[1]), -EDEADLK);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->self_ret[2]), -EDEADLK);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->self_ret[3]), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&o->ran), 1);
	/* The domain is still there and works. */
	c->jobs[1].c = c;
	KUNIT_EXPECT_EQ(test, kpool_domain_queue(c->dom, &c->jobs[1].job), 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_flush(c->dom), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->ran), 2);
	KUNIT_EXPECT_EQ(test, kpool_domain_destroy(c->dom), 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_destroy(o->dom), 0);
	kpool_destroy(pool);
}

/*
 * Delayed jobs through a domain: one due soon runs; at destroy an armed one
 * with a cancel function is cancelled, one without runs at once.
 */
static void domain_delayed_jobs_run_or_are_cancelled_at_destroy(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_delayed", 1, 0);
	struct kpool_domain *dom = kd_domain(test, pool, "dl", 0);
	atomic_t ran = ATOMIC_INIT(0), cancelled = ATOMIC_INIT(0);
	struct kd_delayed *d = kd_delayed_new(test, 3, &ran, &cancelled, BIT(1));
	int i;

	KUNIT_EXPECT_EQ(test, kpool_domain_queue_delayed(dom, &d[0].dj, 1), 0);
	KUNIT_EXPECT_TRUE(test, kd_wait_for(atomic_read(&ran) == 1, 10000));
	KUNIT_EXPECT_EQ(test, kpool_domain_queue_delayed(dom, &d[1].dj, 60 * HZ), 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_queue_delayed(dom, &d[2].dj, 60 * HZ), 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_queue_delayed(dom, &d[2].dj, 1), KPOOL_ALREADY_PENDING);
	/* A flush does not wait for armed timers. */
	KUNIT_EXPECT_EQ(test, kpool_domain_flush(dom), 0);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "dl/nr_delayed"), 2);
	KUNIT_EXPECT_EQ(test, kpool_domain_destroy(dom), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ran), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&cancelled), 1);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_FALSE(test, kpool_job_pending(&d[i].dj.job));
	kpool_destroy(pool);
}

/*
 * kpool_domain_mod_delayed(): an idle job is queued (0) through the domain;
 * a pending one, armed there or on the pool without a domain, is re-armed
 * with the new delay (KPOOL_ALREADY_PENDING) and runs through the domain; a
 * delay of 0 queues it now. Re-arming does not count it again.
 */
static void domain_mod_delayed_rearms_pending_or_queues(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_mod", 1, 0);
	struct kpool_domain *dom = kd_domain(test, pool, "md", 0);
	atomic_t ran = ATOMIC_INIT(0), cancelled = ATOMIC_INIT(0);
	struct kd_delayed *d = kd_delayed_new(test, 2, &ran, &cancelled, BIT(0) | BIT(1));

	/* Idle: queued through the domain, armed there. */
	KUNIT_EXPECT_EQ(test, kpool_domain_mod_delayed(dom, &d[0].dj, 60 * HZ), 0);
	KUNIT_EXPECT_TRUE(test, kpool_job_pending(&d[0].dj.job));
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "md/nr_delayed"), 1);
	/* Pending: re-armed, sooner. */
	KUNIT_EXPECT_EQ(test, kpool_domain_mod_delayed(dom, &d[0].dj, 1), KPOOL_ALREADY_PENDING);
	KUNIT_EXPECT_TRUE_MSG(test, kd_wait_for(atomic_read(&ran) == 1, 10000),
			      "the re-armed job did not run within 10 s (armed for 60 s)");
	KUNIT_EXPECT_EQ(test, kpool_domain_flush(dom), 0);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "md/queued"), 1);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "md/completed"), 1);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "md/cancelled"), 0);
	/* Armed on the pool without a domain: taken into this one. */
	KUNIT_EXPECT_EQ(test, kpool_queue_delayed(pool, &d[1].dj, 60 * HZ), 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_mod_delayed(dom, &d[1].dj, 60 * HZ),
			KPOOL_ALREADY_PENDING);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "md/nr_delayed"), 1);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "md/queued"), 2);
	/* Due now: queued at once; the flush waits for it. */
	KUNIT_EXPECT_EQ(test, kpool_domain_mod_delayed(dom, &d[1].dj, 0), KPOOL_ALREADY_PENDING);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "md/nr_delayed"), 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_flush(dom), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ran), 2);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "md/completed"), 2);
	/* Idle with delay 0: queued now. */
	KUNIT_EXPECT_EQ(test, kpool_domain_mod_delayed(dom, &d[1].dj, 0), 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_flush(dom), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ran), 3);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "md/queued"), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&cancelled), 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_destroy(dom), 0);
	kpool_destroy(pool);
}

/*
 * kpool_domain_mod_delayed() refuses bad arguments (-EINVAL) and a job
 * pending on another pool (-EBUSY), changing nothing (after destroy started:
 * domain_queue_refused_once_destroy_starts).
 */
static void domain_mod_delayed_refusals_change_nothing(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_modref", 1, 0);
	struct kpool *other = kd_pool(test, "kd_modref2", 0, 0);
	struct kpool_domain *dom = kd_domain(test, pool, "mr", 0);
	struct kpool_delayed_job *nofn = kunit_kzalloc(test, sizeof(*nofn), GFP_KERNEL);
	atomic_t ran = ATOMIC_INIT(0), cancelled = ATOMIC_INIT(0);
	struct kd_delayed *d = kd_delayed_new(test, 2, &ran, &cancelled, BIT(0) | BIT(1));

	KUNIT_ASSERT_NOT_NULL(test, nofn);
	KUNIT_EXPECT_EQ(test, kpool_domain_mod_delayed(NULL, &d[0].dj, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_domain_mod_delayed(dom, NULL, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kpool_domain_mod_delayed(dom, nofn, 1), -EINVAL);
	KUNIT_EXPECT_FALSE(test, kpool_job_pending(&d[0].dj.job));
	/* Pending on another pool: left there, armed. */
	KUNIT_EXPECT_EQ(test, kpool_queue_delayed(other, &d[1].dj, 60 * HZ), 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_mod_delayed(dom, &d[1].dj, 1), -EBUSY);
	KUNIT_EXPECT_EQ(test, kpool_domain_mod_delayed(dom, &d[1].dj, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "mr/queued"), 0);
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "mr/nr_delayed"), 0);
	KUNIT_EXPECT_EQ(test, kpool_cancel(&d[1].dj.job), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ran), 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_destroy(dom), 0);
	kpool_destroy(other);
	kpool_destroy(pool);
}

/*
 * A domain's drain accepts the work its own running jobs chain through it
 * (cmwq's drain_workqueue() does too) and returns only once that ran: a
 * chain of four jobs, each queueing the next while the drain waits.
 */
static void domain_drain_runs_chained_work(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_dchain", 2, 0);
	struct kd_ctx *c = kd_ctx_new(test);
	int i;

	c->dom = kd_domain(test, pool, "d", 0);
	for (i = 0; i < 4; i++) {
		c->jobs[i].sleep_ms = 20;
		c->jobs[i].chain = i < 3 ? &c->jobs[i + 1] : NULL;
	}
	KUNIT_EXPECT_EQ(test, kpool_domain_queue(c->dom, &c->jobs[0].job), 0);
	KUNIT_EXPECT_EQ(test, kpool_domain_drain(c->dom), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->refused), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->ran), 4);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, c->order[i], i);
	kpool_domain_destroy(c->dom);
	kpool_destroy(pool);
}

/*
 * kpool_drain() on a pool waits for jobs queued through its domains that
 * wait there for a max_active slot: an ordered domain's running job blocks,
 * three wait behind it; the drain returns only once all four ran.
 */
static void pool_drain_waits_for_jobs_waiting_for_a_slot(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_pdrain", 2, 0);
	struct kd_ctx *c = kd_ctx_new(test);
	struct kd_waiter *w;
	bool drained;
	int i;

	c->dom = kd_domain(test, pool, "pd", 1);
	c->jobs[0].block = true;
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, kpool_domain_queue(c->dom, &c->jobs[i].job), 0);
	KUNIT_ASSERT_TRUE(test, kd_wait_for(atomic_read(&c->in_flight) == 1, 10000));
	KUNIT_EXPECT_EQ(test, kd_read_domain_file(pool, "pd/nr_waiting"), 3);
	w = kd_pool_waiter_start(test, pool, kpool_drain, c);
	msleep(50);
	KUNIT_EXPECT_FALSE_MSG(test, completion_done(&w->done),
			       "the drain returned while a job ran");
	complete_all(&c->release);
	drained = kd_waiter_end(w, 60 * HZ);
	KUNIT_EXPECT_TRUE(test, drained);
	if (drained) {
		KUNIT_EXPECT_EQ(test, w->ret, 0);
		KUNIT_EXPECT_EQ_MSG(test, w->ran_at_return, 4,
				    "the drain returned with jobs still waiting for their slot");
		kfree(w);
	}
	KUNIT_EXPECT_EQ(test, kpool_domain_destroy(c->dom), 0);
	kpool_destroy(pool);
}

/*
 * A KPOOL_MEM_RECLAIM pool without a thread, every kpool allocation and
 * thread creation failing: its rescuer runs the queued jobs (plain and
 * through a domain).
 */
static void rescuer_runs_jobs_when_no_thread_can_be_created(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_rescue", 0, KPOOL_MEM_RECLAIM);
	struct kd_ctx *c = kd_ctx_new(test);
	struct kpool_stats st;
	bool all_ran;
	int i;

	c->dom = kd_domain(test, pool, "rs", 0);
	kp_fault_fail_next(KP_FAULT_ALLOC, 1000000);
	kp_fault_fail_next(KP_FAULT_SPAWN, 1000000);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test,
				i % 2 ? kpool_domain_queue(c->dom, &c->jobs[i].job) :
					kpool_queue(pool, &c->jobs[i].job),
				0);
	all_ran = kd_wait_for(atomic_read(&c->ran) == 8, 10000);
	kpool_get_stats(pool, &st);
	kp_fault_fail_next(KP_FAULT_ALLOC, 0);
	kp_fault_fail_next(KP_FAULT_SPAWN, 0);
	KUNIT_EXPECT_TRUE_MSG(test, all_ran, "%d of 8 jobs ran", atomic_read(&c->ran));
	KUNIT_EXPECT_EQ(test, st.nr_threads, 0u);
	KUNIT_EXPECT_GT(test, st.spawn_failures, 0ul);
	KUNIT_EXPECT_EQ(test, kpool_domain_flush(c->dom), 0);
	kpool_domain_destroy(c->dom);
	kpool_destroy(pool);
}

/* The same pool without the flag makes no progress (and destroy runs the
 * jobs): what the rescuer is for.
 */
static void rescuer_absent_pool_stalls_when_no_thread_can_be_created(struct kunit *test)
{
	struct kpool *pool = kd_pool(test, "kd_norescue", 0, 0);
	struct kd_ctx *c = kd_ctx_new(test);
	struct kpool_stats st;
	int i, ran;

	kp_fault_fail_next(KP_FAULT_ALLOC, 1000000);
	kp_fault_fail_next(KP_FAULT_SPAWN, 1000000);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, kpool_queue(pool, &c->jobs[i].job), 0);
	msleep(300);
	ran = atomic_read(&c->ran);
	kpool_get_stats(pool, &st);
	kp_fault_fail_next(KP_FAULT_ALLOC, 0);
	kp_fault_fail_next(KP_FAULT_SPAWN, 0);
	kpool_destroy(pool);
	KUNIT_EXPECT_EQ(test, ran, 0);
	KUNIT_EXPECT_EQ(test, st.nr_threads, 0u);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->ran), 8);
}

static int kd_suite_init(struct kunit_suite *suite)
{
	kp_pool_debug_quiet_self_wait(1);
	return 0;
}

static void kd_suite_exit(struct kunit_suite *suite)
{
	kp_pool_debug_quiet_self_wait(0);
}

static struct kunit_case kp_domain_cases[] = {
	KUNIT_CASE(domain_flush_ignores_other_domains),
	KUNIT_CASE(domain_destroy_runs_chained_work_and_leaves_nothing),
	KUNIT_CASE(domain_cancel_all_cancels_what_has_not_started),
	KUNIT_CASE(domain_max_active_is_honoured),
	KUNIT_CASE(domain_ordered_is_fifo_one_at_a_time),
	KUNIT_CASE(domain_queue_refused_once_destroy_starts),
	KUNIT_CASE(domain_bad_arguments_are_refused),
	KUNIT_CASE(domain_self_wait_is_edeadlk),
	KUNIT_CASE(domain_delayed_jobs_run_or_are_cancelled_at_destroy),
	KUNIT_CASE(domain_mod_delayed_rearms_pending_or_queues),
	KUNIT_CASE(domain_mod_delayed_refusals_change_nothing),
	KUNIT_CASE(domain_drain_runs_chained_work),
	KUNIT_CASE(pool_drain_waits_for_jobs_waiting_for_a_slot),
	KUNIT_CASE(rescuer_runs_jobs_when_no_thread_can_be_created),
	KUNIT_CASE(rescuer_absent_pool_stalls_when_no_thread_can_be_created),
	{},
};

static struct kunit_suite kp_domain_suite = {
	.name = "kpool_domain",
	.suite_init = kd_suite_init,
	.suite_exit = kd_suite_exit,
	.test_cases = kp_domain_cases,
};

kunit_test_suites(&kp_domain_suite);
