// SPDX-License-Identifier: GPL-2.0
// RawSpinLock and its scoped guards: a raw_spinlock_t, the one lock kind that
// may be taken in hard IRQ context and inside other raw locks on PREEMPT_RT
// (where a spinlock_t sleeps). Hold it for O(1) work only, and call nothing
// under it that takes a spinlock_t, allocates or may sleep on RT (wait-queue
// wake-ups, kmalloc, set_user_nice on many tasks): lockdep reports such
// nesting with CONFIG_PROVE_RAW_LOCK_NESTING. Waking one task
// (wake_up_process) and completions (swait, raw) are allowed.
//   RawSpinGuard         - raw_spin_lock; never taken from IRQ context
//   RawSpinGuardIrq      - raw_spin_lock_irq; caller runs with interrupts enabled
//   RawSpinGuardIrqSave  - raw_spin_lock_irqsave; any context
#pragma once

#include "base/lock_class.h"
#include "base/lock_guard.h"
#include "shim/shim.h"

namespace kp {

class RawSpinLock {
public:
	constexpr RawSpinLock() = default;
	KP_PINNED(RawSpinLock);

	// Context: any. Must be called once before first use, from the owner's
	// create() (constructors do not call into the kernel).
	void init(LockClass &cls) { kp_raw_spin_init(m_raw, cls.name(), cls.key()); }

	// Lockdep assertion for *_locked() functions.
	void assert_held() const { kp_raw_spin_assert_held(const_cast<unsigned char *>(m_raw)); }

private:
	template <typename, void (*)(void *), void (*)(void *)>
	friend class LockGuard;
	template <typename, unsigned long (*)(void *), void (*)(void *, unsigned long)>
	friend class LockGuardSave;
	void *raw() { return m_raw; }
	alignas(KP_ALIGNOF_RAW_SPINLOCK) unsigned char m_raw[KP_SIZEOF_RAW_SPINLOCK] = {};
};

using RawSpinGuard = LockGuard<RawSpinLock, kp_raw_spin_lock, kp_raw_spin_unlock>;
using RawSpinGuardIrq = LockGuard<RawSpinLock, kp_raw_spin_lock_irq, kp_raw_spin_unlock_irq>;
using RawSpinGuardIrqSave =
	LockGuardSave<RawSpinLock, kp_raw_spin_lock_irqsave, kp_raw_spin_unlock_irqrestore>;

} // namespace kp
