// SPDX-License-Identifier: GPL-2.0
/*
 * Shim: CPU hotplug. One dynamic multi-instance state for all of kpool; each
 * bound pool is an instance. The callbacks run in the CPU's hotplug thread
 * (process context, may sleep) and call into the C++ core.
 */
#include <linux/cpuhotplug.h>
#include <linux/slab.h>
#include <linux/list.h>
#include <linux/cpu.h>
#include "shim.h"
#include "kp_internal.h"

struct kp_hp_node {
	struct hlist_node node;
	void *pool;
};

static int kp_hp_state = -1;

static int kp_hp_online(unsigned int cpu, struct hlist_node *node)
{
	return kp_pool_cpu_online(hlist_entry(node, struct kp_hp_node, node)->pool, cpu);
}

static int kp_hp_offline(unsigned int cpu, struct hlist_node *node)
{
	return kp_pool_cpu_offline(hlist_entry(node, struct kp_hp_node, node)->pool, cpu);
}

int kp_cpuhp_init(void)
{
	int ret = cpuhp_setup_state_multi(CPUHP_AP_ONLINE_DYN, "kpool:online", kp_hp_online,
					  kp_hp_offline);
	if (ret < 0)
		return ret;
	kp_hp_state = ret;
	return 0;
}

void kp_cpuhp_exit(void)
{
	if (kp_hp_state >= 0)
		cpuhp_remove_multi_state(kp_hp_state);
	kp_hp_state = -1;
}

int kp_cpuhp_add(void *pool, void **handle)
{
	struct kp_hp_node *n;
	int ret;

	if (kp_fault_should_fail(KP_FAULT_CPUHP))
		return -ENOMEM;
	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	n->pool = pool;
	ret = cpuhp_state_add_instance_nocalls(kp_hp_state, &n->node);
	if (ret) {
		kfree(n);
		return ret;
	}
	*handle = n;
	return 0;
}

void kp_cpus_read_lock(void)
{
	cpus_read_lock();
}

void kp_cpus_read_unlock(void)
{
	cpus_read_unlock();
}

void kp_cpuhp_remove(void *handle)
{
	struct kp_hp_node *n = handle;

	if (!n)
		return;
	/* Waits for callbacks in progress (it takes the hotplug lock). */
	cpuhp_state_remove_instance_nocalls(kp_hp_state, &n->node);
	kfree(n);
}
