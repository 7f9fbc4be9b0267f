// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated DMA engine of kpool_xpc: the "pull" xpnet does from a remote
 * partition's memory. A transfer is a descriptor whose completion is an
 * hrtimer firing after a latency drawn from the configured distribution
 * (a base latency, a share of slow transfers, a share that outlive the
 * timeout). The caller sleeps in TASK_IDLE (no hung-task report, no load
 * average) until the transfer completes, is aborted, or times out.
 *
 * Lifetime: a descriptor holds one reference for its waiter and one for its
 * armed timer. A completion arriving after the waiter timed out ("late") finds
 * the descriptor alive through its own reference, loses the state race and
 * touches neither source nor destination: only the winner of the PENDING
 * transition copies, and the waiter returns only once a final state is set.
 */
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include "xpc.h"

enum { XH_D_PENDING, XH_D_COPYING, XH_D_DONE, XH_D_ABORTED, XH_D_TIMEDOUT };

struct xh_dma_desc {
	struct kref ref;
	struct hrtimer timer;
	struct list_head node; /* on dma->all until freed */
	struct xh_dma *dma;
	atomic_t state;
	int partid, ch;
	void *dst;
	const void *src;
	size_t len;
	wait_queue_head_t wq;
};

static bool xh_dma_final(int state)
{
	return state == XH_D_DONE || state == XH_D_ABORTED || state == XH_D_TIMEDOUT;
}

static void xh_dma_release(struct kref *ref)
{
	struct xh_dma_desc *d = container_of(ref, struct xh_dma_desc, ref);
	unsigned long flags;

	spin_lock_irqsave(&d->dma->lock, flags);
	list_del(&d->node);
	spin_unlock_irqrestore(&d->dma->lock, flags);
	kfree(d);
}

static enum hrtimer_restart xh_dma_fire(struct hrtimer *timer)
{
	struct xh_dma_desc *d = container_of(timer, struct xh_dma_desc, timer);
	int old = atomic_cmpxchg(&d->state, XH_D_PENDING, XH_D_COPYING);

	if (old == XH_D_PENDING) {
		memcpy(d->dst, d->src, d->len);
		atomic_set_release(&d->state, XH_D_DONE);
		wake_up(&d->wq);
	} else if (old == XH_D_TIMEDOUT) {
		atomic_long_inc(&d->dma->nr_late);
	}
	kref_put(&d->ref, xh_dma_release);
	return HRTIMER_NORESTART;
}

int xh_dma_init(struct xh_dma *dma)
{
	spin_lock_init(&dma->lock);
	INIT_LIST_HEAD(&dma->all);
	bitmap_zero(dma->lost, XH_MAX_PARTITIONS);
	bitmap_zero(dma->aborted, XH_MAX_PAIRS);
	dma->stall_part = -1;
	return 0;
}

static u64 xh_dma_latency_ns(struct xh_dma *dma)
{
	u32 r = get_random_u32_below(100);
	u64 base = (u64)dma->lat_us * NSEC_PER_USEC;

	if (r < dma->timeout_pct) /* completes, but long after the timeout */
		return 2ull * dma->timeout_ms * NSEC_PER_MSEC;
	if (r < dma->timeout_pct + dma->slow_pct) {
		atomic_long_inc(&dma->nr_slow);
		return (u64)dma->slow_ms * NSEC_PER_MSEC;
	}
	/* A little jitter around the base latency: base/2 .. 3*base/2. */
	return base / 2 + (base ? get_random_u64() % (base + 1) : 0);
}

int xh_dma_pull(struct xh_dma *dma, int partid, int ch, void *dst, const void *src, size_t len)
{
	struct xh_dma_desc *d;
	long left;
	int state, ret, w;

	might_sleep();
	if (test_bit(partid, dma->lost)) {
		atomic_long_inc(&dma->nr_failed);
		return -EHOSTDOWN;
	}
	if (test_bit(partid * XH_MAX_CHANNELS + ch, dma->aborted)) {
		atomic_long_inc(&dma->nr_aborted);
		return -ECONNABORTED;
	}
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	kref_init(&d->ref);
	d->dma = dma;
	d->partid = partid;
	d->ch = ch;
	d->dst = dst;
	d->src = src;
	d->len = len;
	atomic_set(&d->state, XH_D_PENDING);
	init_waitqueue_head(&d->wq);
	/* Not a _HARD timer: the completion wakes a wait queue and may free the
	 * descriptor, which PREEMPT_RT allows only in its softirq thread.
	 */
	hrtimer_init(&d->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	d->timer.function = xh_dma_fire;

	spin_lock_irq(&dma->lock);
	list_add_tail(&d->node, &dma->all);
	spin_unlock_irq(&dma->lock);
	if (READ_ONCE(dma->stall_part) != partid) {
		kref_get(&d->ref); /* the timer's */
		hrtimer_start(&d->timer, ns_to_ktime(xh_dma_latency_ns(dma)),
			      HRTIMER_MODE_REL);
	}
	/* Re-check after publishing: an abort of @partid that ran before the
	 * descriptor was on the list must not leave it waiting for the timeout.
	 */
	if (test_bit(partid, dma->lost) || test_bit(partid * XH_MAX_CHANNELS + ch, dma->aborted))
		atomic_cmpxchg(&d->state, XH_D_PENDING, XH_D_ABORTED);

	w = atomic_inc_return(&dma->nr_waiting);
	for (int p = atomic_read(&dma->peak_waiting); w > p; p = atomic_read(&dma->peak_waiting))
		if (atomic_try_cmpxchg(&dma->peak_waiting, &p, w))
			break;

	left = wait_event_idle_timeout(d->wq, xh_dma_final(atomic_read(&d->state)),
				       msecs_to_jiffies(dma->timeout_ms));
	if (!left && atomic_cmpxchg(&d->state, XH_D_PENDING, XH_D_TIMEDOUT) != XH_D_PENDING) {
		/* The completion won the race and is copying: a short wait. */
		wait_event_idle(d->wq, xh_dma_final(atomic_read(&d->state)));
	}
	atomic_dec(&dma->nr_waiting);

	state = atomic_read_acquire(&d->state);
	switch (state) {
	case XH_D_DONE:
		atomic_long_inc(&dma->nr_ok);
		ret = 0;
		break;
	case XH_D_TIMEDOUT:
		atomic_long_inc(&dma->nr_timeouts);
		ret = -ETIMEDOUT;
		break;
	default:
		atomic_long_inc(&dma->nr_aborted);
		ret = -ECONNABORTED;
		break;
	}
	kref_put(&d->ref, xh_dma_release);
	return ret;
}

void xh_dma_abort(struct xh_dma *dma, int partid, int ch)
{
	struct xh_dma_desc *d;
	unsigned long flags;
	int c;

	for (c = 0; c < XH_MAX_CHANNELS; c++)
		if (ch < 0 || c == ch)
			set_bit(partid * XH_MAX_CHANNELS + c, dma->aborted);
	/* Set before the walk: a transfer published after it sees the bit. */
	smp_mb__after_atomic();
	spin_lock_irqsave(&dma->lock, flags);
	list_for_each_entry(d, &dma->all, node) {
		if (d->partid != partid || (ch >= 0 && d->ch != ch))
			continue;
		if (atomic_cmpxchg(&d->state, XH_D_PENDING, XH_D_ABORTED) == XH_D_PENDING)
			wake_up(&d->wq);
	}
	spin_unlock_irqrestore(&dma->lock, flags);
}

void xh_dma_reset(struct xh_dma *dma, int partid, int ch)
{
	clear_bit(partid * XH_MAX_CHANNELS + ch, dma->aborted);
}

void xh_dma_exit(struct xh_dma *dma)
{
	struct xh_dma_desc *d;

	/* Waiters are gone (the run quiesced); what is left are armed timers
	 * of late transfers. Cancel each; a timer that already ran dropped its
	 * own reference.
	 */
	for (;;) {
		bool got = false;

		spin_lock_irq(&dma->lock);
		if (list_empty(&dma->all)) {
			spin_unlock_irq(&dma->lock);
			break;
		}
		d = list_first_entry(&dma->all, struct xh_dma_desc, node);
		got = kref_get_unless_zero(&d->ref);
		spin_unlock_irq(&dma->lock);
		if (!got) {
			cond_resched(); /* being freed right now */
			continue;
		}
		if (hrtimer_cancel(&d->timer))
			kref_put(&d->ref, xh_dma_release); /* the timer's */
		kref_put(&d->ref, xh_dma_release);
	}
}
