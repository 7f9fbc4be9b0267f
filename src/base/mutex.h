// SPDX-License-Identifier: GPL-2.0
// Mutex and MutexGuard. Context: process; taking the mutex may sleep.
#pragma once

#include "base/lock_class.h"
#include "shim/shim.h"

namespace kp {

class Mutex {
public:
	constexpr Mutex() = default;
	KP_PINNED(Mutex);

	// Called once from the owner's create(); destroy() before the storage dies.
	void init(LockClass &cls) { kp_mutex_init(m_raw, cls.name(), cls.key()); }
	void destroy() { kp_mutex_destroy(m_raw); }
	void assert_held() const { kp_mutex_assert_held(const_cast<unsigned char *>(m_raw)); }

private:
	friend class MutexGuard;
	alignas(KP_ALIGNOF_MUTEX) unsigned char m_raw[KP_SIZEOF_MUTEX] = {};
};

class [[nodiscard]] MutexGuard {
public:
	// Context: process context, may sleep.
	explicit MutexGuard(Mutex &m) : m_mutex(m) { kp_mutex_lock(m_mutex.m_raw); }
	~MutexGuard() { kp_mutex_unlock(m_mutex.m_raw); }
	KP_PINNED(MutexGuard);

private:
	Mutex &m_mutex;
};

} // namespace kp
