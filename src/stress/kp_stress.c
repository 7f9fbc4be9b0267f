// SPDX-License-Identifier: GPL-2.0
/*
 * kpool_stress.ko: soak load on kpool through its public C API only.
 *
 * "start" (written to /sys/kernel/debug/kpool_stress/control, or the
 * autostart parameter) creates two pools, kps_unbound and kps_bound (bound to
 * the last possible CPU, so CPU hotplug parks and unparks it), and starts:
 *  - submitter threads (one per possible CPU unless nr_submitters says
 *    otherwise) queueing jobs on those pools and, through a domain of its
 *    own (kpool_stress), on the default pool: plain
 *    ones, ones ordered by key (the order is checked), ones with a cancel
 *    function, ones cancelled right after queueing, ones that block briefly
 *    inside kpool_block_begin/end, and quick threads (kpool_thread_run/stop);
 *  - a knob thread resizing kps_bound with kpool_set_attrs() (valid and
 *    invalid attributes: the errno is checked), creating and destroying a
 *    pool with jobs in flight (kps_churn) and plain kpool kthreads, and
 *    counting the errors those calls report (fault injection makes them fail).
 * "stop" stops the threads, waits (bounded) until every job ran or was
 * cancelled, drains the pools and checks the pool gauges are back to zero.
 * Unloading stops a running soak without draining: the owned pools and the
 * default pool's domain are destroyed with jobs in flight (queued jobs with a
 * cancel function are cancelled, the others run; the domain's destroy is the
 * safe unload on the shared pool), then the counts are checked.
 *
 * /sys/kernel/debug/kpool_stress/results shows every counter and a verdict;
 * the exit verdict goes to the kernel log as "kpool_stress: exit: ok ..." or
 * "kpool_stress: FAIL: ...". Every check here can fail; the guest scripts
 * (qemu/tests/soak.sh) turn them into KTAP cases.
 */
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/delay.h>
#include <linux/random.h>
#include <linux/mutex.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <kpool/kpool.h>

#define KPS_MAX_SUBMITTERS 64
#define KPS_KEYS 4
#define KPS_QUICK 2
#define KPS_QUICK_RESULT 7
#define KPS_MAX_OUTSTANDING 256
/*
 * Submissions between two pauses of a submitter, and the pause: the load must
 * leave the (TCG-emulated) guest CPUs some time for the disturbing shell.
 */
#define KPS_BATCH 4
#define KPS_PAUSE_US 5000
#define KPS_DRAIN_TIMEOUT_MS 60000

static unsigned int nr_submitters;
module_param(nr_submitters, uint, 0444);
MODULE_PARM_DESC(nr_submitters, "Submitter threads (0: one per possible CPU; at most 64)");
static bool autostart;
module_param(autostart, bool, 0444);
MODULE_PARM_DESC(autostart, "Start the load at module load (as writing start to the control file)");

enum kps_pool_idx { KPS_UNBOUND, KPS_BOUND, KPS_DEFAULT, KPS_CHURN, KPS_NR_POOLS };
static const char *const kps_pool_names[KPS_NR_POOLS] = { "kps_unbound", "kps_bound", "default",
							  "kps_churn" };

/* Counters of one pool, as seen by its users (this module). */
struct kps_pool {
	struct kpool *pool;
	struct kpool_domain *dom; /* the default pool's jobs go through it */
	atomic_long_t submitted, ran, cancelled;
	atomic_long_t queue_errors, order_errors;
	atomic_long_t quick_started, quick_ran, quick_done, quick_dropped, quick_errors;
	/* Gauges read after the drain (stop), -1 before. */
	long nr_running, nr_queued, nr_blocked;
};

/* One ordering key of one submitter on one pool. */
struct kps_key {
	atomic_long_t last_seq;
	atomic_t running;
	unsigned long next_seq; /* the submitter's own */
};

struct kps_quick {
	struct kpool_thread t;
	struct kps_pool *p;
	bool started;
};

struct kps_submitter {
	struct task_struct *task;
	unsigned int id;
	struct kps_key keys[KPS_NR_POOLS][KPS_KEYS];
	struct kps_quick quick[KPS_QUICK];
};

enum kps_kind { KPS_PLAIN, KPS_BLOCK, KPS_ORDERED, KPS_CANCEL };

struct kps_job {
	struct kpool_job job;
	struct kps_pool *p;
	struct kps_key *key;
	unsigned long seq;
	atomic_t refs;
	enum kps_kind kind;
};

/* Errors reported by kpool to the knob thread's calls. */
struct kps_knob_stats {
	atomic_long_t attrs_ok, attrs_refused, attrs_wrong;
	atomic_long_t create_ok, create_enomem, create_eagain, create_other;
	atomic_long_t kthread_ok, kthread_failed, kthread_wrong;
	int last_other_err;
};

enum kps_state { KPS_IDLE, KPS_RUNNING, KPS_STOPPED };

static struct kps_pool kps_pools[KPS_NR_POOLS];
static struct kps_submitter *kps_subs;
static unsigned int kps_nr_subs;
static struct task_struct *kps_knob_task;
static struct kps_knob_stats kps_knob;
static enum kps_state kps_state;
static bool kps_drain_timeout;
static char kps_verdict[160] = "not run";
static DEFINE_MUTEX(kps_lock); /* kps_state, start/stop, the verdict */
static struct dentry *kps_dir;

/* ---- jobs ------------------------------------------------------------------------- */

static void kps_job_put(struct kps_job *j)
{
	if (atomic_dec_and_test(&j->refs))
		kfree(j);
}

static void kps_job_fn(struct kpool_job *job)
{
	struct kps_job *j = container_of(job, struct kps_job, job);

	if (j->key) {
		/* Same key: one at a time, in queueing order (cancelled ones skipped). */
		if (atomic_inc_return(&j->key->running) != 1)
			atomic_long_inc(&j->p->order_errors);
		if (atomic_long_xchg(&j->key->last_seq, j->seq) >= (long)j->seq)
			atomic_long_inc(&j->p->order_errors);
	}
	if (j->kind == KPS_BLOCK) {
		kpool_block_begin();
		msleep(1 + get_random_u32_below(3));
		kpool_block_end();
	} else if (!get_random_u32_below(8)) {
		usleep_range(20, 50);
	}
	if (j->key)
		atomic_dec(&j->key->running);
	atomic_long_inc(&j->p->ran);
	kps_job_put(j);
}

/* Called by kpool_destroy() for a queued job that never ran. */
static void kps_job_cancelled(struct kpool_job *job)
{
	struct kps_job *j = container_of(job, struct kps_job, job);

	atomic_long_inc(&j->p->cancelled);
	kps_job_put(j);
}

static long kps_outstanding(struct kps_pool *p)
{
	return atomic_long_read(&p->submitted) - atomic_long_read(&p->ran) -
	       atomic_long_read(&p->cancelled);
}

/* Queue one job of @kind on @p; @key (may be NULL) orders it. */
static void kps_submit(struct kps_pool *p, enum kps_kind kind, struct kps_key *key)
{
	struct kps_job *j = kzalloc(sizeof(*j), GFP_KERNEL);
	int ret;

	if (!j)
		return;
	j->p = p;
	j->kind = kind;
	j->key = key;
	/* The submitter keeps a reference to a job it may cancel. */
	atomic_set(&j->refs, kind == KPS_CANCEL ? 2 : 1);
	kpool_job_init(&j->job, kps_job_fn, get_random_u32_below(2) ? kps_job_cancelled : NULL);
	atomic_long_inc(&p->submitted);
	if (key) {
		j->seq = ++key->next_seq;
		ret = p->dom ? kpool_domain_queue_ordered(p->dom, &j->job, (unsigned long)key) :
			       kpool_queue_ordered(p->pool, &j->job, (unsigned long)key);
	} else {
		ret = p->dom ? kpool_domain_queue(p->dom, &j->job) : kpool_queue(p->pool, &j->job);
	}
	if (ret) {
		atomic_long_dec(&p->submitted);
		atomic_long_inc(&p->queue_errors);
		kfree(j);
		return;
	}
	if (kind != KPS_CANCEL)
		return;
	if (get_random_u32_below(2))
		udelay(get_random_u32_below(50));
	if (kpool_cancel(&j->job) == 1) {
		/* Removed before it ran: the function will never drop its reference. */
		atomic_long_inc(&p->cancelled);
		kfree(j);
		return;
	}
	kps_job_put(j);
}

/* ---- quick threads ------------------------------------------------------------------ */

static int kps_quick_fn(void *arg)
{
	struct kps_quick *q = arg;
	unsigned int n = get_random_u32_below(4);

	atomic_long_inc(&q->p->quick_ran);
	while (n-- && !kpool_thread_should_stop()) {
		kpool_block_begin();
		usleep_range(1000, 2000);
		kpool_block_end();
	}
	return KPS_QUICK_RESULT;
}

static void kps_quick_stop(struct kps_quick *q)
{
	int ret;

	if (!q->started)
		return;
	ret = kpool_thread_stop(&q->t);
	if (ret == KPS_QUICK_RESULT)
		atomic_long_inc(&q->p->quick_done);
	else if (ret == -EINTR)
		atomic_long_inc(&q->p->quick_dropped); /* never started: reported */
	else
		atomic_long_inc(&q->p->quick_errors);
	q->started = false;
}

static void kps_quick_cycle(struct kps_quick *q, struct kps_pool *p)
{
	kps_quick_stop(q);
	q->p = p;
	if (kpool_thread_run(p->pool, &q->t, kps_quick_fn, q)) {
		atomic_long_inc(&p->quick_errors);
		return;
	}
	atomic_long_inc(&p->quick_started);
	q->started = true;
}

/* ---- threads ---------------------------------------------------------------------- */

static int kps_submitter_fn(void *arg)
{
	struct kps_submitter *s = arg;
	unsigned long n = 0;
	unsigned int i;

	/* Below the guest shell that disturbs the pools meanwhile. */
	set_user_nice(current, MAX_NICE);
	while (!kthread_should_stop()) {
		unsigned int pi = get_random_u32_below(KPS_DEFAULT + 1);
		unsigned int r = get_random_u32_below(100);
		struct kps_pool *p = &kps_pools[pi];

		if (kps_outstanding(p) > KPS_MAX_OUTSTANDING) {
			usleep_range(1000, 2000);
			continue;
		}
		if (r < 45)
			kps_submit(p, KPS_PLAIN, NULL);
		else if (r < 65)
			kps_submit(p, KPS_ORDERED, &s->keys[pi][get_random_u32_below(KPS_KEYS)]);
		else if (r < 80)
			kps_submit(p, KPS_CANCEL, NULL);
		else if (r < 95)
			kps_submit(p, KPS_BLOCK, NULL);
		else
			kps_quick_cycle(&s->quick[get_random_u32_below(KPS_QUICK)], p);
		if (!(++n % KPS_BATCH))
			usleep_range(KPS_PAUSE_US, 2 * KPS_PAUSE_US);
	}
	for (i = 0; i < KPS_QUICK; i++)
		kps_quick_stop(&s->quick[i]);
	return 0;
}

static int kps_kthread_fn(void *arg)
{
	return 3;
}

static void kps_count_create_error(int ret)
{
	if (ret == -ENOMEM) {
		atomic_long_inc(&kps_knob.create_enomem);
	} else if (ret == -EAGAIN) {
		atomic_long_inc(&kps_knob.create_eagain);
	} else {
		atomic_long_inc(&kps_knob.create_other);
		WRITE_ONCE(kps_knob.last_other_err, ret);
	}
}

/* Create kps_churn, queue a few jobs and destroy it with them in flight. */
static void kps_churn(void)
{
	struct kps_pool *p = &kps_pools[KPS_CHURN];
	struct kpool_attrs a = {
		.min_threads = 1, .max_threads = 4, .reserve = 1, .idle_timeout_ms = 100, .nice = 0
	};
	unsigned int i;
	int ret;

	ret = kpool_create(kps_pool_names[KPS_CHURN], &a, &p->pool);
	if (ret) {
		kps_count_create_error(ret);
		return;
	}
	atomic_long_inc(&kps_knob.create_ok);
	for (i = 0; i < 8; i++)
		kps_submit(p, i & 1 ? KPS_BLOCK : KPS_PLAIN, NULL);
	kpool_destroy(p->pool);
	p->pool = NULL;
}

static void kps_kthread_once(void)
{
	struct kpool_kthread *t;
	int ret = kpool_kthread_create(kps_kthread_fn, NULL, NULL, "kps_kthread", &t);

	if (ret) {
		atomic_long_inc(&kps_knob.kthread_failed);
		if (ret != -ENOMEM && ret != -EAGAIN && ret != -EINTR)
			atomic_long_inc(&kps_knob.kthread_wrong);
		return;
	}
	ret = kpool_kthread_stop(t);
	if (ret == 3 || ret == -EINTR)
		atomic_long_inc(&kps_knob.kthread_ok);
	else
		atomic_long_inc(&kps_knob.kthread_wrong);
}

static void kps_resize(struct kpool *pool)
{
	struct kpool_attrs a;
	int ret;

	a.max_threads = 1 + get_random_u32_below(16);
	a.min_threads = get_random_u32_below(a.max_threads + 1);
	a.reserve = get_random_u32_below(min(a.max_threads, 4u) + 1);
	a.idle_timeout_ms = 1 + get_random_u32_below(500);
	a.nice = (int)get_random_u32_below(11) - 5;
	switch (get_random_u32_below(8)) {
	case 0:
		a.max_threads = 0;
		break;
	case 1:
		a.min_threads = a.max_threads + 1;
		break;
	case 2:
		a.nice = 20;
		break;
	case 3:
		a.idle_timeout_ms = 0;
		break;
	default:
		ret = kpool_set_attrs(pool, &a);
		atomic_long_inc(ret ? &kps_knob.attrs_wrong : &kps_knob.attrs_ok);
		return;
	}
	ret = kpool_set_attrs(pool, &a);
	if (ret == -EINVAL || ret == -ERANGE)
		atomic_long_inc(&kps_knob.attrs_refused);
	else
		atomic_long_inc(&kps_knob.attrs_wrong);
}

static int kps_knob_fn(void *arg)
{
	unsigned long n = 0;

	while (!kthread_should_stop()) {
		kps_resize(kps_pools[KPS_BOUND].pool);
		if (!(n % 4))
			kps_churn();
		if (!(n % 4))
			kps_kthread_once();
		n++;
		msleep(10 + get_random_u32_below(20));
	}
	return 0;
}

/* ---- start, stop, verdict ------------------------------------------------------------------ */

static void kps_stop_threads(void)
{
	unsigned int i;

	if (kps_knob_task)
		kthread_stop(kps_knob_task);
	kps_knob_task = NULL;
	for (i = 0; i < kps_nr_subs; i++)
		if (kps_subs[i].task)
			kthread_stop(kps_subs[i].task);
	kps_nr_subs = 0;
}

/* Only once no job is left: ordered jobs point to their submitter's keys. */
static void kps_free_subs(void)
{
	kfree(kps_subs);
	kps_subs = NULL;
}

/* Once it returns no job of ours runs on the default pool, or will. */
static void kps_destroy_domain(void)
{
	kpool_domain_destroy(kps_pools[KPS_DEFAULT].dom);
	kps_pools[KPS_DEFAULT].dom = NULL;
}

static void kps_destroy_pools(void)
{
	kpool_destroy(kps_pools[KPS_UNBOUND].pool);
	kpool_destroy(kps_pools[KPS_BOUND].pool);
	kps_pools[KPS_UNBOUND].pool = NULL;
	kps_pools[KPS_BOUND].pool = NULL;
}

static int kps_start(void)
{
	struct kpool_attrs ua = {
		.min_threads = 1, .max_threads = 32, .reserve = 2, .idle_timeout_ms = 200, .nice = 0
	};
	struct kpool_attrs ba = {
		.min_threads = 1, .max_threads = 16, .reserve = 1, .idle_timeout_ms = 200, .nice = 0
	};
	unsigned int i, n = nr_submitters ? nr_submitters : num_possible_cpus();
	int ret;

	memset(kps_pools, 0, sizeof(kps_pools));
	memset(&kps_knob, 0, sizeof(kps_knob));
	for (i = 0; i < KPS_NR_POOLS; i++) {
		kps_pools[i].nr_running = -1;
		kps_pools[i].nr_queued = -1;
		kps_pools[i].nr_blocked = -1;
	}
	kps_drain_timeout = false;
	ret = kpool_create(kps_pool_names[KPS_UNBOUND], &ua, &kps_pools[KPS_UNBOUND].pool);
	if (ret)
		return ret;
	ret = kpool_create_bound(kps_pool_names[KPS_BOUND], &ba, nr_cpu_ids - 1,
				 &kps_pools[KPS_BOUND].pool);
	if (ret)
		goto err_pools;
	kps_pools[KPS_DEFAULT].pool = kpool_default();
	ret = kpool_domain_create(NULL, "kpool_stress", 0, &kps_pools[KPS_DEFAULT].dom);
	if (ret)
		goto err_pools;

	kps_subs = kcalloc(n, sizeof(*kps_subs), GFP_KERNEL);
	ret = -ENOMEM;
	if (!kps_subs)
		goto err_pools;
	for (i = 0; i < n; i++) {
		struct task_struct *t;

		kps_subs[i].id = i;
		t = kthread_run(kps_submitter_fn, &kps_subs[i], "kps_submit/%u", i);
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			goto err_threads;
		}
		kps_subs[i].task = t;
		kps_nr_subs = i + 1;
	}
	kps_knob_task = kthread_run(kps_knob_fn, NULL, "kps_knob");
	if (IS_ERR(kps_knob_task)) {
		ret = PTR_ERR(kps_knob_task);
		kps_knob_task = NULL;
		goto err_threads;
	}
	kps_state = KPS_RUNNING;
	strscpy(kps_verdict, "running", sizeof(kps_verdict));
	return 0;

err_threads:
	kps_stop_threads();
err_pools:
	kps_destroy_pools();
	/* Jobs the submitters queued on the default pool must be done before unload. */
	kps_destroy_domain();
	kps_free_subs();
	return ret;
}

/* Waits until every job submitted to @p ran or was cancelled, at most @ms. */
static bool kps_wait_accounted(struct kps_pool *p, unsigned int ms)
{
	unsigned int waited = 0;

	while (kps_outstanding(p) > 0 && waited < ms) {
		msleep(20);
		waited += 20;
	}
	return kps_outstanding(p) <= 0;
}

/* The first broken rule, or NULL. */
static const char *kps_check(char *buf, size_t len, bool gauges)
{
	unsigned int i;

	if (kps_drain_timeout)
		return "jobs still outstanding after the drain timeout";
	for (i = 0; i < KPS_NR_POOLS; i++) {
		struct kps_pool *p = &kps_pools[i];
		const char *name = kps_pool_names[i];
		long sub = atomic_long_read(&p->submitted), ran = atomic_long_read(&p->ran);
		long can = atomic_long_read(&p->cancelled);

		if (sub != ran + can) {
			snprintf(buf, len, "%s: submitted %ld != ran %ld + cancelled %ld", name,
				 sub, ran, can);
			return buf;
		}
		if (atomic_long_read(&p->order_errors) || atomic_long_read(&p->queue_errors)) {
			snprintf(buf, len, "%s: %ld ordering errors, %ld queue errors", name,
				 atomic_long_read(&p->order_errors),
				 atomic_long_read(&p->queue_errors));
			return buf;
		}
		if (atomic_long_read(&p->quick_started) !=
			    atomic_long_read(&p->quick_done) +
				    atomic_long_read(&p->quick_dropped) ||
		    atomic_long_read(&p->quick_ran) != atomic_long_read(&p->quick_done) ||
		    atomic_long_read(&p->quick_errors)) {
			snprintf(buf, len,
				 "%s: quick started %ld ran %ld done %ld dropped %ld errors %ld",
				 name, atomic_long_read(&p->quick_started),
				 atomic_long_read(&p->quick_ran), atomic_long_read(&p->quick_done),
				 atomic_long_read(&p->quick_dropped),
				 atomic_long_read(&p->quick_errors));
			return buf;
		}
		if (gauges && i != KPS_CHURN && (p->nr_running || p->nr_queued || p->nr_blocked)) {
			snprintf(buf, len,
				 "%s: gauges after drain: running %ld queued %ld blocked %ld", name,
				 p->nr_running, p->nr_queued, p->nr_blocked);
			return buf;
		}
	}
	if (atomic_long_read(&kps_knob.attrs_wrong) || atomic_long_read(&kps_knob.create_other) ||
	    atomic_long_read(&kps_knob.kthread_wrong)) {
		snprintf(buf, len,
			 "wrong results: set_attrs %ld, create %ld (last %d), kthread %ld",
			 atomic_long_read(&kps_knob.attrs_wrong),
			 atomic_long_read(&kps_knob.create_other),
			 READ_ONCE(kps_knob.last_other_err),
			 atomic_long_read(&kps_knob.kthread_wrong));
		return buf;
	}
	return NULL;
}

static void kps_set_verdict(bool gauges)
{
	char buf[160];
	const char *bad = kps_check(buf, sizeof(buf), gauges);

	if (bad)
		snprintf(kps_verdict, sizeof(kps_verdict), "FAIL: %s", bad);
	else
		strscpy(kps_verdict, "ok", sizeof(kps_verdict));
}

/* The soak's end: stop, wait until every job is accounted, drain, read gauges. */
static void kps_stop(void)
{
	unsigned int i;

	kps_stop_threads();
	for (i = 0; i <= KPS_DEFAULT; i++) {
		struct kps_pool *p = &kps_pools[i];
		struct kpool_stats st;

		if (!kps_wait_accounted(p, KPS_DRAIN_TIMEOUT_MS)) {
			kps_drain_timeout = true;
			continue;
		}
		/* The last job function may still be returning. */
		if (p->dom)
			kpool_domain_drain(p->dom);
		else
			kpool_drain(p->pool);
		kpool_get_stats(p->pool, &st);
		p->nr_running = st.nr_running;
		p->nr_queued = st.nr_queued;
		p->nr_blocked = st.nr_blocked;
	}
	/* After a drain timeout, jobs may still use the keys: leak them (kmemleak will tell). */
	if (!kps_drain_timeout)
		kps_free_subs();
	kps_state = KPS_STOPPED;
	kps_set_verdict(true);
}

/* ---- debugfs ---------------------------------------------------------------------- */

static const char *const kps_state_names[] = { "idle", "running", "stopped" };

static int kps_results_show(struct seq_file *m, void *v)
{
	unsigned int i;

	mutex_lock(&kps_lock);
	seq_printf(m, "state %s\n", kps_state_names[kps_state]);
	for (i = 0; i < KPS_NR_POOLS; i++) {
		struct kps_pool *p = &kps_pools[i];

		seq_printf(m,
			   "pool %s submitted %ld ran %ld cancelled %ld outstanding %ld order_errors %ld queue_errors %ld quick_started %ld quick_ran %ld quick_done %ld quick_dropped %ld quick_errors %ld nr_running %ld nr_queued %ld nr_blocked %ld\n",
			   kps_pool_names[i], atomic_long_read(&p->submitted),
			   atomic_long_read(&p->ran), atomic_long_read(&p->cancelled),
			   kps_outstanding(p), atomic_long_read(&p->order_errors),
			   atomic_long_read(&p->queue_errors), atomic_long_read(&p->quick_started),
			   atomic_long_read(&p->quick_ran), atomic_long_read(&p->quick_done),
			   atomic_long_read(&p->quick_dropped), atomic_long_read(&p->quick_errors),
			   p->nr_running, p->nr_queued, p->nr_blocked);
	}
	seq_printf(m,
		   "knob attrs_ok %ld attrs_refused %ld attrs_wrong %ld create_ok %ld create_enomem %ld create_eagain %ld create_other %ld last_other_err %d kthread_ok %ld kthread_failed %ld kthread_wrong %ld\n",
		   atomic_long_read(&kps_knob.attrs_ok), atomic_long_read(&kps_knob.attrs_refused),
		   atomic_long_read(&kps_knob.attrs_wrong), atomic_long_read(&kps_knob.create_ok),
		   atomic_long_read(&kps_knob.create_enomem),
		   atomic_long_read(&kps_knob.create_eagain),
		   atomic_long_read(&kps_knob.create_other), READ_ONCE(kps_knob.last_other_err),
		   atomic_long_read(&kps_knob.kthread_ok),
		   atomic_long_read(&kps_knob.kthread_failed),
		   atomic_long_read(&kps_knob.kthread_wrong));
	seq_printf(m, "verdict %s\n", kps_verdict);
	mutex_unlock(&kps_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kps_results);

static int kps_control_show(struct seq_file *m, void *v)
{
	mutex_lock(&kps_lock);
	seq_printf(m, "%s\n", kps_state_names[kps_state]);
	mutex_unlock(&kps_lock);
	return 0;
}

static int kps_control_open(struct inode *inode, struct file *file)
{
	return single_open(file, kps_control_show, inode->i_private);
}

/* "start" or "stop", one optional trailing newline; anything else is -EINVAL. */
static ssize_t kps_control_write(struct file *file, const char __user *ubuf, size_t len,
				 loff_t *ppos)
{
	char buf[8];
	int ret = 0;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	mutex_lock(&kps_lock);
	if (!strcmp(buf, "start")) {
		if (kps_state == KPS_RUNNING)
			ret = -EBUSY;
		else if (kps_state == KPS_STOPPED)
			ret = -EALREADY; /* one soak per load: its pools live until unload */
		else
			ret = kps_start();
	} else if (!strcmp(buf, "stop")) {
		if (kps_state == KPS_RUNNING)
			kps_stop();
		else
			ret = -EALREADY;
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&kps_lock);
	return ret ? ret : len;
}

static const struct file_operations kps_control_fops = {
	.owner = THIS_MODULE,
	.open = kps_control_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = kps_control_write,
};

/* ---- module ----------------------------------------------------------------------- */

static int __init kps_init(void)
{
	int ret = 0;

	if (nr_submitters > KPS_MAX_SUBMITTERS) {
		pr_err("kpool_stress: nr_submitters=%u is above %d\n", nr_submitters,
		       KPS_MAX_SUBMITTERS);
		return -EINVAL;
	}
	kps_dir = debugfs_create_dir("kpool_stress", NULL);
	debugfs_create_file("control", 0600, kps_dir, NULL, &kps_control_fops);
	debugfs_create_file("results", 0400, kps_dir, NULL, &kps_results_fops);
	if (autostart) {
		mutex_lock(&kps_lock);
		ret = kps_start();
		mutex_unlock(&kps_lock);
		if (ret) {
			debugfs_remove_recursive(kps_dir);
			pr_err("kpool_stress: start failed: %d\n", ret);
		}
	}
	return ret;
}

static void __exit kps_exit(void)
{
	char buf[160];
	const char *bad;
	bool stopped;
	long in_flight = 0;
	unsigned int i;

	debugfs_remove_recursive(kps_dir);
	mutex_lock(&kps_lock);
	stopped = kps_state == KPS_STOPPED;
	if (kps_state == KPS_RUNNING) {
		/* What this unload finds queued or running (the load loop
		 * counts only unloads that had jobs in flight).
		 */
		for (i = 0; i < KPS_NR_POOLS; i++)
			in_flight += kps_outstanding(&kps_pools[i]);
		/* Unload under load: destroy the owned pools with jobs in flight. */
		kps_stop_threads();
		kps_destroy_pools();
		/* Our job functions must have returned before the module goes:
		 * the domain's destroy runs or cancels what is left of them.
		 */
		kps_destroy_domain();
		if (!kps_wait_accounted(&kps_pools[KPS_DEFAULT], KPS_DRAIN_TIMEOUT_MS))
			kps_drain_timeout = true;
		kps_free_subs();
	} else if (stopped) {
		kps_destroy_pools();
		kps_destroy_domain();
	}
	if (kps_state != KPS_IDLE) {
		bad = kps_check(buf, sizeof(buf), stopped);
		if (bad)
			pr_err("kpool_stress: FAIL: %s\n", bad);
		else
			pr_info("kpool_stress: exit: ok, in flight at unload %ld, submitted %ld %ld %ld %ld\n",
				in_flight, atomic_long_read(&kps_pools[0].submitted),
				atomic_long_read(&kps_pools[1].submitted),
				atomic_long_read(&kps_pools[2].submitted),
				atomic_long_read(&kps_pools[3].submitted));
	}
	kps_state = KPS_IDLE;
	mutex_unlock(&kps_lock);
}

module_init(kps_init);
module_exit(kps_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kpool soak load through the public API (make check's soak and load loop)");
MODULE_VERSION(KPOOL_VERSION);
