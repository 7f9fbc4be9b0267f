// SPDX-License-Identifier: GPL-2.0
// LinkQueue<T>: a FIFO of C structs that carry their own kp_next/kp_prev
// links (struct kpool_job, struct kpool_thread: nodes embedded in the
// caller's objects, so queueing never allocates). O(1) push at either end and
// unlink from the middle. The owner's lock protects it. Next and Prev name the
// pair of links a queue uses (a job on two queues at once has two pairs).
#pragma once

#include "base/types.h"

namespace kp {

template <typename T, T *T::*Next = &T::kp_next, T *T::*Prev = &T::kp_prev>
class LinkQueue {
public:
	constexpr LinkQueue() = default;
	KP_PINNED(LinkQueue);

	T *front() const { return m_head; }
	bool is_empty() const { return !m_head; }

	void push_back(T *n)
	{
		n->*Next = nullptr;
		n->*Prev = m_tail;
		if (m_tail)
			m_tail->*Next = n;
		else
			m_head = n;
		m_tail = n;
	}

	void push_front(T *n)
	{
		n->*Prev = nullptr;
		n->*Next = m_head;
		if (m_head)
			m_head->*Prev = n;
		else
			m_tail = n;
		m_head = n;
	}

	void unlink(T *n)
	{
		if (n->*Prev)
			(n->*Prev)->*Next = n->*Next;
		else
			m_head = n->*Next;
		if (n->*Next)
			(n->*Next)->*Prev = n->*Prev;
		else
			m_tail = n->*Prev;
		n->*Next = n->*Prev = nullptr;
	}

	// Puts @n in @old's place (@old leaves the queue).
	void replace(T *old, T *n)
	{
		n->*Next = old->*Next;
		n->*Prev = old->*Prev;
		if (n->*Prev)
			(n->*Prev)->*Next = n;
		else
			m_head = n;
		if (n->*Next)
			(n->*Next)->*Prev = n;
		else
			m_tail = n;
		old->*Next = old->*Prev = nullptr;
	}

	static T *next(const T *n) { return n->*Next; }

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
