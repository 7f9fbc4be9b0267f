// SPDX-License-Identifier: GPL-2.0
// Allocation for kpool's C++: `new (kp::Gfp::Kernel) T(...)` maps to kzalloc
// with explicit flags and yields nullptr on failure (-fcheck-new makes the
// compiler test it before constructing). There is deliberately no plain
// `new T`: nothing defines it, and scripts/cxx-objcheck rejects any object
// that references it, so a missing allocation context fails the build.
// Placement new is defined here because no <new> exists in this environment.
#pragma once

#include "base/types.h"
#include "shim/shim.h"

namespace kp {

enum class Gfp {
	Kernel = KP_GFP_KERNEL, // process context, may sleep
	NoWait = KP_GFP_NOWAIT, // any context, fails instead of reclaiming
	Atomic = KP_GFP_ATOMIC, // any context, may use reserves
};

} // namespace kp

inline void *operator new(kp::size_t, void *where) noexcept
{
	return where;
}
inline void *operator new[](kp::size_t, void *where) noexcept
{
	return where;
}

inline void *operator new(kp::size_t size, kp::Gfp gfp) noexcept
{
	return kp_mem_alloc(size, static_cast<enum kp_gfp>(gfp));
}
inline void *operator new[](kp::size_t size, kp::Gfp gfp) noexcept
{
	return kp_mem_alloc(size, static_cast<enum kp_gfp>(gfp));
}

// A placement delete matching the Gfp new, called only if a constructor threw,
// which cannot happen with -fno-exceptions; defined for completeness.
inline void operator delete(void *p, kp::Gfp) noexcept
{
	kp_mem_free(p);
}
inline void operator delete[](void *p, kp::Gfp) noexcept
{
	kp_mem_free(p);
}

// The usual deallocation functions are defined out of line in base/runtime.cpp.
void operator delete(void *p) noexcept;
void operator delete(void *p, kp::size_t size) noexcept;
void operator delete[](void *p) noexcept;
void operator delete[](void *p, kp::size_t size) noexcept;
