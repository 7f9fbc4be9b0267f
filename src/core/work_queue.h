// SPDX-License-Identifier: GPL-2.0
// WorkQueue and WorkItem: RAII over alloc_workqueue/destroy_workqueue and
// work_struct. kpool uses them for housekeeping (the reaper); the benchmarks
// use them as the kernel baseline.
#pragma once

#include "base/own_ptr.h"
#include "generated/kp_layout.h"
#include "shim/shim.h"

namespace kp {

class WorkQueue;

// A work item embedded in its owner. The destructor cancels it synchronously.
class WorkItem {
public:
	using Fn = void (*)(void *owner);

	constexpr WorkItem() = default;
	~WorkItem() { cancel_sync(); }
	KP_PINNED(WorkItem);

	// Context: any. Must be called once before queueing.
	void init(Fn fn, void *owner);
	// Context: any. Returns false if already pending.
	bool queue_on(WorkQueue &wq, int cpu = -1);
	// Context: process, may sleep. Returns true if it was pending.
	bool cancel_sync();
	// Context: process, may sleep. Returns true if it had to wait.
	bool flush();

private:
	friend void work_item_run(struct work_struct *work);
	struct work_struct *raw() { return reinterpret_cast<struct work_struct *>(m_raw); }

	// Must stay the first member: the kernel hands the trampoline this address.
	alignas(KP_ALIGNOF_WORK) unsigned char m_raw[KP_SIZEOF_WORK] = {};
	Fn m_fn = nullptr;
	void *m_owner = nullptr;
	bool m_initialised = false;
};

class WorkQueue {
public:
	enum Flags : unsigned int {
		Unbound = KP_WQ_UNBOUND,
		HighPri = KP_WQ_HIGHPRI,
		MemReclaim = KP_WQ_MEM_RECLAIM,
	};

	// Context: process, may sleep.
	static Result<OwnPtr<WorkQueue>> create(const char *name, unsigned int flags,
						int max_active = 0);
	// Wraps a system workqueue (not destroyed by the destructor).
	static WorkQueue system();
	static WorkQueue system_unbound();
	~WorkQueue();
	KP_MOVE_ONLY(WorkQueue);
	WorkQueue(WorkQueue &&other)
		: m_wq(exchange(other.m_wq, static_cast<struct workqueue_struct *>(nullptr))),
		  m_owned(other.m_owned)
	{
	}

	// Context: process, may sleep.
	void flush() { kp_wq_flush(m_wq); }
	struct workqueue_struct *raw() const { return m_wq; }

private:
	WorkQueue(struct workqueue_struct *wq, bool owned) : m_wq(wq), m_owned(owned) {}
	struct workqueue_struct *m_wq = nullptr;
	bool m_owned = false;
};

} // namespace kp
