// SPDX-License-Identifier: GPL-2.0
/* Shim: CPU masks for unbound pools' cpumask knob (opaque to C++). */
#include <linux/cpumask.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sched/isolation.h>
#include "shim.h"
#include "kp_internal.h"

void *kp_cpumask_alloc(void)
{
	struct cpumask *m;

	if (kp_fault_should_fail(KP_FAULT_ALLOC))
		return NULL;
	m = kzalloc(cpumask_size(), GFP_KERNEL);
	if (m)
		cpumask_copy(m, cpu_possible_mask);
	return m;
}

void kp_cpumask_free(void *mask)
{
	kfree(mask);
}

void kp_cpumask_copy(void *dst, const void *src)
{
	cpumask_copy(dst, src);
}

int kp_cpumask_parse(const char *buf, kp_size_t len, void *mask)
{
	char tmp[128];

	if (len && buf[len - 1] == '\n')
		len--;
	if (!len)
		return -EINVAL;
	if (len >= sizeof(tmp))
		return -ERANGE;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	return cpumask_parse(tmp, mask);
}

int kp_cpumask_has_online(const void *mask)
{
	return cpumask_intersects(mask, cpu_online_mask);
}

unsigned int kp_cpumask_nr_online(const void *mask)
{
	unsigned int n = cpumask_weight_and(mask, cpu_online_mask);

	return n ? n : 1;
}

int kp_cpumask_print(char *buf, kp_size_t size, const void *mask)
{
	return scnprintf(buf, size, "%*pb\n", cpumask_pr_args((const struct cpumask *)mask));
}

int kp_task_set_mask(struct task_struct *task, const void *mask)
{
	return set_cpus_allowed_ptr(task, mask);
}

void kp_cpumask_set_only(void *mask, unsigned int cpu)
{
	cpumask_copy(mask, cpumask_of(cpu));
}

void kp_cpumask_set_kthread_default(void *mask)
{
	cpumask_and(mask, cpu_possible_mask, housekeeping_cpumask(HK_TYPE_KTHREAD));
}
