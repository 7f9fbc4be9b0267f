// SPDX-License-Identifier: GPL-2.0
// Completion: a one-shot (or reinitialised) event. Waits sleep in TASK_IDLE
// or in one-second steps, so long waits never look like hung tasks.
#pragma once

#include "base/types.h"
#include "generated/kp_layout.h"
#include "shim/shim.h"

namespace kp {

class Completion {
public:
	constexpr Completion() = default;
	KP_PINNED(Completion);

	void init() { kp_completion_init(m_raw); }
	void reinit() { kp_completion_reinit(m_raw); }
	// Context: any.
	void complete() { kp_complete(m_raw); }
	void complete_all() { kp_complete_all(m_raw); }
	bool is_done() { return kp_completion_done(m_raw); }
	// Context: process context, may sleep.
	void wait() { kp_completion_wait(m_raw); }
	// Context: process context, may sleep. Returns true if completed in time.
	bool wait_ms(unsigned int ms)
	{
		return kp_completion_wait_timeout(m_raw, kp_msecs_to_jiffies(ms)) != 0;
	}

private:
	alignas(KP_ALIGNOF_COMPLETION) unsigned char m_raw[KP_SIZEOF_COMPLETION] = {};
};

} // namespace kp
