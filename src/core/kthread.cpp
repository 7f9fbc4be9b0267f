// SPDX-License-Identifier: GPL-2.0
// KThread: see kthread.h.
#include "core/kthread.h"
#include "base/debug.h"

namespace kp {

extern "C" int kp_kthread_trampoline(void *data)
{
	auto *start = static_cast<KThread::Start *>(data);

	if (start->init) {
		int ret = start->init(start->arg);
		start->init_result = ret;
		// After complete() the creator may stop us; if init failed it will,
		// so wait for that instead of running fn.
		start->init_done.complete();
		if (ret) {
			while (!KThread::should_stop()) {
				kp_set_current_state(KP_TASK_IDLE);
				if (!KThread::should_stop())
					kp_schedule();
				kp_set_current_state(KP_TASK_RUNNING);
			}
			return ret;
		}
	}
	int ret = start->fn(start->arg);
	// The handle owns @start and holds a task reference, so this store is
	// safe even if the owner is about to stop us.
	start->exited.store_release(true);
	return ret;
}

Result<KThread> KThread::create(Fn fn, Fn init, void *arg, const char *name, Wait wait, int cpu)
{
	kp::might_sleep();
	if (!fn || !name || (wait != Wait::ForInit && init))
		return err(-EINVAL);

	auto start = KP_TRY(make_own<Start>(Gfp::Kernel));
	start->fn = fn;
	start->init = init;
	start->arg = arg;
	start->init_done.init();

	KThread t;
	int ret;
	if (cpu >= 0)
		ret = kp_kthread_create_on_cpu(kp_kthread_trampoline, start.get(), cpu, name,
					       &t.m_task);
	else
		ret = kp_kthread_create(kp_kthread_trampoline, start.get(), -1, name, &t.m_task);
	if (ret)
		return err(ret);
	t.m_start = move(start);

	if (wait == Wait::NoStart)
		return t;
	kp_wake_up_process(t.m_task);
	if (wait == Wait::ForInit && init) {
		t.m_start->init_done.wait();
		if (int init_ret = t.m_start->init_result; init_ret) {
			t.stop();
			return err(init_ret < 0 ? init_ret : -EINVAL);
		}
	}
	return t;
}

KThread::KThread(KThread &&other)
	: m_task(exchange(other.m_task, static_cast<struct task_struct *>(nullptr))),
	  m_start(move(other.m_start))
{
}

KThread &KThread::operator=(KThread &&other)
{
	if (this != &other) {
		stop();
		m_task = exchange(other.m_task, static_cast<struct task_struct *>(nullptr));
		m_start = move(other.m_start);
	}
	return *this;
}

KThread::~KThread()
{
	stop();
}

int KThread::stop()
{
	if (!m_task)
		return -EINTR;
	// kthread_stop_put() also unparks a parked thread and drops the
	// reference taken at creation.
	int ret = kp_kthread_stop_put(exchange(m_task, static_cast<struct task_struct *>(nullptr)));
	m_start.reset();
	return ret;
}

int KThread::park()
{
	if (KP_WARN_ON_ONCE(!m_task))
		return -EINVAL;
	return kp_kthread_park(m_task);
}

void KThread::unpark()
{
	if (!KP_WARN_ON_ONCE(!m_task))
		kp_kthread_unpark(m_task);
}

void KThread::wake()
{
	if (!KP_WARN_ON_ONCE(!m_task))
		kp_wake_up_process(m_task);
}

} // namespace kp
