// SPDX-License-Identifier: GPL-2.0
/*
 * kpool_test.ko: kpool's KUnit suites. Loading the module runs them; the KTAP
 * report goes to the kernel log, where `make check` collects it.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include "core/core.h"
#include "kp_test.h"

#define KP_BASE_CASE(name) KUNIT_CASE(kp_base_##name),
/* clang-format cannot see that the X-macro expands to a list. */
/* clang-format off */
static struct kunit_case kp_base_cases[] = {
	KP_TEST_CASES(KP_BASE_CASE)
	{},
};

/* clang-format on */

static struct kunit_suite kp_base_suite = {
	.name = "kpool_base",
	.test_cases = kp_base_cases,
};

#ifdef KPOOL_SELFTEST_DEFECTS
/* Only in the pipeline's self-test build (scripts/test-build): a broken test
 * that `make check` must report as failed. Never defined in a normal build.
 */
static void selftest_broken_case(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1, 2);
}

static struct kunit_case kp_selftest_cases[] = {
	KUNIT_CASE(selftest_broken_case),
	{},
};

static struct kunit_suite kp_selftest_suite = {
	.name = "kpool_selftest_broken",
	.test_cases = kp_selftest_cases,
};

kunit_test_suites(&kp_base_suite, &kp_selftest_suite);
#else
kunit_test_suites(&kp_base_suite);
#endif

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for kpool");
MODULE_VERSION(KPOOL_VERSION);
/* kpool.ko's internals, exported only to KUnit (src/shim/kp_internal.h). The
 * namespace is an identifier in 6.1 to 6.12; 6.13 made it a string literal
 * (src/shim/kp_compat.h refuses 6.13).
 */
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
