/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bridge between KUnit (C macros) and kpool's C++ test bodies. C++ test
 * cases are extern "C" functions taking the struct kunit; they report through
 * the KP_EXPECT/KP_ASSERT macros, which call into kp_kunit_shim.c. KP_ASSERT
 * returns from the test function (so destructors run), unlike KUNIT_ASSERT,
 * whose abort would skip them.
 */
#ifndef KPOOL_KUNIT_TEST_H
#define KPOOL_KUNIT_TEST_H

#ifdef __cplusplus
extern "C" {
#endif

struct kunit;

void kp_kunit_fail(struct kunit *test, const char *file, int line, const char *what);
void kp_kunit_skip(struct kunit *test, const char *reason);

/* What the base tests look at (kp_kunit_shim.c): the IRQ state and whether a
 * raw lock (the storage inside kp::SpinLock, kp::Mutex) is held.
 */
int kp_test_irqs_disabled(void);
unsigned long kp_test_local_irq_save(void);
void kp_test_local_irq_restore(unsigned long flags);
int kp_test_spin_is_locked(const void *raw);
int kp_test_mutex_is_locked(const void *raw);

#define KP_TEST_CASES(X)                 \
	X(result_value_roundtrip)        \
	X(result_error_keeps_errno)      \
	X(result_try_propagates_error)   \
	X(result_try_yields_value)       \
	X(own_ptr_deletes_on_scope_exit) \
	X(own_ptr_move_transfers)        \
	X(make_own_alloc_failure)        \
	X(new_gfp_alloc_failure)         \
	X(spin_guard_releases)           \
	X(spin_guard_irqsave_restores)   \
	X(mutex_guard_releases)          \
	X(list_push_pop_order)           \
	X(list_remove_middle)            \
	X(atomic_ops)

#define KP_DECLARE_CASE(name) void kp_base_##name(struct kunit *test);
KP_TEST_CASES(KP_DECLARE_CASE)
#undef KP_DECLARE_CASE

#ifdef __cplusplus
}

#define KP_EXPECT(test, cond)                                                       \
	do {                                                                        \
		if (!(cond))                                                        \
			kp_kunit_fail(test, __FILE__, __LINE__, "expected " #cond); \
	} while (0)

#define KP_ASSERT(test, cond)                                                        \
	do {                                                                         \
		if (!(cond)) {                                                       \
			kp_kunit_fail(test, __FILE__, __LINE__, "assertion " #cond); \
			return;                                                      \
		}                                                                    \
	} while (0)
#endif

#endif
