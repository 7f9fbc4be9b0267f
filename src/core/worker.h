// SPDX-License-Identifier: GPL-2.0
// Worker: one thread of a Pool. Owned by its pool from creation until the
// reaper has stopped its thread (core/reaper.h), then deleted.
#pragma once

#include "core/pool.h"
#include "core/concurrency.h"

namespace kp {

class Worker : public ListNode<AllWorkersTag>, public ListNode<FreeWorkersTag> {
public:
	explicit Worker(Pool *pool) : m_pool(pool) { m_cm.m_hook.worker = this; }
	KP_PINNED(Worker);

	// Legend: I: set before the thread first runs; L: pool lock;
	// S: the worker thread itself; R: the reaper.
	Pool *const m_pool;		      // I
	KThread m_thread;		      // I, then R (stopped by the reaper)
	struct task_struct *m_task = nullptr; // I
	int m_pid = 0;			      // I: for tracing after the task is gone
	kpool_thread *m_quick = nullptr;      // L: quick thread handed to us
	kpool_job *m_cur_job = nullptr;	      // L: job running (identity only)
	Worker *m_busy_next = nullptr;	      // L: busy-hash chain (while m_cur_job)
	Worker **m_busy_pprev = nullptr;      // L: ...the link pointing at us
	kpool_job *m_requeue = nullptr;	      // L: m_cur_job, queued again while it runs
	kpool_job m_key_slot = {};	      // L: holds the key of a running ordered job
	kpool_job m_dom_slot = {};	      // L: stands in a domain for its running job
	bool m_on_parked = false;	      // L: which free list we are on
	bool m_on_hp = false;		      // L: on m_hp_parked (bound CPU down)
	bool m_woken = false;		      // L: taken off a free list and woken
	bool m_kicked = false;		      // L: ...to re-evaluate, not for work
	bool m_started = false;		      // L: has entered worker_main's loop
	bool m_fresh = true;		      // S: nothing run yet (cold start)
	bool m_cold_item = false;	// S: the item running waited for this thread's creation
	unsigned long m_idle_since = 0; // L: jiffies when we became free
	unsigned int m_kick_gen = 0;	// L: pool's m_kick_gen when we became free
	Worker *m_reap_next = nullptr;	// R: reaper list
	unsigned int m_bind_gen = 0;	// S: pool bind generation applied
	int m_nice = kNiceUnset;	// S: nice applied to our task
	WorkerCm m_cm;			// S: runnable accounting (core/concurrency.h)
	char m_comm[16] = {};		// I: our own comm, given back after a named quick thread
	static constexpr int kNiceUnset = 100; // outside -20..19: apply at the first loop
};

} // namespace kp
