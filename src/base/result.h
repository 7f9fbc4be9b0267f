// SPDX-License-Identifier: GPL-2.0
// Result<T>: a value or a negative errno, the return type of every kpool
// function that can fail. [[nodiscard]], so an ignored error does not compile.
// KP_TRY(expr) propagates an error to the caller and otherwise yields the value
// (a GCC statement expression, after SerenityOS's TRY).
#pragma once

#include "base/types.h"
#include "base/errno.h"
#include "base/new.h"

namespace kp {

// An error: always a negative errno.
class Error {
public:
	static constexpr Error from_errno(int negative_errno) { return Error(negative_errno); }
	constexpr int code() const { return m_code; }

private:
	constexpr explicit Error(int code) : m_code(code < 0 ? code : -EINVAL) {}
	int m_code;
};

constexpr Error err(int negative_errno)
{
	return Error::from_errno(negative_errno);
}

template <typename T>
class [[nodiscard]] Result {
public:
	Result(T &&value) : m_code(0) { new (&m_storage) T(move(value)); }
	Result(const T &value) : m_code(0) { new (&m_storage) T(value); }
	Result(Error e) : m_code(e.code()) {}
	Result(Result &&other) : m_code(other.m_code)
	{
		if (!m_code)
			new (&m_storage) T(move(other.value()));
	}
	Result(const Result &) = delete;
	Result &operator=(const Result &) = delete;
	Result &operator=(Result &&) = delete;
	~Result()
	{
		if (!m_code)
			value().~T();
	}

	bool is_error() const { return m_code != 0; }
	Error error() const { return err(m_code); }
	int code() const { return m_code; }

	T &value() { return *reinterpret_cast<T *>(&m_storage); }
	const T &value() const { return *reinterpret_cast<const T *>(&m_storage); }
	T release_value() { return move(value()); }

private:
	alignas(T) unsigned char m_storage[sizeof(T)];
	int m_code;
};

template <>
class [[nodiscard]] Result<void> {
public:
	Result() : m_code(0) {}
	Result(Error e) : m_code(e.code()) {}
	bool is_error() const { return m_code != 0; }
	Error error() const { return err(m_code); }
	int code() const { return m_code; }
	void release_value() {}

private:
	int m_code;
};

} // namespace kp

// Evaluates @expr (a Result); on error returns the error from the enclosing
// function, otherwise the expression's value is the released value.
#define KP_TRY(expr)                               \
	({                                         \
		auto _kp_result = (expr);          \
		if (_kp_result.is_error())         \
			return _kp_result.error(); \
		_kp_result.release_value();        \
	})
