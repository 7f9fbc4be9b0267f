// SPDX-License-Identifier: GPL-2.0
/* Shim: kernel threads. Every created thread is returned with a task reference. */
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include "shim.h"
#include "kp_internal.h"
#include "kp_compat.h"

static int kp_kthread_finish_create(struct task_struct *task, struct task_struct **out)
{
	if (IS_ERR(task))
		return PTR_ERR(task);
	/*
	 * The reference makes kthread_stop_put() safe after the thread function
	 * returned on its own: the task_struct cannot be freed and reused under us.
	 */
	get_task_struct(task);
	*out = task;
	return 0;
}

int kp_kthread_create(kp_thread_fn fn, void *arg, int node, const char *name,
		      struct task_struct **out)
{
	might_sleep();
	if (kp_fault_should_fail(KP_FAULT_SPAWN))
		return -ENOMEM;
	return kp_kthread_finish_create(kthread_create_on_node(fn, arg, node, "%s", name), out);
}

int kp_kthread_create_on_cpu(kp_thread_fn fn, void *arg, unsigned int cpu, const char *name,
			     struct task_struct **out)
{
	might_sleep();
	if (kp_fault_should_fail(KP_FAULT_SPAWN))
		return -ENOMEM;
	/* kthread_create_on_cpu() formats the name with the CPU number (%u). */
	return kp_kthread_finish_create(kthread_create_on_cpu(fn, arg, cpu, name), out);
}

void *kp_kthread_current_data(kp_thread_fn fn)
{
	if (!in_task() || !(current->flags & PF_KTHREAD))
		return NULL;
	if (kthread_func(current) != fn)
		return NULL;
	return kthread_data(current);
}

int kp_kthread_should_stop(void)
{
	/* kthread_should_stop() dereferences current's struct kthread. */
	if (!in_task() || !kthread_func(current))
		return 0;
	return kthread_should_stop();
}

int kp_kthread_should_park(void)
{
	return kthread_should_park();
}

void kp_kthread_parkme(void)
{
	kthread_parkme();
}

int kp_kthread_park(struct task_struct *task)
{
	return kthread_park(task);
}

void kp_kthread_unpark(struct task_struct *task)
{
	kthread_unpark(task);
}

int kp_kthread_stop_put(struct task_struct *task)
{
	return kthread_stop_put(task);
}

int kp_task_set_cpu(struct task_struct *task, int cpu)
{
	if (cpu < 0)
		return set_cpus_allowed_ptr(task, cpu_possible_mask);
	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	return set_cpus_allowed_ptr(task, cpumask_of(cpu));
}

void kp_kthread_bind(struct task_struct *task, unsigned int cpu)
{
	kthread_bind(task, cpu);
}

void kp_current_forbid_setaffinity(void)
{
	/* Only current writes its own flags here, as kthread_bind() does. */
	current->flags |= PF_NO_SETAFFINITY;
}
