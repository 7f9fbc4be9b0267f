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
EXPORT_SYMBOL_IF_KUNIT(kp_set_current_state);

void kp_schedule(void)
{
	schedule();
}

long kp_schedule_timeout(long timeout_jiffies)
{
	return schedule_timeout(timeout_jiffies);
}
EXPORT_SYMBOL_IF_KUNIT(kp_schedule_timeout);

int kp_wake_up_process(struct task_struct *task)
{
	return wake_up_process(task);
}

int kp_task_pid(struct task_struct *task)
{
	return task_pid_nr(task);
}

void kp_might_sleep(void)
{
	might_sleep();
}

void kp_cond_resched(void)
{
	cond_resched();
}

int kp_in_task(void)
{
	return in_task();
}

void kp_current_set_comm(const char *name)
{
	/* What set_task_comm() does (it is not exported), on ourselves. */
	task_lock(current);
	strscpy_pad(current->comm, name, sizeof(current->comm));
	task_unlock(current);
}

void kp_set_user_nice(struct task_struct *task, long nice)
{
	set_user_nice(task, nice);
}

kp_u64 kp_ktime_ns(void)
{
	return ktime_get_ns();
}

unsigned long kp_jiffies(void)
{
	return jiffies;
}

unsigned long kp_msecs_to_jiffies(unsigned int ms)
{
	return msecs_to_jiffies(ms);
}

unsigned int kp_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

int kp_cpu_online(unsigned int cpu)
{
	return cpu < nr_cpu_ids && cpu_online(cpu);
}

int kp_cpu_possible(unsigned int cpu)
{
	return cpu < nr_cpu_ids && cpu_possible(cpu);
}

unsigned int kp_raw_cpu(void)
{
	return raw_smp_processor_id();
}
