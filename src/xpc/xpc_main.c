// SPDX-License-Identifier: GPL-2.0
/*
 * kpool_xpc.ko: module init and exit, XPC's housekeeping threads (a
 * long-lived heartbeat/checker thread and a discovery thread that exits by
 * itself, both on kpool's kthread class), and the control directory
 * /sys/kernel/debug/kpool_xpc/: one file per scenario parameter, "run"
 * (write "kpool" or "xpc" to run the scenario in that mode; the write returns
 * when the run is over) and "results" (the last run's figures).
 */
#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/uaccess.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/seq_buf.h>
#include <linux/sched.h>
#include <linux/jiffies.h>
#include "xpc.h"

static unsigned int heartbeat_ms = 200;
module_param(heartbeat_ms, uint, 0444);
MODULE_PARM_DESC(heartbeat_ms, "Partition heartbeat period in ms (10..60000; XPC: 5000)");
static unsigned int checker_ms = 1000;
module_param(checker_ms, uint, 0444);
MODULE_PARM_DESC(checker_ms,
		 "Heartbeat unchanged this long: partition lost (2*heartbeat_ms..600000)");
static unsigned int discovery_steps = 8;
module_param(discovery_steps, uint, 0444);
MODULE_PARM_DESC(discovery_steps, "Slow steps of the discovery thread before it exits (0..100000)");
static unsigned int discovery_step_ms = 100;
module_param(discovery_step_ms, uint, 0444);
MODULE_PARM_DESC(discovery_step_ms, "Duration of one discovery step in ms (1..60000)");
static unsigned int discovery_fail;
module_param(discovery_fail, uint, 0444);
MODULE_PARM_DESC(discovery_fail,
		 "1: the discovery thread fails to start (a test of unload after that)");

static struct dentry *xh_dir;
static DEFINE_MUTEX(xh_run_mutex); /* one run at a time */
static DEFINE_MUTEX(xh_params_mutex);
static DEFINE_MUTEX(xh_hb_mutex); /* the run the heartbeat thread watches */
static struct xh_run *xh_hb_run;
static char *xh_results_text; /* R: xh_run_mutex */
static size_t xh_results_len;

static struct xh_params xh_params = {
	.partitions = 8,
	.channels = 2,
	.messages = 10000,
	.rate = 2000,
	.burst = 100,
	.nentries = 128,
	.remote_nentries = 128,
	.assigned_limit = 33,
	.idle_limit = 4,
	.reserve = 4,
	.dma_lat_us = 50,
	.dma_slow_pct = 10,
	.dma_slow_ms = 20,
	.dma_timeout_ms = 28000,
	.dma_timeout_pct = 0,
	.lose_partitions = 0,
	.lose_abrupt = 0,
	.lose_at_pct = 50,
	.disconnect_blocked = 0,
	.blocked_hold_ms = 0,
	.spawn_fail = 0,
	.noack_every = 0,
	.nowait = 0,
	.ack_timeout_ms = 2000,
	.send_timeout_ms = 30000,
	.late_partitions = 1,
	.seed = 0,
};

/* ---- housekeeping threads ------------------------------------------------------------ */

static struct kpool_kthread *xh_heartbeat;
static struct kpool_kthread *xh_discovery;
static int xh_discovery_err;
static atomic_t xh_discovered = ATOMIC_INIT(0);
static atomic_long_t xh_beats = ATOMIC_LONG_INIT(0);

static const char *xh_phase = "idle";

void xh_set_phase(const char *phase)
{
	WRITE_ONCE(xh_phase, phase);
}

static int xh_phase_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", READ_ONCE(xh_phase));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xh_phase);

void xh_heartbeat_attach(struct xh_run *run)
{
	mutex_lock(&xh_hb_mutex);
	xh_hb_run = run;
	mutex_unlock(&xh_hb_mutex);
}

void xh_heartbeat_detach(struct xh_run *run)
{
	mutex_lock(&xh_hb_mutex);
	if (xh_hb_run == run)
		xh_hb_run = NULL;
	mutex_unlock(&xh_hb_mutex);
}

/* Beat for every live remote; declare lost a partition that stopped. */
static void xh_heartbeat_tick(struct xh_run *run)
{
	unsigned long still = msecs_to_jiffies(checker_ms);
	int p;

	for (p = 0; p < run->p.partitions; p++) {
		struct xh_partition *part = &run->parts[p];
		bool dead = false;

		spin_lock_irq(&part->lock);
		if (part->state == XH_P_ACTIVE) {
			if (part->remote_alive)
				part->remote_heartbeat++;
			if (part->remote_heartbeat != part->seen_heartbeat) {
				part->seen_heartbeat = part->remote_heartbeat;
				part->seen_at = jiffies;
			} else if (time_after(jiffies, part->seen_at + still)) {
				dead = true;
			}
		}
		spin_unlock_irq(&part->lock);
		if (dead) {
			pr_info("kpool_xpc: partition %d: no heartbeat for %u ms, deactivating\n",
				p, checker_ms);
			atomic_long_inc(&run->res->heartbeat_losses);
			xh_partition_deactivate(run, p, XH_NO_HEARTBEAT);
		}
	}
}

static int xh_heartbeat_main(void *arg)
{
	while (!kpool_thread_should_stop()) {
		schedule_timeout_idle(msecs_to_jiffies(heartbeat_ms));
		mutex_lock(&xh_hb_mutex);
		if (xh_hb_run)
			xh_heartbeat_tick(xh_hb_run);
		mutex_unlock(&xh_hb_mutex);
		atomic_long_inc(&xh_beats);
	}
	return 0;
}

static int xh_discovery_init(void *arg)
{
	return discovery_fail ? -EAGAIN : 0;
}

/* XPC's discovery: slow probing steps, then the thread exits by itself. */
static int xh_discovery_main(void *arg)
{
	unsigned int i;

	for (i = 0; i < discovery_steps && !kpool_thread_should_stop(); i++) {
		schedule_timeout_idle(msecs_to_jiffies(discovery_step_ms));
		atomic_inc(&xh_discovered);
	}
	return i;
}

/* ---- results ------------------------------------------------------------------------- */

static int xh_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void xh_put_latency(struct seq_buf *s, const char *name, u64 *v, unsigned int n)
{
	static const unsigned int permille[] = { 500, 990, 999 };
	static const char *const label[] = { "p50", "p99", "p999" };
	int i;

	seq_buf_printf(s, "lat_%s_count %u\n", name, n);
	if (!n)
		return;
	sort(v, n, sizeof(*v), xh_cmp_u64, NULL);
	for (i = 0; i < ARRAY_SIZE(permille); i++)
		seq_buf_printf(s, "lat_%s_%s_ns %llu\n", name, label[i],
			       v[min_t(u64, n - 1, (u64)n * permille[i] / 1000)]);
	seq_buf_printf(s, "lat_%s_max_ns %llu\n", name, v[n - 1]);
}

static void xh_format_results(struct xh_run *run, struct seq_buf *s)
{
	struct xh_results *r = run->res;
	static const char *const drops[XH_NR_DROPS] = { "disconnect", "partition_down", "cancelled",
							"never_acked" };
	unsigned int n[XH_LAT_BUCKETS], all = 0;
	u64 *merged;
	int i;

#define XH_PUT(name, val) seq_buf_printf(s, "%s %lld\n", name, (long long)(val))
	seq_buf_printf(s, "mode %s\n", run->mode == XH_MODE_KPOOL ? "kpool" : "xpc");
	XH_PUT("partitions", run->p.partitions);
	XH_PUT("channels", run->p.channels);
	XH_PUT("messages", run->p.messages);
	XH_PUT("sent", atomic_long_read(&r->sent));
	XH_PUT("sent_notify", atomic_long_read(&r->sent_notify));
	XH_PUT("delivered", atomic_long_read(&r->delivered));
	XH_PUT("acked", atomic_long_read(&r->acked));
	XH_PUT("notified", atomic_long_read(&r->notified));
	for (i = 0; i < XH_NR_DROPS; i++)
		seq_buf_printf(s, "dropped_%s %ld\n", drops[i], atomic_long_read(&r->dropped[i]));
	XH_PUT("nentries_negotiated", atomic_read(&r->nentries_min));
	XH_PUT("refused_full", atomic_long_read(&r->refused_full));
	XH_PUT("waited_full", atomic_long_read(&r->waited_full));
	XH_PUT("refused_not_connected", atomic_long_read(&r->refused_not_connected));
	XH_PUT("refused_timeout", atomic_long_read(&r->refused_timeout));
	XH_PUT("pull_failed", atomic_long_read(&r->pull_failed));
	XH_PUT("dma_ok", atomic_long_read(&run->dma.nr_ok));
	XH_PUT("dma_slow", atomic_long_read(&run->dma.nr_slow));
	XH_PUT("dma_timeouts", atomic_long_read(&run->dma.nr_timeouts));
	XH_PUT("dma_late_completions", atomic_long_read(&run->dma.nr_late));
	XH_PUT("dma_aborted", atomic_long_read(&run->dma.nr_aborted));
	XH_PUT("dma_failed", atomic_long_read(&run->dma.nr_failed));
	XH_PUT("dma_peak_waiting", atomic_read(&run->dma.peak_waiting));
	XH_PUT("callouts_connected", atomic_long_read(&r->callouts_connected));
	XH_PUT("callouts_disconnecting", atomic_long_read(&r->callouts_disconnecting));
	XH_PUT("callouts_disconnected", atomic_long_read(&r->callouts_disconnected));
	XH_PUT("threads_created", atomic_long_read(&r->threads_created));
	XH_PUT("peak_threads", atomic_read(&r->peak_threads));
	XH_PUT("spawn_failures", atomic_long_read(&r->spawn_failures));
	XH_PUT("disconnect_stalls", atomic_long_read(&r->disconnect_stalls));
	XH_PUT("partitions_lost", atomic_long_read(&r->partitions_lost));
	XH_PUT("heartbeat_losses", atomic_long_read(&r->heartbeat_losses));
	XH_PUT("elapsed_ms", div_u64(r->elapsed_ns, NSEC_PER_MSEC));
	XH_PUT("violations", atomic_long_read(&r->violations));
#undef XH_PUT
	seq_buf_printf(s, "first_violation %s\n", r->first_violation[0] ? r->first_violation : "-");

	for (i = 0; i < XH_LAT_BUCKETS; i++) {
		n[i] = min_t(unsigned int, atomic_read(&r->nr_lat[i]), r->lat_cap);
		all += n[i];
	}
	merged = kvmalloc_array(max(all, 1u), sizeof(u64), GFP_KERNEL);
	if (merged) {
		memcpy(merged, r->lat[0], n[0] * sizeof(u64));
		memcpy(merged + n[0], r->lat[1], n[1] * sizeof(u64));
		xh_put_latency(s, "all", merged, all);
		kvfree(merged);
	}
	xh_put_latency(s, "warm", r->lat[0], n[0]);
	xh_put_latency(s, "cold", r->lat[1], n[1]);
}

/* Cross-parameter rules; each parameter's own range is checked on write. */
static int xh_params_check(const struct xh_params *p)
{
	if (p->late_partitions >= p->partitions || p->lose_partitions >= p->partitions)
		return -EINVAL;
	if (p->disconnect_blocked && p->lose_partitions)
		return -EINVAL; /* one partition fault per run */
	if (p->dma_timeout_pct + p->dma_slow_pct > 100)
		return -EINVAL;
	if (p->remote_nentries > p->nentries)
		return -EINVAL;
	return 0;
}

static int xh_do_run(enum xh_mode mode)
{
	struct xh_run *run;
	struct xh_results *res;
	struct seq_buf s;
	char *text;
	int ret, i;

	run = kvzalloc(sizeof(*run), GFP_KERNEL);
	res = kvzalloc(sizeof(*res), GFP_KERNEL);
	text = kvmalloc(PAGE_SIZE, GFP_KERNEL);
	ret = -ENOMEM;
	if (!run || !res || !text)
		goto out;
	mutex_lock(&xh_params_mutex);
	run->p = xh_params;
	mutex_unlock(&xh_params_mutex);
	ret = xh_params_check(&run->p);
	if (ret)
		goto out;
	run->mode = mode;
	run->res = res;
	res->lat_cap = run->p.messages;
	ret = -ENOMEM;
	for (i = 0; i < XH_LAT_BUCKETS; i++) {
		res->lat[i] = kvcalloc(res->lat_cap, sizeof(u64), GFP_KERNEL);
		if (!res->lat[i])
			goto out;
	}
	pr_info("kpool_xpc: run in %s mode: %u partitions x %u channels, %u messages\n",
		mode == XH_MODE_KPOOL ? "kpool" : "xpc", run->p.partitions, run->p.channels,
		run->p.messages);
	ret = xh_net_run(run);
	xh_set_phase("idle");
	if (ret)
		goto out;
	seq_buf_init(&s, text, PAGE_SIZE);
	xh_format_results(run, &s);
	kvfree(xh_results_text);
	xh_results_text = text;
	xh_results_len = seq_buf_used(&s);
	text = NULL;
	pr_info("kpool_xpc: run done: %ld violations\n", atomic_long_read(&res->violations));
out:
	if (res)
		for (i = 0; i < XH_LAT_BUCKETS; i++)
			kvfree(res->lat[i]);
	kvfree(text);
	kvfree(res);
	kvfree(run);
	return ret;
}

/* ---- debugfs control ------------------------------------------------------------------ */

struct xh_param_desc {
	const char *name;
	size_t offset;
	unsigned int min, max;
};

#define XH_P(field, lo, hi)                                       \
	{                                                         \
#field, offsetof(struct xh_params, field), lo, hi \
	}
static const struct xh_param_desc xh_param_descs[] = {
	XH_P(partitions, 1, XH_MAX_PARTITIONS),
	XH_P(channels, 1, XH_MAX_CHANNELS),
	XH_P(messages, 1, 1000000),
	XH_P(rate, 0, 10000000),
	XH_P(burst, 0, XH_NENTRIES_MAX),
	XH_P(nentries, 1, XH_NENTRIES_MAX),
	XH_P(remote_nentries, 1, XH_NENTRIES_MAX),
	XH_P(assigned_limit, 1, 1024),
	XH_P(idle_limit, 0, 1024),
	XH_P(reserve, 0, 1024),
	XH_P(dma_lat_us, 0, 1000000),
	XH_P(dma_slow_pct, 0, 100),
	XH_P(dma_slow_ms, 0, 600000),
	XH_P(dma_timeout_ms, 1, 600000),
	XH_P(dma_timeout_pct, 0, 100),
	XH_P(lose_partitions, 0, XH_MAX_PARTITIONS - 1),
	XH_P(lose_abrupt, 0, 1),
	XH_P(lose_at_pct, 0, 100),
	XH_P(disconnect_blocked, 0, 1),
	XH_P(blocked_hold_ms, 0, 60000),
	XH_P(spawn_fail, 0, 1),
	XH_P(noack_every, 0, 1000000),
	XH_P(nowait, 0, 1),
	XH_P(ack_timeout_ms, 1, 600000),
	XH_P(send_timeout_ms, 1, 600000),
	XH_P(late_partitions, 0, XH_MAX_PARTITIONS - 1),
	XH_P(seed, 0, UINT_MAX),
};

#undef XH_P

static ssize_t xh_param_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	const struct xh_param_desc *d = file->private_data;
	char buf[16];
	int n;

	mutex_lock(&xh_params_mutex);
	n = scnprintf(buf, sizeof(buf), "%u\n", *(unsigned int *)((char *)&xh_params + d->offset));
	mutex_unlock(&xh_params_mutex);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

/* Strict: one decimal number, an optional newline, within the range. */
static ssize_t xh_param_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	const struct xh_param_desc *d = file->private_data;
	unsigned int v;
	int ret;

	if (*ppos)
		return -EINVAL;
	ret = kstrtouint_from_user(ubuf, len, 10, &v);
	if (ret)
		return ret;
	if (v < d->min || v > d->max)
		return -ERANGE;
	mutex_lock(&xh_params_mutex);
	*(unsigned int *)((char *)&xh_params + d->offset) = v;
	mutex_unlock(&xh_params_mutex);
	return len;
}

static const struct file_operations xh_param_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = xh_param_read,
	.write = xh_param_write,
	.llseek = default_llseek,
};

static ssize_t xh_run_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	char buf[8];
	enum xh_mode mode;
	int ret;

	if (len >= sizeof(buf) || !len)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = 0;
	if (!strcmp(buf, "kpool"))
		mode = XH_MODE_KPOOL;
	else if (!strcmp(buf, "xpc"))
		mode = XH_MODE_XPC;
	else
		return -EINVAL;
	if (!mutex_trylock(&xh_run_mutex))
		return -EBUSY;
	ret = xh_do_run(mode);
	mutex_unlock(&xh_run_mutex);
	return ret ? ret : len;
}

static const struct file_operations xh_run_fops = {
	.owner = THIS_MODULE,
	.write = xh_run_write,
	.llseek = noop_llseek,
};

static ssize_t xh_results_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&xh_run_mutex);
	ret = xh_results_text ?
		      simple_read_from_buffer(ubuf, len, ppos, xh_results_text, xh_results_len) :
		      0;
	mutex_unlock(&xh_run_mutex);
	return ret;
}

static const struct file_operations xh_results_fops = {
	.owner = THIS_MODULE,
	.read = xh_results_read,
	.llseek = default_llseek,
};

static int xh_housekeeping_show(struct seq_file *m, void *v)
{
	seq_printf(m, "heartbeats %ld\n", atomic_long_read(&xh_beats));
	if (xh_discovery_err)
		seq_printf(m, "discovery failed %d\n", xh_discovery_err);
	else
		seq_printf(m, "discovery %s steps %d\n",
			   kpool_kthread_has_exited(xh_discovery) ? "exited" : "running",
			   atomic_read(&xh_discovered));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xh_housekeeping);

/* ---- module ------------------------------------------------------------------------------ */

static int __init xh_check_module_params(void)
{
	if (heartbeat_ms < 10 || heartbeat_ms > 60000 || checker_ms < 2 * heartbeat_ms ||
	    checker_ms > 600000 || discovery_steps > 100000 || discovery_step_ms < 1 ||
	    discovery_step_ms > 60000 || discovery_fail > 1) {
		pr_err("kpool_xpc: bad module parameter (see modinfo kpool_xpc)\n");
		return -EINVAL;
	}
	return 0;
}

static int __init xh_init(void)
{
	int ret, i;

	ret = xh_check_module_params();
	if (ret)
		return ret;
	ret = kpool_kthread_create(xh_heartbeat_main, NULL, NULL, "xpc_hb", &xh_heartbeat);
	if (ret)
		return ret;
	/* Discovery failing to start is reported and survived, as in XPC. */
	xh_discovery_err = kpool_kthread_create(xh_discovery_main, xh_discovery_init, NULL,
						"xpc_discovery", &xh_discovery);
	if (xh_discovery_err) {
		xh_discovery = NULL;
		pr_info("kpool_xpc: discovery thread failed to start: %d\n", xh_discovery_err);
	}
	xh_dir = debugfs_create_dir("kpool_xpc", NULL);
	for (i = 0; i < ARRAY_SIZE(xh_param_descs); i++)
		debugfs_create_file(xh_param_descs[i].name, 0644, xh_dir,
				    (void *)&xh_param_descs[i], &xh_param_fops);
	debugfs_create_file("run", 0200, xh_dir, NULL, &xh_run_fops);
	debugfs_create_file("results", 0444, xh_dir, NULL, &xh_results_fops);
	debugfs_create_file("housekeeping", 0444, xh_dir, NULL, &xh_housekeeping_fops);
	debugfs_create_file("phase", 0444, xh_dir, NULL, &xh_phase_fops);
	return 0;
}

static void __exit xh_exit(void)
{
	debugfs_remove_recursive(xh_dir);
	/* Safe whether discovery still runs, exited long ago, or never started. */
	if (xh_discovery)
		kpool_kthread_stop(xh_discovery);
	kpool_kthread_stop(xh_heartbeat);
	kvfree(xh_results_text);
}

module_init(xh_init);
module_exit(xh_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kpool_xpc: XPC-like channel harness whose delivery threads come from kpool");
MODULE_VERSION(KPOOL_VERSION);
MODULE_SOFTDEP("pre: kpool");
