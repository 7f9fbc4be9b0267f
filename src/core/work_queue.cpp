// SPDX-License-Identifier: GPL-2.0
// WorkQueue and WorkItem: see work_queue.h.
#include "core/work_queue.h"
#include "base/debug.h"

namespace kp {

extern "C" void kp_work_trampoline(struct work_struct *work);

void work_item_run(struct work_struct *work)
{
	// m_raw is WorkItem's first member, so the addresses coincide.
	auto *item = reinterpret_cast<WorkItem *>(work);
	item->m_fn(item->m_owner);
}

extern "C" void kp_work_trampoline(struct work_struct *work)
{
	work_item_run(work);
}

void WorkItem::init(Fn fn, void *owner)
{
	static_assert(__builtin_offsetof(WorkItem, m_raw) == 0, "work_struct must come first");
	m_fn = fn;
	m_owner = owner;
	kp_wq_init_work(raw(), kp_work_trampoline);
	m_initialised = true;
}

bool WorkItem::queue_on(WorkQueue &wq, int cpu)
{
	if (KP_WARN_ON_ONCE(!m_initialised))
		return false;
	if (cpu >= 0)
		return kp_wq_queue_on(cpu, wq.raw(), raw());
	return kp_wq_queue(wq.raw(), raw());
}

bool WorkItem::cancel_sync()
{
	return m_initialised && kp_wq_cancel_sync(raw());
}

bool WorkItem::flush()
{
	return m_initialised && kp_wq_flush_work(raw());
}

Result<OwnPtr<WorkQueue>> WorkQueue::create(const char *name, unsigned int flags, int max_active)
{
	kp::might_sleep();
	struct workqueue_struct *wq;
	if (int ret = kp_wq_alloc(name, flags, max_active, &wq); ret)
		return err(ret);
	auto q = make_own<WorkQueue>(Gfp::Kernel, WorkQueue(wq, true));
	if (q.is_error())
		kp_wq_destroy(wq);
	return q;
}

WorkQueue WorkQueue::system()
{
	return WorkQueue(kp_wq_system(), false);
}
WorkQueue WorkQueue::system_unbound()
{
	return WorkQueue(kp_wq_system_unbound(), false);
}

WorkQueue::~WorkQueue()
{
	if (m_wq && m_owned)
		kp_wq_destroy(m_wq);
}

} // namespace kp
