// SPDX-License-Identifier: GPL-2.0
/* KUnit reporting for the C++ test bodies (see kp_test.h). */
#include <kunit/test.h>
#include "kp_test.h"
#include "shim/shim.h"

void kp_kunit_fail(struct kunit *test, const char *file, int line, const char *what)
{
	KUNIT_FAIL(test, "%s:%d: %s", file, line, what);
}

void kp_kunit_skip(struct kunit *test, const char *reason)
{
	kunit_mark_skipped(test, "%s", reason);
}
