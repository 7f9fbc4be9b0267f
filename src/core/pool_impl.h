// SPDX-License-Identifier: GPL-2.0
// Internal to the engine: what the files implementing Pool (pool.cpp,
// pool_queue.cpp, pool_quick.cpp, worker.cpp, pool_hotplug.cpp, manager.cpp)
// share. Nothing else includes it. The model is in pool.h.
#pragma once

#include "core/pool.h"
#include "core/worker.h"

namespace kp {

// kpool_job.kp_state and kpool_thread.kp_state values. A job is pending
// while Queued (runnable), Waiting (behind its key's holder) or Deferred
// (queued again while it runs: it is queued for real when that instance
// returns). Canceling: kpool_cancel_sync() holds it, queueing is refused.
enum JobState : int {
	JobIdle = 0,
	JobQueued = 1,
	JobWaiting = 2,
	JobDeferred = 3,
	JobCanceling = 4,
	JobTimer = 5,	 // a delayed job whose timer is armed: pending too
	JobInactive = 6, // queued through a domain, waiting for max_active
	JobInbox = 7,	 // in the pool's inbox (lock-free), or being put there
	JobClaimed = 8,	 // claimed by a worker with the job it took (worker.cpp)
};
static_assert(JobIdle == Pool::JobStates::Idle && JobQueued == Pool::JobStates::Queued &&
	      JobWaiting == Pool::JobStates::Waiting && JobDeferred == Pool::JobStates::Deferred &&
	      JobCanceling == Pool::JobStates::Canceling && JobTimer == Pool::JobStates::Timer &&
	      JobInactive == Pool::JobStates::Inactive && JobInbox == Pool::JobStates::Inbox &&
	      JobClaimed == Pool::JobStates::Claimed);

inline kpool_delayed_job *delayed_of(kpool_job *job)
{
	return reinterpret_cast<kpool_delayed_job *>(reinterpret_cast<char *>(job) -
						     __builtin_offsetof(kpool_delayed_job, job));
}
enum QuickState : int { QuickIdle = 0, QuickQueued = 1, QuickRunning = 2, QuickDone = 3 };

template <typename T>
T read_once(const T &v)
{
	return __atomic_load_n(&v, __ATOMIC_RELAXED);
}
template <typename T>
void write_once(T &v, T x)
{
	__atomic_store_n(&v, x, __ATOMIC_RELAXED);
}

// The threads' entry points (worker.cpp, manager.cpp).
extern "C" int kp_worker_main(void *arg);
extern "C" int kp_manager_main(void *arg);

// The waits of every part (see "waiters" in pool_queue.cpp): a template, so
// defined where each of them sees it.
template <typename Pred>
void Pool::wait_until_locked(Pred done_locked)
{
	for (;;) {
		Waiter me;
		me.done.init();
		{
			HoldIrq guard(*this);
			// Said before looking, so a batch that finishes a job
			// without the lock either is seen by done_locked() or sees
			// us (run_claimed()).
			write_once(m_waiting, true);
			full_barrier();
			if (done_locked()) {
				if (m_waiters.is_empty())
					write_once(m_waiting, false);
				return;
			}
			m_waiters.push_back(me);
		}
		// The waker unlinked us and completed under m_lock; the lock taken
		// on the next round orders us after its complete(), so @me may go.
		me.done.wait();
	}
}

} // namespace kp
