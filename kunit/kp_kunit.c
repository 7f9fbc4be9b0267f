// SPDX-License-Identifier: GPL-2.0
/*
 * kpool_test.ko: kpool's KUnit suites. Loading the module runs them; the KTAP
 * report goes to the kernel log, where `make check` collects it.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include "kp_test.h"

#define KP_BASE_CASE(name) KUNIT_CASE(kp_base_##name),
static struct kunit_case kp_base_cases[] = {
	KP_TEST_CASES(KP_BASE_CASE)
	{}
};

static struct kunit_suite kp_base_suite = {
	.name = "kpool_base",
	.test_cases = kp_base_cases,
};

kunit_test_suites(&kp_base_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for kpool");
MODULE_IMPORT_NS(KPOOL_INTERNAL);
