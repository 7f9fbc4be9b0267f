// SPDX-License-Identifier: GPL-2.0
// Pool, the manager (see pool.h for the model, pool.cpp for the other parts):
// when the pool needs another thread, and the manager thread that creates it
// in the background, with backoff on failure. This file explains orderings
// and races.
#include "core/pool_impl.h"

namespace kp {

namespace {

constexpr unsigned int kSpawnBackoffMinMs = 10;
constexpr unsigned int kSpawnBackoffMaxMs = 1000;

} // namespace

extern "C" int kp_manager_main(void *arg)
{
	return static_cast<Pool *>(arg)->manager_main();
}

// ---- the manager ------------------------------------------------------------------------

bool Pool::needs_spawn_locked() const
{
	if (m_dying)
		return false;
	// Threads parked for an offline CPU cannot serve: while it is down the
	// pool may exceed max_threads by their number.
	unsigned int total = m_nr_threads - m_hp_parked.size() + m_nr_spawning;
	if (total >= m_attrs.max_threads)
		return false;
	if (total < m_attrs.min_threads)
		return true;
	// Threads being created or not yet in their loop will be free soon.
	unsigned int coming = m_nr_spawning + m_nr_starting;
	if (m_parked.size() + coming < m_attrs.reserve)
		return true;
	unsigned int free = m_idle.size() + m_parked.size();
	// A quick thread is a thread of its own: one for each waiting that no
	// free, woken or coming thread will take.
	if (m_nr_quick_waiting > free + m_nr_woken + coming)
		return true;
	// Jobs: the concurrency rules, one creation at a time.
	return m_cm.should_grow_locked(free, m_nr_woken, coming);
}

void Pool::kick_manager_locked()
{
	// m_manager is stopped by destroy() after m_dying is set.
	if (!m_dying && m_manager.is_valid())
		wake_locked(m_manager.task());
}

void Pool::kick_manager_if_needed_locked()
{
	if (needs_spawn_locked())
		kick_manager_locked();
}

unsigned int Pool::max_growth_in_flight()
{
	HoldIrqSave guard(*this);
	return m_cm.max_in_flight();
}

Result<void> Pool::create_thread(Worker &w, const char *name, KThread::Fn main)
{
	// The comm kthread_create() gives it: the name, truncated.
	for (size_t i = 0; name[i] && i < sizeof(w.m_comm) - 1; i++)
		w.m_comm[i] = name[i];
	auto thread = KThread::create(main, nullptr, &w, name, KThread::Wait::NoStart);
	if (thread.is_error())
		return thread.error();
	w.m_thread = thread.release_value();
	w.m_task = w.m_thread.task();
	w.m_pid = kp_task_pid(w.m_task);
	return {};
}

Result<void> Pool::spawn_one()
{
	Worker *w = new (Gfp::Kernel) Worker(this);
	if (!w)
		return err(-ENOMEM);
	char name[32];
	unsigned int id = m_next_id++;
	kp_snprintf(name, sizeof(name), "kpool/%s:%u", m_name, id);
	if (auto r = create_thread(*w, name, kp_worker_main); r.is_error()) {
		delete w;
		return r.error();
	}
	bool bind = false;
	// Hotplug held off from the sample of m_cpu_offline to the bind, so the
	// thread is never bound to a CPU that is gone.
	kp_cpus_read_lock();
	{
		HoldIrq guard(*this);
		// The worker applies the pool's nice itself, at its first loop.
		m_all.push_back(*w);
		m_nr_threads++;
		m_nr_starting++;
		if (m_cpu >= 0 && !m_cpu_offline) {
			bind = true;
			w->m_bind_gen = m_bind_gen;
		}
		m_nr_live_tasks++;
	}
	// Not yet running, so binding cannot race with the worker.
	if (bind)
		kp_kthread_bind(w->m_task, m_cpu);
	kp_cpus_read_unlock();
	// An unbound worker applies the cpumask itself, at its first loop
	// (m_bind_gen is still 0 for it).
	kp_trace_thread(KP_TRACE_SPAWN, m_name, w->m_pid);
	w->m_thread.wake();
	return {};
}

int Pool::manager_main()
{
	unsigned int backoff_ms = kSpawnBackoffMinMs;
	while (!KThread::should_stop()) {
		bool spawn;
		{
			HoldIrq guard(*this);
			spawn = needs_spawn_locked();
			if (spawn) {
				m_nr_spawning++;
				m_cm.grow_started_locked(m_nr_spawning + m_nr_starting);
			} else
				kp_set_current_state(KP_TASK_IDLE);
		}
		if (!spawn) {
			if (!KThread::should_stop())
				kp_schedule();
			kp_set_current_state(KP_TASK_RUNNING);
			continue;
		}
		Result<void> r = spawn_one();
		{
			HoldIrq guard(*this);
			m_nr_spawning--;
		}
		if (!r.is_error()) {
			backoff_ms = kSpawnBackoffMinMs;
			HoldIrq guard(*this);
			mayday_end_locked();
			continue;
		}
		// The pool keeps serving with the threads it has (and its rescuer,
		// if it has one); retry later.
		{
			HoldIrq guard(*this);
			mayday_locked();
		}
		count(Event::SpawnFailure);
		kp_trace_spawn_failed(m_name, r.code());
		// Kicks from submitters do not shorten the backoff.
		unsigned long deadline = kp_jiffies() + kp_msecs_to_jiffies(backoff_ms);
		while (!KThread::should_stop() && long(kp_jiffies() - deadline) < 0) {
			kp_set_current_state(KP_TASK_IDLE);
			// One read of jiffies: a second one may be past the deadline.
			long left = long(deadline - kp_jiffies());
			kp_schedule_timeout(left > 0 ? left : 1);
			kp_set_current_state(KP_TASK_RUNNING);
		}
		backoff_ms = min(backoff_ms * 2, kSpawnBackoffMaxMs);
	}
	return 0;
}

} // namespace kp
