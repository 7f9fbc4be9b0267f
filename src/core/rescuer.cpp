// SPDX-License-Identifier: GPL-2.0
// The rescuer of a KPOOL_MEM_RECLAIM pool (cmwq's mayday/rescuer): one thread,
// created with the pool, so the pool makes progress when no thread can be
// created. The manager calls mayday when a creation fails; while the mayday
// holds (until a creation succeeds) the rescuer takes queued jobs one at a
// time and runs them as a worker would: it is a Worker, off every free list
// and not counted in nr_threads, so non-reentrancy, keys, domains, chained
// work and self-wait checks hold for its jobs as for any worker's.
#include "core/pool.h"
#include "core/worker.h"
#include "base/debug.h"

namespace kp {

namespace {

// While a mayday holds, the rescuer looks for work this often: submitters
// wake free workers and the manager, not it (the queue path stays as it is).
constexpr unsigned int kMaydayPollMs = 10;

} // namespace

extern "C" int kp_rescuer_main(void *arg);
extern "C" int kp_rescuer_main(void *arg)
{
	auto *w = static_cast<Worker *>(arg);
	return w->m_pool->rescuer_main(*w);
}

Result<void> Pool::rescuer_create()
{
	auto *w = new (Gfp::Kernel) Worker(this);
	if (!w)
		return err(-ENOMEM);
	char name[KPOOL_NAME_MAX + 12];
	kp_snprintf(name, sizeof(name), "kpool_rsc/%s", m_name);
	if (auto r = create_thread(*w, name, kp_rescuer_main); r.is_error()) {
		delete w;
		return r.error();
	}
	m_rescuer = w;
	w->m_thread.wake();
	return {};
}

// Context: process, may sleep. The job the rescuer runs, if any, finishes
// first; what is left queued is the pool's (destroy() runs it).
void Pool::rescuer_stop()
{
	Worker *w = exchange(m_rescuer, static_cast<Worker *>(nullptr));
	if (!w)
		return;
	w->m_thread.stop();
	delete w;
}

void Pool::mayday_locked()
{
	m_lock.assert_held();
	if (!m_rescuer)
		return;
	m_mayday = true;
	if (m_jobs.front() || inbox_pending())
		wake_locked(m_rescuer->m_task);
}

void Pool::mayday_end_locked()
{
	m_lock.assert_held();
	m_mayday = false;
}

int Pool::rescuer_main(Worker &w)
{
	for (;;) {
		kpool_job *job = nullptr;
		bool polling = false;
		Started started = {};
		{
			HoldIrq guard(*this);
			if (m_mayday && !KThread::should_stop())
				job = take_job_locked_raw();
			if (job) {
				start_job_locked(w, job, started);
				m_nr_running++;
			} else {
				polling = m_mayday;
				// Set under the lock: a wake-up after the unlock is kept.
				kp_set_current_state(KP_TASK_IDLE);
			}
		}
		if (!job) {
			if (KThread::should_stop()) {
				kp_set_current_state(KP_TASK_RUNNING);
				return 0;
			}
			if (polling)
				kp_schedule_timeout(kp_msecs_to_jiffies(kMaydayPollMs));
			else
				kp_schedule();
			kp_set_current_state(KP_TASK_RUNNING);
			continue;
		}
		record_start(started.queued_ns);
		run_job(w, started);
		kp_cond_resched();
	}
}

} // namespace kp
