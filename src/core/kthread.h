// SPDX-License-Identifier: GPL-2.0
// KThread: an owned kernel thread (RAII over kthread_create/kthread_stop).
//
// The handle holds a reference on the task_struct from creation on, so stop()
// is safe at any time, also long after the thread function returned by itself:
// the task cannot be freed and reused while the handle lives. The destructor
// stops the thread and drops the reference; a moved-from handle is empty.
#pragma once

#include "base/own_ptr.h"
#include "base/completion.h"
#include "base/atomic.h"

namespace kp {

// The thread function of every KThread (its data is the KThread::Start).
extern "C" int kp_kthread_trampoline(void *data);

class KThread {
public:
	using Fn = int (*)(void *arg);

	enum class Wait { ForInit, NoWait, NoStart };

	// Creates a thread named @name that runs init(arg) (if non-null) and then
	// fn(arg). With Wait::ForInit, returns once init returned; a failed init
	// is a failed create with init's errno (the thread is then gone). With
	// Wait::NoWait, the thread is woken and the call returns at once (init
	// must be null); with Wait::NoStart it is not even woken: the caller
	// calls wake() once it has stored the handle. @cpu >= 0 binds the thread to that CPU.
	// Context: process context, may sleep (kthreadd round trip).
	static Result<KThread> create(Fn fn, Fn init, void *arg, const char *name,
				      Wait wait = Wait::ForInit, int cpu = -1);

	constexpr KThread() = default;
	KThread(KThread &&other);
	KThread &operator=(KThread &&other);
	KP_MOVE_ONLY(KThread);
	~KThread();

	// Stops the thread (unparks it if parked) and returns fn's result, or
	// -EINTR if fn never ran. Leaves the handle empty. Context: process, may sleep.
	int stop();
	// Context: process, may sleep.
	int park();
	void unpark();
	void wake();

	bool is_valid() const { return m_task != nullptr; }
	// True once fn returned by itself. Context: any.
	bool has_exited() const { return m_start && m_start->exited.load_acquire(); }
	struct task_struct *task() const { return m_task; }

	// For the running thread.
	static bool should_stop() { return kp_kthread_should_stop(); }
	static bool should_park() { return kp_kthread_should_park(); }
	static void parkme() { kp_kthread_parkme(); }

	// Start block shared with the new thread; owned by the handle so it
	// outlives the thread whether or not fn ever runs.
	struct Start {
		Fn fn = nullptr;
		Fn init = nullptr;
		void *arg = nullptr;
		int init_result = 0;
		Completion init_done;
		Atomic<bool> exited;
	};

private:
	struct task_struct *m_task = nullptr;
	OwnPtr<Start> m_start;
};

} // namespace kp
