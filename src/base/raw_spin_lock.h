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

#include "base/lock_guard.h"
#include "shim/shim.h"

namespace kp {

struct RawSpinKind {
	static constexpr size_t kSize = KP_SIZEOF_RAW_SPINLOCK;
	static constexpr size_t kAlign = KP_ALIGNOF_RAW_SPINLOCK;
	static void init(void *lock, const char *name, void *key)
	{
		kp_raw_spin_init(lock, name, key);
	}
	static void assert_held(void *lock) { kp_raw_spin_assert_held(lock); }
};
using RawSpinLock = BasicSpinLock<RawSpinKind>;

using RawSpinGuard = LockGuard<RawSpinLock, kp_raw_spin_lock, kp_raw_spin_unlock>;
using RawSpinGuardIrq = LockGuard<RawSpinLock, kp_raw_spin_lock_irq, kp_raw_spin_unlock_irq>;
using RawSpinGuardIrqSave =
	LockGuardSave<RawSpinLock, kp_raw_spin_lock_irqsave, kp_raw_spin_unlock_irqrestore>;

} // namespace kp
