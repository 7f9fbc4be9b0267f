// SPDX-License-Identifier: GPL-2.0
/*
 * kpool_xpc's partitions and channels: XPC's user API (connect, disconnect,
 * send, send_notify, received), the connect and disconnect handshakes, the
 * doorbell's hard-IRQ hand-off, and the two delivery modes (xpc.h).
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/jiffies.h>
#include <linux/hardirq.h>
#include <linux/delay.h>
#include "xpc.h"

static const char *const xh_reason_names[XH_NR_REASONS] = {
	[XH_SUCCESS] = "success",
	[XH_NOT_CONNECTED] = "not_connected",
	[XH_CONNECTED] = "connected",
	[XH_MSG_RECEIVED] = "msg_received",
	[XH_MSG_DELIVERED] = "msg_delivered",
	[XH_NO_WAIT] = "no_wait",
	[XH_TIMEOUT] = "timeout",
	[XH_INTERRUPTED] = "interrupted",
	[XH_INVALID_PARTID] = "invalid_partid",
	[XH_INVALID_CHANNEL] = "invalid_channel",
	[XH_PAYLOAD_TOO_BIG] = "payload_too_big",
	[XH_ALREADY_REGISTERED] = "already_registered",
	[XH_UNREGISTERING] = "unregistering",
	[XH_PARTITION_DOWN] = "partition_down",
	[XH_NO_HEARTBEAT] = "no_heartbeat",
	[XH_DISCONNECTING] = "disconnecting",
	[XH_DISCONNECTED] = "disconnected",
	[XH_NO_MEMORY] = "no_memory",
};

const char *xh_reason_name(enum xh_reason r)
{
	return (unsigned int)r < XH_NR_REASONS ? xh_reason_names[r] : "?";
}

void xh_violation(struct xh_run *run, const char *fmt, ...)
{
	struct xh_results *res = run->res;
	va_list args;

	if (atomic_long_inc_return(&res->violations) == 1) {
		va_start(args, fmt);
		vsnprintf(res->first_violation, sizeof(res->first_violation), fmt, args);
		va_end(args);
		pr_warn("kpool_xpc: invariant violated: %s\n", res->first_violation);
	}
}

/* Context: any, hard IRQ included (an swait queue takes a raw lock). */
static void xh_kick(struct xh_partition *part)
{
	set_bit(0, &part->chmgr_kick);
	swake_up_one(&part->chmgr_wq);
}

/* A channel with no connection and nothing in flight. */
static bool xh_ch_idle_locked(struct xh_channel *ch)
{
	return ch->flags == 0 || ch->flags == XH_C_DISCONNECTED;
}

static bool xh_ch_idle(struct xh_channel *ch)
{
	bool idle;

	spin_lock_irq(&ch->lock);
	idle = xh_ch_idle_locked(ch);
	spin_unlock_irq(&ch->lock);
	return idle;
}

/* Context: any. */
static void xh_callout(struct xh_channel *ch, enum xh_reason reason, void *data)
{
	struct xh_reg *reg = &ch->part->run->regs[ch->number];
	xh_channel_func func = READ_ONCE(reg->func);

	if (!func) {
		xh_violation(ch->part->run, "callout %s on unregistered channel %d/%d",
			     xh_reason_name(reason), ch->part->id, ch->number);
		return;
	}
	func(reason, ch->part->id, ch->number, data, reg->key);
}

/* Notify callbacks run in atomic context, as XPC's do. */
static void xh_notify(struct xh_channel *ch, xh_notify_func nf, void *key, enum xh_reason reason)
{
	if (!nf)
		return;
	atomic_long_inc(&ch->part->run->res->notified);
	preempt_disable();
	nf(reason, ch->part->id, ch->number, key);
	preempt_enable();
}

/* Return @m to the free list; hands its notify function to the caller. */
static xh_notify_func xh_msg_free_locked(struct xh_channel *ch, struct xh_msg *m, void **key)
{
	xh_notify_func nf = m->notify;

	*key = m->notify_key;
	m->notify = NULL;
	m->state = XH_M_FREE;
	list_del_init(&m->node);
	list_add_tail(&m->node, &ch->free);
	ch->n_used--;
	wake_up(&ch->slot_wq);
	return nf;
}

static enum xh_drop xh_drop_reason_locked(struct xh_channel *ch)
{
	return ch->reason == XH_PARTITION_DOWN || ch->reason == XH_NO_HEARTBEAT ?
		       XH_DROP_PARTITION_DOWN :
		       XH_DROP_DISCONNECT;
}

/* Drop an undelivered message, calling its notify function with the reason. */
static void xh_drop_unlock(struct xh_channel *ch, struct xh_msg *m, enum xh_drop why)
{
	enum xh_reason reason = ch->reason;
	xh_notify_func nf;
	void *key;

	atomic_long_inc(&ch->part->run->res->dropped[why]);
	nf = xh_msg_free_locked(ch, m, &key);
	spin_unlock_irq(&ch->lock);
	xh_notify(ch, nf, key, reason);
}

/* ---- delivery --------------------------------------------------------------------- */

static void xh_record_latency(struct xh_run *run, bool cold, u64 ns)
{
	struct xh_results *res = run->res;
	int i = atomic_inc_return(&res->nr_lat[cold]) - 1;

	if (i < res->lat_cap)
		res->lat[cold][i] = ns;
}

/* Make the xpMsgReceived callout for @m (handed to this thread). */
static void xh_deliver(struct xh_channel *ch, struct xh_msg *m, bool cold)
{
	struct xh_run *run = ch->part->run;
	u64 now = ktime_get_ns();
	u32 gen;

	spin_lock_irq(&ch->lock);
	atomic_dec(&ch->n_refs);
	if (ch->flags & XH_C_DISCONNECTING) {
		wake_up(&ch->quiesce_wq);
		xh_drop_unlock(ch, m, xh_drop_reason_locked(ch));
		return;
	}
	m->state = XH_M_DELIVERING;
	m->cold = cold;
	gen = m->gen;
	ch->n_in_callout++;
	spin_unlock_irq(&ch->lock);

	xh_record_latency(run, cold, now - m->t_irq_ns);
	atomic_long_inc(&run->res->delivered);
	xh_callout(ch, XH_MSG_RECEIVED, m->payload);

	spin_lock_irq(&ch->lock);
	ch->n_in_callout--;
	/* Acknowledged inside the callout, the slot may already carry a newer
	 * message: the generation tells.
	 */
	if (m->gen == gen && m->state == XH_M_DELIVERING)
		m->state = XH_M_DELIVERED;
	wake_up(&ch->quiesce_wq);
	spin_unlock_irq(&ch->lock);
}

static void xh_deliver_job(struct kpool_job *job)
{
	struct xh_msg *m = container_of(job, struct xh_msg, job);

	xh_deliver(m->ch, m, kpool_current_is_cold_start());
}

/* The pool was destroyed with the delivery still queued. */
static void xh_deliver_cancel(struct kpool_job *job)
{
	struct xh_msg *m = container_of(job, struct xh_msg, job);
	struct xh_channel *ch = m->ch;

	spin_lock_irq(&ch->lock);
	atomic_dec(&ch->n_refs);
	wake_up(&ch->quiesce_wq);
	xh_drop_unlock(ch, m, XH_DROP_CANCELLED);
}

/*
 * Hand every arrived message to a delivery thread. Called by the doorbell in
 * hard IRQ, and after the xpConnected callout for messages that arrived
 * before it. Only list moves, counts and raw-lock wake-ups (kpool_queue(),
 * swake_up_one()): no allocation, no sleeping, no spinlock_t.
 *
 * A message is marked handed and counted in n_refs before it is published to
 * a thread, which may run it on another CPU at once. The gate closes under
 * R before a disconnect drops what is left, so n_refs only falls after that.
 */
static void xh_handoff_irqlocked(struct xh_channel *ch, u64 now)
{
	struct xh_partition *part = ch->part;
	struct xh_run *run = part->run;
	struct xh_msg *m, *n;

	lockdep_assert_held(&ch->irq_lock);
	if (!ch->handoff_open)
		return;
	list_for_each_entry_safe(m, n, &ch->arrived, node) {
		m->t_irq_ns = now;
		m->state = XH_M_HANDED;
		atomic_inc(&ch->n_refs);
		if (run->mode == XH_MODE_KPOOL) {
			list_del_init(&m->node);
			if (kpool_domain_queue(part->dom, &m->job)) {
				xh_violation(run, "kpool_domain_queue refused a delivery on %d/%d",
					     part->id, ch->number);
				/* Stays arrived; dropped at disconnect. */
				m->state = XH_M_ARRIVED;
				atomic_dec(&ch->n_refs);
				list_add(&m->node, &ch->arrived);
				return;
			}
		} else {
			list_move_tail(&m->node, &ch->ready);
			/* XPC: wake one idle thread if there is one, else ask the
			 * channel manager for one. Each message wakes one more
			 * idle thread (XPC's exclusive wait), up to the idle count.
			 */
			if (ch->idle > 0) {
				swake_up_one(&ch->idle_wq);
			} else {
				ch->kthreads_needed++;
				xh_kick(part);
			}
		}
	}
}

/* The doorbell: a real hard-IRQ handler that only checks and hands off. */
static void xh_doorbell(struct irq_work *work)
{
	struct xh_partition *part = container_of(work, struct xh_partition, doorbell);
	u64 now = ktime_get_ns();
	int i;

	if (!in_hardirq())
		xh_violation(part->run, "doorbell outside hard IRQ");
	/* A partition that died abruptly serves nothing any more. */
	if (!READ_ONCE(part->remote_alive))
		return;
	for (i = 0; i < part->nr_channels; i++) {
		struct xh_channel *ch = &part->ch[i];

		raw_spin_lock(&ch->irq_lock);
		xh_handoff_irqlocked(ch, now);
		raw_spin_unlock(&ch->irq_lock);
	}
}

/* The xpConnected callout, made by a delivery thread before any message. */
static void xh_connected_callout(struct xh_channel *ch)
{
	spin_lock_irq(&ch->lock);
	if ((ch->flags & XH_C_DISCONNECTING) || (ch->flags & XH_C_CONNECTEDCALLOUT)) {
		spin_unlock_irq(&ch->lock);
		return;
	}
	ch->flags |= XH_C_CONNECTEDCALLOUT;
	ch->n_in_callout++;
	spin_unlock_irq(&ch->lock);

	atomic_long_inc(&ch->part->run->res->callouts_connected);
	xh_callout(ch, XH_CONNECTED, NULL);

	spin_lock_irq(&ch->lock);
	ch->n_in_callout--;
	ch->flags |= XH_C_CONNECTEDCALLOUT_MADE;
	/* Open the gate; messages that arrived before the callout are handed
	 * off now, and their clock starts now.
	 */
	raw_spin_lock(&ch->irq_lock);
	ch->handoff_open = !(ch->flags & XH_C_DISCONNECTING);
	xh_handoff_irqlocked(ch, ktime_get_ns());
	raw_spin_unlock(&ch->irq_lock);
	wake_up(&ch->quiesce_wq);
	spin_unlock_irq(&ch->lock);
}

static void xh_connect_job(struct kpool_job *job)
{
	struct xh_channel *ch = container_of(job, struct xh_channel, connect_job);

	xh_connected_callout(ch);
	spin_lock_irq(&ch->lock);
	atomic_dec(&ch->n_refs);
	wake_up(&ch->quiesce_wq);
	spin_unlock_irq(&ch->lock);
}

static void xh_connect_cancel(struct kpool_job *job)
{
	struct xh_channel *ch = container_of(job, struct xh_channel, connect_job);

	spin_lock_irq(&ch->lock);
	atomic_dec(&ch->n_refs);
	wake_up(&ch->quiesce_wq);
	spin_unlock_irq(&ch->lock);
}

/*
 * xpDisconnecting is made exactly once, only after xpConnected, by whoever
 * claims it first: in kpool mode the channel manager; in XPC mode an exiting
 * channel thread or a thread forked for it.
 */
static bool xh_claim_disconnecting_locked(struct xh_channel *ch)
{
	lockdep_assert_held(&ch->lock);
	if (!(ch->flags & XH_C_CONNECTEDCALLOUT_MADE) || (ch->flags & XH_C_DISCONNECTINGCALLOUT))
		return false;
	ch->flags |= XH_C_DISCONNECTINGCALLOUT;
	ch->n_in_callout++;
	return true;
}

static void xh_disconnecting_callout(struct xh_channel *ch)
{
	atomic_long_inc(&ch->part->run->res->callouts_disconnecting);
	xh_callout(ch, XH_DISCONNECTING, NULL);
	spin_lock_irq(&ch->lock);
	ch->flags |= XH_C_DISCONNECTINGCALLOUT_MADE;
	ch->n_in_callout--;
	wake_up(&ch->quiesce_wq);
	spin_unlock_irq(&ch->lock);
}

/* ---- XPC mode: XPC's own channel threads ------------------------------------------- */

static bool xh_xpc_should_wake(struct xh_channel *ch)
{
	bool wake;

	spin_lock_irq(&ch->lock);
	raw_spin_lock(&ch->irq_lock);
	wake = !list_empty(&ch->ready) || (ch->flags & XH_C_DISCONNECTING);
	raw_spin_unlock(&ch->irq_lock);
	spin_unlock_irq(&ch->lock);
	return wake;
}

static int xh_xpc_thread(void *arg)
{
	struct xh_channel *ch = arg;
	struct xh_run *run = ch->part->run;
	bool fresh = true;
	struct xh_msg *m;

	xh_max_update(&run->res->peak_threads, atomic_inc_return(&run->res->cur_threads));
	/* XPC: the first thread of a channel makes the xpConnected callout. */
	xh_connected_callout(ch);

	spin_lock_irq(&ch->lock);
	for (;;) {
		if (ch->flags & XH_C_DISCONNECTING)
			break;
		raw_spin_lock(&ch->irq_lock);
		m = list_first_entry_or_null(&ch->ready, struct xh_msg, node);
		if (m) {
			list_del_init(&m->node);
			raw_spin_unlock(&ch->irq_lock);
			spin_unlock_irq(&ch->lock);
			xh_deliver(ch, m, fresh);
			fresh = false;
			spin_lock_irq(&ch->lock);
			continue;
		}
		/* XPC: a thread that would be idle beyond idle_limit exits. */
		if (ch->idle >= ch->idle_limit) {
			raw_spin_unlock(&ch->irq_lock);
			break;
		}
		WRITE_ONCE(ch->idle, ch->idle + 1);
		raw_spin_unlock(&ch->irq_lock);
		spin_unlock_irq(&ch->lock);
		/* Exclusive, as XPC's: the doorbell wakes one thread a message. */
		swait_event_idle_exclusive(ch->idle_wq, xh_xpc_should_wake(ch));
		spin_lock_irq(&ch->lock);
		raw_spin_lock(&ch->irq_lock);
		WRITE_ONCE(ch->idle, ch->idle - 1);
		raw_spin_unlock(&ch->irq_lock);
	}
	/* XPC: a thread leaving a disconnecting channel makes xpDisconnecting
	 * if nobody has yet.
	 */
	if ((ch->flags & XH_C_DISCONNECTING) && xh_claim_disconnecting_locked(ch)) {
		spin_unlock_irq(&ch->lock);
		xh_disconnecting_callout(ch);
		spin_lock_irq(&ch->lock);
	}
	atomic_dec(&run->res->cur_threads);
	ch->assigned--;
	wake_up(&ch->quiesce_wq);
	spin_unlock_irq(&ch->lock);
	/* The module reference taken at creation keeps this text alive until
	 * the very end: XPC's threads signalled completion and kept running
	 * module code (an unload race); this one does not.
	 */
	module_put_and_kthread_exit(0);
}

/* Only for XPC mode: one extra thread forked to make xpDisconnecting. */
static int xh_xpc_disconnecting_thread(void *arg)
{
	struct xh_channel *ch = arg;
	bool claimed;

	spin_lock_irq(&ch->lock);
	claimed = xh_claim_disconnecting_locked(ch);
	spin_unlock_irq(&ch->lock);
	if (claimed)
		xh_disconnecting_callout(ch);
	spin_lock_irq(&ch->lock);
	ch->assigned--;
	wake_up(&ch->quiesce_wq);
	spin_unlock_irq(&ch->lock);
	module_put_and_kthread_exit(0);
}

/* XPC's channel manager: create threads one after another, synchronously. */
static void xh_xpc_create_threads(struct xh_channel *ch)
{
	struct xh_run *run = ch->part->run;
	struct task_struct *t;

	/* Messages waiting with no thread at all (a creation failed earlier):
	 * ask again on every pass of the manager, or they would wait for the
	 * next doorbell, which may never come.
	 */
	spin_lock_irq(&ch->lock);
	raw_spin_lock(&ch->irq_lock);
	if (!list_empty(&ch->ready) && !ch->assigned)
		ch->kthreads_needed = max(ch->kthreads_needed, 1);
	raw_spin_unlock(&ch->irq_lock);
	spin_unlock_irq(&ch->lock);
	for (;;) {
		spin_lock_irq(&ch->lock);
		raw_spin_lock(&ch->irq_lock);
		if (ch->kthreads_needed <= 0 || (ch->flags & XH_C_DISCONNECTING) ||
		    ch->assigned >= ch->assigned_limit) {
			ch->kthreads_needed = 0;
			raw_spin_unlock(&ch->irq_lock);
			spin_unlock_irq(&ch->lock);
			return;
		}
		ch->kthreads_needed--;
		raw_spin_unlock(&ch->irq_lock);
		ch->assigned++;
		spin_unlock_irq(&ch->lock);

		if (READ_ONCE(run->spawn_failing)) {
			t = ERR_PTR(-EAGAIN); /* the harness's injected failure */
		} else {
			__module_get(THIS_MODULE);
			t = kthread_run(xh_xpc_thread, ch, "xpc_p%dc%d", ch->part->id, ch->number);
			if (IS_ERR(t))
				module_put(THIS_MODULE);
		}
		if (IS_ERR(t)) {
			atomic_long_inc(&run->res->spawn_failures);
			spin_lock_irq(&ch->lock);
			ch->assigned--;
			wake_up(&ch->quiesce_wq);
			spin_unlock_irq(&ch->lock);
			return;
		}
		atomic_long_inc(&run->res->threads_created);
	}
}

/* ---- the channel manager ------------------------------------------------------------ */

/* One bounded wait, reported rather than silent when it runs long. */
static void xh_wait_quiesce(struct xh_channel *ch, bool (*cond)(struct xh_channel *),
			    const char *what)
{
	unsigned int waited_ms = 0;

	while (!wait_event_idle_timeout(ch->quiesce_wq, cond(ch), HZ)) {
		waited_ms += 1000;
		if (waited_ms % 10000 == 0)
			pr_warn("kpool_xpc: channel %d/%d: still waiting for %s after %u s\n",
				ch->part->id, ch->number, what, waited_ms / 1000);
	}
}

static bool xh_cond_connected_callout_done(struct xh_channel *ch)
{
	bool done;

	spin_lock_irq(&ch->lock);
	done = !(ch->flags & XH_C_CONNECTEDCALLOUT) || (ch->flags & XH_C_CONNECTEDCALLOUT_MADE);
	spin_unlock_irq(&ch->lock);
	return done;
}

static bool xh_cond_no_thread(struct xh_channel *ch)
{
	bool done;

	spin_lock_irq(&ch->lock);
	done = !ch->n_in_callout && !atomic_read(&ch->n_refs) && !ch->assigned;
	spin_unlock_irq(&ch->lock);
	return done;
}

static bool xh_cond_no_unacked(struct xh_channel *ch)
{
	bool done;

	spin_lock_irq(&ch->lock);
	done = !ch->n_used;
	spin_unlock_irq(&ch->lock);
	return done;
}

/* Drop what has not reached a callout yet; one message per lock hold. */
static void xh_drop_undelivered(struct xh_channel *ch)
{
	struct xh_run *run = ch->part->run;
	unsigned int i;

	for (;;) {
		struct xh_msg *m;

		spin_lock_irq(&ch->lock);
		raw_spin_lock(&ch->irq_lock);
		m = list_first_entry_or_null(&ch->arrived, struct xh_msg, node);
		if (!m) {
			m = list_first_entry_or_null(&ch->ready, struct xh_msg, node);
			if (m)
				atomic_dec(&ch->n_refs);
		}
		if (m)
			list_del_init(&m->node);
		raw_spin_unlock(&ch->irq_lock);
		if (!m) {
			spin_unlock_irq(&ch->lock);
			break;
		}
		xh_drop_unlock(ch, m, xh_drop_reason_locked(ch));
	}
	if (run->mode != XH_MODE_KPOOL)
		return;
	/* Deliveries queued on the pool and not started: cancel them. One
	 * that started already sees DISCONNECTING and drops itself.
	 */
	for (i = 0; i < ch->nr_slots; i++) {
		struct xh_msg *m = &ch->slots[i];

		spin_lock_irq(&ch->lock);
		if (m->state == XH_M_HANDED && kpool_cancel(&m->job)) {
			atomic_dec(&ch->n_refs);
			xh_drop_unlock(ch, m, xh_drop_reason_locked(ch));
			continue;
		}
		spin_unlock_irq(&ch->lock);
	}
}

/* Messages delivered and never acknowledged: wait a while, then reclaim. */
static void xh_reclaim_unacked(struct xh_channel *ch)
{
	struct xh_run *run = ch->part->run;
	unsigned int i;

	wait_event_idle_timeout(ch->quiesce_wq, xh_cond_no_unacked(ch),
				msecs_to_jiffies(run->p.ack_timeout_ms));
	for (i = 0; i < ch->nr_slots; i++) {
		struct xh_msg *m = &ch->slots[i];

		spin_lock_irq(&ch->lock);
		if (m->state == XH_M_DELIVERED) {
			pr_info("kpool_xpc: channel %d/%d: message never acknowledged by its consumer (reclaimed after %u ms)\n",
				ch->part->id, ch->number, run->p.ack_timeout_ms);
			xh_drop_unlock(ch, m, XH_DROP_NEVER_ACKED);
			continue;
		}
		spin_unlock_irq(&ch->lock);
	}
}

static void xh_process_disconnect(struct xh_channel *ch)
{
	struct xh_partition *part = ch->part;
	struct xh_run *run = part->run;
	bool made, claimed, fork;
	struct task_struct *t;

	spin_lock_irq(&ch->lock);
	if (!(ch->flags & XH_C_DISCONNECTING) || (ch->flags & XH_C_DISCONNECTED)) {
		spin_unlock_irq(&ch->lock);
		return;
	}
	spin_unlock_irq(&ch->lock);

	xh_drop_undelivered(ch);
	/* Deliveries blocked on the DMA engine for this channel give up. */
	xh_dma_abort(&run->dma, part->id, ch->number);
	swake_up_all(&ch->idle_wq);

	/* xpDisconnecting, exactly once, only if xpConnected was made. */
	xh_wait_quiesce(ch, xh_cond_connected_callout_done, "the xpConnected callout");
	spin_lock_irq(&ch->lock);
	made = ch->flags & XH_C_CONNECTEDCALLOUT_MADE;
	if (run->mode == XH_MODE_KPOOL) {
		/* kpool mode: the manager makes it itself; it never needs a
		 * new thread, so a pool whose threads are all blocked and that
		 * cannot create more still disconnects.
		 */
		claimed = xh_claim_disconnecting_locked(ch);
		spin_unlock_irq(&ch->lock);
		if (claimed)
			xh_disconnecting_callout(ch);
	} else {
		/* XPC: idle threads were woken and make it as they exit; with
		 * none idle, fork one just for it. If that fork fails XPC
		 * deadlocks when the busy threads wait for the callout; the
		 * harness reports a stall and makes the callout from the
		 * manager after a second if no thread has by then.
		 */
		fork = made && !READ_ONCE(ch->idle) && !(ch->flags & XH_C_DISCONNECTINGCALLOUT);
		if (fork)
			ch->assigned++;
		spin_unlock_irq(&ch->lock);
		if (fork) {
			t = ERR_PTR(-EAGAIN);
			if (!READ_ONCE(run->spawn_failing)) {
				__module_get(THIS_MODULE);
				t = kthread_run(xh_xpc_disconnecting_thread, ch, "xpc_p%dc%d_d",
						part->id, ch->number);
				if (IS_ERR(t))
					module_put(THIS_MODULE);
				else
					atomic_long_inc(&run->res->threads_created);
			}
			if (IS_ERR(t)) {
				spin_lock_irq(&ch->lock);
				ch->assigned--;
				spin_unlock_irq(&ch->lock);
				atomic_long_inc(&run->res->spawn_failures);
				atomic_long_inc(&run->res->disconnect_stalls);
				pr_info("kpool_xpc: XPC mode: channel %d/%d: no thread for xpDisconnecting (XPC would deadlock here)\n",
					part->id, ch->number);
				msleep(1000);
				spin_lock_irq(&ch->lock);
				claimed = xh_claim_disconnecting_locked(ch);
				spin_unlock_irq(&ch->lock);
				if (claimed)
					xh_disconnecting_callout(ch);
			}
		}
	}

	xh_wait_quiesce(ch, xh_cond_no_thread, "delivery threads");
	/* Anything that arrived while threads were finishing. */
	xh_drop_undelivered(ch);
	xh_reclaim_unacked(ch);

	/* The close handshake (request, reply), then xpDisconnected. */
	spin_lock_irq(&ch->lock);
	ch->flags |= XH_C_CLOSEREQUEST;
	ch->flags |= XH_C_CLOSEREPLY;
	spin_unlock_irq(&ch->lock);
	if (made) {
		atomic_long_inc(&run->res->callouts_disconnected);
		xh_callout(ch, XH_DISCONNECTED, NULL);
	}
	spin_lock_irq(&ch->lock);
	raw_spin_lock(&ch->irq_lock);
	if (ch->n_used || atomic_read(&ch->n_refs) || ch->n_in_callout || ch->assigned || ch->idle)
		xh_violation(run,
			     "channel %d/%d not quiescent: used %u refs %d callouts %u assigned %d idle %d",
			     part->id, ch->number, ch->n_used, atomic_read(&ch->n_refs),
			     ch->n_in_callout, ch->assigned, ch->idle);
	ch->kthreads_needed = 0;
	raw_spin_unlock(&ch->irq_lock);
	ch->flags = XH_C_DISCONNECTED;
	INIT_LIST_HEAD(&ch->free);
	wake_up_all(&ch->slot_wq);
	wake_up_all(&ch->quiesce_wq);
	spin_unlock_irq(&ch->lock);
}

static void xh_process_connect(struct xh_channel *ch)
{
	struct xh_partition *part = ch->part;
	struct xh_run *run = part->run;
	struct xh_reg *reg = &run->regs[ch->number];
	unsigned int i;

	spin_lock_irq(&ch->lock);
	if (!(ch->flags & XH_C_OPENREQUEST) ||
	    (ch->flags & (XH_C_CONNECTED | XH_C_DISCONNECTING))) {
		spin_unlock_irq(&ch->lock);
		return;
	}
	/* The remote's open reply: the smaller nentries wins. Then open
	 * complete: the slots exist, sends are allowed.
	 */
	ch->flags |= XH_C_OPENREPLY;
	xh_dma_reset(&run->dma, part->id, ch->number);
	ch->nentries =
		min_t(unsigned int, min(reg->nentries, run->p.remote_nentries), ch->nr_slots);
	xh_min_update(&run->res->nentries_min, ch->nentries);
	ch->assigned_limit = reg->assigned_limit;
	ch->idle_limit = reg->idle_limit;
	INIT_LIST_HEAD(&ch->free);
	for (i = 0; i < ch->nentries; i++) {
		ch->slots[i].state = XH_M_FREE;
		list_add_tail(&ch->slots[i].node, &ch->free);
	}
	ch->flags |= XH_C_CONNECTED;
	if (run->mode == XH_MODE_KPOOL) {
		atomic_inc(&ch->n_refs);
		if (kpool_domain_queue(part->dom, &ch->connect_job)) {
			atomic_dec(&ch->n_refs);
			xh_violation(run, "kpool_domain_queue refused the connect callout");
		}
	} else {
		raw_spin_lock(&ch->irq_lock);
		ch->kthreads_needed = max(ch->kthreads_needed, 1);
		raw_spin_unlock(&ch->irq_lock);
	}
	spin_unlock_irq(&ch->lock);
	wake_up_all(&ch->slot_wq);
}

static int xh_chmgr_main(void *arg)
{
	struct xh_partition *part = arg;
	int i;

	while (!kpool_thread_should_stop()) {
		swait_event_idle_timeout_exclusive(part->chmgr_wq,
						   test_and_clear_bit(0, &part->chmgr_kick) ||
							   kpool_thread_should_stop(),
						   HZ / 10);
		for (i = 0; i < part->nr_channels; i++) {
			struct xh_channel *ch = &part->ch[i];

			xh_process_connect(ch);
			if (part->run->mode == XH_MODE_XPC)
				xh_xpc_create_threads(ch);
			xh_process_disconnect(ch);
		}
	}
	return 0;
}

/* ---- partitions ------------------------------------------------------------------------ */

static void xh_channel_start_connect(struct xh_channel *ch)
{
	spin_lock_irq(&ch->lock);
	if (xh_ch_idle_locked(ch))
		ch->flags = XH_C_OPENREQUEST;
	spin_unlock_irq(&ch->lock);
}

int xh_partition_activate(struct xh_run *run, int partid)
{
	struct xh_partition *part = &run->parts[partid];
	struct kpool_attrs attrs = {};
	char name[KPOOL_NAME_MAX + 1];
	int ret, i;

	spin_lock_irq(&part->lock);
	if (part->state != XH_P_INACTIVE) {
		spin_unlock_irq(&part->lock);
		return -EBUSY;
	}
	WRITE_ONCE(part->state, XH_P_ACTIVATION_REQ);
	spin_unlock_irq(&part->lock);

	WRITE_ONCE(part->state, XH_P_ACTIVATING);
	if (run->mode == XH_MODE_KPOOL) {
		/* XPC's per-channel limits become the pool's size: all channels'
		 * assigned threads at most, idle_limit kept parked in reserve.
		 */
		attrs.min_threads = 0;
		attrs.max_threads = min_t(unsigned int, run->p.assigned_limit * part->nr_channels,
					  KPOOL_MAX_THREADS_CAP);
		attrs.reserve = min(run->p.reserve, attrs.max_threads);
		attrs.idle_timeout_ms = 2000;
		snprintf(name, sizeof(name), "xpc_p%d", partid);
		ret = kpool_create(name, &attrs, &part->pool);
		if (ret)
			goto fail;
		/* The partition's jobs go through a domain: destroying it is the
		 * partition's safe teardown (no delivery runs afterwards).
		 */
		ret = kpool_domain_create(part->pool, "xpc", 0, &part->dom);
		if (ret)
			goto fail_pool;
	}
	snprintf(name, sizeof(name), "xpc_chmgr%d", partid);
	ret = kpool_kthread_create(xh_chmgr_main, NULL, part, name, &part->chmgr);
	if (ret)
		goto fail_pool;

	spin_lock_irq(&part->lock);
	WRITE_ONCE(part->remote_alive, true);
	part->seen_at = jiffies;
	WRITE_ONCE(part->state, XH_P_ACTIVE);
	spin_unlock_irq(&part->lock);
	clear_bit(partid, run->dma.lost);

	/* Registrations persist: a partition coming up connects every channel
	 * that has a user.
	 */
	for (i = 0; i < part->nr_channels; i++) {
		mutex_lock(&run->regs[i].mutex);
		if (run->regs[i].func)
			xh_channel_start_connect(&part->ch[i]);
		mutex_unlock(&run->regs[i].mutex);
	}
	xh_kick(part);
	return 0;

fail_pool:
	kpool_domain_destroy(part->dom);
	part->dom = NULL;
	kpool_destroy(part->pool);
	part->pool = NULL;
fail:
	WRITE_ONCE(part->down, true); /* senders stop waiting for it */
	WRITE_ONCE(part->state, XH_P_INACTIVE);
	return ret;
}

static void xh_channel_begin_disconnect(struct xh_channel *ch, enum xh_reason reason)
{
	spin_lock_irq(&ch->lock);
	if ((ch->flags & (XH_C_OPENREQUEST | XH_C_CONNECTED)) &&
	    !(ch->flags & (XH_C_DISCONNECTING | XH_C_DISCONNECTED))) {
		ch->flags |= XH_C_DISCONNECTING;
		ch->reason = reason;
		/* From here on the doorbell hands nothing off. */
		raw_spin_lock(&ch->irq_lock);
		ch->handoff_open = false;
		raw_spin_unlock(&ch->irq_lock);
	}
	spin_unlock_irq(&ch->lock);
	wake_up_all(&ch->slot_wq);
}

void xh_partition_deactivate(struct xh_run *run, int partid, enum xh_reason reason)
{
	struct xh_partition *part = &run->parts[partid];
	unsigned long flags;
	int i;

	spin_lock_irqsave(&part->lock, flags);
	if (part->state != XH_P_ACTIVE) {
		spin_unlock_irqrestore(&part->lock, flags);
		return;
	}
	WRITE_ONCE(part->state, XH_P_DEACTIVATING);
	WRITE_ONCE(part->down, true);
	part->reason = reason;
	spin_unlock_irqrestore(&part->lock, flags);
	for (i = 0; i < part->nr_channels; i++)
		xh_channel_begin_disconnect(&part->ch[i], reason);
	xh_dma_abort(&run->dma, partid, -1);
	xh_kick(part);
}

int xh_partition_wait_inactive(struct xh_run *run, int partid, unsigned int timeout_ms)
{
	struct xh_partition *part = &run->parts[partid];
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	int i, ret = 0;

	if (READ_ONCE(part->state) == XH_P_INACTIVE)
		return 0;
	for (i = 0; i < part->nr_channels; i++) {
		struct xh_channel *ch = &part->ch[i];

		while (!xh_ch_idle(ch)) {
			if (time_after(jiffies, deadline)) {
				xh_violation(run, "partition %d channel %d not down in %u ms",
					     partid, i, timeout_ms);
				ret = -ETIMEDOUT;
				break;
			}
			xh_kick(part);
			wait_event_idle_timeout(ch->quiesce_wq, xh_ch_idle(ch), HZ / 10);
		}
	}
	/* The manager first (it queues connect callouts), then the doorbell
	 * (it queues deliveries), then the pool they queue on.
	 */
	if (part->chmgr) {
		kpool_kthread_stop(part->chmgr);
		part->chmgr = NULL;
	}
	irq_work_sync(&part->doorbell);
	if (part->pool) {
		struct kpool_stats st;

		kpool_get_stats(part->pool, &st);
		atomic_long_add(st.reaped + st.nr_threads, &run->res->threads_created);
		atomic_long_add(st.spawn_failures, &run->res->spawn_failures);
		/* Every delivery and callout ran or was cancelled when it returns. */
		kpool_domain_destroy(part->dom);
		part->dom = NULL;
		kpool_destroy(part->pool);
		part->pool = NULL;
	}
	/* XPC-mode threads of this partition may still be on their way out. */
	for (i = 0; i < part->nr_channels; i++)
		xh_wait_quiesce(&part->ch[i], xh_cond_no_thread, "exiting threads");
	spin_lock_irq(&part->lock);
	WRITE_ONCE(part->state, XH_P_INACTIVE);
	WRITE_ONCE(part->remote_alive, false);
	spin_unlock_irq(&part->lock);
	return ret;
}

/* ---- the user API ----------------------------------------------------------------------- */

enum xh_reason xh_connect(struct xh_run *run, int chn, xh_channel_func func, void *key,
			  u16 payload_size, u16 nentries, u16 assigned_limit, u16 idle_limit)
{
	struct xh_reg *reg;
	int p;

	if (chn < 0 || chn >= run->p.channels)
		return XH_INVALID_CHANNEL;
	if (!func || !nentries || !assigned_limit)
		return XH_INVALID_CHANNEL;
	if (payload_size > XH_PAYLOAD_MAX)
		return XH_PAYLOAD_TOO_BIG;
	reg = &run->regs[chn];
	mutex_lock(&reg->mutex);
	if (reg->func) {
		mutex_unlock(&reg->mutex);
		return XH_ALREADY_REGISTERED;
	}
	reg->key = key;
	reg->payload_size = payload_size;
	reg->nentries = nentries;
	reg->assigned_limit = assigned_limit;
	reg->idle_limit = idle_limit;
	WRITE_ONCE(reg->func, func);
	for (p = 0; p < run->p.partitions; p++) {
		struct xh_partition *part = &run->parts[p];

		if (READ_ONCE(part->state) != XH_P_ACTIVE)
			continue;
		xh_channel_start_connect(&part->ch[chn]);
		xh_kick(part);
	}
	mutex_unlock(&reg->mutex);
	return XH_SUCCESS;
}

void xh_disconnect(struct xh_run *run, int chn)
{
	struct xh_reg *reg;
	int p;

	might_sleep();
	if (chn < 0 || chn >= run->p.channels)
		return;
	reg = &run->regs[chn];
	mutex_lock(&reg->mutex);
	for (p = 0; p < run->p.partitions; p++) {
		xh_channel_begin_disconnect(&run->parts[p].ch[chn], XH_UNREGISTERING);
		xh_kick(&run->parts[p]);
	}
	for (p = 0; p < run->p.partitions; p++) {
		struct xh_channel *ch = &run->parts[p].ch[chn];
		unsigned int waited = 0;

		while (!wait_event_idle_timeout(ch->quiesce_wq, xh_ch_idle(ch), HZ)) {
			xh_kick(&run->parts[p]);
			if (++waited % 10 == 0)
				pr_warn("kpool_xpc: disconnect of channel %d waits for partition %d (%u s)\n",
					chn, p, waited);
		}
	}
	/* No callout can come any more: every channel is idle. */
	WRITE_ONCE(reg->func, NULL);
	mutex_unlock(&reg->mutex);
}

static struct xh_channel *xh_lookup(struct xh_run *run, int partid, int chn, enum xh_reason *r)
{
	if (partid < 0 || partid >= run->p.partitions) {
		*r = XH_INVALID_PARTID;
		return NULL;
	}
	if (chn < 0 || chn >= run->p.channels) {
		*r = XH_INVALID_CHANNEL;
		return NULL;
	}
	return &run->parts[partid].ch[chn];
}

static bool xh_can_send(struct xh_channel *ch)
{
	bool ok;

	spin_lock_irq(&ch->lock);
	ok = !list_empty(&ch->free) || !(ch->flags & XH_C_CONNECTED) ||
	     (ch->flags & XH_C_DISCONNECTING);
	spin_unlock_irq(&ch->lock);
	return ok;
}

enum xh_reason xh_send_notify(struct xh_run *run, int partid, int chn, u32 flags,
			      const void *payload, u16 size, xh_notify_func func, void *key)
{
	struct xh_channel *ch;
	struct xh_msg *m;
	enum xh_reason r;
	unsigned long nvcsw;
	long left;

	ch = xh_lookup(run, partid, chn, &r);
	if (!ch)
		return r;
	if (!payload || size > XH_PAYLOAD_MAX || size > run->regs[chn].payload_size)
		return XH_PAYLOAD_TOO_BIG;
	if (!(flags & XH_NOWAIT))
		might_sleep();

	spin_lock_irq(&ch->lock);
	for (;;) {
		if (!(ch->flags & XH_C_CONNECTED) || (ch->flags & XH_C_DISCONNECTING)) {
			r = (ch->flags & XH_C_DISCONNECTING) ? ch->reason : XH_NOT_CONNECTED;
			spin_unlock_irq(&ch->lock);
			atomic_long_inc(&run->res->refused_not_connected);
			return r;
		}
		if (!list_empty(&ch->free))
			break;
		spin_unlock_irq(&ch->lock);
		if (flags & XH_NOWAIT) {
			atomic_long_inc(&run->res->refused_full);
			return XH_NO_WAIT;
		}
		/* Queue full: sleep (interruptibly, bounded) for a free slot.
		 * waited_full counts the senders that really slept here (their
		 * voluntary context switches went up), not those that found the
		 * queue full: a wait that returns without sleeping proves nothing.
		 */
		nvcsw = READ_ONCE(current->nvcsw);
		left = wait_event_interruptible_timeout(ch->slot_wq, xh_can_send(ch),
							msecs_to_jiffies(run->p.send_timeout_ms));
		if (READ_ONCE(current->nvcsw) != nvcsw)
			atomic_long_inc(&run->res->waited_full);
		if (left == 0) {
			atomic_long_inc(&run->res->refused_timeout);
			return XH_TIMEOUT;
		}
		if (left < 0)
			return XH_INTERRUPTED;
		spin_lock_irq(&ch->lock);
	}
	m = list_first_entry(&ch->free, struct xh_msg, node);
	list_del_init(&m->node);
	ch->n_used++;
	m->gen++;
	m->size = size;
	memcpy(m->payload, payload, size);
	m->notify = func;
	m->notify_key = key;
	m->t_send_ns = ktime_get_ns();
	raw_spin_lock(&ch->irq_lock);
	m->state = XH_M_ARRIVED;
	list_add_tail(&m->node, &ch->arrived);
	raw_spin_unlock(&ch->irq_lock);
	spin_unlock_irq(&ch->lock);

	atomic_long_inc(&run->res->sent);
	if (func)
		atomic_long_inc(&run->res->sent_notify);
	irq_work_queue(&ch->part->doorbell);
	return XH_SUCCESS;
}

enum xh_reason xh_send(struct xh_run *run, int partid, int chn, u32 flags, const void *payload,
		       u16 size)
{
	return xh_send_notify(run, partid, chn, flags, payload, size, NULL, NULL);
}

void xh_received(struct xh_run *run, int partid, int chn, void *payload)
{
	struct xh_channel *ch;
	struct xh_msg *m;
	enum xh_reason r;
	xh_notify_func nf;
	unsigned long off, flags;
	void *key;

	ch = xh_lookup(run, partid, chn, &r);
	if (!ch) {
		xh_violation(run, "received with bad ids %d/%d", partid, chn);
		return;
	}
	m = container_of(payload, struct xh_msg, payload[0]);
	off = (unsigned long)m - (unsigned long)ch->slots;
	if ((unsigned long)m < (unsigned long)ch->slots || off % sizeof(*m) ||
	    off / sizeof(*m) >= ch->nr_slots) {
		xh_violation(run, "received with a payload not of channel %d/%d", partid, chn);
		return;
	}
	spin_lock_irqsave(&ch->lock, flags);
	if (m->state != XH_M_DELIVERING && m->state != XH_M_DELIVERED) {
		spin_unlock_irqrestore(&ch->lock, flags);
		xh_violation(run, "received twice, or for a message never delivered (%d/%d)",
			     partid, chn);
		return;
	}
	nf = xh_msg_free_locked(ch, m, &key);
	atomic_long_inc(&run->res->acked);
	wake_up(&ch->quiesce_wq);
	spin_unlock_irqrestore(&ch->lock, flags);
	xh_notify(ch, nf, key, XH_MSG_DELIVERED);
}

bool xh_is_connected(struct xh_run *run, int partid, int chn)
{
	struct xh_channel *ch;
	enum xh_reason r;
	bool ok;

	ch = xh_lookup(run, partid, chn, &r);
	if (!ch)
		return false;
	spin_lock_irq(&ch->lock);
	ok = (ch->flags & XH_C_CONNECTEDCALLOUT_MADE) && !(ch->flags & XH_C_DISCONNECTING);
	spin_unlock_irq(&ch->lock);
	return ok;
}

/* ---- run setup and teardown ------------------------------------------------------------- */

int xh_run_setup(struct xh_run *run)
{
	int p, c;
	unsigned int i;

	xh_dma_init(&run->dma);
	run->parts = kvcalloc(run->p.partitions, sizeof(*run->parts), GFP_KERNEL);
	run->regs = kcalloc(XH_MAX_CHANNELS, sizeof(*run->regs), GFP_KERNEL);
	if (!run->parts || !run->regs)
		return -ENOMEM;
	for (c = 0; c < XH_MAX_CHANNELS; c++)
		mutex_init(&run->regs[c].mutex);
	run->dma.lat_us = run->p.dma_lat_us;
	run->dma.slow_pct = run->p.dma_slow_pct;
	run->dma.slow_ms = run->p.dma_slow_ms;
	run->dma.timeout_ms = run->p.dma_timeout_ms;
	run->dma.timeout_pct = run->p.dma_timeout_pct;
	run->dma.seed = run->p.seed;
	for (p = 0; p < run->p.partitions; p++) {
		struct xh_partition *part = &run->parts[p];

		part->id = p;
		part->run = run;
		spin_lock_init(&part->lock);
		WRITE_ONCE(part->state, XH_P_INACTIVE);
		part->nr_channels = run->p.channels;
		init_swait_queue_head(&part->chmgr_wq);
		part->doorbell = IRQ_WORK_INIT_HARD(xh_doorbell);
		for (c = 0; c < part->nr_channels; c++) {
			struct xh_channel *ch = &part->ch[c];

			ch->part = part;
			ch->number = c;
			spin_lock_init(&ch->lock);
			raw_spin_lock_init(&ch->irq_lock);
			atomic_set(&ch->n_refs, 0);
			INIT_LIST_HEAD(&ch->free);
			INIT_LIST_HEAD(&ch->arrived);
			INIT_LIST_HEAD(&ch->ready);
			init_waitqueue_head(&ch->slot_wq);
			init_waitqueue_head(&ch->quiesce_wq);
			init_swait_queue_head(&ch->idle_wq);
			kpool_job_init(&ch->connect_job, xh_connect_job, xh_connect_cancel);
			ch->nr_slots = run->p.nentries;
			ch->slots = kvcalloc(ch->nr_slots, sizeof(*ch->slots), GFP_KERNEL);
			if (!ch->slots)
				return -ENOMEM;
			for (i = 0; i < ch->nr_slots; i++) {
				struct xh_msg *m = &ch->slots[i];

				m->ch = ch;
				INIT_LIST_HEAD(&m->node);
				kpool_job_init(&m->job, xh_deliver_job, xh_deliver_cancel);
			}
		}
	}
	xh_heartbeat_attach(run);
	return 0;
}

/* Context: process. Every partition must be inactive (or never activated). */
void xh_run_teardown(struct xh_run *run)
{
	int p, c;

	xh_heartbeat_detach(run);
	if (run->parts) {
		for (p = 0; p < run->p.partitions; p++) {
			irq_work_sync(&run->parts[p].doorbell);
			for (c = 0; c < run->parts[p].nr_channels; c++)
				kvfree(run->parts[p].ch[c].slots);
		}
	}
	xh_dma_exit(&run->dma);
	kvfree(run->parts);
	kfree(run->regs);
	run->parts = NULL;
	run->regs = NULL;
}
