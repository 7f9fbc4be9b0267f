// SPDX-License-Identifier: GPL-2.0
// The scoped guards of SpinLock and RawSpinLock, one shape for both lock
// kinds: a guard takes the lock in its constructor with the shim's lock
// function and releases it in its destructor with the matching unlock, so
// business code never pairs lock and unlock by hand. What happens to
// interrupts is in the guard's name (see spin_lock.h, raw_spin_lock.h).
#pragma once

#include "base/types.h"

namespace kp {

// Lock must grant this template access to its storage (raw()).
template <typename Lock, void (*Acquire)(void *), void (*Release)(void *)>
class [[nodiscard]] LockGuard {
public:
	explicit LockGuard(Lock &lock) : m_lock(lock) { Acquire(m_lock.raw()); }
	~LockGuard() { Release(m_lock.raw()); }
	KP_PINNED(LockGuard);

private:
	Lock &m_lock;
};

// The irqsave form: the flags live in the guard, so they cannot be mixed up.
template <typename Lock, unsigned long (*Acquire)(void *), void (*Release)(void *, unsigned long)>
class [[nodiscard]] LockGuardSave {
public:
	explicit LockGuardSave(Lock &lock) : m_lock(lock), m_flags(Acquire(m_lock.raw())) {}
	~LockGuardSave() { Release(m_lock.raw(), m_flags); }
	KP_PINNED(LockGuardSave);

private:
	Lock &m_lock;
	unsigned long m_flags;
};

} // namespace kp
