// SPDX-License-Identifier: GPL-2.0
/* Shim: kernel timers (timer_list), for kpool's delayed jobs. */
#include <linux/timer.h>
#include <linux/build_bug.h>
#include <linux/processor.h>
#include <kpool/kpool.h>
#include "kp_compat.h"
#include "shim.h"
#include "kp_internal.h"

/* The timer lives in struct kpool_delayed_job's opaque storage. */
static_assert(sizeof(struct timer_list) <= sizeof(((struct kpool_delayed_job *)0)->kp_timer));
static_assert(__alignof__(struct timer_list) <= __alignof__(unsigned long));

void kp_timer_setup_irqsafe(void *timer, kp_timer_fn fn)
{
	timer_setup((struct timer_list *)timer, fn, TIMER_IRQSAFE);
}

void kp_timer_mod(void *timer, unsigned long expires)
{
	mod_timer((struct timer_list *)timer, expires);
}

int kp_timer_delete(void *timer)
{
	return timer_delete((struct timer_list *)timer);
}

int kp_timer_delete_sync(void *timer)
{
	return timer_delete_sync((struct timer_list *)timer);
}

void kp_cpu_relax(void)
{
	cpu_relax();
}
