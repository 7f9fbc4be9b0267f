// SPDX-License-Identifier: GPL-2.0
// WaitQueue: a wait_queue_head_t held in C++ storage. wait_until() sleeps in
// TASK_IDLE until the predicate holds; the predicate runs with the task state
// set, so it may take spinlocks but must not sleep.
#pragma once

#include "base/lock_class.h"
#include "shim/shim.h"

namespace kp {

class WaitQueue {
public:
	constexpr WaitQueue() = default;
	KP_PINNED(WaitQueue);

	void init(LockClass &cls) { kp_waitq_init(m_raw, cls.name(), cls.key()); }
	// Context: any.
	void wake_all() { kp_waitq_wake_all(m_raw); }

	// Context: process context, may sleep.
	template <typename Pred>
	void wait_until(Pred pred)
	{
		kp_waitq_wait_idle(m_raw, &call<Pred>, &pred);
	}

private:
	template <typename Pred>
	static int call(void *p)
	{
		return (*static_cast<Pred *>(p))();
	}
	alignas(KP_ALIGNOF_WAITQ) unsigned char m_raw[KP_SIZEOF_WAITQ] = {};
};

} // namespace kp
