// SPDX-License-Identifier: GPL-2.0
// Assertions and logging for kpool's C++, mapped onto the kernel's.
// KP_WARN_ON_ONCE(cond) prints one WARNING with a backtrace per call site and
// evaluates to cond, like WARN_ON_ONCE(). kp::might_sleep() is might_sleep().
#pragma once

#include "shim/shim.h"

#define KP_WARN_ON_ONCE(cond)                                                   \
	({                                                                      \
		static bool _kp_warned;                                         \
		bool _kp_cond = !!(cond);                                       \
		if (__builtin_expect(_kp_cond && !_kp_warned, 0)) {             \
			_kp_warned = true;                                      \
			kp_warn(__FILE__, __LINE__, "WARN_ON_ONCE(" #cond ")"); \
		}                                                               \
		_kp_cond;                                                       \
	})

#define KP_LOG_ERR(...) kp_log(KP_LOG_ERR, __VA_ARGS__)
#define KP_LOG_WARN(...) kp_log(KP_LOG_WARNING, __VA_ARGS__)
#define KP_LOG_INFO(...) kp_log(KP_LOG_INFO, __VA_ARGS__)

namespace kp {

inline void might_sleep()
{
	kp_might_sleep();
}

} // namespace kp
