// SPDX-License-Identifier: GPL-2.0
/* KUnit registration of suite kpool_cxx_api (the cases are C++, in
 * cxx_api_test.cpp: KUnit's macros need the kernel's C headers).
 */
#include <kunit/test.h>
#include "cxx_api_test.h"

#define KP_CXX_API_CASE(name) KUNIT_CASE(kp_cxx_api_##name),
/* clang-format off */
static struct kunit_case kp_cxx_api_cases[] = {
	KP_CXX_API_CASES(KP_CXX_API_CASE)
	{},
};

/* clang-format on */

static struct kunit_suite kp_cxx_api_suite = {
	.name = "kpool_cxx_api",
	.test_cases = kp_cxx_api_cases,
};

kunit_test_suites(&kp_cxx_api_suite);
