// SPDX-License-Identifier: GPL-2.0
// SpinLock and its scoped guards. Business code never calls lock/unlock: it
// takes a guard whose name says what happens to interrupts.
//   SpinGuard         - plain spin_lock; the lock is never taken from IRQ context
//   SpinGuardIrq      - spin_lock_irq; caller runs with interrupts enabled
//   SpinGuardIrqSave  - spin_lock_irqsave; any context but hard IRQ on PREEMPT_RT,
//                       where spinlock_t sleeps (hard IRQ needs RawSpinLock)
#pragma once

#include "base/lock_guard.h"
#include "shim/shim.h"

namespace kp {

struct SpinKind {
	static constexpr size_t kSize = KP_SIZEOF_SPINLOCK;
	static constexpr size_t kAlign = KP_ALIGNOF_SPINLOCK;
	static void init(void *lock, const char *name, void *key) { kp_spin_init(lock, name, key); }
	static void assert_held(void *lock) { kp_spin_assert_held(lock); }
};
using SpinLock = BasicSpinLock<SpinKind>;

using SpinGuard = LockGuard<SpinLock, kp_spin_lock, kp_spin_unlock>;
using SpinGuardIrq = LockGuard<SpinLock, kp_spin_lock_irq, kp_spin_unlock_irq>;
using SpinGuardIrqSave = LockGuardSave<SpinLock, kp_spin_lock_irqsave, kp_spin_unlock_irqrestore>;

} // namespace kp
