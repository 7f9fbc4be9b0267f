// SPDX-License-Identifier: GPL-2.0
/*
 * Shim: preempt notifiers, irq_work and the stall timer, the kernel side of
 * the concurrency management in src/core/concurrency.h.
 *
 * A worker registers a preempt notifier on itself; the scheduler calls it
 * with the runqueue lock held and interrupts off, so the callbacks forward
 * to C++ code that only updates atomics and may queue a hard irq_work
 * (IRQ_WORK_INIT_HARD: it runs in hard IRQ on PREEMPT_RT too), whose handler
 * takes the pool lock and wakes threads. Without CONFIG_PREEMPT_NOTIFIERS
 * registering does nothing: kpool_block_begin/end and the stall timer then
 * do the job.
 */
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/irq_work.h>
#include <linux/timer.h>
#include <linux/slab.h>
#include <linux/build_bug.h>
#include "kp_compat.h"
#include "shim.h"
#include "kp_internal.h"

int kp_notifier_available(void)
{
	return IS_ENABLED(CONFIG_PREEMPT_NOTIFIERS);
}
EXPORT_SYMBOL_IF_KUNIT(kp_notifier_available);

#ifdef CONFIG_PREEMPT_NOTIFIERS
static void kp_pn_sched_in(struct preempt_notifier *pn, int cpu)
{
	kp_cm_sched_in(pn);
}

/* Called for every switch away from the worker: a task still TASK_RUNNING
 * was preempted (it stays runnable); any other state means it sleeps.
 */
static void kp_pn_sched_out(struct preempt_notifier *pn, struct task_struct *next)
{
	if (!task_is_running(current))
		kp_cm_sched_out_sleeping(pn);
}

static struct preempt_ops kp_pn_ops = {
	.sched_in = kp_pn_sched_in,
	.sched_out = kp_pn_sched_out,
};
#endif

void kp_notifier_init(void)
{
#ifdef CONFIG_PREEMPT_NOTIFIERS
	preempt_notifier_inc();
#endif
}

void kp_notifier_exit(void)
{
#ifdef CONFIG_PREEMPT_NOTIFIERS
	preempt_notifier_dec();
#endif
}

void kp_notifier_register_self(void *pn)
{
#ifdef CONFIG_PREEMPT_NOTIFIERS
	preempt_notifier_init(pn, &kp_pn_ops);
	/* As KVM's vcpu_load(): the list of current is walked by sched_out on
	 * this CPU, so no switch may happen halfway through the insertion.
	 */
	preempt_disable();
	preempt_notifier_register(pn);
	preempt_enable();
#endif
}

void kp_notifier_unregister_self(void *pn)
{
#ifdef CONFIG_PREEMPT_NOTIFIERS
	preempt_disable();
	preempt_notifier_unregister(pn);
	preempt_enable();
#endif
}

/* One per pool: the deferred wake-up and the stall timer. */
struct kp_cm_events {
	struct irq_work work;
	struct timer_list timer;
	void *owner;
};

static void kp_cm_work_fn(struct irq_work *work)
{
	kp_cm_irq_work(container_of(work, struct kp_cm_events, work)->owner);
}

static void kp_cm_timer_fn(struct timer_list *timer)
{
	kp_cm_stall_timer(container_of(timer, struct kp_cm_events, timer)->owner);
}

void *kp_cm_events_create(void *owner)
{
	struct kp_cm_events *ev;

	if (kp_fault_should_fail(KP_FAULT_ALLOC))
		return NULL;
	ev = kzalloc(sizeof(*ev), GFP_KERNEL);
	if (!ev)
		return NULL;
	ev->owner = owner;
	ev->work = IRQ_WORK_INIT_HARD(kp_cm_work_fn);
	timer_setup(&ev->timer, kp_cm_timer_fn, TIMER_IRQSAFE);
	return ev;
}

void kp_cm_events_destroy(void *handle)
{
	struct kp_cm_events *ev = handle;

	if (!ev)
		return;
	timer_delete_sync(&ev->timer);
	irq_work_sync(&ev->work);
	kfree(ev);
}

void kp_cm_events_kick(void *handle)
{
	struct kp_cm_events *ev = handle;

	irq_work_queue(&ev->work);
}

void kp_cm_events_arm_timer(void *handle, unsigned long expires)
{
	struct kp_cm_events *ev = handle;

	mod_timer(&ev->timer, expires);
}
