// SPDX-License-Identifier: GPL-2.0
// Fixed-width integer types and the few type utilities kpool's C++ needs.
// Freestanding: no std headers exist here (-nostdinc); these come from the
// compiler's own predefined macros and builtins.
#pragma once

namespace kp {

using size_t = __SIZE_TYPE__;
using ssize_t = __PTRDIFF_TYPE__;
using uintptr_t = __UINTPTR_TYPE__;
using u8 = __UINT8_TYPE__;
using u16 = __UINT16_TYPE__;
using u32 = __UINT32_TYPE__;
using u64 = __UINT64_TYPE__;
using s32 = __INT32_TYPE__;
using s64 = __INT64_TYPE__;
using nullptr_t = decltype(nullptr);

template <typename T>
struct RemoveReference {
	using Type = T;
};
template <typename T>
struct RemoveReference<T &> {
	using Type = T;
};
template <typename T>
struct RemoveReference<T &&> {
	using Type = T;
};

template <typename T>
constexpr typename RemoveReference<T>::Type &&move(T &&t) noexcept
{
	return static_cast<typename RemoveReference<T>::Type &&>(t);
}

template <typename T>
constexpr T &&forward(typename RemoveReference<T>::Type &t) noexcept
{
	return static_cast<T &&>(t);
}

template <typename T>
constexpr T exchange(T &obj, T new_value) noexcept
{
	T old = move(obj);
	obj = move(new_value);
	return old;
}

template <typename T>
constexpr const T &min(const T &a, const T &b)
{
	return b < a ? b : a;
}
template <typename T>
constexpr const T &max(const T &a, const T &b)
{
	return a < b ? b : a;
}

// Makes a class neither copyable nor movable: for objects whose address the
// kernel keeps (locks, work items, list heads).
#define KP_PINNED(Class)                          \
	Class(const Class &) = delete;            \
	Class &operator=(const Class &) = delete; \
	Class(Class &&) = delete;                 \
	Class &operator=(Class &&) = delete

#define KP_MOVE_ONLY(Class)            \
	Class(const Class &) = delete; \
	Class &operator=(const Class &) = delete

} // namespace kp
