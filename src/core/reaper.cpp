// SPDX-License-Identifier: GPL-2.0
// The per-CPU reaper: see reaper.h.
#include "core/reaper.h"
#include "core/worker.h"
#include "core/work_queue.h"
#include "base/spin_lock.h"
#include "base/debug.h"

namespace kp::reaper {

namespace {

struct CpuReaper {
	KP_PINNED(CpuReaper);
	CpuReaper() = default;
	SpinLock lock;
	Worker *head = nullptr; // L: lock
	WorkItem work;
};

constinit LockClass g_reaper_lock_class("kpool_reaper_lock");
// I: set in init(), read-only until exit().
constinit WorkQueue *g_wq = nullptr;
constinit CpuReaper *g_cpus = nullptr;
constinit unsigned int g_nr_cpus = 0;

void reap_cpu(void *owner)
{
	auto *r = static_cast<CpuReaper *>(owner);
	Worker *list;
	{
		SpinGuardIrqSave guard(r->lock);
		list = exchange(r->head, static_cast<Worker *>(nullptr));
	}
	while (list) {
		Worker *w = list;
		list = w->m_reap_next;
		// The thread returned right after pushing itself; the stop only
		// waits for its exit and drops the reference.
		w->m_thread.stop();
		w->m_pool->worker_reaped(w);
	}
}

} // namespace

Result<void> init()
{
	g_nr_cpus = kp_nr_cpu_ids();
	auto wq = KP_TRY(WorkQueue::create("kpool_reaper", WorkQueue::MemReclaim));
	auto *cpus = new (Gfp::Kernel) CpuReaper[g_nr_cpus];
	if (!cpus)
		return err(-ENOMEM);
	for (unsigned int i = 0; i < g_nr_cpus; i++) {
		cpus[i].lock.init(g_reaper_lock_class);
		cpus[i].work.init(reap_cpu, &cpus[i]);
	}
	g_cpus = cpus;
	g_wq = wq.leak();
	return {};
}

void push(Worker *w)
{
	unsigned int cpu = kp_raw_cpu();
	CpuReaper &r = g_cpus[cpu];
	{
		SpinGuardIrqSave guard(r.lock);
		w->m_reap_next = r.head;
		r.head = w;
	}
	r.work.queue_on(*g_wq, cpu);
}

void flush()
{
	for (unsigned int i = 0; i < g_nr_cpus; i++)
		g_cpus[i].work.flush();
}

void exit()
{
	if (!g_wq)
		return;
	flush();
	delete[] g_cpus;
	g_cpus = nullptr;
	delete exchange(g_wq, static_cast<WorkQueue *>(nullptr));
}

} // namespace kp::reaper
