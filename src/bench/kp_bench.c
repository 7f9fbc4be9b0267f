// SPDX-License-Identifier: GPL-2.0
/*
 * kpool_bench.ko: kpool against the kernel's own mechanisms, in one boot.
 *
 * Loading the module runs every scenario and prints one line per
 * (scenario, mechanism) with the fields that apply to it:
 *   kpool_bench: RESULT scenario=S mechanism=M n=N [p50_ns=.. p99_ns=.. p999_ns=..
 *                max_ns=..] [ops_per_s=..] [makespan_ns=..] [bytes=..] [...]
 * and, for latency scenarios, the distribution of every measured sample:
 *   kpool_bench: HIST scenario=S mechanism=M first=I counts=C,C,...
 * (bucket I is [lo, hi) with four buckets per power of two; see kb_bucket()).
 * scripts/bench turns them into a table, ratios, JSON and plots. Every figure
 * is the median over @reps repetitions after a warm-up repetition. Nothing
 * here is a pass/fail assertion; `make check` only runs a short smoke version.
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
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/atomic.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/vmstat.h>
#include <linux/mmzone.h>
#include <linux/cpumask.h>
#include <linux/log2.h>
#include <linux/rcupdate.h>
#include <kpool/kpool.h>
#include "shim/kp_compat.h"
#include "core/core.h"

static unsigned int iters = 2000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters,
		 "Latency samples per repetition; throughput jobs per submitter (10..100000)");
static unsigned int reps = 5;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "Measured repetitions; the median is reported (1..21)");
static unsigned int teardown_threads = 256;
module_param(teardown_threads, uint, 0444);
MODULE_PARM_DESC(teardown_threads, "Threads stopped in the teardown scenario (1..1024)");
static unsigned int burst_ms = 50;
module_param(burst_ms, uint, 0444);
MODULE_PARM_DESC(burst_ms, "Sleep of each job in the blocking-burst scenario (1..1000 ms)");
static unsigned int burst_idle_ms = 1000;
module_param(burst_idle_ms, uint, 0444);
MODULE_PARM_DESC(burst_idle_ms,
		 "Burst pool idle timeout; threads counted 2x it + 200 ms after (10..10000)");
static unsigned int mem_threads = 256;
module_param(mem_threads, uint, 0444);
MODULE_PARM_DESC(mem_threads, "Idle threads created in the memory scenario (1..1024)");

/*
 * Gap between two latency samples: a busy wait, not a sleep, so the
 * submitter's vCPU does not go idle between samples and its idle exit (on
 * QEMU/TCG up to a tick, 4 ms at HZ=250) stays out of the figures.
 */
#define KB_GAP_US 20

/* Burst sizes; every one is at most the burst pool's max_threads. */
static const unsigned int kb_burst_k[] = { 16, 32, 64, 128, 256, 512 };
#define KB_BURST_MAX_THREADS 512
#define KB_BURST_MIN_THREADS 4
#define KB_BURST_RESERVE 2

/* ---- results ----------------------------------------------------------------------------- */

enum kb_field {
	KB_P50,
	KB_P99,
	KB_P999,
	KB_MAX,
	KB_OPS,
	KB_MAKESPAN,
	KB_COLD_MAKESPAN,
	KB_BYTES,
	KB_STACK_BYTES,
	KB_SLAB_BYTES,
	KB_THREADS_BEFORE,
	KB_THREADS_AFTER,
	KB_THREADS_AFTER_IDLE,
	KB_NR_FIELDS
};

static const char *const kb_field_name[KB_NR_FIELDS] = {
	[KB_P50] = "p50_ns",
	[KB_P99] = "p99_ns",
	[KB_P999] = "p999_ns",
	[KB_MAX] = "max_ns",
	[KB_OPS] = "ops_per_s",
	[KB_MAKESPAN] = "makespan_ns",
	[KB_COLD_MAKESPAN] = "cold_makespan_ns",
	[KB_BYTES] = "bytes",
	[KB_STACK_BYTES] = "stack_bytes",
	[KB_SLAB_BYTES] = "slab_bytes",
	[KB_THREADS_BEFORE] = "threads_before",
	[KB_THREADS_AFTER] = "threads_after",
	[KB_THREADS_AFTER_IDLE] = "threads_after_idle",
};

/* A field a scenario does not fill keeps this value and is not printed. */
#define KB_NA U64_MAX

struct kb_result {
	u64 v[KB_NR_FIELDS];
};

static void kb_result_init(struct kb_result *r)
{
	unsigned int f;

	for (f = 0; f < KB_NR_FIELDS; f++)
		r->v[f] = KB_NA;
}

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
	r->v[KB_P50] = kb_pct(s, n, 500);
	r->v[KB_P99] = kb_pct(s, n, 990);
	r->v[KB_P999] = kb_pct(s, n, 999);
	r->v[KB_MAX] = s[n - 1];
}

/* Median of each field over the repetitions. */
static void kb_median(struct kb_result *rs, unsigned int n, struct kb_result *out)
{
	u64 *v = kmalloc_array(n, sizeof(u64), GFP_KERNEL);
	unsigned int f, i;

	if (!v)
		return;
	for (f = 0; f < KB_NR_FIELDS; f++) {
		for (i = 0; i < n; i++)
			v[i] = rs[i].v[f];
		sort(v, n, sizeof(u64), kb_cmp_u64, NULL);
		out->v[f] = v[n / 2];
	}
	kfree(v);
}

static void kb_print(const char *scenario, const char *mech, unsigned int n, struct kb_result *r)
{
	char buf[400];
	unsigned int f;
	int len = 0;

	for (f = 0; f < KB_NR_FIELDS; f++)
		if (r->v[f] != KB_NA)
			len += scnprintf(buf + len, sizeof(buf) - len, " %s=%llu", kb_field_name[f],
					 r->v[f]);
	pr_info("kpool_bench: RESULT scenario=%s mechanism=%s n=%u%s\n", scenario, mech, n, buf);
}

/*
 * Latency distribution: four buckets per power of two. Bucket 4 * b + s
 * (b >= 2) holds [(4 + s) << (b - 2), (5 + s) << (b - 2)); buckets 0..3 hold
 * 0..3 ns.
 */
#define KB_HIST_BUCKETS (4 * 64)

static unsigned int kb_bucket(u64 v)
{
	unsigned int b;

	if (v < 4)
		return v;
	b = ilog2(v);
	return 4 * b + ((v >> (b - 2)) & 3);
}

static void kb_print_hist(const char *scenario, const char *mech, const u32 *h)
{
	unsigned int first = 0, last = KB_HIST_BUCKETS - 1, i;
	char *buf;
	int len = 0;

	while (first < KB_HIST_BUCKETS && !h[first])
		first++;
	if (first == KB_HIST_BUCKETS)
		return;
	while (!h[last])
		last--;
	buf = kmalloc(800, GFP_KERNEL);
	if (!buf)
		return;
	for (i = first; i <= last; i++)
		len += scnprintf(buf + len, 800 - len, "%s%u", i == first ? "" : ",", h[i]);
	pr_info("kpool_bench: HIST scenario=%s mechanism=%s first=%u counts=%s\n", scenario, mech,
		first, buf);
	kfree(buf);
}

/* A measurement: fills @samples (latency scenarios) or fields of @r directly. */
typedef int (*kb_measure_fn)(u64 *samples, unsigned int n, struct kb_result *r);
/* Runs once after the repetitions; may add fields to the median @med. */
typedef void (*kb_post_fn)(struct kb_result *med, const struct kb_result *warmup);

static int kb_run_post(const char *scenario, const char *mech, kb_measure_fn fn, bool latency,
		       kb_post_fn post)
{
	struct kb_result *rs, med, warm;
	u32 *hist = NULL;
	u64 *samples;
	unsigned int i, j;
	int ret = 0;

	kb_result_init(&med);
	kb_result_init(&warm);
	samples = vmalloc(array_size(iters, sizeof(u64)));
	rs = kcalloc(reps, sizeof(*rs), GFP_KERNEL);
	if (latency)
		hist = kcalloc(KB_HIST_BUCKETS, sizeof(*hist), GFP_KERNEL);
	if (!samples || !rs || (latency && !hist)) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i <= reps; i++) {
		struct kb_result r;

		kb_result_init(&r);
		ret = fn(samples, iters, &r);
		if (ret)
			goto out;
		if (latency) {
			for (j = 0; i && j < iters; j++)
				hist[kb_bucket(samples[j])]++;
			kb_summarise(samples, iters, &r);
		}
		if (i) /* repetition 0 is the warm-up */
			rs[i - 1] = r;
		else
			warm = r;
		cond_resched();
	}
	kb_median(rs, reps, &med);
	if (post)
		post(&med, &warm);
	kb_print(scenario, mech, latency ? iters : 1, &med);
	if (latency)
		kb_print_hist(scenario, mech, hist);
out:
	if (ret)
		pr_err("kpool_bench: %s/%s failed: %d\n", scenario, mech, ret);
	kfree(hist);
	kfree(rs);
	vfree(samples);
	return ret;
}

static int kb_run(const char *scenario, const char *mech, kb_measure_fn fn, bool latency)
{
	return kb_run_post(scenario, mech, fn, latency, NULL);
}

/* ---- mechanisms ---------------------------------------------------------------------------- */

enum kb_mech { KB_KPOOL, KB_SYS_UNBOUND, KB_PRIV_UNBOUND, KB_SYS_WQ, KB_KWORKER, KB_NR_MECHS };

static const char *const kb_mech_name[KB_NR_MECHS] = {
	[KB_KPOOL] = "kpool",
	[KB_SYS_UNBOUND] = "system_unbound_wq",
	[KB_PRIV_UNBOUND] = "alloc_workqueue_unbound",
	[KB_SYS_WQ] = "system_wq",
	[KB_KWORKER] = "kthread_worker",
};

static struct kpool *kb_pool;	    /* spawn, dispatch, throughput */
static struct kpool *kb_burst_pool; /* blocking burst: max_threads 512 */
static struct workqueue_struct *kb_priv_wq;
static struct kthread_worker *kb_kworker;
/* The mechanism (and burst size) the next kb_run() measures. */
static enum kb_mech kb_cur_mech;
static unsigned int kb_cur_k;

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
		udelay(KB_GAP_US);
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
	struct completion *all;
};

static void kb_mark(struct kb_item *it)
{
	it->t1 = ktime_get_ns();
	if (it->left) {
		if (atomic_dec_and_test(it->left))
			complete(it->all);
	} else {
		complete(&it->ran);
	}
}

static void kb_work_fn(struct work_struct *w)
{
	kb_mark(container_of(w, struct kb_item, work));
}

static void kb_kwork_fn(struct kthread_work *w)
{
	kb_mark(container_of(w, struct kb_item, kwork));
}

static void kb_job_fn(struct kpool_job *j)
{
	kb_mark(container_of(j, struct kb_item, job));
}

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
	default:
		return -EINVAL;
	}
}

static void kb_item_init(struct kb_item *it, atomic_t *left, struct completion *all, bool onstack)
{
	if (onstack)
		INIT_WORK_ONSTACK(&it->work, kb_work_fn);
	else
		INIT_WORK(&it->work, kb_work_fn);
	kthread_init_work(&it->kwork, kb_kwork_fn);
	kpool_job_init(&it->job, kb_job_fn, NULL);
	init_completion(&it->ran);
	it->left = left;
	it->all = all;
}

/* Wait until @it is neither queued nor running on any mechanism. */
static void kb_item_flush(struct kb_item *it)
{
	flush_work(&it->work);
	kpool_flush_job(&it->job);
	kthread_flush_work(&it->kwork);
}

static int kb_dispatch(u64 *samples, unsigned int n, struct kb_result *r)
{
	struct kb_item it;
	unsigned int i;
	int ret = 0;

	kb_item_init(&it, NULL, NULL, true);
	for (i = 0; i < n; i++) {
		reinit_completion(&it.ran);
		ret = kb_submit(kb_cur_mech, &it);
		if (ret)
			break;
		wait_for_completion(&it.ran);
		samples[i] = it.t1 - it.t0;
		udelay(KB_GAP_US);
	}
	/* Work items are on this stack frame: make sure none is still running. */
	kb_item_flush(&it);
	destroy_work_on_stack(&it.work);
	return ret;
}

/* ---- 3. throughput of tiny jobs: one submitter thread bound to each online CPU ---------- */

struct kb_submitter {
	struct task_struct *task;
	struct kb_item *items;
	unsigned int n;
	struct completion *go;
	atomic_t *left;
	struct completion *all;
	int ret;
};

static int kb_submitter_fn(void *arg)
{
	struct kb_submitter *s = arg;
	unsigned int i;
	int ret;

	wait_for_completion(s->go);
	for (i = 0; i < s->n; i++) {
		ret = kb_submit(kb_cur_mech, &s->items[i]);
		if (ret) {
			/* Account for the items never queued, so the waiter wakes. */
			s->ret = ret;
			if (atomic_sub_and_test(s->n - i, s->left))
				complete(s->all);
			break;
		}
	}
	return 0;
}

static int kb_throughput(u64 *samples, unsigned int n, struct kb_result *r)
{
	unsigned int ncpu = num_online_cpus(), nsub = 0, i, cpu;
	struct kb_submitter *subs;
	struct completion go, all;
	struct kb_item *items;
	atomic_t left;
	u64 t0, t;
	int ret = 0;

	subs = kcalloc(ncpu, sizeof(*subs), GFP_KERNEL);
	items = kvcalloc((size_t)ncpu * n, sizeof(*items), GFP_KERNEL);
	if (!subs || !items) {
		ret = -ENOMEM;
		goto out;
	}
	init_completion(&go);
	init_completion(&all);
	atomic_set(&left, ncpu * n);
	for (i = 0; i < ncpu * n; i++)
		kb_item_init(&items[i], &left, &all, false);
	for_each_online_cpu(cpu) {
		struct kb_submitter *s = &subs[nsub];
		struct task_struct *task;

		if (nsub == ncpu)
			break;
		s->items = &items[nsub * n];
		s->n = n;
		s->go = &go;
		s->left = &left;
		s->all = &all;
		task = kthread_create(kb_submitter_fn, s, "kb_submit/%u", cpu);
		if (IS_ERR(task)) {
			ret = PTR_ERR(task);
			break;
		}
		kthread_bind(task, cpu);
		get_task_struct(task);
		s->task = task;
		wake_up_process(task);
		nsub++;
	}
	if (nsub < ncpu) {
		/* Items of submitters never created will not run. */
		if (atomic_sub_and_test((ncpu - nsub) * n, &left))
			complete(&all);
		if (!ret)
			ret = -EAGAIN;
	}
	t0 = ktime_get_ns();
	complete_all(&go);
	wait_for_completion(&all);
	t = ktime_get_ns() - t0;
	for (i = 0; i < nsub; i++) {
		kthread_stop_put(subs[i].task);
		if (subs[i].ret && !ret)
			ret = subs[i].ret;
	}
	for (i = 0; i < ncpu * n; i++)
		kb_item_flush(&items[i]);
	r->v[KB_OPS] = t ? div64_u64((u64)ncpu * n * NSEC_PER_SEC, t) : 0;
	r->v[KB_MAKESPAN] = t;
out:
	kvfree(items);
	kfree(subs);
	return ret;
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
	fsleep(burst_ms * USEC_PER_MSEC);
	if (atomic_dec_and_test(s->left))
		complete(s->all);
}

static void kb_sleep_work(struct work_struct *w)
{
	kb_sleep_common(container_of(w, struct kb_sleeper, work));
}

static void kb_sleep_job(struct kpool_job *j)
{
	kpool_block_begin();
	kb_sleep_common(container_of(j, struct kb_sleeper, job));
	kpool_block_end();
}

/* Workqueue workers (kworkers) alive in the whole system. */
static unsigned int kb_count_kworkers(void)
{
	struct task_struct *p;
	unsigned int n = 0;

	rcu_read_lock();
	for_each_process(p)
		if (p->flags & PF_WQ_WORKER)
			n++;
	rcu_read_unlock();
	return n;
}

/* Threads of the mechanism: the burst pool's own count, or every kworker. */
static unsigned int kb_burst_threads(void)
{
	struct kpool_stats st;

	if (kb_cur_mech != KB_KPOOL)
		return kb_count_kworkers();
	kpool_get_stats(kb_burst_pool, &st);
	return st.nr_threads;
}

static int kb_burst(u64 *samples, unsigned int n, struct kb_result *r)
{
	unsigned int k = kb_cur_k, i;
	struct kb_sleeper *s = kcalloc(k, sizeof(*s), GFP_KERNEL);
	struct workqueue_struct *wq;
	struct completion all;
	atomic_t left;
	u64 t0;
	int ret = 0;

	if (!s)
		return -ENOMEM;
	wq = kb_cur_mech == KB_SYS_UNBOUND  ? system_unbound_wq :
	     kb_cur_mech == KB_PRIV_UNBOUND ? kb_priv_wq :
					      system_wq;
	init_completion(&all);
	atomic_set(&left, k);
	r->v[KB_THREADS_BEFORE] = kb_burst_threads();
	t0 = ktime_get_ns();
	for (i = 0; i < k; i++) {
		s[i].left = &left;
		s[i].all = &all;
		INIT_WORK(&s[i].work, kb_sleep_work);
		kpool_job_init(&s[i].job, kb_sleep_job, NULL);
		if (kb_cur_mech == KB_KPOOL) {
			ret = kpool_queue(kb_burst_pool, &s[i].job);
			if (ret) {
				if (atomic_sub_and_test(k - i, &left))
					complete(&all);
				break;
			}
		} else {
			queue_work(wq, &s[i].work);
		}
	}
	wait_for_completion(&all);
	r->v[KB_MAKESPAN] = ktime_get_ns() - t0;
	r->v[KB_THREADS_AFTER] = kb_burst_threads();
	for (i = 0; i < k; i++) {
		flush_work(&s[i].work);
		kpool_flush_job(&s[i].job);
	}
	kfree(s);
	return ret;
}

/* After the repetitions: wait past the idle timeout, count the threads again. */
static void kb_burst_post(struct kb_result *med, const struct kb_result *warmup)
{
	msleep(2 * burst_idle_ms + 200);
	med->v[KB_THREADS_AFTER_IDLE] = kb_burst_threads();
	med->v[KB_COLD_MAKESPAN] = warmup->v[KB_MAKESPAN];
}

/* ---- 5. teardown: stopping N threads ------------------------------------------------------ */

static int kb_idle_fn(void *arg)
{
	while (!kthread_should_stop())
		schedule_timeout_idle(MAX_SCHEDULE_TIMEOUT);
	return 0;
}

/* Start @n sleeping bare kthreads into @t; returns how many were started. */
static unsigned int kb_start_idle_kthreads(struct task_struct **t, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		t[i] = kthread_run(kb_idle_fn, NULL, "kb_idle/%u", i);
		if (IS_ERR(t[i]))
			break;
	}
	return i;
}

static int kb_teardown_kthread(u64 *s, unsigned int n, struct kb_result *r)
{
	struct task_struct **t = kcalloc(teardown_threads, sizeof(*t), GFP_KERNEL);
	unsigned int i, made;
	u64 t0;

	if (!t)
		return -ENOMEM;
	made = kb_start_idle_kthreads(t, teardown_threads);
	t0 = ktime_get_ns();
	for (i = 0; i < made; i++)
		kthread_stop(t[i]);
	r->v[KB_MAKESPAN] = ktime_get_ns() - t0;
	kfree(t);
	return made == teardown_threads ? 0 : -ENOMEM;
}

/* A pool of exactly @nr threads, all started and idle (or -ETIMEDOUT). */
static int kb_full_pool(const char *name, unsigned int nr, struct kpool **out)
{
	struct kpool_attrs a = {
		.min_threads = nr, .max_threads = nr, .reserve = 0, .idle_timeout_ms = 60000
	};
	unsigned long end = jiffies + 120 * HZ;
	struct kpool_stats st;
	int ret = kpool_create(name, &a, out);

	if (ret)
		return ret;
	do {
		msleep(20);
		kpool_get_stats(*out, &st);
	} while ((st.nr_threads < nr || st.nr_idle < nr) && time_before(jiffies, end));
	if (st.nr_threads == nr && st.nr_idle == nr)
		return 0;
	kpool_destroy(*out);
	return -ETIMEDOUT;
}

static int kb_teardown_kpool(u64 *s, unsigned int n, struct kb_result *r)
{
	struct kpool *pool;
	u64 t0;
	int ret = kb_full_pool("kb_teardown", teardown_threads, &pool);

	if (ret)
		return ret;
	t0 = ktime_get_ns();
	kpool_destroy(pool);
	r->v[KB_MAKESPAN] = ktime_get_ns() - t0;
	return 0;
}

/* ---- 6. memory per idle thread: kernel stacks and unreclaimable slab --------------------- */

/* A node counter including the per-CPU deltas not folded in yet. */
static long kb_node_stat(enum node_stat_item item)
{
	long v = global_node_page_state_pages(item);
	int nid, cpu;

	for_each_online_node(nid) {
		struct pglist_data *pgdat = NODE_DATA(nid);

		for_each_possible_cpu(cpu)
			v += per_cpu_ptr(pgdat->per_cpu_nodestats, cpu)->vm_node_stat_diff[item];
	}
	return v;
}

struct kb_mem {
	long stack_kb, slab_pages;
};

static void kb_mem_read(struct kb_mem *m)
{
	/* Let objects freed by RCU (tasks, stacks) of earlier steps go first. */
	rcu_barrier();
	m->stack_kb = kb_node_stat(NR_KERNEL_STACK_KB);
	m->slab_pages = kb_node_stat(NR_SLAB_UNRECLAIMABLE_B);
}

static void kb_mem_result(const struct kb_mem *a, const struct kb_mem *b, unsigned int nr,
			  struct kb_result *r)
{
	long stack = (b->stack_kb - a->stack_kb) * 1024L;
	long slab = (b->slab_pages - a->slab_pages) * (long)PAGE_SIZE;

	r->v[KB_STACK_BYTES] = max(stack, 0L) / nr;
	r->v[KB_SLAB_BYTES] = max(slab, 0L) / nr;
	r->v[KB_BYTES] = r->v[KB_STACK_BYTES] + r->v[KB_SLAB_BYTES];
	r->v[KB_THREADS_AFTER] = nr;
}

static int kb_mem_kpool(u64 *s, unsigned int n, struct kb_result *r)
{
	struct kb_mem a, b;
	struct kpool *pool;
	int ret;

	kb_mem_read(&a);
	ret = kb_full_pool("kb_mem", mem_threads, &pool);
	if (ret)
		return ret;
	kb_mem_read(&b);
	kpool_destroy(pool);
	kb_mem_result(&a, &b, mem_threads, r);
	return 0;
}

static int kb_mem_kthread(u64 *s, unsigned int n, struct kb_result *r)
{
	struct task_struct **t = kcalloc(mem_threads, sizeof(*t), GFP_KERNEL);
	unsigned int i, made;
	struct kb_mem a, b;

	if (!t)
		return -ENOMEM;
	kb_mem_read(&a);
	made = kb_start_idle_kthreads(t, mem_threads);
	msleep(100); /* let every thread reach its first sleep */
	kb_mem_read(&b);
	for (i = 0; i < made; i++)
		kthread_stop(t[i]);
	kfree(t);
	if (made != mem_threads)
		return -ENOMEM;
	kb_mem_result(&a, &b, mem_threads, r);
	return 0;
}

/* ---- module --------------------------------------------------------------------------------- */

static void kb_run_all(void)
{
	char scenario[16];
	unsigned int m, k;

	kb_run("spawn", "kpool_quick", kb_spawn_kpool, true);
	kb_run("spawn", "kthread_run", kb_spawn_kthread, true);
	kb_run("spawn", "floor_wake", kb_floor_wake, true);

	for (m = 0; m < KB_NR_MECHS; m++) {
		kb_cur_mech = m;
		kb_run("dispatch", kb_mech_name[m], kb_dispatch, true);
	}
	kb_run("dispatch", "floor_wake", kb_floor_wake, true);

	for (m = 0; m < KB_NR_MECHS; m++) {
		kb_cur_mech = m;
		kb_run("throughput", kb_mech_name[m], kb_throughput, false);
	}

	/* A kthread_worker runs one job at a time: a burst takes K x T; not run. */
	for (k = 0; k < ARRAY_SIZE(kb_burst_k); k++) {
		kb_cur_k = kb_burst_k[k];
		snprintf(scenario, sizeof(scenario), "burst%u", kb_cur_k);
		for (m = 0; m < KB_NR_MECHS; m++) {
			if (m == KB_KWORKER)
				continue;
			kb_cur_mech = m;
			kb_run_post(scenario, kb_mech_name[m], kb_burst, false, kb_burst_post);
		}
	}

	kb_run("teardown", "kpool_destroy", kb_teardown_kpool, false);
	kb_run("teardown", "kthread_stop_loop", kb_teardown_kthread, false);

	kb_run("memory", "kpool_idle_thread", kb_mem_kpool, false);
	kb_run("memory", "bare_kthread", kb_mem_kthread, false);
}

static int __init kb_init(void)
{
	struct kpool_attrs a = {
		.min_threads = 4, .max_threads = 256, .reserve = 4, .idle_timeout_ms = 10000
	};
	struct kpool_attrs ba = { .min_threads = KB_BURST_MIN_THREADS,
				  .max_threads = KB_BURST_MAX_THREADS,
				  .reserve = KB_BURST_RESERVE,
				  .idle_timeout_ms = burst_idle_ms };
	int ret;

	if (iters < 10 || iters > 100000 || reps < 1 || reps > 21 || teardown_threads < 1 ||
	    teardown_threads > 1024 || burst_ms < 1 || burst_ms > 1000 || burst_idle_ms < 10 ||
	    burst_idle_ms > 10000 || mem_threads < 1 || mem_threads > 1024) {
		pr_err("kpool_bench: parameter out of range\n");
		return -EINVAL;
	}
	ret = kpool_create("kpool_bench", &a, &kb_pool);
	if (ret)
		return ret;
	ret = kpool_create("kpool_bench_burst", &ba, &kb_burst_pool);
	if (ret)
		goto out;
	kb_priv_wq = alloc_workqueue("kb_priv_unbound", WQ_UNBOUND, 0);
	kb_kworker = kthread_create_worker(0, "kb_kworker");
	if (!kb_priv_wq || IS_ERR(kb_kworker)) {
		ret = -ENOMEM;
		goto out;
	}
	msleep(200); /* the reserve fills in the background */
	pr_info("kpool_bench: START cpus=%u iters=%u reps=%u burst_ms=%u burst_pool_min=%u burst_pool_reserve=%u burst_pool_max=%u burst_idle_ms=%u mem_threads=%u\n",
		num_online_cpus(), iters, reps, burst_ms, KB_BURST_MIN_THREADS, KB_BURST_RESERVE,
		KB_BURST_MAX_THREADS, burst_idle_ms, mem_threads);
	kb_run_all();
	pr_info("kpool_bench: DONE\n");
	ret = 0;
out:
	if (!IS_ERR_OR_NULL(kb_kworker))
		kthread_destroy_worker(kb_kworker);
	if (kb_priv_wq)
		destroy_workqueue(kb_priv_wq);
	kpool_destroy(kb_burst_pool);
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
