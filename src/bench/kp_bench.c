// SPDX-License-Identifier: GPL-2.0
/*
 * kpool_bench.ko: kpool against the kernel's own mechanisms, in one boot.
 *
 * Loading the module runs the scenarios selected by the module parameters and
 * prints one line per (scenario, mechanism):
 *   kpool_bench: RESULT scenario=S mechanism=M n=N p50_ns=.. p99_ns=.. p999_ns=..
 *                max_ns=.. [ops_per_s=..] [makespan_ns=..]
 * which scripts/bench turns into a table, ratios and JSON. Every figure is the
 * median over @reps repetitions after a warm-up repetition. Nothing here is a
 * pass/fail assertion; `make check` only runs a short smoke version.
 *
 * It is a user of kpool's public API, like any other module.
 */
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/workqueue.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/atomic.h>
#include <linux/vmalloc.h>
#include <kpool/kpool.h>
#include "core/core.h"

static unsigned int iters = 2000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "Samples per repetition for latency scenarios (10..100000)");
static unsigned int reps = 5;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "Measured repetitions; the median is reported (1..21)");
static unsigned int teardown_threads = 256;
module_param(teardown_threads, uint, 0444);
MODULE_PARM_DESC(teardown_threads, "Threads stopped in the teardown scenario (1..1024)");
static unsigned int burst_ms = 50;
module_param(burst_ms, uint, 0444);
MODULE_PARM_DESC(burst_ms, "Sleep of each job in the blocking-burst scenario (1..1000 ms)");

/* ---- samples and statistics --------------------------------------------------------- */

struct kb_result {
	u64 p50, p99, p999, max;
	u64 ops_per_s, makespan;
};

static int kb_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 kb_pct(u64 *s, unsigned int n, unsigned int permille)
{
	unsigned int i = (u64)n * permille / 1000;

	return s[min(i, n - 1)];
}

static void kb_summarise(u64 *s, unsigned int n, struct kb_result *r)
{
	sort(s, n, sizeof(u64), kb_cmp_u64, NULL);
	r->p50 = kb_pct(s, n, 500);
	r->p99 = kb_pct(s, n, 990);
	r->p999 = kb_pct(s, n, 999);
	r->max = s[n - 1];
}

/* Median of each field over the repetitions. */
static void kb_median(struct kb_result *rs, unsigned int n, struct kb_result *out)
{
	u64 *v = kmalloc_array(n, sizeof(u64), GFP_KERNEL);
	unsigned int f, i;

	if (!v)
		return;
	for (f = 0; f < sizeof(*out) / sizeof(u64); f++) {
		for (i = 0; i < n; i++)
			v[i] = ((u64 *)&rs[i])[f];
		sort(v, n, sizeof(u64), kb_cmp_u64, NULL);
		((u64 *)out)[f] = v[n / 2];
	}
	kfree(v);
}

static void kb_print(const char *scenario, const char *mech, unsigned int n, struct kb_result *r)
{
	pr_info("kpool_bench: RESULT scenario=%s mechanism=%s n=%u p50_ns=%llu p99_ns=%llu p999_ns=%llu max_ns=%llu ops_per_s=%llu makespan_ns=%llu\n",
		scenario, mech, n, r->p50, r->p99, r->p999, r->max, r->ops_per_s, r->makespan);
}

/* A measurement: fills @samples (latency scenarios) or @r directly. */
typedef int (*kb_measure_fn)(u64 *samples, unsigned int n, struct kb_result *r);

static int kb_run(const char *scenario, const char *mech, kb_measure_fn fn, bool latency)
{
	struct kb_result *rs, med = {};
	u64 *samples;
	unsigned int i;
	int ret = 0;

	samples = vmalloc(array_size(iters, sizeof(u64)));
	rs = kcalloc(reps, sizeof(*rs), GFP_KERNEL);
	if (!samples || !rs) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i <= reps; i++) {
		struct kb_result r = {};

		ret = fn(samples, iters, &r);
		if (ret)
			goto out;
		if (latency)
			kb_summarise(samples, iters, &r);
		if (i)	/* repetition 0 is the warm-up */
			rs[i - 1] = r;
		cond_resched();
	}
	kb_median(rs, reps, &med);
	kb_print(scenario, mech, latency ? iters : 1, &med);
out:
	if (ret)
		pr_err("kpool_bench: %s/%s failed: %d\n", scenario, mech, ret);
	kfree(rs);
	vfree(samples);
	return ret;
}

/* ---- 1. spawn latency: request to the thread function running ------------------------ */

struct kb_spawn {
	u64 t0, t1;
	struct completion ran;
};

static int kb_spawn_fn(void *arg)
{
	struct kb_spawn *s = arg;

	s->t1 = ktime_get_ns();
	complete(&s->ran);
	return 0;
}

static int kb_spawn_kthread(u64 *samples, unsigned int n, struct kb_result *r)
{
	struct kb_spawn s;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct task_struct *t;

		init_completion(&s.ran);
		/* kthread_run(), with a reference so the exit can be awaited. */
		s.t0 = ktime_get_ns();
		t = kthread_create(kb_spawn_fn, &s, "kb_spawn");
		if (IS_ERR(t))
			return PTR_ERR(t);
		get_task_struct(t);
		wake_up_process(t);
		wait_for_completion(&s.ran);
		samples[i] = s.t1 - s.t0;
		kthread_stop_put(t);
	}
	return 0;
}

static struct kpool *kb_pool;

static void kb_wait_free(void)
{
	struct kpool_stats st;

	do {
		cond_resched();
		kpool_get_stats(kb_pool, &st);
	} while (st.nr_idle + st.nr_parked == 0 || st.nr_running);
}

static int kb_spawn_kpool(u64 *samples, unsigned int n, struct kb_result *r)
{
	struct kpool_thread t = {};
	struct kb_spawn s;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		init_completion(&s.ran);
		s.t0 = ktime_get_ns();
		ret = kpool_thread_run(kb_pool, &t, kb_spawn_fn, &s);
		if (ret)
			return ret;
		wait_for_completion(&s.ran);
		samples[i] = s.t1 - s.t0;
		kpool_thread_stop(&t);
		/* Let the thread get back to the pool, as between real requests. */
		kb_wait_free();
	}
	return 0;
}

/* The floor: waking one dedicated thread already waiting for the request. */
struct kb_floor {
	struct task_struct *task;
	u64 t0, t1;
	int pending;
	bool stop;
	struct completion ran;
};

static int kb_floor_fn(void *arg)
{
	struct kb_floor *f = arg;

	for (;;) {
		set_current_state(TASK_IDLE);
		if (READ_ONCE(f->stop) || kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		if (!READ_ONCE(f->pending)) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		f->t1 = ktime_get_ns();
		WRITE_ONCE(f->pending, 0);
		complete(&f->ran);
	}
	while (!kthread_should_stop())
		schedule_timeout_idle(HZ / 100);
	return 0;
}

static int kb_floor_wake(u64 *samples, unsigned int n, struct kb_result *r)
{
	struct kb_floor f = {};
	unsigned int i;

	init_completion(&f.ran);
	f.task = kthread_run(kb_floor_fn, &f, "kb_floor");
	if (IS_ERR(f.task))
		return PTR_ERR(f.task);
	get_task_struct(f.task);
	for (i = 0; i < n; i++) {
		reinit_completion(&f.ran);
		/* Let it go back to sleep first, as kpool's reserve does. */
		while (READ_ONCE(f.task->__state) != TASK_IDLE)
			cond_resched();
		f.t0 = ktime_get_ns();
		WRITE_ONCE(f.pending, 1);
		wake_up_process(f.task);
		wait_for_completion(&f.ran);
		samples[i] = f.t1 - f.t0;
		udelay(20);
	}
	WRITE_ONCE(f.stop, true);
	kthread_stop_put(f.task);
	return 0;
}

/* ---- 2. dispatch latency of tiny jobs: queue to start ---------------------------------- */

struct kb_item {
	struct work_struct work;
	struct kthread_work kwork;
	struct kpool_job job;
	u64 t0, t1;
	struct completion ran;
	atomic_t *left;
};

static void kb_mark(struct kb_item *it)
{
	it->t1 = ktime_get_ns();
	if (it->left) {
		if (atomic_dec_and_test(it->left))
			complete(&it->ran);
	} else {
		complete(&it->ran);
	}
}

static void kb_work_fn(struct work_struct *w) { kb_mark(container_of(w, struct kb_item, work)); }
static void kb_kwork_fn(struct kthread_work *w) { kb_mark(container_of(w, struct kb_item, kwork)); }
static void kb_job_fn(struct kpool_job *j) { kb_mark(container_of(j, struct kb_item, job)); }

enum kb_mech { KB_KPOOL, KB_SYS_UNBOUND, KB_PRIV_UNBOUND, KB_SYS_WQ, KB_KWORKER };

static struct workqueue_struct *kb_priv_wq;
static struct kthread_worker *kb_kworker;

static int kb_submit(enum kb_mech m, struct kb_item *it)
{
	it->t0 = ktime_get_ns();
	switch (m) {
	case KB_KPOOL:
		return kpool_queue(kb_pool, &it->job);
	case KB_SYS_UNBOUND:
		queue_work(system_unbound_wq, &it->work);
		return 0;
	case KB_PRIV_UNBOUND:
		queue_work(kb_priv_wq, &it->work);
		return 0;
	case KB_SYS_WQ:
		queue_work(system_wq, &it->work);
		return 0;
	case KB_KWORKER:
		kthread_queue_work(kb_kworker, &it->kwork);
		return 0;
	}
	return -EINVAL;
}

static void kb_item_init(struct kb_item *it, atomic_t *left, bool onstack)
{
	if (onstack)
		INIT_WORK_ONSTACK(&it->work, kb_work_fn);
	else
		INIT_WORK(&it->work, kb_work_fn);
	kthread_init_work(&it->kwork, kb_kwork_fn);
	kpool_job_init(&it->job, kb_job_fn, NULL);
	init_completion(&it->ran);
	it->left = left;
}

static int kb_dispatch(enum kb_mech m, u64 *samples, unsigned int n)
{
	struct kb_item it;
	unsigned int i;
	int ret;

	kb_item_init(&it, NULL, true);
	for (i = 0; i < n; i++) {
		reinit_completion(&it.ran);
		ret = kb_submit(m, &it);
		if (ret)
			return ret;
		wait_for_completion(&it.ran);
		samples[i] = it.t1 - it.t0;
		udelay(20);
	}
	/* Work items are on this stack frame: make sure none is still running. */
	flush_work(&it.work);
	if (m == KB_KPOOL)
		kpool_flush_job(&it.job);
	if (m == KB_KWORKER)
		kthread_flush_work(&it.kwork);
	destroy_work_on_stack(&it.work);
	return 0;
}

#define KB_DISPATCH(name, mech)								\
	static int kb_dispatch_##name(u64 *s, unsigned int n, struct kb_result *r)	\
	{ return kb_dispatch(mech, s, n); }
KB_DISPATCH(kpool, KB_KPOOL)
KB_DISPATCH(sys_unbound, KB_SYS_UNBOUND)
KB_DISPATCH(priv_unbound, KB_PRIV_UNBOUND)
KB_DISPATCH(sys_wq, KB_SYS_WQ)
KB_DISPATCH(kworker, KB_KWORKER)

/* ---- 3. throughput of tiny jobs: n items in flight from one submitter ------------------- */

static int kb_throughput(enum kb_mech m, struct kb_result *r)
{
	struct kb_item *items = kvcalloc(iters, sizeof(*items), GFP_KERNEL);
	struct completion *done;
	atomic_t left;
	unsigned int i;
	u64 t0, t;
	int ret = 0;

	if (!items)
		return -ENOMEM;
	atomic_set(&left, iters);
	for (i = 0; i < iters; i++)
		kb_item_init(&items[i], &left, false);
	done = &items[0].ran; /* the last item to finish completes this one */
	for (i = 0; i < iters; i++)
		items[i].left = &left;
	t0 = ktime_get_ns();
	for (i = 0; i < iters && !ret; i++) {
		ret = kb_submit(m, &items[i]);
		if (ret == -EBUSY)
			ret = 0;
	}
	/* The item that takes left to 0 completes its own completion. */
	while (atomic_read(&left))
		cond_resched();
	t = ktime_get_ns() - t0;
	for (i = 0; i < iters; i++) {
		flush_work(&items[i].work);
		if (m == KB_KPOOL)
			kpool_flush_job(&items[i].job);
		if (m == KB_KWORKER)
			kthread_flush_work(&items[i].kwork);
	}
	(void)done;
	r->ops_per_s = t ? div64_u64((u64)iters * NSEC_PER_SEC, t) : 0;
	r->makespan = t;
	kvfree(items);
	return ret;
}

#define KB_THROUGHPUT(name, mech)							\
	static int kb_tput_##name(u64 *s, unsigned int n, struct kb_result *r)		\
	{ return kb_throughput(mech, r); }
KB_THROUGHPUT(kpool, KB_KPOOL)
KB_THROUGHPUT(sys_unbound, KB_SYS_UNBOUND)
KB_THROUGHPUT(priv_unbound, KB_PRIV_UNBOUND)
KB_THROUGHPUT(sys_wq, KB_SYS_WQ)
KB_THROUGHPUT(kworker, KB_KWORKER)

/* ---- 5. teardown: stopping N threads ------------------------------------------------------ */

static int kb_idle_fn(void *arg)
{
	while (!kthread_should_stop())
		schedule_timeout_idle(MAX_SCHEDULE_TIMEOUT);
	return 0;
}

static int kb_teardown_kthread(u64 *s, unsigned int n, struct kb_result *r)
{
	struct task_struct **t = kcalloc(teardown_threads, sizeof(*t), GFP_KERNEL);
	unsigned int i, made = 0;
	u64 t0;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < teardown_threads; i++) {
		t[i] = kthread_run(kb_idle_fn, NULL, "kb_td/%u", i);
		if (IS_ERR(t[i]))
			break;
		made++;
	}
	t0 = ktime_get_ns();
	for (i = 0; i < made; i++)
		kthread_stop(t[i]);
	r->makespan = ktime_get_ns() - t0;
	kfree(t);
	return made == teardown_threads ? 0 : -ENOMEM;
}

static int kb_teardown_kpool(u64 *s, unsigned int n, struct kb_result *r)
{
	struct kpool_attrs a = { .min_threads = teardown_threads, .max_threads = teardown_threads,
				 .reserve = 0, .idle_timeout_ms = 60000 };
	struct kpool_stats st;
	struct kpool *pool;
	unsigned long end = jiffies + 120 * HZ;
	u64 t0;
	int ret = kpool_create("kb_teardown", &a, &pool);

	if (ret)
		return ret;
	do {
		msleep(10);
		kpool_get_stats(pool, &st);
	} while ((st.nr_threads < teardown_threads || st.nr_idle < teardown_threads) &&
		 time_before(jiffies, end));
	t0 = ktime_get_ns();
	kpool_destroy(pool);
	r->makespan = ktime_get_ns() - t0;
	return st.nr_threads == teardown_threads ? 0 : -ETIMEDOUT;
}

/* ---- 4. blocking burst: K jobs that each sleep burst_ms ----------------------------------- */

struct kb_sleeper {
	struct work_struct work;
	struct kpool_job job;
	atomic_t *left;
	struct completion *all;
};

static void kb_sleep_common(struct kb_sleeper *s)
{
	msleep(burst_ms);
	if (atomic_dec_and_test(s->left))
		complete(s->all);
}

static void kb_sleep_work(struct work_struct *w) { kb_sleep_common(container_of(w, struct kb_sleeper, work)); }

static void kb_sleep_job(struct kpool_job *j)
{
	kpool_block_begin();
	kb_sleep_common(container_of(j, struct kb_sleeper, job));
	kpool_block_end();
}

static int kb_burst(enum kb_mech m, unsigned int k, struct kb_result *r)
{
	struct kb_sleeper *s = kcalloc(k, sizeof(*s), GFP_KERNEL);
	struct completion all;
	atomic_t left;
	unsigned int i;
	u64 t0;

	if (!s)
		return -ENOMEM;
	init_completion(&all);
	atomic_set(&left, k);
	t0 = ktime_get_ns();
	for (i = 0; i < k; i++) {
		s[i].left = &left;
		s[i].all = &all;
		INIT_WORK(&s[i].work, kb_sleep_work);
		kpool_job_init(&s[i].job, kb_sleep_job, NULL);
		if (m == KB_KPOOL)
			kpool_queue(kb_pool, &s[i].job);
		else
			queue_work(m == KB_SYS_UNBOUND ? system_unbound_wq : system_wq, &s[i].work);
	}
	wait_for_completion(&all);
	r->makespan = ktime_get_ns() - t0;
	for (i = 0; i < k; i++) {
		flush_work(&s[i].work);
		kpool_flush_job(&s[i].job);
	}
	kfree(s);
	return 0;
}

#define KB_BURST(name, mech, k)								\
	static int kb_burst_##name##_##k(u64 *s, unsigned int n, struct kb_result *r)	\
	{ return kb_burst(mech, k, r); }
KB_BURST(kpool, KB_KPOOL, 16)
KB_BURST(kpool, KB_KPOOL, 128)
KB_BURST(sys_unbound, KB_SYS_UNBOUND, 16)
KB_BURST(sys_unbound, KB_SYS_UNBOUND, 128)
KB_BURST(sys_wq, KB_SYS_WQ, 16)
KB_BURST(sys_wq, KB_SYS_WQ, 128)

/* ---- module --------------------------------------------------------------------------------- */

static int __init kb_init(void)
{
	struct kpool_attrs a = { .min_threads = 4, .max_threads = 256, .reserve = 4,
				 .idle_timeout_ms = 10000 };
	int ret;

	if (iters < 10 || iters > 100000 || reps < 1 || reps > 21 ||
	    teardown_threads < 1 || teardown_threads > 1024 || burst_ms < 1 || burst_ms > 1000) {
		pr_err("kpool_bench: parameter out of range\n");
		return -EINVAL;
	}
	ret = kpool_create("kpool_bench", &a, &kb_pool);
	if (ret)
		return ret;
	kb_priv_wq = alloc_workqueue("kb_priv_unbound", WQ_UNBOUND, 0);
	kb_kworker = kthread_create_worker(0, "kb_kworker");
	if (!kb_priv_wq || IS_ERR(kb_kworker)) {
		ret = -ENOMEM;
		goto out;
	}
	msleep(200); /* the reserve fills in the background */
	pr_info("kpool_bench: START cpus=%u iters=%u reps=%u\n", num_online_cpus(), iters, reps);

	kb_run("spawn", "kpool_quick", kb_spawn_kpool, true);
	kb_run("spawn", "kthread_run", kb_spawn_kthread, true);
	kb_run("spawn", "floor_wake", kb_floor_wake, true);

	kb_run("dispatch", "kpool", kb_dispatch_kpool, true);
	kb_run("dispatch", "system_unbound_wq", kb_dispatch_sys_unbound, true);
	kb_run("dispatch", "alloc_workqueue_unbound", kb_dispatch_priv_unbound, true);
	kb_run("dispatch", "system_wq", kb_dispatch_sys_wq, true);
	kb_run("dispatch", "kthread_worker", kb_dispatch_kworker, true);
	kb_run("dispatch", "floor_wake", kb_floor_wake, true);

	kb_run("throughput", "kpool", kb_tput_kpool, false);
	kb_run("throughput", "system_unbound_wq", kb_tput_sys_unbound, false);
	kb_run("throughput", "alloc_workqueue_unbound", kb_tput_priv_unbound, false);
	kb_run("throughput", "system_wq", kb_tput_sys_wq, false);
	kb_run("throughput", "kthread_worker", kb_tput_kworker, false);

	kb_run("burst16", "kpool", kb_burst_kpool_16, false);
	kb_run("burst16", "system_unbound_wq", kb_burst_sys_unbound_16, false);
	kb_run("burst16", "system_wq", kb_burst_sys_wq_16, false);
	kb_run("burst128", "kpool", kb_burst_kpool_128, false);
	kb_run("burst128", "system_unbound_wq", kb_burst_sys_unbound_128, false);
	kb_run("burst128", "system_wq", kb_burst_sys_wq_128, false);

	kb_run("teardown", "kpool_destroy", kb_teardown_kpool, false);
	kb_run("teardown", "kthread_stop_loop", kb_teardown_kthread, false);
	pr_info("kpool_bench: DONE\n");
	ret = 0;
out:
	if (!IS_ERR_OR_NULL(kb_kworker))
		kthread_destroy_worker(kb_kworker);
	if (kb_priv_wq)
		destroy_workqueue(kb_priv_wq);
	kpool_destroy(kb_pool);
	return ret;
}

static void __exit kb_exit(void)
{
}

module_init(kb_init);
module_exit(kb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kpool benchmarks against the kernel's thread and work mechanisms");
MODULE_VERSION(KPOOL_VERSION);
