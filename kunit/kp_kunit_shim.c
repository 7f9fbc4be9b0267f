// SPDX-License-Identifier: GPL-2.0
/* KUnit reporting for the C++ test bodies (see kp_test.h). */
#include <kunit/test.h>
#include <linux/irqflags.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
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

int kp_test_irqs_disabled(void)
{
	return irqs_disabled();
}

unsigned long kp_test_local_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

void kp_test_local_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
}

/* Held by someone: a trylock fails (and a successful one is undone). */
int kp_test_spin_is_locked(const void *raw)
{
	spinlock_t *lock = (spinlock_t *)raw;

	if (!spin_trylock(lock))
		return 1;
	spin_unlock(lock);
	return 0;
}

int kp_test_mutex_is_locked(const void *raw)
{
	return mutex_is_locked((struct mutex *)raw);
}
