// SPDX-License-Identifier: GPL-2.0
// The C++ runtime ABI a freestanding kernel module needs: the usual
// deallocation functions (kfree) and __cxa_pure_virtual. Allocation functions
// are inline in base/new.h and always take an explicit context. Nothing here
// may have a static constructor (the build rejects .init_array/.ctors).
#include "base/new.h"
#include "base/debug.h"

void operator delete(void *p) noexcept
{
	kp_mem_free(p);
}
void operator delete(void *p, kp::size_t) noexcept
{
	kp_mem_free(p);
}
void operator delete[](void *p) noexcept
{
	kp_mem_free(p);
}
void operator delete[](void *p, kp::size_t) noexcept
{
	kp_mem_free(p);
}

// Called through a vtable slot of an abstract class during construction or
// destruction: a kpool bug. The symbol is weak in g++ output, so without this
// definition the slot would silently be NULL.
extern "C" void __cxa_pure_virtual();
extern "C" void __cxa_pure_virtual()
{
	kp_warn(__FILE__, __LINE__, "pure virtual function called");
}
