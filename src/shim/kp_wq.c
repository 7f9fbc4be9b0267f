// SPDX-License-Identifier: GPL-2.0
/* Shim: workqueues and work items. */
#include <linux/workqueue.h>
#include "shim.h"
#include "kp_internal.h"

int kp_wq_alloc(const char *name, unsigned int kp_flags, int max_active,
		struct workqueue_struct **out)
{
	unsigned int flags = 0;
	struct workqueue_struct *wq;

	if (kp_flags & ~(KP_WQ_UNBOUND | KP_WQ_HIGHPRI | KP_WQ_MEM_RECLAIM | KP_WQ_FREEZABLE))
		return -EINVAL;
	if (max_active < 0 || max_active > WQ_MAX_ACTIVE)
		return -ERANGE;
	if (kp_flags & KP_WQ_UNBOUND)
		flags |= WQ_UNBOUND;
	if (kp_flags & KP_WQ_HIGHPRI)
		flags |= WQ_HIGHPRI;
	if (kp_flags & KP_WQ_MEM_RECLAIM)
		flags |= WQ_MEM_RECLAIM;
	if (kp_flags & KP_WQ_FREEZABLE)
		flags |= WQ_FREEZABLE;
	if (kp_fault_should_fail(KP_FAULT_ALLOC))
		return -ENOMEM;
	wq = alloc_workqueue("%s", flags, max_active, name);
	if (!wq)
		return -ENOMEM;
	*out = wq;
	return 0;
}

void kp_wq_destroy(struct workqueue_struct *wq)
{
	destroy_workqueue(wq);
}

struct workqueue_struct *kp_wq_system(void)
{
	return system_wq;
}

struct workqueue_struct *kp_wq_system_unbound(void)
{
	return system_unbound_wq;
}

void kp_wq_init_work(struct work_struct *work, kp_work_fn fn)
{
	INIT_WORK(work, fn);
}

int kp_wq_queue(struct workqueue_struct *wq, struct work_struct *work)
{
	return queue_work(wq, work);
}

int kp_wq_queue_on(int cpu, struct workqueue_struct *wq, struct work_struct *work)
{
	return queue_work_on(cpu, wq, work);
}

int kp_wq_cancel_sync(struct work_struct *work)
{
	return cancel_work_sync(work);
}

int kp_wq_flush_work(struct work_struct *work)
{
	return flush_work(work);
}

void kp_wq_flush(struct workqueue_struct *wq)
{
	flush_workqueue(wq);
}
