// SPDX-License-Identifier: GPL-2.0
/*
 * kpool_bench.ko: kpool against the kernel's own mechanisms, in one boot.
 *
 * Loading the module runs every scenario group named in @only (default all)
 * and prints one line per (scenario, mechanism):
 *   kpool_bench: RESULT scenario=S mechanism=M n=N reps=R [dropped=D]
 *                [F=median F_lo=min F_hi=max]...
 * or, when the measurement failed, `RESULT scenario=S mechanism=M error=-E`
 * (a failing mechanism is reported, never left out). Latency scenarios also
 * print the distribution of every measured sample:
 *   kpool_bench: HIST scenario=S mechanism=M first=I counts=C,C,...
 * (bucket I is [lo, hi) with four buckets per power of two; see kb_bucket()).
 *
 * Method (README "Benchmarks"):
 * - Every figure is the median over @reps repetitions, with the minimum and
 *   maximum across them (F_lo, F_hi), after one warm-up repetition. The
 *   repetitions are interleaved: repetition r runs every mechanism of the
 *   scenario once, starting at mechanism r (round robin), so a slow phase of
 *   the host hits all mechanisms alike.
 * - Placement: the measuring thread is bound to the first online CPU (S).
 *   Latency scenarios are reported apart for a target on S (scenario *_same)
 *   and on another CPU (*_cross). Mechanisms that can be pinned are pinned
 *   (a bound kpool pool, queue_work_on(), a kthread_worker on a CPU,
 *   kthread_bind()); the unbound ones (an unbound kpool pool, unbound
 *   workqueues) run where the kernel puts them and each sample is classified
 *   by the CPU its callback ran on.
 * - Before each latency sample the thread that ran the previous one is off
 *   its CPU and dequeued (task_struct on_cpu/on_rq), so every sample wakes a
 *   thread that really sleeps. The floor (one wake-up of a dedicated thread)
 *   also checks that wake_up_process() woke it; samples that fail a check
 *   are dropped and counted (dropped=).
 *
 * Nothing here is a pass/fail assertion; `make check` only runs a short
 * smoke version and checks that every (scenario, mechanism) was measured.
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
#include <linux/cpu.h>
#include <linux/log2.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <kpool/kpool.h>
#include "shim/kp_compat.h"

static unsigned int iters = 2000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters,
		 "Latency samples per repetition; throughput jobs per submitter (10..100000)");
static unsigned int cold_iters = 100;
module_param(cold_iters, uint, 0444);
MODULE_PARM_DESC(cold_iters, "Samples per repetition of the cold spawn scenario (5..10000)");
static unsigned int reps = 5;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "Measured repetitions; the median and min-max are reported (1..21)");
static unsigned int teardown_threads = 256;
module_param(teardown_threads, uint, 0444);
MODULE_PARM_DESC(teardown_threads, "Threads stopped in the teardown scenarios (1..1024)");
static unsigned int teardown_block_ms = 10;
module_param(teardown_block_ms, uint, 0444);
MODULE_PARM_DESC(teardown_block_ms,
		 "teardown_blocked: ms each thread takes to notice a stop (1..1000)");
static unsigned int burst_ms = 50;
module_param(burst_ms, uint, 0444);
MODULE_PARM_DESC(burst_ms, "Sleep of each job in the blocking-burst scenario (1..1000 ms)");
static unsigned int burst_idle_ms = 1000;
module_param(burst_idle_ms, uint, 0444);
MODULE_PARM_DESC(burst_idle_ms,
		 "Burst pool idle timeout; threads counted 2x it + 200 ms after (10..10000)");
static unsigned int mem_threads = 1024;
module_param(mem_threads, uint, 0444);
MODULE_PARM_DESC(mem_threads, "Idle threads created in the memory scenario (1..1024)");
static unsigned int wq_threads;
module_param(wq_threads, uint, 0444);
MODULE_PARM_DESC(wq_threads, "wq_bench: submitter threads (0: one per online CPU; 1..64)");
static unsigned int wq_items = 2000;
module_param(wq_items, uint, 0444);
MODULE_PARM_DESC(wq_items, "wq_bench: items each submitter queues (10..100000)");
static char *hold = "";
module_param(hold, charp, 0444);
MODULE_PARM_DESC(hold,
		 "kpool or kthread: run no scenario, keep mem_threads idle threads until unload");
static char *only = "spawn,dispatch,throughput,wq_bench,burst,teardown,memory";
module_param(only, charp, 0444);
MODULE_PARM_DESC(only, "Scenario groups to run, comma-separated (default: all)");

/*
 * Gap between two latency samples: a busy wait, not a sleep, so the
 * submitter's vCPU does not go idle right before a sample and its idle exit
 * (on QEMU/TCG up to a tick) stays out of the figures.
 */
#define KB_GAP_US 20
/* Longest wait for the previous sample's thread to be asleep. */
#define KB_ASLEEP_WAIT_NS (50 * NSEC_PER_MSEC)
#define KB_MAX_REPS 21

/* Burst sizes; every one is at most the burst pools' max_threads. */
static const unsigned int kb_burst_k[] = { 16, 32, 64, 128, 256, 512 };
#define KB_BURST_MAX_THREADS 512
#define KB_BURST_MIN_THREADS 4
#define KB_BURST_RESERVE 2

/* ---- results ----------------------------------------------------------------------------- */

enum kb_field {
	KB_P50,
	KB_P90,
	KB_P95,
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
	KB_THREADS_DELTA,
	KB_THREADS_AFTER_IDLE,
	KB_THREADS_PEAK,
	KB_THREADS_LIMIT,
	KB_NR_FIELDS
};

static const char *const kb_field_name[KB_NR_FIELDS] = {
	[KB_P50] = "p50_ns",
	[KB_P90] = "p90_ns",
	[KB_P95] = "p95_ns",
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
	[KB_THREADS_DELTA] = "threads_delta",
	[KB_THREADS_AFTER_IDLE] = "threads_after_idle",
	[KB_THREADS_PEAK] = "threads_peak",
	[KB_THREADS_LIMIT] = "threads_limit",
};

/* A field a scenario does not fill keeps this value and is not printed. */
#define KB_NA S64_MIN

struct kb_result {
	s64 v[KB_NR_FIELDS];
};

static void kb_result_init(struct kb_result *r)
{
	unsigned int f;

	for (f = 0; f < KB_NR_FIELDS; f++)
		r->v[f] = KB_NA;
}

static int kb_cmp_s64(const void *a, const void *b)
{
	s64 x = *(const s64 *)a, y = *(const s64 *)b;

	return x < y ? -1 : x > y;
}

static s64 kb_pct(const s64 *s, unsigned int n, unsigned int permille)
{
	unsigned int i = (u64)n * permille / 1000;

	return s[min(i, n - 1)];
}

/* Sorts @s; fills the percentile fields. */
static void kb_summarise(s64 *s, unsigned int n, struct kb_result *r)
{
	sort(s, n, sizeof(s64), kb_cmp_s64, NULL);
	r->v[KB_P50] = kb_pct(s, n, 500);
	r->v[KB_P90] = kb_pct(s, n, 900);
	r->v[KB_P95] = kb_pct(s, n, 950);
	r->v[KB_P99] = kb_pct(s, n, 990);
	r->v[KB_P999] = kb_pct(s, n, 999);
	r->v[KB_MAX] = s[n - 1];
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

/* ---- placement and units --------------------------------------------------------------- */

/* Where a latency unit's target runs: on the measuring CPU, another, or anywhere. */
enum kb_place { KB_SAME, KB_CROSS, KB_ANY };
/*
 * Where a sample's callback ran, relative to the submitter. KB_CLS_ANY
 * (unpinned units only) is every kept sample, wherever it ran: what a user
 * of the mechanism gets by default.
 */
enum kb_cls { KB_CLS_SAME, KB_CLS_CROSS, KB_CLS_ANY, KB_NR_CLS, KB_CLS_DROP = 0xff };
static const char *const kb_cls_name[KB_NR_CLS] = { "same", "cross", "any" };

static unsigned int kb_sub_cpu; /* the measuring thread's CPU */
static int kb_cross_cpu = -1;	/* another online CPU, or -1 */

struct kb_unit;

/* One repetition's input and output. */
struct kb_rep {
	s64 *samples; /* latency units: one per sample */
	u8 *cls;      /* latency units: enum kb_cls of each sample */
	unsigned int n;
	struct kb_result r; /* scalar units: the figures */
	unsigned long dropped;
};

typedef int (*kb_fn)(struct kb_unit *u, struct kb_rep *rep);

struct kb_unit {
	const char *scenario; /* latency units get _same / _cross appended */
	const char *mech;
	kb_fn fn;
	enum kb_place place;
	bool latency;
	unsigned int arg; /* the unit's own parameter (mechanism, K, ms) */
	unsigned int n;	  /* latency samples per repetition */
	/* Filled by the runner. */
	struct kb_result res[KB_NR_CLS][KB_MAX_REPS];
	unsigned int nres[KB_NR_CLS];
	unsigned long samples[KB_NR_CLS];
	unsigned long dropped;
	u32 *hist[KB_NR_CLS];
	struct kb_result warm;
	int err;
};

static int kb_target_cpu(const struct kb_unit *u)
{
	return u->place == KB_SAME ? (int)kb_sub_cpu : u->place == KB_CROSS ? kb_cross_cpu : -1;
}

static u8 kb_classify(const struct kb_unit *u, unsigned int cpu)
{
	u8 c = cpu == kb_sub_cpu ? KB_CLS_SAME : KB_CLS_CROSS;

	/* A pinned unit keeps only samples in its own placement. */
	if (u->place == KB_SAME && c != KB_CLS_SAME)
		return KB_CLS_DROP;
	if (u->place == KB_CROSS && c != KB_CLS_CROSS)
		return KB_CLS_DROP;
	return c;
}

/*
 * Wait until @t (the thread that ran the previous sample) is off its CPU and
 * dequeued, i.e. really asleep; drops the reference taken by the callback.
 * On the measuring CPU the wait sleeps so that @t gets the CPU. Returns
 * false if it did not happen within KB_ASLEEP_WAIT_NS.
 */
static bool kb_wait_asleep(struct task_struct *t)
{
	u64 end = ktime_get_ns() + KB_ASLEEP_WAIT_NS;
	bool ok = true;

	if (!t)
		return true;
	while (READ_ONCE(t->on_cpu) || READ_ONCE(t->on_rq)) {
		if (ktime_get_ns() > end) {
			ok = false;
			break;
		}
		if (task_cpu(t) == raw_smp_processor_id())
			usleep_range(10, 20);
		else
			cond_resched();
	}
	put_task_struct(t);
	return ok;
}

/* ---- mechanisms ---------------------------------------------------------------------------- */

enum kb_mech {
	KB_KPOOL,	/* unbound kpool pool */
	KB_KPOOL_BOUND, /* kpool pool bound to the target CPU */
	KB_SYS_UNBOUND,
	KB_PRIV_UNBOUND,
	KB_SYS_WQ, /* queue_work_on(target) when pinned */
	KB_KWORKER,
};

static struct kpool *kb_pool;	       /* unbound: dispatch, throughput, wq_bench */
static struct kpool *kb_bpool[2];      /* bound to kb_sub_cpu / kb_cross_cpu */
static struct kpool *kb_cold_pool[2];  /* bound, empty: reserve 0, min 0 */
static struct kpool *kb_burst_pool[2]; /* annotated / unannotated bursts */
static struct workqueue_struct *kb_priv_wq;
static struct kthread_worker *kb_kw_any; /* throughput: one unbound worker */
static struct kthread_worker *kb_kw[2];	 /* bound to kb_sub_cpu / kb_cross_cpu */

/* ---- 1. spawn: request to the thread function running ------------------------------------- */

struct kb_spawn {
	u64 t0, t1;
	unsigned int cpu;
	bool cold;
	struct task_struct *runner;
	struct completion ran;
};

static int kb_spawn_fn(void *arg)
{
	struct kb_spawn *s = arg;

	s->t1 = ktime_get_ns();
	s->cpu = raw_smp_processor_id();
	s->cold = kpool_current_is_cold_start();
	s->runner = current;
	get_task_struct(current);
	complete(&s->ran);
	return 0;
}

/* Cold: kthread_run() bound to the target CPU, from request to the function. */
static int kb_spawn_kthread(struct kb_unit *u, struct kb_rep *rep)
{
	int cpu = kb_target_cpu(u);
	struct kb_spawn s;
	unsigned int i;

	for (i = 0; i < rep->n; i++) {
		struct task_struct *t;

		init_completion(&s.ran);
		udelay(KB_GAP_US);
		s.t0 = ktime_get_ns();
		t = kthread_create(kb_spawn_fn, &s, "kb_spawn");
		if (IS_ERR(t))
			return PTR_ERR(t);
		kthread_bind(t, cpu);
		get_task_struct(t);
		wake_up_process(t);
		wait_for_completion(&s.ran);
		rep->samples[i] = s.t1 - s.t0;
		rep->cls[i] = kb_classify(u, s.cpu);
		put_task_struct(s.runner);
		kthread_stop_put(t);
	}
	return 0;
}

/* Wait until @pool is at rest: nothing running, @parked threads parked. */
static bool kb_pool_at_rest(struct kpool *pool, unsigned int parked)
{
	u64 end = ktime_get_ns() + KB_ASLEEP_WAIT_NS;
	struct kpool_stats st;

	for (;;) {
		kpool_get_stats(pool, &st);
		if (!st.nr_running && !st.nr_queued && st.nr_parked + st.nr_idle >= parked)
			return true;
		if (ktime_get_ns() > end)
			return false;
		usleep_range(10, 20);
	}
}

/* Wait until @pool has no thread at all (cold starts); up to 2 s. */
static bool kb_pool_empty(struct kpool *pool)
{
	unsigned long end = jiffies + 2 * HZ;
	struct kpool_stats st;

	for (;;) {
		kpool_get_stats(pool, &st);
		if (!st.nr_threads)
			return true;
		if (time_after(jiffies, end))
			return false;
		usleep_range(500, 1000);
	}
}

/*
 * kpool_thread_run() on a bound pool. Warm (@u->arg 0): the reserve is
 * ready and the thread of the previous sample asleep; a sample that was a
 * cold start is dropped. Cold (@u->arg 1): the pool is empty (reserve 0,
 * min 0) before every sample; a sample that was not a cold start is dropped.
 */
static int kb_spawn_kpool(struct kb_unit *u, struct kb_rep *rep)
{
	bool cold = u->arg;
	struct kpool *pool = cold ? kb_cold_pool[u->place] : kb_bpool[u->place];
	struct kpool_thread t = {};
	struct task_struct *prev = NULL;
	struct kpool_attrs a;
	struct kb_spawn s;
	unsigned int i;
	int ret;

	kpool_get_attrs(pool, &a);
	for (i = 0; i < rep->n; i++) {
		bool ready = kb_wait_asleep(prev);

		prev = NULL;
		ready &= cold ? kb_pool_empty(pool) : kb_pool_at_rest(pool, a.reserve);
		init_completion(&s.ran);
		udelay(KB_GAP_US);
		s.t0 = ktime_get_ns();
		ret = kpool_thread_run(pool, &t, kb_spawn_fn, &s);
		if (ret)
			return ret; /* prev is NULL here: its reference was dropped */
		wait_for_completion(&s.ran);
		rep->samples[i] = s.t1 - s.t0;
		rep->cls[i] = kb_classify(u, s.cpu);
		if (!ready || s.cold != cold)
			rep->cls[i] = KB_CLS_DROP;
		prev = s.runner;
		kpool_thread_stop(&t);
	}
	kb_wait_asleep(prev);
	return 0;
}

/* The floor: waking one dedicated thread that sleeps waiting for the request. */
struct kb_floor {
	struct task_struct *task;
	u64 t0, t1;
	unsigned int cpu;
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
		f->cpu = raw_smp_processor_id();
		WRITE_ONCE(f->pending, 0);
		complete(&f->ran);
	}
	while (!kthread_should_stop())
		schedule_timeout_idle(HZ / 100);
	return 0;
}

static int kb_floor_wake(struct kb_unit *u, struct kb_rep *rep)
{
	struct kb_floor f = {};
	unsigned int i;

	init_completion(&f.ran);
	f.task = kthread_create(kb_floor_fn, &f, "kb_floor");
	if (IS_ERR(f.task))
		return PTR_ERR(f.task);
	kthread_bind(f.task, kb_target_cpu(u));
	get_task_struct(f.task);
	wake_up_process(f.task);
	for (i = 0; i < rep->n; i++) {
		bool asleep;

		reinit_completion(&f.ran);
		/*
		 * TASK_IDLE in __state is set before the thread sleeps: wait for
		 * it to be off the CPU and dequeued as well, then check that the
		 * wake-up really woke it.
		 */
		get_task_struct(f.task);
		asleep = kb_wait_asleep(f.task) && READ_ONCE(f.task->__state) == TASK_IDLE;
		udelay(KB_GAP_US);
		f.t0 = ktime_get_ns();
		WRITE_ONCE(f.pending, 1);
		if (!wake_up_process(f.task))
			asleep = false;
		wait_for_completion(&f.ran);
		rep->samples[i] = f.t1 - f.t0;
		rep->cls[i] = asleep ? kb_classify(u, f.cpu) : KB_CLS_DROP;
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
	unsigned int cpu;
	struct task_struct *runner; /* dispatch only: referenced */
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
		it->cpu = raw_smp_processor_id();
		it->runner = current;
		get_task_struct(current);
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

/* Queue @it on mechanism @m; @place selects the pinned target where it applies. */
static int kb_submit(enum kb_mech m, enum kb_place place, struct kb_item *it)
{
	int cpu = place == KB_SAME ? (int)kb_sub_cpu : place == KB_CROSS ? kb_cross_cpu : -1;

	switch (m) {
	case KB_KPOOL:
		return kpool_queue(kb_pool, &it->job);
	case KB_KPOOL_BOUND:
		return kpool_queue(kb_bpool[place], &it->job);
	case KB_SYS_UNBOUND:
		queue_work(system_unbound_wq, &it->work);
		return 0;
	case KB_PRIV_UNBOUND:
		queue_work(kb_priv_wq, &it->work);
		return 0;
	case KB_SYS_WQ:
		if (cpu >= 0)
			queue_work_on(cpu, system_wq, &it->work);
		else
			queue_work(system_wq, &it->work);
		return 0;
	case KB_KWORKER:
		kthread_queue_work(cpu >= 0 ? kb_kw[place] : kb_kw_any, &it->kwork);
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
	it->runner = NULL;
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

static int kb_dispatch(struct kb_unit *u, struct kb_rep *rep)
{
	struct task_struct *prev = NULL;
	struct kb_item it;
	unsigned int i;
	int ret = 0;

	kb_item_init(&it, NULL, NULL, true);
	for (i = 0; i < rep->n; i++) {
		bool asleep = kb_wait_asleep(prev);

		reinit_completion(&it.ran);
		udelay(KB_GAP_US);
		it.t0 = ktime_get_ns();
		ret = kb_submit(u->arg, u->place, &it);
		if (ret)
			break;
		wait_for_completion(&it.ran);
		rep->samples[i] = it.t1 - it.t0;
		rep->cls[i] = asleep ? kb_classify(u, it.cpu) : KB_CLS_DROP;
		prev = it.runner;
	}
	kb_wait_asleep(prev);
	/* Work items are on this stack frame: make sure none is still running. */
	kb_item_flush(&it);
	destroy_work_on_stack(&it.work);
	return ret;
}

/* ---- 3. throughput of tiny jobs: one submitter thread bound to each online CPU ---------- */

struct kb_submitter {
	struct task_struct *task;
	struct kb_item *items;
	s64 *qlat; /* wq_bench: latency of each queue call */
	unsigned int n;
	enum kb_mech mech;
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
		u64 t0 = s->qlat ? ktime_get_ns() : 0;

		ret = kb_submit(s->mech, KB_ANY, &s->items[i]);
		if (s->qlat)
			s->qlat[i] = ktime_get_ns() - t0;
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

/*
 * @nsub submitters (submitter i bound to the i-th online CPU, round robin),
 * @n items each, on mechanism @m; time from the start signal to the last
 * item run. With @qlat (nsub * n entries) each queue call is timed. The
 * kpool pool's thread count is sampled while the items run.
 */
static int kb_flood(enum kb_mech m, unsigned int nsub, unsigned int n, s64 *qlat,
		    struct kb_result *r)
{
	unsigned int made = 0, i, cpu = nr_cpu_ids, peak = 0;
	struct kb_submitter *subs;
	struct completion go, all;
	struct kb_item *items;
	struct kpool_stats st;
	atomic_t left;
	u64 t0, t;
	int ret = 0;

	subs = kcalloc(nsub, sizeof(*subs), GFP_KERNEL);
	items = kvcalloc((size_t)nsub * n, sizeof(*items), GFP_KERNEL);
	if (!subs || !items) {
		ret = -ENOMEM;
		goto out;
	}
	init_completion(&go);
	init_completion(&all);
	atomic_set(&left, nsub * n);
	for (i = 0; i < nsub * n; i++)
		kb_item_init(&items[i], &left, &all, false);
	for (i = 0; i < nsub; i++) {
		struct kb_submitter *s = &subs[i];
		struct task_struct *task;

		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		s->items = &items[i * n];
		s->qlat = qlat ? &qlat[i * n] : NULL;
		s->n = n;
		s->mech = m;
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
		made++;
	}
	if (made < nsub) {
		/* Items of submitters never created will not run. */
		if (atomic_sub_and_test((nsub - made) * n, &left))
			complete(&all);
	}
	t0 = ktime_get_ns();
	complete_all(&go);
	while (!wait_for_completion_timeout(&all, 1)) {
		if (m == KB_KPOOL) {
			kpool_get_stats(kb_pool, &st);
			peak = max(peak, st.nr_threads);
		}
	}
	t = ktime_get_ns() - t0;
	for (i = 0; i < made; i++) {
		kthread_stop_put(subs[i].task);
		if (subs[i].ret && !ret)
			ret = subs[i].ret;
	}
	for (i = 0; i < nsub * n; i++)
		kb_item_flush(&items[i]);
	r->v[KB_OPS] = t ? div64_u64((u64)nsub * n * NSEC_PER_SEC, t) : 0;
	r->v[KB_MAKESPAN] = t;
	if (m == KB_KPOOL) {
		kpool_get_stats(kb_pool, &st);
		r->v[KB_THREADS_PEAK] = max(peak, st.nr_threads);
		r->v[KB_THREADS_LIMIT] = num_online_cpus() + 2;
	}
out:
	kvfree(items);
	kfree(subs);
	return ret;
}

static int kb_throughput(struct kb_unit *u, struct kb_rep *rep)
{
	return kb_flood(u->arg, num_online_cpus(), iters, NULL, &rep->r);
}

/*
 * 3b. The shape of Linux's lib/test_workqueue.c: N submitter threads each
 * queue M distinct items; items per second over the whole run, and the
 * latency of each queue call (p50/p90/p95).
 */
static int kb_wq_bench(struct kb_unit *u, struct kb_rep *rep)
{
	unsigned int nsub = wq_threads ?: num_online_cpus();
	s64 *qlat = vmalloc(array_size((size_t)nsub * wq_items, sizeof(s64)));
	struct kb_result pct;
	int ret;

	if (!qlat)
		return -ENOMEM;
	ret = kb_flood(u->arg, nsub, wq_items, qlat, &rep->r);
	if (!ret) {
		kb_result_init(&pct);
		kb_summarise(qlat, nsub * wq_items, &pct);
		rep->r.v[KB_P50] = pct.v[KB_P50];
		rep->r.v[KB_P90] = pct.v[KB_P90];
		rep->r.v[KB_P95] = pct.v[KB_P95];
		rep->r.v[KB_MAKESPAN] = KB_NA;
	}
	vfree(qlat);
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

/* Announced to the pool: kpool_block_begin/end around the sleep. */
static void kb_sleep_job(struct kpool_job *j)
{
	kpool_block_begin();
	kb_sleep_common(container_of(j, struct kb_sleeper, job));
	kpool_block_end();
}

/* Not announced: the pool finds out by itself (preempt notifiers, stall timer). */
static void kb_sleep_job_unannotated(struct kpool_job *j)
{
	kb_sleep_common(container_of(j, struct kb_sleeper, job));
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

/*
 * Burst units: arg = mechanism << 8 | unannotated. Threads: the burst pool's
 * own, or every kworker of the system (the workqueues share them).
 */
#define KB_BURST_ARG(m, unann) ((m) << 8 | (unann))

static unsigned int kb_burst_threads(unsigned int arg)
{
	struct kpool_stats st;

	if ((arg >> 8) != KB_KPOOL)
		return kb_count_kworkers();
	kpool_get_stats(kb_burst_pool[arg & 1], &st);
	return st.nr_threads;
}

static unsigned int kb_cur_k;

static int kb_burst(struct kb_unit *u, struct kb_rep *rep)
{
	enum kb_mech m = u->arg >> 8;
	bool unann = u->arg & 1;
	unsigned int k = kb_cur_k, i;
	struct kb_sleeper *s = kcalloc(k, sizeof(*s), GFP_KERNEL);
	struct workqueue_struct *wq;
	struct kb_result *r = &rep->r;
	struct completion all;
	atomic_t left;
	u64 t0;
	int ret = 0;

	if (!s)
		return -ENOMEM;
	wq = m == KB_SYS_UNBOUND  ? system_unbound_wq :
	     m == KB_PRIV_UNBOUND ? kb_priv_wq :
				    system_wq;
	init_completion(&all);
	atomic_set(&left, k);
	r->v[KB_THREADS_BEFORE] = kb_burst_threads(u->arg);
	t0 = ktime_get_ns();
	for (i = 0; i < k; i++) {
		s[i].left = &left;
		s[i].all = &all;
		INIT_WORK(&s[i].work, kb_sleep_work);
		kpool_job_init(&s[i].job, unann ? kb_sleep_job_unannotated : kb_sleep_job, NULL);
		if (m == KB_KPOOL) {
			ret = kpool_queue(kb_burst_pool[unann], &s[i].job);
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
	r->v[KB_THREADS_AFTER] = kb_burst_threads(u->arg);
	r->v[KB_THREADS_DELTA] = r->v[KB_THREADS_AFTER] - r->v[KB_THREADS_BEFORE];
	for (i = 0; i < k; i++) {
		flush_work(&s[i].work);
		kpool_flush_job(&s[i].job);
	}
	kfree(s);
	return ret;
}

/* ---- 5. teardown: stopping N threads, idle or blocked when asked -------------------------- */

/*
 * A bare kthread of the teardown scenarios: sleeps until asked to stop
 * (kthread_should_stop() or the shared flag), then, in teardown_blocked,
 * takes @block_ms more to notice (an operation in flight), then waits for
 * kthread_stop().
 */
struct kb_td {
	bool *flag;
	unsigned int block_ms;
};

static int kb_td_fn(void *arg)
{
	struct kb_td *td = arg;

	for (;;) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop() || READ_ONCE(*td->flag))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	if (td->block_ms)
		msleep(td->block_ms);
	for (;;) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* Start @n sleeping kthreads into @t; returns how many were started. */
static unsigned int kb_start_td_kthreads(struct task_struct **t, unsigned int n, struct kb_td *td)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		t[i] = kthread_run(kb_td_fn, td, "kb_td/%u", i);
		if (IS_ERR(t[i]))
			break;
	}
	return i;
}

/*
 * Teardown of bare kthreads. arg: bit 0 parallel (set the stop flag, wake
 * all, then kthread_stop each), bit 1 blocked (each takes teardown_block_ms
 * to notice).
 */
static int kb_teardown_kthread(struct kb_unit *u, struct kb_rep *rep)
{
	struct task_struct **t = kcalloc(teardown_threads, sizeof(*t), GFP_KERNEL);
	bool flag = false;
	struct kb_td td = { .flag = &flag, .block_ms = (u->arg & 2) ? teardown_block_ms : 0 };
	unsigned int i, made;
	u64 t0;

	if (!t)
		return -ENOMEM;
	made = kb_start_td_kthreads(t, teardown_threads, &td);
	msleep(20); /* every thread reaches its first sleep */
	t0 = ktime_get_ns();
	if (u->arg & 1) {
		WRITE_ONCE(flag, true);
		for (i = 0; i < made; i++)
			wake_up_process(t[i]);
	}
	for (i = 0; i < made; i++)
		kthread_stop(t[i]);
	rep->r.v[KB_MAKESPAN] = ktime_get_ns() - t0;
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
	*out = NULL;
	return -ETIMEDOUT;
}

/* A quick thread of teardown_blocked: runs until asked to stop, then notices late. */
static int kb_td_quick_fn(void *arg)
{
	unsigned int block_ms = (uintptr_t)arg;

	for (;;) {
		set_current_state(TASK_IDLE);
		if (kpool_thread_should_stop())
			break;
		schedule_timeout(HZ);
	}
	__set_current_state(TASK_RUNNING);
	msleep(block_ms);
	return 0;
}

/* kpool_destroy() of a pool of N idle threads, or of N running quick threads (arg 2). */
static int kb_teardown_kpool(struct kb_unit *u, struct kb_rep *rep)
{
	struct kpool_thread *qt = NULL;
	struct kpool_stats st;
	struct kpool *pool;
	unsigned int i;
	u64 t0;
	int ret = kb_full_pool("kb_teardown", teardown_threads, &pool);

	if (ret)
		return ret;
	if (u->arg & 2) {
		unsigned long end = jiffies + 30 * HZ;

		qt = kvcalloc(teardown_threads, sizeof(*qt), GFP_KERNEL);
		if (!qt) {
			kpool_destroy(pool);
			return -ENOMEM;
		}
		for (i = 0; i < teardown_threads && !ret; i++)
			ret = kpool_thread_run(pool, &qt[i], kb_td_quick_fn,
					       (void *)(uintptr_t)teardown_block_ms);
		/* Every function is running (and asleep) before the clock starts. */
		do {
			msleep(20);
			kpool_get_stats(pool, &st);
		} while (!ret && st.nr_running < teardown_threads && time_before(jiffies, end));
		if (!ret && st.nr_running < teardown_threads)
			ret = -ETIMEDOUT;
	}
	t0 = ktime_get_ns();
	kpool_destroy(pool);
	rep->r.v[KB_MAKESPAN] = ktime_get_ns() - t0;
	kvfree(qt);
	return ret;
}

/*
 * ---- 6. memory per idle thread: kernel stacks and unreclaimable slab ---------------------
 * Per-cache object counts come from /proc/slabinfo, which a module cannot
 * read (no read_iter): with hold=kpool|kthread the module only starts
 * mem_threads idle threads and keeps them until it is unloaded, and the
 * guest script diffs /proc/slabinfo around that (qemu/tests/bench_lib.sh).
 */

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
	long stack_kb, slab_bytes;
};

/*
 * Settle first: objects freed by RCU (tasks, stacks) of earlier steps go,
 * and (KASAN) the quarantine stops shrinking: read until two readings 100 ms
 * apart differ by less than 64 KiB, for at most 3 s.
 */
static void kb_mem_read(struct kb_mem *m)
{
	long prev = LONG_MAX;
	unsigned int i;

	for (i = 0; i < 30; i++) {
		rcu_barrier();
		m->stack_kb = kb_node_stat(NR_KERNEL_STACK_KB);
		m->slab_bytes = kb_node_stat(NR_SLAB_UNRECLAIMABLE_B) * (long)PAGE_SIZE;
		if (abs(m->slab_bytes - prev) < 64 * 1024)
			break;
		prev = m->slab_bytes;
		msleep(100);
	}
}

static void kb_mem_result(const struct kb_mem *a, const struct kb_mem *b, unsigned int nr,
			  struct kb_result *r)
{
	/* Signed: a negative delta (memory freed meanwhile) is reported as such. */
	r->v[KB_STACK_BYTES] = (b->stack_kb - a->stack_kb) * 1024L / (long)nr;
	r->v[KB_SLAB_BYTES] = (b->slab_bytes - a->slab_bytes) / (long)nr;
	r->v[KB_BYTES] = r->v[KB_STACK_BYTES] + r->v[KB_SLAB_BYTES];
	r->v[KB_THREADS_AFTER] = nr;
}

static int kb_mem(struct kb_unit *u, struct kb_rep *rep)
{
	struct task_struct **t = NULL;
	struct kpool *pool = NULL;
	bool flag = false;
	struct kb_td td = { .flag = &flag };
	unsigned int i, made = 0;
	struct kb_mem a, b;
	int ret = 0;

	if (!u->arg) {
		t = kcalloc(mem_threads, sizeof(*t), GFP_KERNEL);
		if (!t)
			return -ENOMEM;
	}
	kb_mem_read(&a);
	if (u->arg) {
		ret = kb_full_pool("kb_mem", mem_threads, &pool);
		if (ret)
			return ret;
	} else {
		made = kb_start_td_kthreads(t, mem_threads, &td);
		msleep(100); /* let every thread reach its first sleep */
	}
	kb_mem_read(&b);
	if (u->arg) {
		kpool_destroy(pool);
	} else {
		for (i = 0; i < made; i++)
			kthread_stop(t[i]);
		kfree(t);
		if (made != mem_threads)
			return -ENOMEM;
	}
	kb_mem_result(&a, &b, mem_threads, &rep->r);
	return ret;
}

/* ---- the runner ------------------------------------------------------------------------- */

static s64 *kb_samples;
static u8 *kb_cls;
static s64 *kb_tmp;

static void kb_add_latency(struct kb_unit *u, struct kb_rep *rep, bool measured)
{
	unsigned int c, i, m;

	for (i = 0; i < rep->n; i++)
		if (rep->cls[i] == KB_CLS_DROP)
			u->dropped += measured;
	for (c = 0; c < KB_NR_CLS; c++) {
		struct kb_result r;

		if (c == KB_CLS_ANY && u->place != KB_ANY)
			continue;
		for (i = 0, m = 0; i < rep->n; i++)
			if (rep->cls[i] == c || (c == KB_CLS_ANY && rep->cls[i] != KB_CLS_DROP))
				kb_tmp[m++] = rep->samples[i];
		/* Fewer than 10 samples in a class make no percentile. */
		if (!measured || m < 10)
			continue;
		for (i = 0; i < m; i++)
			if (u->hist[c])
				u->hist[c][kb_bucket(kb_tmp[i])]++;
		kb_result_init(&r);
		kb_summarise(kb_tmp, m, &r);
		r.v[KB_P90] = KB_NA;
		r.v[KB_P95] = KB_NA;
		u->res[c][u->nres[c]++] = r;
		u->samples[c] += m;
	}
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

/* Median, minimum and maximum of every field over the repetitions. */
static void kb_print_unit(struct kb_unit *u, const char *scenario, unsigned int c)
{
	struct kb_result *rs = u->res[c];
	unsigned int nr = u->nres[c], f, i;
	char *buf = kmalloc(1000, GFP_KERNEL);
	s64 v[KB_MAX_REPS];
	int len = 0;

	if (!buf)
		return;
	buf[0] = 0;
	for (f = 0; f < KB_NR_FIELDS && nr; f++) {
		if (rs[0].v[f] == KB_NA)
			continue;
		for (i = 0; i < nr; i++)
			v[i] = rs[i].v[f];
		sort(v, nr, sizeof(s64), kb_cmp_s64, NULL);
		len += scnprintf(buf + len, 1000 - len, " %s=%lld %s_lo=%lld %s_hi=%lld",
				 kb_field_name[f], v[nr / 2], kb_field_name[f], v[0],
				 kb_field_name[f], v[nr - 1]);
	}
	if (u->warm.v[KB_MAKESPAN] != KB_NA && !strncmp(scenario, "burst", 5))
		len += scnprintf(buf + len, 1000 - len, " cold_makespan_ns=%lld",
				 u->warm.v[KB_MAKESPAN]);
	pr_info("kpool_bench: RESULT scenario=%s mechanism=%s n=%lu reps=%u dropped=%lu%s\n",
		scenario, u->mech, u->latency ? u->samples[c] : (unsigned long)nr, nr, u->dropped,
		buf);
	kfree(buf);
}

static void kb_print_units(struct kb_unit *us, unsigned int nu)
{
	char scenario[32];
	unsigned int j, c;

	for (j = 0; j < nu; j++) {
		struct kb_unit *u = &us[j];

		for (c = 0; c < KB_NR_CLS; c++) {
			if (!u->latency && c)
				break;
			if (u->latency && u->place != KB_ANY && u->place != c)
				continue;
			if (u->latency && c == KB_CLS_ANY && u->place != KB_ANY)
				continue;
			if (u->latency && c == KB_CLS_CROSS && kb_cross_cpu < 0)
				continue;
			if (u->latency)
				snprintf(scenario, sizeof(scenario), "%s_%s", u->scenario,
					 kb_cls_name[c]);
			else
				strscpy(scenario, u->scenario, sizeof(scenario));
			if (u->err)
				pr_info("kpool_bench: RESULT scenario=%s mechanism=%s error=%d\n",
					scenario, u->mech, u->err);
			else
				kb_print_unit(u, scenario, c);
			if (u->latency && u->hist[c] && !u->err)
				kb_print_hist(scenario, u->mech, u->hist[c]);
		}
	}
}

/*
 * Run @nu units: a warm-up repetition, then @reps measured ones; repetition r
 * runs every unit once, starting at unit r (round robin). A unit that fails
 * is reported with its error and not run again.
 */
static void kb_run_units(struct kb_unit *us, unsigned int nu)
{
	unsigned int rep, j, c;

	for (j = 0; j < nu; j++) {
		kb_result_init(&us[j].warm);
		for (c = 0; us[j].latency && c < KB_NR_CLS; c++)
			us[j].hist[c] = kcalloc(KB_HIST_BUCKETS, sizeof(u32), GFP_KERNEL);
	}
	for (rep = 0; rep <= reps; rep++) {
		for (j = 0; j < nu; j++) {
			struct kb_unit *u = &us[(j + rep) % nu];
			struct kb_rep r = { .samples = kb_samples, .cls = kb_cls, .n = u->n };
			int ret;

			if (u->err)
				continue;
			kb_result_init(&r.r);
			ret = u->fn(u, &r);
			if (ret) {
				u->err = ret;
				pr_err("kpool_bench: %s/%s failed: %d\n", u->scenario, u->mech,
				       ret);
				continue;
			}
			if (u->latency)
				kb_add_latency(u, &r, rep > 0);
			else if (rep > 0)
				u->res[0][u->nres[0]++] = r.r;
			else
				u->warm = r.r;
			cond_resched();
		}
	}
	kb_print_units(us, nu);
	for (j = 0; j < nu; j++)
		for (c = 0; c < KB_NR_CLS; c++) {
			kfree(us[j].hist[c]);
			us[j].hist[c] = NULL;
		}
}

static bool kb_wanted(const char *group)
{
	size_t n = strlen(group);
	const char *p = only;

	while ((p = strstr(p, group))) {
		if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == 0 || p[n] == '\n'))
			return true;
		p += n;
	}
	return false;
}

#define KB_UNITS_MAX 24
static struct kb_unit *kb_units;
static unsigned int kb_nunits;

static struct kb_unit *kb_add(const char *scenario, const char *mech, kb_fn fn, enum kb_place place,
			      bool latency, unsigned int arg, unsigned int n)
{
	struct kb_unit *u;

	if (kb_nunits == KB_UNITS_MAX || (place == KB_CROSS && kb_cross_cpu < 0))
		return NULL;
	u = &kb_units[kb_nunits++];
	memset(u, 0, sizeof(*u));
	u->scenario = scenario;
	u->mech = mech;
	u->fn = fn;
	u->place = place;
	u->latency = latency;
	u->arg = arg;
	u->n = n;
	return u;
}

static void kb_flush_units(void)
{
	kb_run_units(kb_units, kb_nunits);
	kb_nunits = 0;
}

/* Pinned latency units: one on the measuring CPU, one on another. */
static void kb_add_pinned(const char *scenario, const char *mech, kb_fn fn, unsigned int arg,
			  unsigned int n)
{
	kb_add(scenario, mech, fn, KB_SAME, true, arg, n);
	kb_add(scenario, mech, fn, KB_CROSS, true, arg, n);
}

static void kb_run_all(void)
{
	static char burst_names[ARRAY_SIZE(kb_burst_k)][16];
	unsigned int k, j;

	if (kb_wanted("spawn")) {
		kb_add_pinned("spawn_warm", "kpool_quick", kb_spawn_kpool, 0, iters);
		kb_add_pinned("spawn_warm", "floor_wake", kb_floor_wake, 0, iters);
		kb_flush_units();
		kb_add_pinned("spawn_cold", "kpool_quick_cold", kb_spawn_kpool, 1, cold_iters);
		kb_add_pinned("spawn_cold", "kthread_run", kb_spawn_kthread, 0, cold_iters);
		kb_flush_units();
	}
	if (kb_wanted("dispatch")) {
		kb_add("dispatch", "kpool", kb_dispatch, KB_ANY, true, KB_KPOOL, iters);
		kb_add_pinned("dispatch", "kpool_bound", kb_dispatch, KB_KPOOL_BOUND, iters);
		kb_add("dispatch", "system_unbound_wq", kb_dispatch, KB_ANY, true, KB_SYS_UNBOUND,
		       iters);
		kb_add("dispatch", "alloc_workqueue_unbound", kb_dispatch, KB_ANY, true,
		       KB_PRIV_UNBOUND, iters);
		kb_add_pinned("dispatch", "system_wq", kb_dispatch, KB_SYS_WQ, iters);
		kb_add_pinned("dispatch", "kthread_worker", kb_dispatch, KB_KWORKER, iters);
		kb_add_pinned("dispatch", "floor_wake", kb_floor_wake, 0, iters);
		kb_flush_units();
	}
	if (kb_wanted("throughput")) {
		kb_add("throughput", "kpool", kb_throughput, KB_ANY, false, KB_KPOOL, 0);
		kb_add("throughput", "system_unbound_wq", kb_throughput, KB_ANY, false,
		       KB_SYS_UNBOUND, 0);
		kb_add("throughput", "alloc_workqueue_unbound", kb_throughput, KB_ANY, false,
		       KB_PRIV_UNBOUND, 0);
		kb_add("throughput", "system_wq", kb_throughput, KB_ANY, false, KB_SYS_WQ, 0);
		kb_add("throughput", "kthread_worker", kb_throughput, KB_ANY, false, KB_KWORKER, 0);
		kb_flush_units();
	}
	if (kb_wanted("wq_bench")) {
		kb_add("wq_bench", "kpool", kb_wq_bench, KB_ANY, false, KB_KPOOL, 0);
		kb_add("wq_bench", "system_unbound_wq", kb_wq_bench, KB_ANY, false, KB_SYS_UNBOUND,
		       0);
		kb_add("wq_bench", "system_wq", kb_wq_bench, KB_ANY, false, KB_SYS_WQ, 0);
		kb_add("wq_bench", "alloc_workqueue_unbound", kb_wq_bench, KB_ANY, false,
		       KB_PRIV_UNBOUND, 0);
		kb_flush_units();
	}
	/* A kthread_worker runs one job at a time: a burst takes K x T; not run. */
	for (k = 0; kb_wanted("burst") && k < ARRAY_SIZE(kb_burst_k); k++) {
		const char *sc = burst_names[k];

		kb_cur_k = kb_burst_k[k];
		snprintf(burst_names[k], sizeof(burst_names[k]), "burst%u", kb_cur_k);
		kb_add(sc, "kpool", kb_burst, KB_ANY, false, KB_BURST_ARG(KB_KPOOL, 0), 0);
		kb_add(sc, "kpool_unannotated", kb_burst, KB_ANY, false, KB_BURST_ARG(KB_KPOOL, 1),
		       0);
		kb_add(sc, "system_unbound_wq", kb_burst, KB_ANY, false,
		       KB_BURST_ARG(KB_SYS_UNBOUND, 0), 0);
		kb_add(sc, "alloc_workqueue_unbound", kb_burst, KB_ANY, false,
		       KB_BURST_ARG(KB_PRIV_UNBOUND, 0), 0);
		kb_add(sc, "system_wq", kb_burst, KB_ANY, false, KB_BURST_ARG(KB_SYS_WQ, 0), 0);
		kb_run_units(kb_units, kb_nunits);
		/* After the repetitions: wait past the idle timeout, count again. */
		msleep(2 * burst_idle_ms + 200);
		for (j = 0; j < kb_nunits; j++) {
			struct kb_unit *u = &kb_units[j];

			if (!u->err)
				pr_info("kpool_bench: RESULT scenario=%s mechanism=%s threads_after_idle=%u\n",
					sc, u->mech, kb_burst_threads(u->arg));
		}
		kb_nunits = 0;
	}
	if (kb_wanted("teardown")) {
		kb_add("teardown_idle", "kpool_destroy", kb_teardown_kpool, KB_ANY, false, 0, 0);
		kb_add("teardown_idle", "kthread_stop_loop", kb_teardown_kthread, KB_ANY, false, 0,
		       0);
		kb_add("teardown_idle", "kthread_parallel_stop", kb_teardown_kthread, KB_ANY, false,
		       1, 0);
		kb_flush_units();
		kb_add("teardown_blocked", "kpool_destroy", kb_teardown_kpool, KB_ANY, false, 2, 0);
		kb_add("teardown_blocked", "kthread_stop_loop", kb_teardown_kthread, KB_ANY, false,
		       2, 0);
		kb_add("teardown_blocked", "kthread_parallel_stop", kb_teardown_kthread, KB_ANY,
		       false, 3, 0);
		kb_flush_units();
	}
	if (kb_wanted("memory")) {
		kb_add("memory", "kpool_idle_thread", kb_mem, KB_ANY, false, 1, 0);
		kb_add("memory", "bare_kthread", kb_mem, KB_ANY, false, 0, 0);
		kb_flush_units();
	}
}

/* ---- module --------------------------------------------------------------------------------- */

static struct completion kb_done;

static int kb_main(void *unused)
{
	kb_run_all();
	kthread_complete_and_exit(&kb_done, 0);
}

static const char *kb_preempt_model(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return "rt";
	if (IS_ENABLED(CONFIG_PREEMPT_DYNAMIC))
		return "dynamic";
	if (IS_ENABLED(CONFIG_PREEMPT))
		return "full";
	if (IS_ENABLED(CONFIG_PREEMPT_VOLUNTARY))
		return "voluntary";
	return "none";
}

static void kb_cleanup(void)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (!IS_ERR_OR_NULL(kb_kw[i]))
			kthread_destroy_worker(kb_kw[i]);
		kpool_destroy(kb_bpool[i]);
		kpool_destroy(kb_cold_pool[i]);
		kpool_destroy(kb_burst_pool[i]);
	}
	if (!IS_ERR_OR_NULL(kb_kw_any))
		kthread_destroy_worker(kb_kw_any);
	if (kb_priv_wq)
		destroy_workqueue(kb_priv_wq);
	kpool_destroy(kb_pool);
	vfree(kb_units);
	vfree(kb_samples);
	vfree(kb_cls);
	vfree(kb_tmp);
}

/* hold=: the threads kept until unload. */
static struct kpool *kb_hold_pool;
static struct task_struct **kb_hold_threads;
static unsigned int kb_hold_made;
static bool kb_hold_flag;
static struct kb_td kb_hold_td = { .flag = &kb_hold_flag };

static int kb_hold_start(void)
{
	int ret;

	if (!strcmp(hold, "kpool")) {
		ret = kb_full_pool("kb_hold", mem_threads, &kb_hold_pool);
	} else if (!strcmp(hold, "kthread")) {
		kb_hold_threads = kcalloc(mem_threads, sizeof(*kb_hold_threads), GFP_KERNEL);
		if (!kb_hold_threads)
			return -ENOMEM;
		kb_hold_made = kb_start_td_kthreads(kb_hold_threads, mem_threads, &kb_hold_td);
		ret = kb_hold_made == mem_threads ? 0 : -ENOMEM;
		msleep(100); /* let every thread reach its first sleep */
	} else {
		pr_err("kpool_bench: hold=%s: want kpool or kthread\n", hold);
		return -EINVAL;
	}
	if (!ret)
		pr_info("kpool_bench: HOLD %s threads=%u\n", hold, mem_threads);
	return ret;
}

static void kb_hold_stop(void)
{
	unsigned int i;

	kpool_destroy(kb_hold_pool);
	kb_hold_pool = NULL;
	for (i = 0; i < kb_hold_made; i++)
		kthread_stop(kb_hold_threads[i]);
	kb_hold_made = 0;
	kfree(kb_hold_threads);
	kb_hold_threads = NULL;
}

static int __init kb_init(void)
{
	struct kpool_attrs a = {
		.min_threads = 4, .max_threads = 256, .reserve = 4, .idle_timeout_ms = 10000
	};
	struct kpool_attrs ca = {
		.min_threads = 0, .max_threads = 4, .reserve = 0, .idle_timeout_ms = 1
	};
	struct kpool_attrs ba = { .min_threads = KB_BURST_MIN_THREADS,
				  .max_threads = KB_BURST_MAX_THREADS,
				  .reserve = KB_BURST_RESERVE,
				  .idle_timeout_ms = burst_idle_ms };
	unsigned int cpus[2], i, nmax;
	struct task_struct *t;
	int ret;

	if (iters < 10 || iters > 100000 || cold_iters < 5 || cold_iters > 10000 || reps < 1 ||
	    reps > KB_MAX_REPS || teardown_threads < 1 || teardown_threads > 1024 ||
	    teardown_block_ms < 1 || teardown_block_ms > 1000 || burst_ms < 1 || burst_ms > 1000 ||
	    burst_idle_ms < 10 || burst_idle_ms > 10000 || mem_threads < 1 || mem_threads > 1024 ||
	    wq_threads > 64 || wq_items < 10 || wq_items > 100000) {
		pr_err("kpool_bench: parameter out of range\n");
		return -EINVAL;
	}
	if (hold[0]) {
		ret = kb_hold_start();
		if (ret)
			kb_hold_stop();
		return ret;
	}
	cpus_read_lock();
	kb_sub_cpu = cpumask_first(cpu_online_mask);
	i = cpumask_next(kb_sub_cpu, cpu_online_mask);
	kb_cross_cpu = i < nr_cpu_ids ? (int)i : -1;
	cpus_read_unlock();
	cpus[0] = kb_sub_cpu;
	cpus[1] = kb_cross_cpu >= 0 ? kb_cross_cpu : kb_sub_cpu;

	nmax = max3(iters, cold_iters, 1u);
	kb_samples = vmalloc(array_size(nmax, sizeof(s64)));
	kb_tmp = vmalloc(array_size(nmax, sizeof(s64)));
	kb_cls = vmalloc(nmax);
	kb_units = vzalloc(array_size(KB_UNITS_MAX, sizeof(*kb_units)));
	if (!kb_samples || !kb_tmp || !kb_cls || !kb_units) {
		ret = -ENOMEM;
		goto out;
	}
	/* The unbound pool (dispatch, throughput, wq_bench) keeps one thread
	 * per CPU and no reserve: its thread count during the tiny-job flood is
	 * then what the growth policy did, against the goal of CPUs + 2 (with
	 * the bound pools' sizing it would start at 8 threads).
	 */
	{
		struct kpool_attrs ua = a;

		ua.min_threads = num_online_cpus();
		ua.reserve = 0;
		ret = kpool_create("kpool_bench", &ua, &kb_pool);
	}
	for (i = 0; i < 2 && !ret; i++) {
		char name[32];

		snprintf(name, sizeof(name), "kpool_bench_cpu%u", cpus[i]);
		ret = i && cpus[1] == cpus[0] ? 0 :
						kpool_create_bound(name, &a, cpus[i], &kb_bpool[i]);
		if (!ret) {
			snprintf(name, sizeof(name), "kpool_bench_cold%u", cpus[i]);
			ret = i && cpus[1] == cpus[0] ?
				      0 :
				      kpool_create_bound(name, &ca, cpus[i], &kb_cold_pool[i]);
		}
		if (!ret) {
			snprintf(name, sizeof(name), "kpool_bench_burst%u", i);
			ret = kpool_create(name, &ba, &kb_burst_pool[i]);
		}
		if (!ret) {
			kb_kw[i] =
				kthread_create_worker_on_cpu(cpus[i], 0, "kb_kworker/%u", cpus[i]);
			if (IS_ERR(kb_kw[i]))
				ret = PTR_ERR(kb_kw[i]);
		}
	}
	if (ret)
		goto out;
	kb_priv_wq = alloc_workqueue("kb_priv_unbound", WQ_UNBOUND, 0);
	kb_kw_any = kthread_create_worker(0, "kb_kworker");
	if (!kb_priv_wq || IS_ERR(kb_kw_any)) {
		ret = -ENOMEM;
		goto out;
	}
	msleep(200); /* the reserves fill in the background */
	pr_info("kpool_bench: START cpus=%u submitter_cpu=%u cross_cpu=%d hz=%u preempt=%s preempt_notifiers=%d iters=%u cold_iters=%u reps=%u burst_ms=%u burst_pool_min=%u burst_pool_reserve=%u burst_pool_max=%u burst_idle_ms=%u teardown_threads=%u teardown_block_ms=%u mem_threads=%u wq_threads=%u wq_items=%u only=%s\n",
		num_online_cpus(), kb_sub_cpu, kb_cross_cpu, HZ, kb_preempt_model(),
		IS_ENABLED(CONFIG_PREEMPT_NOTIFIERS), iters, cold_iters, reps, burst_ms,
		KB_BURST_MIN_THREADS, KB_BURST_RESERVE, KB_BURST_MAX_THREADS, burst_idle_ms,
		teardown_threads, teardown_block_ms, mem_threads, wq_threads ?: num_online_cpus(),
		wq_items, only);
	/* Every measurement runs on a thread bound to the submitter CPU. */
	init_completion(&kb_done);
	t = kthread_create(kb_main, NULL, "kb_main");
	if (IS_ERR(t)) {
		ret = PTR_ERR(t);
		goto out;
	}
	kthread_bind(t, kb_sub_cpu);
	wake_up_process(t);
	/* Minutes: wake up now and then, so the hung-task detector sees progress. */
	while (!wait_for_completion_timeout(&kb_done, 10 * HZ))
		;
	pr_info("kpool_bench: DONE\n");
	ret = 0;
out:
	kb_cleanup();
	return ret;
}

static void __exit kb_exit(void)
{
	kb_hold_stop();
}

module_init(kb_init);
module_exit(kb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kpool benchmarks against the kernel's thread and work mechanisms");
MODULE_VERSION(KPOOL_VERSION);
