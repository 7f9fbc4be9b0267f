// SPDX-License-Identifier: GPL-2.0
// Worker: one thread of a Pool. Owned by its pool from creation until the
// reaper has stopped its thread (core/reaper.h), then deleted.
#pragma once

#include "core/pool.h"
#include "core/concurrency.h"

namespace kp {

// A job a worker runs or has claimed, in its pool's busy hash by the job's
// address (the identity only: the function may free the job). Record 0 of
// a worker is the job it took; records 1.. are the jobs it claimed with it
// (a batch, see "claims" in worker.cpp).
struct Busy {
	kpool_job *job = nullptr;     // L: the identity; nullptr once taken back
	kpool_job *slot = nullptr;    // A: the claimed job until someone takes it
	Busy *next = nullptr;	      // L: busy-hash chain
	Busy **pprev = nullptr;	      // L: ...the link pointing at us
	kpool_job *requeue = nullptr; // L: @job, queued again while it runs
	Worker *worker = nullptr;     // I
};

class Worker : public ListNode<AllWorkersTag>,
	       public ListNode<FreeWorkersTag>,
	       public ListNode<ClaimersTag> {
public:
	explicit Worker(Pool *pool) : m_pool(pool)
	{
		m_cm.m_hook.worker = this;
		for (Busy &b : m_batch)
			b.worker = this;
	}
	KP_PINNED(Worker);

	// Legend: I: set before the thread first runs; L: pool lock;
	// S: the worker thread itself; R: the reaper.
	Pool *const m_pool;		      // I
	KThread m_thread;		      // I, then R (stopped by the reaper)
	struct task_struct *m_task = nullptr; // I
	int m_pid = 0;			      // I: for tracing after the task is gone
	kpool_thread *m_quick = nullptr;      // L (read by us without it): quick thread
					      // handed to us (counted by thread_run()) or taken
	kpool_job *m_cur_job = nullptr;	      // S: job running (identity only)
	// The job taken (m_batch[0]) and claimed with it; see worker.cpp.
	static constexpr unsigned int kMaxBatch = 8;
	Busy m_batch[kMaxBatch];	// L (slots: A)
	unsigned int m_nr_batch = 0;	// L: records in use (m_batch[0] included)
	unsigned int m_batch_pos = 0;	// A (written by the worker): records done
	bool m_may_claim = false;	// S: its sleeps are seen (preempt notifiers)
	bool m_took_local = false;	// L: the last inbox take was this CPU's only
	kpool_job m_key_slot = {};	// L: holds the key of a running ordered job
	kpool_job m_dom_slot = {};	// L: stands in a domain for its running job
	bool m_on_parked = false;	// L: which free list we are on
	bool m_on_hp = false;		// L: on m_hp_parked (bound CPU down)
	bool m_woken = false;		// L: taken off a free list and woken
	bool m_kicked = false;		// L: ...to re-evaluate, not for work
	bool m_started = false;		// L: has entered worker_main's loop
	bool m_fresh = true;		// S: nothing run yet (cold start)
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
