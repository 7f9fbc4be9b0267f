// SPDX-License-Identifier: GPL-2.0
// Concurrency: how many of a pool's workers are runnable, and the wake-up,
// growth and stall rules built on that count (cmwq's concurrency management,
// from a module).
//
// A worker counts as runnable while it runs a job or is between jobs
// (active), unless it is inside kpool_block_begin/end or, where the kernel
// has preempt notifiers, scheduled out asleep. Free workers and workers
// running a quick thread (a dedicated thread by contract) never count.
//
// The rules (Pool applies them under its lock):
//  - wake:  a queued job wakes a free worker only while the workers that
//           are runnable plus those woken and on their way are fewer than
//           the target (the CPUs the pool may run on; 1 for a bound pool)
//           and than the jobs waiting; a worker that finishes a job takes
//           the next one itself;
//  - grow:  a new thread only while jobs wait, fewer workers are runnable
//           than the target, no worker is free or woken, and no creation is
//           in flight (for a bound pool: every worker blocked);
//  - stall: jobs waiting longer than stall_timeout_ms while no job was
//           started and no woken worker is on its way get one new thread
//           anyway (sleeps nobody announced on a kernel without preempt
//           notifiers; cmwq's mayday).
#pragma once

#include "base/atomic.h"
#include "base/result.h"
#include "generated/kp_layout.h"
#include "shim/shim.h"

namespace kp {

class Worker;

// A worker's part, embedded in Worker. Legend: W: the worker itself, in task
// context under the pool lock (interrupts off, so never interleaved with its
// scheduler hooks) or in its own scheduler hooks.
class WorkerCm {
public:
	constexpr WorkerCm() = default;
	KP_PINNED(WorkerCm);

	// Preempt notifier storage; the scheduler hooks get its address back.
	// First member of a standard-layout struct, so the address converts to
	// the Hook and back.
	struct Hook {
		alignas(KP_ALIGNOF_PREEMPT_NOTIFIER) unsigned char pn[KP_SIZEOF_PREEMPT_NOTIFIER] =
			{};
		Worker *worker = nullptr;
	};
	Hook m_hook;			// I: worker set at creation
	bool m_active = false;		// W: running a job or between jobs
	unsigned int m_block_depth = 0; // W: nesting of kpool_block_begin/end
	bool m_sleeping = false;	// W: scheduled out asleep (notifier)
	bool m_counted = false;		// W: included in the pool's nr_runnable
};

class Concurrency {
public:
	constexpr Concurrency() = default;
	KP_PINNED(Concurrency);
	~Concurrency();

	// Context: process. @owner is the Pool. -ENOMEM.
	Result<void> init(void *owner, unsigned int target);
	// Stops the irq_work and the stall timer, waiting for a running
	// callback; the destructor does it too. Context: process, may sleep.
	void shutdown();

	static constexpr unsigned int kStallMinMs = 10;
	static constexpr unsigned int kStallMaxMs = 1000;
	static constexpr unsigned int kStallDefaultMs = 20;

	// ---- the count (Context: the worker itself, under the pool lock) ----
	// Each returns the change of nr_runnable: -1, 0 or +1.
	int set_active_locked(WorkerCm &w, bool active);
	int block_begin_locked(WorkerCm &w);
	int block_end_locked(WorkerCm &w);
	// A job returned inside kpool_block_begin/end: the depth is dropped.
	int clear_block_locked(WorkerCm &w);
	// The scheduler hooks (runqueue lock held, interrupts off).
	// @has_claims: the worker has claimed jobs (core/worker.cpp, "claims").
	void sched_out_sleeping(WorkerCm &w, bool has_claims);
	void sched_in(WorkerCm &w);

	unsigned int nr_runnable() const
	{
		int n = m_nr_runnable.load_relaxed();
		return n > 0 ? n : 0;
	}
	unsigned int target() const { return m_target.load_relaxed(); }
	// Context: process (the cpumask changed).
	void set_target(unsigned int target) { m_target.store_relaxed(target ? target : 1); }

	// ---- jobs waiting (a mirror of the pool's runnable job queue) ----
	// Context: under the pool lock (the only writer).
	void job_queued_locked()
	{
		m_jobs_waiting.store_relaxed(m_jobs_waiting.load_relaxed() + 1);
	}
	void job_unqueued_locked(unsigned int n = 1)
	{
		m_jobs_waiting.store_relaxed(m_jobs_waiting.load_relaxed() - n);
	}
	unsigned int jobs_waiting() const { return m_jobs_waiting.load_relaxed(); }
	// A job was taken by a worker (the stall timer's sign of progress).
	void job_started_locked() { m_started++; }

	// ---- the rules (under the pool lock) ----
	// @woken: free workers woken and not yet running.
	bool should_wake_locked(unsigned int woken) const;
	// @free: workers on the free lists; @in_flight: threads being created
	// or not yet in their loop.
	bool should_grow_locked(unsigned int free, unsigned int woken,
				unsigned int in_flight) const;
	// Called at each creation: a stall is answered.
	void grow_started_locked(unsigned int in_flight);
	// A stall answered by waking a free worker instead.
	void stall_answered_locked() { m_stalled = false; }
	unsigned int max_in_flight() const { return m_max_in_flight; }

	// ---- the stall timer (under the pool lock) ----
	// Arms it if jobs wait and it is not armed. @oldest_ns: the oldest
	// waiting job's queue time.
	void arm_stall_locked();
	// The timer fired: true if the pool stalled (the caller wakes a free
	// worker or kicks the manager). @oldest_age_ns: how long the oldest job
	// has waited; @woken: free workers woken and not yet running (one on
	// its way is progress, not a stall).
	bool stall_check_locked(unsigned long long oldest_age_ns, unsigned int woken);
	void stop_stall_locked() { m_stall_stopped = true; }
	unsigned int stall_timeout_ms() const { return m_stall_ms.load_relaxed(); }
	// -ERANGE outside kStallMinMs..kStallMaxMs, nothing changed.
	Result<void> set_stall_timeout_ms(unsigned long ms);

	// The deferred wake-up (a hard irq_work running the pool's
	// kp_cm_irq_work()). Context: any.
	void kick()
	{
		if (m_events)
			kp_cm_events_kick(m_events);
	}

	// For kpool's own tests: turn the notifier's accounting or the stall
	// timer off for this pool. Context: any.
	void set_use_notifier(bool on) { m_use_notifier.store_relaxed(on); }
	bool uses_notifier() const { return m_use_notifier.load_relaxed(); }
	void set_use_stall(bool on) { m_use_stall.store_relaxed(on); }

private:
	int update(WorkerCm &w);

	// Legend: I: set in init(); A: atomic (written by the scheduler hooks
	// without the lock); L: the pool lock.
	void *m_events = nullptr;			  // I: kp_cm_events
	Atomic<int> m_nr_runnable{0};			  // A
	Atomic<unsigned int> m_target{1};		  // A: written under m_attrs_mutex
	Atomic<unsigned int> m_jobs_waiting{0};		  // A: written under L only
	Atomic<unsigned int> m_stall_ms{kStallDefaultMs}; // A: written under m_attrs_mutex
	Atomic<bool> m_use_notifier{true};		  // A
	Atomic<bool> m_use_stall{true};			  // A
	unsigned long m_started = 0;			  // L: jobs taken so far
	unsigned long m_started_at_arm = 0;		  // L
	bool m_stall_armed = false;			  // L
	bool m_stalled = false;				  // L: answered by one new thread
	bool m_stall_stopped = false;			  // L: the pool is going away
	unsigned int m_max_in_flight = 0;		  // L: most creations in flight for growth
};

} // namespace kp
