// SPDX-License-Identifier: GPL-2.0
// Pool, quick threads (see pool.h for the model, pool.cpp for the other
// parts): their queue, kpool_thread_run() and kpool_thread_stop(), and the
// run of one on a worker. This file explains orderings and races.
#include "core/pool_impl.h"
#include "base/debug.h"

namespace kp {

// ---- quick threads ------------------------------------------------------------------------

void Pool::push_quick_tail_locked(kpool_thread *t)
{
	m_quick.push_back(t);
	m_nr_quick_waiting++;
}

void Pool::unlink_quick_locked(kpool_thread *t)
{
	m_quick.unlink(t);
	m_nr_quick_waiting--;
}

kpool_thread *Pool::take_quick_locked()
{
	kpool_thread *t = m_quick.front();
	if (t) {
		unlink_quick_locked(t);
		m_nr_queued--;
	}
	return t;
}

Result<void> Pool::thread_run(kpool_thread &t, kpool_thread_fn fn, void *arg, const char *name)
{
	HoldIrqSave guard(*this);
	if (m_dying)
		return err(-ESHUTDOWN);
	if (t.kp_state == QuickQueued || t.kp_state == QuickRunning)
		return err(-EBUSY);
	// At most sizeof(kp_name) - 1 characters: O(1) under the lock.
	size_t n = 0;
	for (; name && name[n] && n < sizeof(t.kp_name) - 1; n++)
		t.kp_name[n] = name[n];
	t.kp_name[n] = '\0';
	t.kp_pool = reinterpret_cast<struct kpool *>(this);
	t.kp_fn = fn;
	t.kp_arg = arg;
	t.kp_result = 0;
	t.kp_stop = 0;
	t.kp_queued_ns = stamp();
	if (Worker *w = pop_free_locked()) {
		// The hand-off: one wake-up of a sleeping thread, nothing else.
		// What the worker would do under the lock before running @t is
		// done here, so it runs @t without taking the lock (worker_main()).
		t.kp_state = QuickRunning;
		t.kp_worker = w;
		m_quick_running.push_back(&t);
		m_nr_running++;
		count(Event::WarmHandoff);
		__atomic_store_n(&w->m_quick, &t, __ATOMIC_RELEASE);
		wake_locked(w->m_task);
		kick_manager_if_needed_locked();
		return {};
	}
	t.kp_state = QuickQueued;
	t.kp_worker = nullptr;
	push_quick_tail_locked(&t);
	m_nr_queued++;
	kick_manager_if_needed_locked();
	return {};
}

int Pool::thread_stop(kpool_thread &t)
{
	kp::might_sleep();
	{
		HoldIrq guard(*this);
		Worker *self = current_worker();
		if (self && self == t.kp_worker) {
			report_self_wait(SelfWait::ThreadStop, m_name);
			return -EDEADLK;
		}
		switch (t.kp_state) {
		case QuickQueued:
			unlink_quick_locked(&t);
			m_nr_queued--;
			t.kp_result = -EINTR;
			__atomic_store_n(&t.kp_state, int(QuickDone), __ATOMIC_RELEASE);
			wake_waiters_locked(); // drainers
			break;
		case QuickRunning:
			write_once(t.kp_stop, 1);
			if (auto *w = static_cast<Worker *>(t.kp_worker))
				wake_locked(w->m_task);
			break;
		case QuickIdle: return -EINVAL;
		default: break;
		}
	}
	// The worker sets QuickDone under the pool lock and never touches @t
	// afterwards, so once we see it @t is ours again.
	wait_until_locked([&] { return t.kp_state == QuickDone; });
	int ret = t.kp_result;
	t.kp_state = QuickIdle;
	return ret;
}

void Pool::run_quick(Worker &w, kpool_thread *t)
{
	// A stop asked before the function started is seen by its first
	// kpool_thread_should_stop(): a handed-off function always runs.
	// Named by its caller, it shows that name while it runs.
	bool named = t->kp_name[0];
	if (named)
		kp_current_set_comm(t->kp_name);
	int ret = t->kp_fn(t->kp_arg);
	if (named)
		kp_current_set_comm(w.m_comm);
	count(Event::Completed);
	HoldIrq guard(*this);
	clear_blocked_locked(w);
	t->kp_result = ret;
	m_quick_running.unlink(t);
	t->kp_worker = nullptr;
	w.m_quick = nullptr;
	m_nr_running--;
	// Release: a caller polling kpool_thread_is_done() sees fn's effects.
	__atomic_store_n(&t->kp_state, int(QuickDone), __ATOMIC_RELEASE);
	wake_waiters_locked(); // stoppers and drainers
}

} // namespace kp
