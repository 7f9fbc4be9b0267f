// SPDX-License-Identifier: GPL-2.0
// SpinLock and RawSpinLock, and their scoped guards, in one shape for both
// lock kinds. The lock is the kernel object's storage, described by a Kind
// (spin_lock.h, raw_spin_lock.h). A guard takes the lock in its constructor
// with the shim's lock function and releases it in its destructor with the
// matching unlock, so business code never pairs lock and unlock by hand;
// what happens to interrupts is in the guard's name.
#pragma once

#include "base/lock_class.h"

namespace kp {

// Kind: kSize and kAlign of the kernel object (from kp_layout.h), and
// init(lock, name, key) and assert_held(lock) over the shim.
template <typename Kind>
class BasicSpinLock {
public:
	constexpr BasicSpinLock() = default;
	KP_PINNED(BasicSpinLock);

	// Context: any. Must be called once before first use, from the owner's
	// create() (constructors do not call into the kernel).
	void init(LockClass &cls) { Kind::init(m_raw, cls.name(), cls.key()); }

	// Lockdep assertion for *_locked() functions.
	void assert_held() const { Kind::assert_held(const_cast<unsigned char *>(m_raw)); }

private:
	template <typename, void (*)(void *), void (*)(void *)>
	friend class LockGuard;
	template <typename, unsigned long (*)(void *), void (*)(void *, unsigned long)>
	friend class LockGuardSave;
	void *raw() { return m_raw; }
	alignas(Kind::kAlign) unsigned char m_raw[Kind::kSize] = {};
};

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
