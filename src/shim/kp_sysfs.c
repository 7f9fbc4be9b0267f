// SPDX-License-Identifier: GPL-2.0
/*
 * Shim: /sys/kernel/kpool/<pool>/ directories. The C++ core decides what the
 * files say and accept (kp_pool_attr_show/store); this file only owns the
 * kobjects and the attribute table.
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/slab.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "shim.h"
#include "kp_internal.h"

struct kp_pool_kobj {
	struct kobject kobj;
	struct kobject *domains; /* <pool>/domains/ */
	void *pool;
};

struct kp_attribute {
	struct attribute attr;
	enum kp_attr id;
};

static struct kobject *kp_root;

static ssize_t kp_attr_show(struct kobject *kobj, struct attribute *attr, char *buf)
{
	struct kp_pool_kobj *pk = container_of(kobj, struct kp_pool_kobj, kobj);
	struct kp_attribute *ka = container_of(attr, struct kp_attribute, attr);

	return kp_pool_attr_show(pk->pool, ka->id, buf);
}

static ssize_t kp_attr_store(struct kobject *kobj, struct attribute *attr, const char *buf,
			     size_t len)
{
	struct kp_pool_kobj *pk = container_of(kobj, struct kp_pool_kobj, kobj);
	struct kp_attribute *ka = container_of(attr, struct kp_attribute, attr);

	/* A NUL inside the write would end the value early ("1\0" "2" read as 1). */
	if (memchr(buf, '\0', len))
		return -EINVAL;
	return kp_pool_attr_store(pk->pool, ka->id, buf, len);
}

static const struct sysfs_ops kp_sysfs_ops = {
	.show = kp_attr_show,
	.store = kp_attr_store,
};

#define KP_ATTR(_name, _mode, _id)                         \
	static struct kp_attribute kp_attr_##_name = {     \
		.attr = { .name = #_name, .mode = _mode }, \
		.id = _id,                                 \
	}
#define KP_RW(_name, _id) KP_ATTR(_name, 0644, _id)
#define KP_RO(_name, _id) KP_ATTR(_name, 0444, _id)

KP_RW(min_threads, KP_ATTR_MIN_THREADS);
KP_RW(max_threads, KP_ATTR_MAX_THREADS);
KP_RW(idle_timeout_ms, KP_ATTR_IDLE_TIMEOUT_MS);
KP_RW(reserve, KP_ATTR_RESERVE);
KP_RW(nice, KP_ATTR_NICE);
KP_RW(cpumask, KP_ATTR_CPUMASK);
KP_RW(stall_timeout_ms, KP_ATTR_STALL_TIMEOUT_MS);
KP_RW(latency_stats, KP_ATTR_LATENCY_STATS);
KP_RO(nr_threads, KP_ATTR_NR_THREADS);
KP_RO(nr_idle, KP_ATTR_NR_IDLE);
KP_RO(nr_parked, KP_ATTR_NR_PARKED);
KP_RO(nr_running, KP_ATTR_NR_RUNNING);
KP_RO(nr_blocked, KP_ATTR_NR_BLOCKED);
KP_RO(nr_queued, KP_ATTR_NR_QUEUED);
KP_RO(completed, KP_ATTR_COMPLETED);
KP_RO(warm_handoffs, KP_ATTR_WARM_HANDOFFS);
KP_RO(cold_starts, KP_ATTR_COLD_STARTS);
KP_RO(spawn_failures, KP_ATTR_SPAWN_FAILURES);
KP_RO(reaped, KP_ATTR_REAPED);
KP_RO(cancelled, KP_ATTR_CANCELLED);
KP_RO(oldest_job_age_ms, KP_ATTR_OLDEST_JOB_AGE_MS);
KP_RO(latency_hist, KP_ATTR_LATENCY_HIST);
KP_RO(nr_runnable, KP_ATTR_NR_RUNNABLE);

static struct attribute *kp_pool_attrs[] = {
	&kp_attr_min_threads.attr,
	&kp_attr_max_threads.attr,
	&kp_attr_idle_timeout_ms.attr,
	&kp_attr_reserve.attr,
	&kp_attr_nice.attr,
	&kp_attr_cpumask.attr,
	&kp_attr_nr_threads.attr,
	&kp_attr_nr_idle.attr,
	&kp_attr_nr_parked.attr,
	&kp_attr_nr_running.attr,
	&kp_attr_nr_blocked.attr,
	&kp_attr_nr_queued.attr,
	&kp_attr_completed.attr,
	&kp_attr_warm_handoffs.attr,
	&kp_attr_cold_starts.attr,
	&kp_attr_spawn_failures.attr,
	&kp_attr_reaped.attr,
	&kp_attr_cancelled.attr,
	&kp_attr_oldest_job_age_ms.attr,
	&kp_attr_latency_hist.attr,
	&kp_attr_stall_timeout_ms.attr,
	&kp_attr_nr_runnable.attr,
	&kp_attr_latency_stats.attr,
	NULL,
};
ATTRIBUTE_GROUPS(kp_pool);

static void kp_pool_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct kp_pool_kobj, kobj));
}

static const struct kobj_type kp_pool_ktype = {
	.sysfs_ops = &kp_sysfs_ops,
	.release = kp_pool_kobj_release,
	.default_groups = kp_pool_groups,
};

int kp_sysfs_init(void)
{
	kp_root = kobject_create_and_add("kpool", kernel_kobj);
	return kp_root ? 0 : -ENOMEM;
}

void kp_sysfs_exit(void)
{
	kobject_put(kp_root);
	kp_root = NULL;
}

int kp_sysfs_add_pool(const char *name, void *pool, void **handle)
{
	struct kp_pool_kobj *pk;
	int ret;

	if (kp_fault_should_fail(KP_FAULT_ALLOC))
		return -ENOMEM;
	pk = kzalloc(sizeof(*pk), GFP_KERNEL);
	if (!pk)
		return -ENOMEM;
	pk->pool = pool;
	ret = kobject_init_and_add(&pk->kobj, &kp_pool_ktype, kp_root, "%s", name);
	if (ret) {
		kobject_put(&pk->kobj);
		return ret;
	}
	pk->domains = kobject_create_and_add("domains", &pk->kobj);
	if (!pk->domains) {
		kobject_del(&pk->kobj);
		kobject_put(&pk->kobj);
		return -ENOMEM;
	}
	kobject_uevent(&pk->kobj, KOBJ_ADD);
	*handle = pk;
	return 0;
}

void kp_sysfs_remove_pool(void *handle)
{
	struct kp_pool_kobj *pk = handle;

	if (!pk)
		return;
	/* The pool's domains are gone (kpool_destroy() refuses otherwise). */
	kobject_put(pk->domains);
	/* Removing the files waits for show/store calls in progress. */
	kobject_del(&pk->kobj);
	kobject_put(&pk->kobj);
}

/* ---- <pool>/domains/<domain>/ ---------------------------------------------- */

struct kp_domain_kobj {
	struct kobject kobj;
	void *dom;
};

struct kp_dom_attribute {
	struct attribute attr;
	enum kp_dom_attr id;
};

static ssize_t kp_dom_attr_show(struct kobject *kobj, struct attribute *attr, char *buf)
{
	struct kp_domain_kobj *dk = container_of(kobj, struct kp_domain_kobj, kobj);
	struct kp_dom_attribute *da = container_of(attr, struct kp_dom_attribute, attr);

	return kp_domain_attr_show(dk->dom, da->id, buf);
}

static const struct sysfs_ops kp_dom_sysfs_ops = {
	.show = kp_dom_attr_show,
};

#define KP_DOM_RO(_name, _id)                                  \
	static struct kp_dom_attribute kp_dom_attr_##_name = { \
		.attr = { .name = #_name, .mode = 0444 },      \
		.id = _id,                                     \
	}

KP_DOM_RO(queued, KP_DOM_ATTR_QUEUED);
KP_DOM_RO(completed, KP_DOM_ATTR_COMPLETED);
KP_DOM_RO(cancelled, KP_DOM_ATTR_CANCELLED);
KP_DOM_RO(nr_active, KP_DOM_ATTR_NR_ACTIVE);
KP_DOM_RO(nr_waiting, KP_DOM_ATTR_NR_WAITING);
KP_DOM_RO(nr_delayed, KP_DOM_ATTR_NR_DELAYED);
KP_DOM_RO(max_active, KP_DOM_ATTR_MAX_ACTIVE);

static struct attribute *kp_dom_attrs[] = {
	&kp_dom_attr_queued.attr,     &kp_dom_attr_completed.attr,
	&kp_dom_attr_cancelled.attr,  &kp_dom_attr_nr_active.attr,
	&kp_dom_attr_nr_waiting.attr, &kp_dom_attr_nr_delayed.attr,
	&kp_dom_attr_max_active.attr, NULL,
};
ATTRIBUTE_GROUPS(kp_dom);

static void kp_domain_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct kp_domain_kobj, kobj));
}

static const struct kobj_type kp_domain_ktype = {
	.sysfs_ops = &kp_dom_sysfs_ops,
	.release = kp_domain_kobj_release,
	.default_groups = kp_dom_groups,
};

int kp_sysfs_add_domain(void *pool_handle, const char *name, void *dom, void **handle)
{
	struct kp_pool_kobj *pk = pool_handle;
	struct kp_domain_kobj *dk;
	int ret;

	if (kp_fault_should_fail(KP_FAULT_ALLOC))
		return -ENOMEM;
	dk = kzalloc(sizeof(*dk), GFP_KERNEL);
	if (!dk)
		return -ENOMEM;
	dk->dom = dom;
	ret = kobject_init_and_add(&dk->kobj, &kp_domain_ktype, pk->domains, "%s", name);
	if (ret) {
		kobject_put(&dk->kobj);
		return ret;
	}
	kobject_uevent(&dk->kobj, KOBJ_ADD);
	*handle = dk;
	return 0;
}

void kp_sysfs_remove_domain(void *handle)
{
	struct kp_domain_kobj *dk = handle;

	if (!dk)
		return;
	kobject_del(&dk->kobj);
	kobject_put(&dk->kobj);
}

/*
 * Copies a knob value into @tmp as a C string after the checks kstrto*()
 * does not make: empty input and a '+' (or, for unsigned values, '-') sign
 * are refused; one trailing newline is allowed (kstrto*() allows it too).
 */
static int kp_parse_prepare(const char *buf, kp_size_t len, bool allow_minus, char *tmp,
			    size_t tmp_size)
{
	kp_size_t n = len;

	if (n && buf[n - 1] == '\n')
		n--;
	if (!n || buf[0] == '+' || (buf[0] == '-' && !allow_minus))
		return -EINVAL;
	if (len >= tmp_size)
		return -ERANGE;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	return 0;
}

int kp_parse_uint(const char *buf, kp_size_t len, unsigned int *out)
{
	char tmp[24];
	int ret = kp_parse_prepare(buf, len, false, tmp, sizeof(tmp));

	return ret ? ret : kstrtouint(tmp, 10, out);
}

int kp_parse_int(const char *buf, kp_size_t len, int *out)
{
	char tmp[24];
	int ret = kp_parse_prepare(buf, len, true, tmp, sizeof(tmp));

	return ret ? ret : kstrtoint(tmp, 10, out);
}
