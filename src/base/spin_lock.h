// SPDX-License-Identifier: GPL-2.0
// SpinLock and its scoped guards. Business code never calls lock/unlock: it
// takes a guard whose name says what happens to interrupts.
//   SpinGuard         - plain spin_lock; the lock is never taken from IRQ context
//   SpinGuardIrq      - spin_lock_irq; caller runs with interrupts enabled
//   SpinGuardIrqSave  - spin_lock_irqsave; any context but hard IRQ on PREEMPT_RT,
//                       where spinlock_t sleeps (hard IRQ needs RawSpinLock)
#pragma once

#include "base/lock_class.h"
#include "shim/shim.h"

namespace kp {

class SpinLock {
public:
	constexpr SpinLock() = default;
	KP_PINNED(SpinLock);

	// Context: any. Must be called once before first use, from the owner's
	// create() (constructors do not call into the kernel).
	void init(LockClass &cls) { kp_spin_init(m_raw, cls.name(), cls.key()); }

	// Lockdep assertion for *_locked() functions.
	void assert_held() const { kp_spin_assert_held(const_cast<unsigned char *>(m_raw)); }

private:
	friend class SpinGuard;
	friend class SpinGuardIrq;
	friend class SpinGuardIrqSave;
	alignas(KP_ALIGNOF_SPINLOCK) unsigned char m_raw[KP_SIZEOF_SPINLOCK] = {};
};

class [[nodiscard]] SpinGuard {
public:
	explicit SpinGuard(SpinLock &lock) : m_lock(lock) { kp_spin_lock(m_lock.m_raw); }
	~SpinGuard() { kp_spin_unlock(m_lock.m_raw); }
	KP_PINNED(SpinGuard);

private:
	SpinLock &m_lock;
};

class [[nodiscard]] SpinGuardIrq {
public:
	explicit SpinGuardIrq(SpinLock &lock) : m_lock(lock) { kp_spin_lock_irq(m_lock.m_raw); }
	~SpinGuardIrq() { kp_spin_unlock_irq(m_lock.m_raw); }
	KP_PINNED(SpinGuardIrq);

private:
	SpinLock &m_lock;
};

class [[nodiscard]] SpinGuardIrqSave {
public:
	explicit SpinGuardIrqSave(SpinLock &lock)
		: m_lock(lock), m_flags(kp_spin_lock_irqsave(m_lock.m_raw))
	{
	}
	~SpinGuardIrqSave() { kp_spin_unlock_irqrestore(m_lock.m_raw, m_flags); }
	KP_PINNED(SpinGuardIrqSave);

private:
	SpinLock &m_lock;
	unsigned long m_flags;
};

} // namespace kp
