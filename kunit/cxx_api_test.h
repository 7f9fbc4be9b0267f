/* SPDX-License-Identifier: GPL-2.0 */
/* Suite kpool_cxx_api: the C++ header include/kpool/kpool.hpp (cases in
 * cxx_api_test.cpp, registered with KUnit in cxx_api_suite.c).
 */
#ifndef KPOOL_KUNIT_CXX_API_TEST_H
#define KPOOL_KUNIT_CXX_API_TEST_H

#ifdef __cplusplus
extern "C" {
#endif

struct kunit;

#define KP_CXX_API_CASES(X)                       \
	X(expected_failure_is_empty)              \
	X(pool_destructor_destroys)               \
	X(pool_move_leaves_source_empty)          \
	X(job_runs_member_function)               \
	X(job_runs_or_cancels_each_at_destroy)    \
	X(job_pending_cancel_sync_queue_result)   \
	X(quick_thread_destructor_stops)          \
	X(quick_thread_stop_returns_result)       \
	X(kthread_stop_after_exit_returns_result) \
	X(kthread_destructor_stops)               \
	X(block_scope_counts_blocked)             \
	X(domain_destructor_destroys)             \
	X(domain_mod_delayed_rearms)

#define KP_CXX_API_DECLARE(name) void kp_cxx_api_##name(struct kunit *test);
KP_CXX_API_CASES(KP_CXX_API_DECLARE)
#undef KP_CXX_API_DECLARE

#ifdef __cplusplus
}
#endif

#endif
