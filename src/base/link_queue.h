// SPDX-License-Identifier: GPL-2.0
// LinkQueue<T>: a FIFO of C structs that carry their own kp_next/kp_prev
// links (struct kpool_job, struct kpool_thread: nodes embedded in the
// caller's objects, so queueing never allocates). O(1) push at either end and
// unlink from the middle. The owner's lock protects it.
#pragma once

#include "base/types.h"

namespace kp {

template <typename T>
class LinkQueue {
public:
	constexpr LinkQueue() = default;
	KP_PINNED(LinkQueue);

	T *front() const { return m_head; }
	bool is_empty() const { return !m_head; }

	void push_back(T *n)
	{
		n->kp_next = nullptr;
		n->kp_prev = m_tail;
		if (m_tail)
			m_tail->kp_next = n;
		else
			m_head = n;
		m_tail = n;
	}

	void push_front(T *n)
	{
		n->kp_prev = nullptr;
		n->kp_next = m_head;
		if (m_head)
			m_head->kp_prev = n;
		else
			m_tail = n;
		m_head = n;
	}

	void unlink(T *n)
	{
		if (n->kp_prev)
			n->kp_prev->kp_next = n->kp_next;
		else
			m_head = n->kp_next;
		if (n->kp_next)
			n->kp_next->kp_prev = n->kp_prev;
		else
			m_tail = n->kp_prev;
		n->kp_next = n->kp_prev = nullptr;
	}

	T *pop_front()
	{
		T *n = m_head;
		if (n)
			unlink(n);
		return n;
	}

private:
	T *m_head = nullptr;
	T *m_tail = nullptr;
};

} // namespace kp
