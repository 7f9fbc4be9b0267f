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
#include "shim.h"
#include "kp_internal.h"

struct task_struct *kp_current(void)
{
	return current;
}
KP_EXPORT_INTERNAL(kp_current);

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
KP_EXPORT_INTERNAL(kp_set_current_state);

void kp_schedule(void)
{
	schedule();
}
KP_EXPORT_INTERNAL(kp_schedule);

long kp_schedule_timeout(long timeout_jiffies)
{
	return schedule_timeout(timeout_jiffies);
}
KP_EXPORT_INTERNAL(kp_schedule_timeout);

int kp_wake_up_process(struct task_struct *task)
{
	return wake_up_process(task);
}
KP_EXPORT_INTERNAL(kp_wake_up_process);

int kp_task_pid(struct task_struct *task)
{
	return task_pid_nr(task);
}
KP_EXPORT_INTERNAL(kp_task_pid);

void kp_might_sleep(void)
{
	might_sleep();
}
KP_EXPORT_INTERNAL(kp_might_sleep);

int kp_in_task(void)
{
	return in_task();
}
KP_EXPORT_INTERNAL(kp_in_task);

void kp_set_user_nice(struct task_struct *task, long nice)
{
	set_user_nice(task, nice);
}
KP_EXPORT_INTERNAL(kp_set_user_nice);

kp_u64 kp_ktime_ns(void)
{
	return ktime_get_ns();
}
KP_EXPORT_INTERNAL(kp_ktime_ns);

unsigned long kp_jiffies(void)
{
	return jiffies;
}
KP_EXPORT_INTERNAL(kp_jiffies);

unsigned long kp_msecs_to_jiffies(unsigned int ms)
{
	return msecs_to_jiffies(ms);
}
KP_EXPORT_INTERNAL(kp_msecs_to_jiffies);

unsigned int kp_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}
KP_EXPORT_INTERNAL(kp_nr_cpu_ids);

int kp_cpu_online(unsigned int cpu)
{
	return cpu < nr_cpu_ids && cpu_online(cpu);
}
KP_EXPORT_INTERNAL(kp_cpu_online);

int kp_cpu_possible(unsigned int cpu)
{
	return cpu < nr_cpu_ids && cpu_possible(cpu);
}
KP_EXPORT_INTERNAL(kp_cpu_possible);

unsigned int kp_raw_cpu(void)
{
	return raw_smp_processor_id();
}
KP_EXPORT_INTERNAL(kp_raw_cpu);

