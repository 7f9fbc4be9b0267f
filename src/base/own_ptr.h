// SPDX-License-Identifier: GPL-2.0
// OwnPtr<T>: the single owner of a heap object; deletes it when it goes out of
// scope. Move-only. make_own<T>(gfp, args...) allocates and constructs, and is
// the only way to get one from a fresh allocation: it returns -ENOMEM rather
// than a null owner.
#pragma once

#include "base/result.h"

namespace kp {

template <typename T>
class OwnPtr {
public:
	constexpr OwnPtr() = default;
	constexpr OwnPtr(nullptr_t) {}
	OwnPtr(OwnPtr &&other) : m_ptr(other.leak()) {}
	template <typename U>
	OwnPtr(OwnPtr<U> &&other) : m_ptr(other.leak())
	{
	}
	KP_MOVE_ONLY(OwnPtr);
	OwnPtr &operator=(OwnPtr &&other)
	{
		if (this != &other)
			reset(other.leak());
		return *this;
	}
	~OwnPtr() { reset(); }

	// Takes ownership of @p, which must come from `new (gfp) T`.
	static OwnPtr adopt(T *p) { return OwnPtr(p); }

	T *get() const { return m_ptr; }
	T *operator->() const { return m_ptr; }
	T &operator*() const { return *m_ptr; }
	explicit operator bool() const { return m_ptr != nullptr; }

	// Gives up ownership without deleting.
	[[nodiscard]] T *leak() { return exchange(m_ptr, static_cast<T *>(nullptr)); }

	void reset(T *p = nullptr)
	{
		T *old = exchange(m_ptr, p);
		delete old;
	}

private:
	explicit OwnPtr(T *p) : m_ptr(p) {}
	T *m_ptr = nullptr;
};

template <typename T, typename... Args>
Result<OwnPtr<T>> make_own(Gfp gfp, Args &&...args)
{
	T *p = new (gfp) T(forward<Args>(args)...);
	if (!p)
		return err(-ENOMEM);
	return OwnPtr<T>::adopt(p);
}

} // namespace kp
