// SPDX-License-Identifier: GPL-2.0
// An intrusive doubly linked list, in the manner of the kernel's list_head and
// Zircon's fbl::DoublyLinkedList: an element inherits ListNode<Tag> once per
// list it can be on (the tag tells the lists apart), so linking never
// allocates and no offsetof arithmetic is needed. Not thread-safe: the owner's
// lock protects the list, as its legend says.
#pragma once

#include "base/types.h"

namespace kp {

struct DefaultListTag {};

template <typename Tag = DefaultListTag>
class ListNode {
public:
	constexpr ListNode() = default;
	KP_PINNED(ListNode);

	bool is_linked() const { return m_next != nullptr; }

private:
	template <typename, typename>
	friend class List;
	ListNode *m_next = nullptr;
	ListNode *m_prev = nullptr;
};

template <typename T, typename Tag = DefaultListTag>
class List {
	using Node = ListNode<Tag>;

public:
	constexpr List() { m_head.m_next = m_head.m_prev = &m_head; }
	KP_PINNED(List);

	bool is_empty() const { return m_size == 0; }
	size_t size() const { return m_size; }

	void push_back(T &item) { insert_before(m_head, node_of(item)); }
	void push_front(T &item) { insert_before(*m_head.m_next, node_of(item)); }

	T *front() const { return m_size ? item_of(m_head.m_next) : nullptr; }
	T *back() const { return m_size ? item_of(m_head.m_prev) : nullptr; }

	T *pop_front()
	{
		T *item = front();
		if (item)
			remove(*item);
		return item;
	}

	T *pop_back()
	{
		T *item = back();
		if (item)
			remove(*item);
		return item;
	}

	void remove(T &item)
	{
		Node &n = node_of(item);
		n.m_prev->m_next = n.m_next;
		n.m_next->m_prev = n.m_prev;
		n.m_next = n.m_prev = nullptr;
		m_size--;
	}

	// Moves every element of @other to the back of this list.
	void splice_back(List &other)
	{
		while (T *item = other.pop_front())
			push_back(*item);
	}

	// Calls fn(T&) on each element; fn must not unlink other elements.
	template <typename Fn>
	void for_each(Fn fn)
	{
		Node *n = m_head.m_next;
		while (n != &m_head) {
			Node *next = n->m_next;
			fn(*item_of(n));
			n = next;
		}
	}

private:
	static Node &node_of(T &item) { return static_cast<Node &>(item); }
	static T *item_of(Node *n) { return static_cast<T *>(n); }

	void insert_before(Node &at, Node &n)
	{
		n.m_next = &at;
		n.m_prev = at.m_prev;
		at.m_prev->m_next = &n;
		at.m_prev = &n;
		m_size++;
	}

	Node m_head;
	size_t m_size = 0;
};

} // namespace kp
