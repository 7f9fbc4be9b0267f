// SPDX-License-Identifier: GPL-2.0
/* Shim: current task, sleeping and waking, time, CPU topology. */
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/delay.h>
#include <linux/pid.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/cpumask.h>
#include <linux/topology.h>
#include <linux/smp.h>
#include <linux/string.h>
#include "shim.h"
#include "kp_internal.h"

struct task_struct *kp_current(void)
{
	return current;
}
EXPORT_SYMBOL_NS_GPL(kp_current, KPOOL_INTERNAL);

void kp_set_current_state(enum kp_task_state state)
{
	switch (state) {
	case KP_TASK_RUNNING:
		__set_current_state(TASK_RUNNING);
		return;
	case KP_TASK_INTERRUPTIBLE:
		set_current_state(TASK_INTERRUPTIBLE);
		return;
	case KP_TASK_IDLE:
		set_current_state(TASK_IDLE);
		return;
	}
	WARN_ON_ONCE(1);
}
EXPORT_SYMBOL_NS_GPL(kp_set_current_state, KPOOL_INTERNAL);

void kp_schedule(void)
{
	schedule();
}
EXPORT_SYMBOL_NS_GPL(kp_schedule, KPOOL_INTERNAL);

long kp_schedule_timeout(long timeout_jiffies)
{
	return schedule_timeout(timeout_jiffies);
}
EXPORT_SYMBOL_NS_GPL(kp_schedule_timeout, KPOOL_INTERNAL);

int kp_wake_up_process(struct task_struct *task)
{
	return wake_up_process(task);
}
EXPORT_SYMBOL_NS_GPL(kp_wake_up_process, KPOOL_INTERNAL);

int kp_task_pid(struct task_struct *task)
{
	return task_pid_nr(task);
}
EXPORT_SYMBOL_NS_GPL(kp_task_pid, KPOOL_INTERNAL);

void kp_might_sleep(void)
{
	might_sleep();
}
EXPORT_SYMBOL_NS_GPL(kp_might_sleep, KPOOL_INTERNAL);

void kp_cond_resched(void)
{
	cond_resched();
}
EXPORT_SYMBOL_NS_GPL(kp_cond_resched, KPOOL_INTERNAL);

int kp_in_task(void)
{
	return in_task();
}
EXPORT_SYMBOL_NS_GPL(kp_in_task, KPOOL_INTERNAL);

void kp_current_set_comm(const char *name)
{
	/* What set_task_comm() does (it is not exported), on ourselves. */
	task_lock(current);
	strscpy_pad(current->comm, name, sizeof(current->comm));
	task_unlock(current);
}
EXPORT_SYMBOL_NS_GPL(kp_current_set_comm, KPOOL_INTERNAL);

void kp_set_user_nice(struct task_struct *task, long nice)
{
	set_user_nice(task, nice);
}
EXPORT_SYMBOL_NS_GPL(kp_set_user_nice, KPOOL_INTERNAL);

kp_u64 kp_ktime_ns(void)
{
	return ktime_get_ns();
}
EXPORT_SYMBOL_NS_GPL(kp_ktime_ns, KPOOL_INTERNAL);

unsigned long kp_jiffies(void)
{
	return jiffies;
}
EXPORT_SYMBOL_NS_GPL(kp_jiffies, KPOOL_INTERNAL);

unsigned long kp_msecs_to_jiffies(unsigned int ms)
{
	return msecs_to_jiffies(ms);
}
EXPORT_SYMBOL_NS_GPL(kp_msecs_to_jiffies, KPOOL_INTERNAL);

unsigned int kp_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}
EXPORT_SYMBOL_NS_GPL(kp_nr_cpu_ids, KPOOL_INTERNAL);

int kp_cpu_online(unsigned int cpu)
{
	return cpu < nr_cpu_ids && cpu_online(cpu);
}
EXPORT_SYMBOL_NS_GPL(kp_cpu_online, KPOOL_INTERNAL);

int kp_cpu_possible(unsigned int cpu)
{
	return cpu < nr_cpu_ids && cpu_possible(cpu);
}
EXPORT_SYMBOL_NS_GPL(kp_cpu_possible, KPOOL_INTERNAL);

unsigned int kp_raw_cpu(void)
{
	return raw_smp_processor_id();
}
EXPORT_SYMBOL_NS_GPL(kp_raw_cpu, KPOOL_INTERNAL);
