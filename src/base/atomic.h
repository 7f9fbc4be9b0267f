// SPDX-License-Identifier: GPL-2.0
// Atomic<T>: GCC __atomic builtins with the orderings spelled out. The kernel
// memory model maps onto them on x86 (and KCSAN instruments them as atomics).
// Relaxed loads/stores are READ_ONCE/WRITE_ONCE; acquire/release pair as
// smp_load_acquire/smp_store_release.
#pragma once

#include "base/types.h"

namespace kp {

template <typename T>
class Atomic {
public:
	constexpr Atomic() = default;
	constexpr explicit Atomic(T v) : m_value(v) {}
	KP_PINNED(Atomic);

	T load_relaxed() const { return __atomic_load_n(&m_value, __ATOMIC_RELAXED); }
	T load_acquire() const { return __atomic_load_n(&m_value, __ATOMIC_ACQUIRE); }
	void store_relaxed(T v) { __atomic_store_n(&m_value, v, __ATOMIC_RELAXED); }
	void store_release(T v) { __atomic_store_n(&m_value, v, __ATOMIC_RELEASE); }
	// Full-barrier read-modify-write, like the kernel's value-returning atomics.
	T fetch_add(T v) { return __atomic_fetch_add(&m_value, v, __ATOMIC_SEQ_CST); }
	T fetch_sub(T v) { return __atomic_fetch_sub(&m_value, v, __ATOMIC_SEQ_CST); }
	T add_return(T v) { return __atomic_add_fetch(&m_value, v, __ATOMIC_SEQ_CST); }
	T sub_return(T v) { return __atomic_sub_fetch(&m_value, v, __ATOMIC_SEQ_CST); }
	T exchange(T v) { return __atomic_exchange_n(&m_value, v, __ATOMIC_SEQ_CST); }
	bool compare_exchange(T &expected, T desired)
	{
		return __atomic_compare_exchange_n(&m_value, &expected, desired, false,
						   __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
	}

private:
	T m_value{};
};

// A full memory barrier (smp_mb()).
inline void full_barrier()
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

} // namespace kp
