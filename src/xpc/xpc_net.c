// SPDX-License-Identifier: GPL-2.0
/*
 * kpool_xpc's users and traffic: an xpnet-like consumer on the network
 * channel (it pulls the payload from the sender's memory through the
 * simulated DMA engine in its delivery callout, then acknowledges), a plain
 * consumer on the other channels, sender threads, and the run that drives a
 * scenario (partitions coming and going, faults) and checks XPC's
 * invariants (../shared/XPC.md) as it goes.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/delay.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include "xpc.h"

#define XH_NET_MAGIC 0x78706e74 /* "xpnt" */
#define XH_NET_MAX_LEN 512	/* bytes pulled per message, at most */

/* What travels in a message: a header and, for xpnet, where to pull from. */
struct xh_net_msg {
	u32 magic;
	u32 seq;
	u32 len;    /* bytes to pull from @remote (network channel) */
	u32 csum;   /* jhash of the pulled bytes, or of @inline_data */
	u64 remote; /* sender's buffer: "remote partition memory" */
	u8 inline_data[40];
};

enum { XH_CONN_NONE, XH_CONN_CONNECTED, XH_CONN_DISCONNECTING, XH_CONN_DISCONNECTED };
enum { XH_TX_UNUSED, XH_TX_PENDING, XH_TX_NOTIFIED };

/* One send with notify: the sender's side of a message. */
struct xh_net_tx {
	void *buf; /* released by the notify function, freed when the run ends */
	atomic_t state;
};

struct xh_net {
	struct xh_run *run;
	unsigned long *delivered; /* bitmap by seq */
	struct xh_net_tx *tx;	  /* by seq */
	atomic_t conn[XH_MAX_PAIRS];
	bool unregistered[XH_MAX_CHANNELS]; /* xh_disconnect returned */
	atomic_t next_seq;
	atomic_long_t noacked;
	unsigned int nr_senders;
	struct kpool_kthread *senders[16];
};

static void xh_net_notify(enum xh_reason reason, int partid, int ch, void *key)
{
	struct xh_net_tx *tx = key;

	/*
	 * Atomic context (preemption off, as XPC's): no sleeping, and nothing
	 * freed either, since kfree() may take a sleeping lock on PREEMPT_RT.
	 * The buffer is released here and freed when the run ends.
	 */
	if (atomic_cmpxchg(&tx->state, XH_TX_PENDING, XH_TX_NOTIFIED) != XH_TX_PENDING)
		pr_warn_ratelimited("kpool_xpc: notify for a send not pending (%d/%d)\n", partid,
				    ch);
}

static void xh_net_message(struct xh_net *net, int partid, int ch, void *data)
{
	struct xh_run *run = net->run;
	struct xh_net_msg msg;
	void *buf = NULL;
	int ret = 0;

	memcpy(&msg, data, sizeof(msg));
	if (msg.magic != XH_NET_MAGIC || msg.seq >= run->p.messages) {
		xh_violation(run, "garbled message on %d/%d", partid, ch);
		goto ack;
	}
	if (test_and_set_bit(msg.seq, net->delivered))
		xh_violation(run, "message %u delivered twice", msg.seq);

	if (ch == XH_NET_CHANNEL && msg.len) {
		/* xpnet: pull the packet from the sender's memory. A long wait
		 * is announced to the pool, which may start another thread.
		 */
		buf = kmalloc(msg.len, GFP_KERNEL);
		if (buf) {
			kpool_block_begin();
			ret = xh_dma_pull(&run->dma, partid, ch, buf,
					  (const void *)(unsigned long)msg.remote, msg.len,
					  msg.seq);
			kpool_block_end();
		} else {
			ret = -ENOMEM;
		}
		if (ret)
			atomic_long_inc(&run->res->pull_failed);
		else if (jhash(buf, msg.len, msg.seq) != msg.csum)
			xh_violation(run, "message %u: pulled bytes differ", msg.seq);
		kfree(buf);
	} else if (jhash(msg.inline_data, sizeof(msg.inline_data), msg.seq) != msg.csum) {
		xh_violation(run, "message %u: payload differs", msg.seq);
	}
ack:
	if (run->p.noack_every && msg.seq % run->p.noack_every == 0) {
		/* A consumer that never acknowledges: the harness must report
		 * it at disconnect, not hang.
		 */
		atomic_long_inc(&net->noacked);
		return;
	}
	xh_received(run, partid, ch, data);
}

static void xh_net_callout(enum xh_reason reason, int partid, int ch, void *data, void *key)
{
	struct xh_net *net = key;
	atomic_t *conn = &net->conn[partid * XH_MAX_CHANNELS + ch];
	int old;

	if (READ_ONCE(net->unregistered[ch]))
		xh_violation(net->run, "callout %s on %d/%d after disconnect returned",
			     xh_reason_name(reason), partid, ch);
	switch (reason) {
	case XH_CONNECTED:
		old = atomic_read(conn);
		if ((old != XH_CONN_NONE && old != XH_CONN_DISCONNECTED) ||
		    atomic_cmpxchg(conn, old, XH_CONN_CONNECTED) != old)
			xh_violation(net->run, "xpConnected on %d/%d in state %d", partid, ch, old);
		break;
	case XH_MSG_RECEIVED:
		if (atomic_read(conn) != XH_CONN_CONNECTED)
			xh_violation(net->run, "message on %d/%d in state %d (not connected)",
				     partid, ch, atomic_read(conn));
		xh_net_message(net, partid, ch, data);
		break;
	case XH_DISCONNECTING:
		old = atomic_cmpxchg(conn, XH_CONN_CONNECTED, XH_CONN_DISCONNECTING);
		if (old != XH_CONN_CONNECTED)
			xh_violation(net->run, "xpDisconnecting on %d/%d in state %d", partid, ch,
				     old);
		break;
	case XH_DISCONNECTED:
		old = atomic_cmpxchg(conn, XH_CONN_DISCONNECTING, XH_CONN_DISCONNECTED);
		if (old != XH_CONN_DISCONNECTING)
			xh_violation(net->run, "xpDisconnected on %d/%d in state %d", partid, ch,
				     old);
		break;
	default:
		xh_violation(net->run, "unexpected callout %d on %d/%d", reason, partid, ch);
	}
}

/* ---- senders ------------------------------------------------------------------------------ */

/* Down for the rest of the run (a late partition not yet up is not). */
static bool xh_partition_gone(struct xh_run *run, int partid)
{
	struct xh_partition *part = &run->parts[partid];

	return READ_ONCE(part->down) || test_bit(partid, run->dma.lost) ||
	       (READ_ONCE(part->state) == XH_P_ACTIVE && !READ_ONCE(part->remote_alive));
}

/* Cheap per-message contents (the debug kernel under TCG is slow enough). */
static void xh_net_fill(u8 *p, size_t len, u32 seq)
{
	u32 x = seq * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x = x * 1664525u + 1013904223u;
		p[i] = x >> 24;
	}
}

/* Send message @seq to (@partid, @ch). Returns the final XPC result. */
static enum xh_reason xh_net_send_one(struct xh_net *net, u32 seq, int partid, int ch)
{
	struct xh_run *run = net->run;
	struct xh_net_tx *tx = &net->tx[seq];
	struct xh_net_msg msg = { .magic = XH_NET_MAGIC, .seq = seq };
	unsigned long deadline = jiffies + msecs_to_jiffies(5000);
	u32 flags = run->p.nowait ? XH_NOWAIT : XH_WAIT;
	/* xpnet needs the notify to free its buffer; the plain channels use
	 * both flavours of send.
	 */
	bool notify = ch == XH_NET_CHANNEL || !(seq & 1);
	enum xh_reason r;

	xh_net_fill(msg.inline_data, sizeof(msg.inline_data), seq);
	msg.csum = jhash(msg.inline_data, sizeof(msg.inline_data), seq);
	if (ch == XH_NET_CHANNEL) {
		msg.len = 64 + (run->p.seed ? xh_rand(run->p.seed, seq, 3) % (XH_NET_MAX_LEN - 64) :
					      get_random_u32_below(XH_NET_MAX_LEN - 64));
		tx->buf = kmalloc(msg.len, GFP_KERNEL);
		if (!tx->buf)
			return XH_NO_MEMORY;
		xh_net_fill(tx->buf, msg.len, seq);
		msg.csum = jhash(tx->buf, msg.len, seq);
		msg.remote = (unsigned long)tx->buf;
	}
	atomic_set(&tx->state, notify ? XH_TX_PENDING : XH_TX_UNUSED);
	for (;;) {
		if (notify)
			r = xh_send_notify(run, partid, ch, flags, &msg, sizeof(msg), xh_net_notify,
					   tx);
		else
			r = xh_send(run, partid, ch, flags, &msg, sizeof(msg));
		if (r == XH_SUCCESS)
			return r;
		/* Queue full with NOWAIT: the caller's choice is to retry. A
		 * partition that is not connected yet (a late one) gets a
		 * while; one that is gone does not.
		 */
		if (r == XH_NO_WAIT || (r == XH_NOT_CONNECTED && !xh_partition_gone(run, partid) &&
					time_before(jiffies, deadline))) {
			usleep_range(500, 1000);
			continue;
		}
		break;
	}
	atomic_set(&tx->state, XH_TX_UNUSED);
	kfree(tx->buf);
	tx->buf = NULL;
	return r;
}

static int xh_sender_main(void *arg)
{
	struct xh_net *net = arg;
	struct xh_run *run = net->run;
	unsigned int pairs = run->p.partitions * run->p.channels;
	u64 interval_ns = 0;
	u32 seq;

	if (run->p.rate)
		interval_ns = div_u64((u64)net->nr_senders * NSEC_PER_SEC, run->p.rate);
	while (!kpool_thread_should_stop()) {
		seq = atomic_inc_return(&net->next_seq) - 1;
		if (seq >= run->p.messages)
			break;
		xh_net_send_one(net, seq, (seq % pairs) / run->p.channels, seq % run->p.channels);
		if (interval_ns)
			usleep_range(div_u64(interval_ns, NSEC_PER_USEC),
				     div_u64(interval_ns, NSEC_PER_USEC) + 20);
		else
			cond_resched();
	}
	return 0;
}

/* ---- the run --------------------------------------------------------------------------- */

static void xh_check_malformed(struct xh_net *net)
{
	struct xh_run *run = net->run;
	struct xh_net_msg msg = {};
	static const u8 big[XH_PAYLOAD_MAX + 1];
	struct {
		int partid, ch;
		const void *payload;
		u16 size;
		enum xh_reason want;
	} cases[] = {
		{ -1, 0, &msg, sizeof(msg), XH_INVALID_PARTID },
		{ run->p.partitions, 0, &msg, sizeof(msg), XH_INVALID_PARTID },
		{ XH_MAX_PARTITIONS + 7, 0, &msg, sizeof(msg), XH_INVALID_PARTID },
		{ 0, -1, &msg, sizeof(msg), XH_INVALID_CHANNEL },
		{ 0, run->p.channels, &msg, sizeof(msg), XH_INVALID_CHANNEL },
		{ 0, XH_MAX_CHANNELS, &msg, sizeof(msg), XH_INVALID_CHANNEL },
		{ 0, 0, big, sizeof(big), XH_PAYLOAD_TOO_BIG },
		{ 0, 0, NULL, 8, XH_PAYLOAD_TOO_BIG },
	};
	enum xh_reason r;
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		r = xh_send(run, cases[i].partid, cases[i].ch, XH_NOWAIT, cases[i].payload,
			    cases[i].size);
		if (r != cases[i].want)
			xh_violation(run, "send to %d/%d size %u returned %s, not %s",
				     cases[i].partid, cases[i].ch, cases[i].size, xh_reason_name(r),
				     xh_reason_name(cases[i].want));
	}
	r = xh_connect(run, run->p.channels, xh_net_callout, net, sizeof(msg), 8, 1, 1);
	if (r != XH_INVALID_CHANNEL)
		xh_violation(run, "connect of channel %d returned %s", run->p.channels,
			     xh_reason_name(r));
	r = xh_connect(run, 0, xh_net_callout, net, sizeof(msg), 8, 1, 1);
	if (r != XH_ALREADY_REGISTERED)
		xh_violation(run, "second connect of channel 0 returned %s", xh_reason_name(r));
}

static unsigned int xh_sample_threads(struct xh_run *run)
{
	struct kpool_stats st;
	unsigned int n = 0;
	int p;

	if (run->mode != XH_MODE_KPOOL)
		return atomic_read(&run->res->cur_threads);
	for (p = 0; p < run->p.partitions; p++) {
		if (!run->parts[p].pool)
			continue;
		kpool_get_stats(run->parts[p].pool, &st);
		n += st.nr_threads;
	}
	return n;
}

static long xh_dropped_undelivered(struct xh_results *res)
{
	return atomic_long_read(&res->dropped[XH_DROP_DISCONNECT]) +
	       atomic_long_read(&res->dropped[XH_DROP_PARTITION_DOWN]) +
	       atomic_long_read(&res->dropped[XH_DROP_CANCELLED]);
}

/* All sent messages delivered or dropped, and all delivered ones acknowledged
 * (or knowingly left unacknowledged).
 */
static bool xh_quiet(struct xh_net *net)
{
	struct xh_results *res = net->run->res;
	long sent = atomic_long_read(&res->sent);
	long delivered = atomic_long_read(&res->delivered);

	return delivered + xh_dropped_undelivered(res) >= sent &&
	       atomic_long_read(&res->acked) + atomic_long_read(&net->noacked) >= delivered;
}

/* Every thread of partition @partid blocked (or a bound on the wait). */
static void xh_wait_all_blocked(struct xh_run *run, int partid)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(5000);
	struct xh_partition *part = &run->parts[partid];
	struct kpool_stats st;

	while (time_before(jiffies, deadline)) {
		if (run->mode == XH_MODE_KPOOL) {
			kpool_get_stats(part->pool, &st);
			if (st.nr_blocked && !st.nr_idle && !st.nr_parked &&
			    st.nr_blocked == st.nr_threads)
				return;
		} else {
			struct xh_channel *ch = &part->ch[XH_NET_CHANNEL % run->p.channels];
			bool all;

			spin_lock_irq(&ch->lock);
			all = ch->n_in_callout && !READ_ONCE(ch->idle) &&
			      ch->n_in_callout >= ch->assigned;
			spin_unlock_irq(&ch->lock);
			if (all)
				return;
		}
		usleep_range(2000, 3000);
	}
	pr_info("kpool_xpc: partition %d: not every thread blocked after 5 s; disconnecting anyway\n",
		partid);
}

int xh_net_run(struct xh_run *run)
{
	struct xh_results *res = run->res;
	struct xh_net *net;
	unsigned int lose_at, blocked_at, late_at, first_late;
	unsigned long deadline;
	int sender_err = 0;
	bool lost = false, blocked = false, late_up = false;
	u64 t0;
	int ret, p, c, i;
	long sent, delivered, connected;

	net = kvzalloc(sizeof(*net), GFP_KERNEL);
	if (!net)
		return -ENOMEM;
	net->run = run;
	net->delivered = kvcalloc(BITS_TO_LONGS(run->p.messages), sizeof(long), GFP_KERNEL);
	net->tx = kvcalloc(run->p.messages, sizeof(*net->tx), GFP_KERNEL);
	ret = -ENOMEM;
	if (!net->delivered || !net->tx)
		goto out_free;
	xh_set_phase("setup");
	ret = xh_run_setup(run);
	if (ret)
		goto out_teardown;

	/* Partitions up first (but the late ones), then the users: a
	 * registration connects every partition already up, and the late
	 * ones when they come.
	 */
	first_late = run->p.partitions - run->p.late_partitions;
	for (p = 0; p < first_late; p++) {
		ret = xh_partition_activate(run, p);
		if (ret)
			goto out_deactivate;
	}
	for (c = 0; c < run->p.channels; c++) {
		enum xh_reason r;

		r = xh_connect(run, c, xh_net_callout, net, sizeof(struct xh_net_msg),
			       run->p.nentries, run->p.assigned_limit, run->p.idle_limit);
		if (r != XH_SUCCESS) {
			xh_violation(run, "connect of channel %d: %s", c, xh_reason_name(r));
			ret = -EIO;
			goto out_deactivate;
		}
	}
	xh_check_malformed(net);
	/* Wait for the handshakes: every early channel connected. */
	deadline = jiffies + msecs_to_jiffies(10000);
	for (p = 0; p < first_late; p++)
		for (c = 0; c < run->p.channels; c++)
			while (!xh_is_connected(run, p, c) && time_before(jiffies, deadline))
				usleep_range(1000, 2000);

	xh_set_phase("traffic");
	t0 = ktime_get_ns();
	/* A burst larger than the idle threads, on one channel, back to back. */
	for (i = 0; i < run->p.burst; i++) {
		u32 seq = atomic_inc_return(&net->next_seq) - 1;

		if (seq >= run->p.messages)
			break;
		xh_net_send_one(net, seq, 0, XH_NET_CHANNEL % run->p.channels);
	}

	net->nr_senders = min_t(unsigned int, ARRAY_SIZE(net->senders), max(2u, num_online_cpus()));
	for (i = 0; i < net->nr_senders; i++) {
		char name[16];

		snprintf(name, sizeof(name), "xpc_send%d", i);
		ret = kpool_kthread_create(xh_sender_main, NULL, net, name, &net->senders[i]);
		if (ret) {
			/* Thread creation can fail (fault injection in the
			 * soak): go on with fewer senders; with none the run
			 * winds down and reports the error.
			 */
			pr_info("kpool_xpc: sender thread %d: error %d, %d sender(s)\n", i, ret, i);
			net->nr_senders = i;
			sender_err = ret;
			break;
		}
	}

	lose_at = run->p.messages / 100 * run->p.lose_at_pct;
	blocked_at = run->p.messages / 2;
	late_at = run->p.messages / 10;
	for (;;) {
		u32 progress = atomic_read(&net->next_seq);
		bool senders_done = true;

		xh_max_update(&res->peak_threads, xh_sample_threads(run));
		/* Late partitions come up after 10% of the traffic, or after
		 * 50 ms if senders are held up waiting for them.
		 */
		if (!late_up && (progress >= late_at || ktime_get_ns() - t0 > 50 * NSEC_PER_MSEC)) {
			late_up = true;
			for (p = first_late; p < run->p.partitions; p++) {
				ret = xh_partition_activate(run, p);
				if (ret) /* an injected failure: reported, not fatal */
					pr_info("kpool_xpc: late partition %d: activation failed: %d\n",
						p, ret);
			}
		}
		if (!lost && run->p.lose_partitions && progress >= lose_at) {
			lost = true;
			for (p = 1; p <= run->p.lose_partitions; p++) {
				atomic_long_inc(&res->partitions_lost);
				if (!run->p.lose_abrupt) {
					xh_partition_deactivate(run, p, XH_PARTITION_DOWN);
					continue;
				}
				/* Abrupt: no goodbye; the remote stops heart-
				 * beating, its memory is gone. The heartbeat
				 * checker has to notice.
				 */
				spin_lock_irq(&run->parts[p].lock);
				WRITE_ONCE(run->parts[p].remote_alive, false);
				spin_unlock_irq(&run->parts[p].lock);
				set_bit(p, run->dma.lost);
				xh_dma_abort(&run->dma, p, -1);
			}
		}
		if (!blocked && run->p.disconnect_blocked && progress >= blocked_at) {
			blocked = true;
			WRITE_ONCE(run->dma.stall_part, 0);
			xh_set_phase("stalled");
			xh_wait_all_blocked(run, 0);
			xh_set_phase("held");
			/* Thread creation fails from here on: XPC mode's own
			 * kthread_run; in kpool mode the test script turns on
			 * kpool's fail_spawn injection during the hold.
			 */
			if (run->p.spawn_fail)
				WRITE_ONCE(run->spawn_failing, true);
			msleep(run->p.blocked_hold_ms);
			atomic_long_inc(&res->partitions_lost);
			xh_partition_deactivate(run, 0, XH_PARTITION_DOWN);
			xh_partition_wait_inactive(run, 0, 60000);
			WRITE_ONCE(run->spawn_failing, false);
			WRITE_ONCE(run->dma.stall_part, -1);
			xh_set_phase("traffic");
		}
		for (i = 0; i < net->nr_senders; i++)
			senders_done &= kpool_kthread_has_exited(net->senders[i]);
		if (senders_done)
			break;
		usleep_range(1000, 1500);
	}
	for (i = 0; i < net->nr_senders; i++)
		kpool_kthread_stop(net->senders[i]);
	xh_set_phase("drain");

	/* Let what was sent arrive (a DMA timeout is the longest wait). */
	deadline = jiffies + msecs_to_jiffies(2 * run->p.dma_timeout_ms + 30000);
	while (!xh_quiet(net) && time_before(jiffies, deadline)) {
		xh_max_update(&res->peak_threads, xh_sample_threads(run));
		usleep_range(1000, 1500);
	}
	res->elapsed_ns = ktime_get_ns() - t0;
	if (!xh_quiet(net))
		xh_violation(run, "traffic did not quiesce: sent %ld delivered %ld acked %ld",
			     atomic_long_read(&res->sent), atomic_long_read(&res->delivered),
			     atomic_long_read(&res->acked));
	ret = net->nr_senders ? 0 : sender_err;

	/* The users leave; then the partitions go down. */
	xh_set_phase("teardown");
	for (c = 0; c < run->p.channels; c++) {
		xh_disconnect(run, c);
		WRITE_ONCE(net->unregistered[c], true);
	}
out_deactivate:
	for (p = 0; p < run->p.partitions; p++)
		xh_partition_deactivate(run, p, XH_PARTITION_DOWN);
	for (p = 0; p < run->p.partitions; p++)
		xh_partition_wait_inactive(run, p, 60000);
	if (!net->unregistered[0])
		for (c = 0; c < run->p.channels; c++)
			xh_disconnect(run, c); /* a failed setup: unregister what was */

	/* The books must balance: exactly one outcome per message. */
	sent = atomic_long_read(&res->sent);
	delivered = atomic_long_read(&res->delivered);
	if (!ret && sent != delivered + xh_dropped_undelivered(res))
		xh_violation(run, "sent %ld != delivered %ld + dropped %ld", sent, delivered,
			     xh_dropped_undelivered(res));
	if (!ret && delivered != atomic_long_read(&res->acked) +
					 atomic_long_read(&res->dropped[XH_DROP_NEVER_ACKED]))
		xh_violation(run, "delivered %ld != acked %ld + never acked %ld", delivered,
			     atomic_long_read(&res->acked),
			     atomic_long_read(&res->dropped[XH_DROP_NEVER_ACKED]));
	if (!ret && atomic_long_read(&res->notified) != atomic_long_read(&res->sent_notify))
		xh_violation(run, "notified %ld != sends with notify %ld",
			     atomic_long_read(&res->notified), atomic_long_read(&res->sent_notify));
	if (!ret && bitmap_weight(net->delivered, run->p.messages) != delivered)
		xh_violation(run, "distinct messages delivered %u != deliveries %ld",
			     bitmap_weight(net->delivered, run->p.messages), delivered);
	for (i = 0; i < run->p.messages; i++) {
		if (atomic_read(&net->tx[i].state) == XH_TX_PENDING)
			xh_violation(run, "message %d: sent, never notified", i);
	}
	connected = atomic_long_read(&res->callouts_connected);
	if (connected != atomic_long_read(&res->callouts_disconnecting) ||
	    connected != atomic_long_read(&res->callouts_disconnected))
		xh_violation(run, "callouts: connected %ld disconnecting %ld disconnected %ld",
			     connected, atomic_long_read(&res->callouts_disconnecting),
			     atomic_long_read(&res->callouts_disconnected));
	if (atomic_read(&res->cur_threads) || atomic_read(&run->dma.nr_waiting))
		xh_violation(run, "not quiescent: %d channel threads, %d DMA waiters",
			     atomic_read(&res->cur_threads), atomic_read(&run->dma.nr_waiting));
out_teardown:
	xh_run_teardown(run);
	/* No callout is left: free the buffers their notify released. */
	for (i = 0; i < run->p.messages; i++)
		kfree(net->tx[i].buf);
out_free:
	kvfree(net->tx);
	kvfree(net->delivered);
	kvfree(net);
	return ret;
}
