// SPDX-License-Identifier: GPL-2.0
// Pool, CPU placement (see pool.h for the model, pool.cpp for the other
// parts): the hotplug callbacks of bound pools, which park and unpark their
// workers, the cpumask knob of unbound pools, and a worker's rebinding to
// either. This file explains orderings and races.
#include "core/pool_impl.h"
#include "base/debug.h"

namespace kp {

// ---- CPU hotplug (bound pools) ----------------------------------------------------------

void Pool::rebind_self(Worker &w)
{
	// Lockless first look: the generation changes rarely (a CPU coming back,
	// a cpumask write); a stale read is caught at the next loop.
	if (read_once(m_bind_gen) == w.m_bind_gen)
		return;
	unsigned int gen;
	{
		HoldIrq guard(*this);
		if (m_cpu_offline || w.m_bind_gen == m_bind_gen)
			return;
		gen = m_bind_gen;
	}
	// On ourselves, outside the spinlock: the migration may sleep.
	if (m_cpu >= 0) {
		if (!kp_task_set_cpu(kp_current(), m_cpu))
			w.m_bind_gen = gen;
		return;
	}
	// Unbound: the cpumask knob; the mutex keeps the mask stable.
	MutexGuard stable(m_attrs_mutex);
	if (!kp_task_set_mask(kp_current(), m_cpumask))
		w.m_bind_gen = gen;
}

Result<void> Pool::set_cpumask(const char *buf, size_t len)
{
	kp::might_sleep();
	if (m_cpu >= 0)
		return err(-EINVAL); // a bound pool's CPU is fixed
	void *mask = kp_cpumask_alloc();
	if (!mask)
		return err(-ENOMEM);
	int ret = kp_cpumask_parse(buf, len, mask);
	if (!ret && !kp_cpumask_has_online(mask))
		ret = -EINVAL; // empty, or only offline CPUs
	if (!ret) {
		MutexGuard serialise(m_attrs_mutex);
		kp_cpumask_copy(m_cpumask, mask);
		m_cm.set_target(kp_cpumask_nr_online(m_cpumask));
		{
			HoldIrq guard(*this);
			m_bind_gen++;
		}
		// Free workers move at once, running ones after their job.
		kick_free_workers();
	}
	kp_cpumask_free(mask);
	if (ret)
		return err(ret < 0 ? ret : -EINVAL);
	return {};
}

long Pool::show_cpumask(char *buf, size_t size)
{
	MutexGuard stable(m_attrs_mutex);
	return kp_cpumask_print(buf, size, m_cpumask);
}

int Pool::cpu_offline(unsigned int cpu)
{
	if (int(cpu) != m_cpu)
		return 0;
	{
		HoldIrq guard(*this);
		m_cpu_offline = true;
		kick_manager_if_needed_locked();
	}
	// Free workers are taken off the free lists, one per hold of the lock,
	// so no work reaches them, then parked. Running ones finish their job
	// elsewhere (the scheduler moves them) and rebind when the CPU is back.
	for (;;) {
		HoldIrq guard(*this);
		Worker *w = pop_free_locked();
		if (!w)
			break;
		w->m_on_hp = true;
		m_hp_parked.push_back(*w);
		kick_manager_if_needed_locked();
	}
	// The list changes only in hotplug callbacks and destroy(), which
	// removes the hotplug instance (waiting for callbacks) first.
	m_hp_parked.for_each([this](Worker &w) {
		kp_kthread_park(w.m_task);
		kp_trace_thread(KP_TRACE_PARK, m_name, w.m_pid);
	});
	return 0;
}

int Pool::cpu_online(unsigned int cpu)
{
	if (int(cpu) != m_cpu)
		return 0;
	{
		HoldIrq guard(*this);
		m_cpu_offline = false;
		m_bind_gen++;
	}
	// Free workers (created while the CPU was down) rebind at once, running
	// ones after their job.
	kick_free_workers();
	while (Worker *w = take_hp_parked()) {
		kp_kthread_unpark(w->m_task);
		kp_trace_thread(KP_TRACE_UNPARK, m_name, w->m_pid);
	}
	return 0;
}

bool Pool::is_cpu_offline()
{
	HoldIrqSave guard(*this);
	return m_cpu_offline;
}

// One worker off m_hp_parked, under the lock: once m_on_hp is clear the worker
// may use the free lists again (after its unpark).
Worker *Pool::take_hp_parked()
{
	HoldIrq guard(*this);
	Worker *w = m_hp_parked.pop_front();
	if (w)
		w->m_on_hp = false;
	return w;
}

} // namespace kp

extern "C" int kp_pool_cpu_online(void *pool, unsigned int cpu)
{
	return static_cast<kp::Pool *>(pool)->cpu_online(cpu);
}

extern "C" int kp_pool_cpu_offline(void *pool, unsigned int cpu)
{
	return static_cast<kp::Pool *>(pool)->cpu_offline(cpu);
}
