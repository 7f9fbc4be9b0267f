// SPDX-License-Identifier: GPL-2.0
/* Shim: slab and per-CPU allocation for the C++ side. */
#include <linux/slab.h>
#include <linux/percpu.h>
#include "shim.h"
#include "kp_internal.h"

static gfp_t kp_gfp_to_kernel(enum kp_gfp gfp)
{
	switch (gfp) {
	case KP_GFP_KERNEL:
		return GFP_KERNEL;
	case KP_GFP_NOWAIT:
		return GFP_NOWAIT | __GFP_NOWARN;
	case KP_GFP_ATOMIC:
		return GFP_ATOMIC;
	}
	WARN_ON_ONCE(1);
	return GFP_NOWAIT | __GFP_NOWARN;
}

void *kp_mem_alloc(kp_size_t size, enum kp_gfp gfp)
{
	if (kp_fault_should_fail(KP_FAULT_ALLOC))
		return NULL;
	return kzalloc(size, kp_gfp_to_kernel(gfp));
}
EXPORT_SYMBOL_IF_KUNIT(kp_mem_alloc);

void kp_mem_free(const void *p)
{
	kfree(p);
}

void *kp_percpu_alloc(kp_size_t size, kp_size_t align)
{
	if (kp_fault_should_fail(KP_FAULT_ALLOC))
		return NULL;
	return (void __force *)__alloc_percpu(size, align);
}

void kp_percpu_free(void *pcpu)
{
	free_percpu((void __percpu __force *)pcpu);
}

void kp_percpu_add(void *pcpu, kp_size_t offset, long delta)
{
	long __percpu *p = (long __percpu __force *)((char *)pcpu + offset);

	this_cpu_add(*p, delta);
}

long kp_percpu_sum(void *pcpu, kp_size_t offset)
{
	long __percpu *p = (long __percpu __force *)((char *)pcpu + offset);
	long sum = 0;
	int cpu;

	/* Other CPUs add to their counters meanwhile (this_cpu_add(), which
	 * KCSAN does not see): each read is one marked load, the sum a snapshot.
	 */
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(p, cpu));
	return sum;
}
