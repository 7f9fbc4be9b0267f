// SPDX-License-Identifier: GPL-2.0
// LockClass: the lockdep identity of one kind of lock (a static
// struct lock_class_key plus a name). Declare one per lock field, as a
// `static constinit` member or namespace-scope object, and pass it to init():
// lockdep then tells kpool's locks apart the way it does for spin_lock_init()
// call sites in C. Its storage is zero-initialised static data (no constructor
// runs at load time).
#pragma once

#include "base/types.h"
#include "generated/kp_layout.h"

namespace kp {

class LockClass {
public:
	constexpr explicit LockClass(const char *name) : m_name(name) {}
	KP_PINNED(LockClass);

	const char *name() const { return m_name; }
	void *key() { return m_key; }

private:
	// lockdep requires the key in static storage; lock_class_key is empty
	// without lockdep, and C++ has no empty arrays.
	alignas(KP_ALIGNOF_LOCK_CLASS_KEY) unsigned char m_key[KP_SIZEOF_LOCK_CLASS_KEY ?
								       KP_SIZEOF_LOCK_CLASS_KEY :
								       1] = {};
	const char *m_name;
};

} // namespace kp
