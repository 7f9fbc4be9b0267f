// SPDX-License-Identifier: GPL-2.0
// SpinLock and its scoped guards. Business code never calls lock/unlock: it
// takes a guard whose name says what happens to interrupts.
//   SpinGuard         - plain spin_lock; the lock is never taken from IRQ context
//   SpinGuardIrq      - spin_lock_irq; caller runs with interrupts enabled
//   SpinGuardIrqSave  - spin_lock_irqsave; any context but hard IRQ on PREEMPT_RT,
//                       where spinlock_t sleeps (hard IRQ needs RawSpinLock)
#pragma once

#include "base/lock_class.h"
#include "base/lock_guard.h"
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
	template <typename, void (*)(void *), void (*)(void *)>
	friend class LockGuard;
	template <typename, unsigned long (*)(void *), void (*)(void *, unsigned long)>
	friend class LockGuardSave;
	void *raw() { return m_raw; }
	alignas(KP_ALIGNOF_SPINLOCK) unsigned char m_raw[KP_SIZEOF_SPINLOCK] = {};
};

using SpinGuard = LockGuard<SpinLock, kp_spin_lock, kp_spin_unlock>;
using SpinGuardIrq = LockGuard<SpinLock, kp_spin_lock_irq, kp_spin_unlock_irq>;
using SpinGuardIrqSave = LockGuardSave<SpinLock, kp_spin_lock_irqsave, kp_spin_unlock_irqrestore>;

} // namespace kp
