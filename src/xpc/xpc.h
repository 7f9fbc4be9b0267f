/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpool_xpc: a hardware-free imitation of SGI's XPC (drivers/misc/sgi-xp)
 * whose delivery threads come from kpool. See README.md, "XPC harness".
 *
 * One kernel holds N simulated partitions. Each has C channels, a receive
 * list per channel, a doorbell (a hard-IRQ irq_work), a channel manager
 * thread, and (kpool mode) a kpool pool. A message sent on (partition,
 * channel) is copied into a slot, the doorbell rings, the hard-IRQ handler
 * only stamps and hands the message off, a delivery thread makes the user's
 * xpMsgReceived callout, and the user's xh_received() acknowledges it to the
 * sender (freeing the slot and calling the sender's notify function).
 *
 * Delivery modes:
 *  XH_MODE_KPOOL  one kpool job per message on the partition's pool;
 *  XH_MODE_XPC    XPC's own algorithm: wake an idle channel thread, else ask
 *                 the channel manager, which calls kthread_run() one thread
 *                 after another up to assigned_limit.
 *
 * Locking: xh_channel.lock (L, IRQ-safe, process context) protects a
 * channel's flags, free list, slots and counts. The doorbell runs in hard IRQ,
 * where PREEMPT_RT allows no spinlock_t, so the part of a channel it touches
 * (the arrived and ready lists, the hand-off gate, the XPC-mode idle and
 * kthreads_needed counts) is under xh_channel.irq_lock (R, a raw spinlock held
 * for list moves and counts only), which nests inside L, never outside it.
 * The doorbell wakes only through swait queues and kpool_queue(), both
 * raw-lock based. kpool's own locks nest inside both (kpool_queue and
 * kpool_cancel are called under them). xh_partition.lock protects the
 * partition state; taken before a channel lock, never after.
 */
#ifndef KPOOL_XPC_H
#define KPOOL_XPC_H

#include <linux/types.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/swait.h>
#include <linux/list.h>
#include <linux/irq_work.h>
#include <linux/hrtimer.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <kpool/kpool.h>

#define XH_MAX_PARTITIONS 256
#define XH_MAX_CHANNELS 8 /* XPC's hard maximum */
#define XH_MAX_PAIRS (XH_MAX_PARTITIONS * XH_MAX_CHANNELS)
#define XH_MSG_SIZE 128
#define XH_MSG_HDR_SIZE 16
#define XH_PAYLOAD_MAX (XH_MSG_SIZE - XH_MSG_HDR_SIZE) /* 112 */
#define XH_NENTRIES_MAX 1024
#define XH_NET_CHANNEL 1 /* the xpnet-like consumer's channel */

/* Reasons and return values, after XPC's enum xp_retval. */
enum xh_reason {
	XH_SUCCESS = 0,
	XH_NOT_CONNECTED,
	XH_CONNECTED,
	XH_MSG_RECEIVED,
	XH_MSG_DELIVERED,
	XH_NO_WAIT,
	XH_TIMEOUT,
	XH_INTERRUPTED,
	XH_INVALID_PARTID,
	XH_INVALID_CHANNEL,
	XH_PAYLOAD_TOO_BIG,
	XH_ALREADY_REGISTERED,
	XH_UNREGISTERING,
	XH_PARTITION_DOWN,
	XH_NO_HEARTBEAT,
	XH_DISCONNECTING,
	XH_DISCONNECTED,
	XH_NO_MEMORY,
	XH_NR_REASONS
};

const char *xh_reason_name(enum xh_reason r);

enum xh_mode { XH_MODE_KPOOL, XH_MODE_XPC };

/* Partition states (XPC_P_AS_*). */
enum xh_part_state {
	XH_P_INACTIVE,
	XH_P_ACTIVATION_REQ,
	XH_P_ACTIVATING,
	XH_P_ACTIVE,
	XH_P_DEACTIVATING,
};

/* Channel flags (XPC_C_*). */
#define XH_C_OPENREQUEST 0x0001
#define XH_C_OPENREPLY 0x0002
#define XH_C_CONNECTED 0x0004	     /* handshake complete, sends allowed */
#define XH_C_CONNECTEDCALLOUT 0x0008 /* xpConnected callout being made */
#define XH_C_CONNECTEDCALLOUT_MADE 0x0010
#define XH_C_DISCONNECTING 0x0020
#define XH_C_DISCONNECTINGCALLOUT 0x0400 /* xpDisconnecting claimed */
#define XH_C_DISCONNECTINGCALLOUT_MADE 0x0040
#define XH_C_CLOSEREQUEST 0x0080
#define XH_C_CLOSEREPLY 0x0100
#define XH_C_DISCONNECTED 0x0200 /* idle: not connected, nothing in flight */

/* Why a sent message was not delivered (each is counted). */
enum xh_drop {
	XH_DROP_DISCONNECT,	/* channel disconnected before delivery */
	XH_DROP_PARTITION_DOWN, /* partition lost before delivery */
	XH_DROP_CANCELLED,	/* delivery job cancelled by pool teardown */
	XH_DROP_NEVER_ACKED,	/* delivered, but the consumer never acknowledged */
	XH_NR_DROPS
};

/* Slot states. */
enum xh_msg_state {
	XH_M_FREE,
	XH_M_ARRIVED,	 /* sent, doorbell rung, not handed off yet */
	XH_M_HANDED,	 /* handed to a delivery thread (job queued / ready list) */
	XH_M_DELIVERING, /* xpMsgReceived callout running */
	XH_M_DELIVERED,	 /* callout returned, awaiting xh_received() */
};

typedef void (*xh_channel_func)(enum xh_reason reason, int partid, int ch, void *data, void *key);
typedef void (*xh_notify_func)(enum xh_reason reason, int partid, int ch, void *key);

struct xh_channel;

/* One message slot. The payload is what the user sees (data of the callout). */
struct xh_msg {
	struct kpool_job job;  /* delivery job, kpool mode */
	struct list_head node; /* free / arrived / ready list */
	struct xh_channel *ch;
	enum xh_msg_state state;
	u32 gen; /* bumped at each send into the slot */
	u16 size;
	bool cold; /* delivered by a thread created for it */
	u64 t_send_ns;
	u64 t_irq_ns; /* doorbell hard-IRQ entry */
	xh_notify_func notify;
	void *notify_key;
	u8 payload[XH_PAYLOAD_MAX] __aligned(8);
};

struct xh_partition;

struct xh_channel {
	struct xh_partition *part;
	int number;
	spinlock_t lock;	 /* L: see the legend at the top */
	raw_spinlock_t irq_lock; /* R: the doorbell's share, inside L */
	u32 flags;		 /* L */
	enum xh_reason reason;	 /* L: why disconnecting */
	u16 nentries;		 /* L: negotiated at connect */
	struct xh_msg *slots;	 /* XH_NENTRIES_MAX allocated */
	unsigned int nr_slots;	 /* allocated slots */
	struct list_head free;	 /* L */
	/* L+R (written under both): xpConnected made, not disconnecting. */
	bool handoff_open;
	struct list_head arrived; /* R */
	struct list_head ready;	  /* R: XPC mode, waiting for a thread */
	unsigned int n_used;	  /* L: slots not free */
	/* A: deliveries handed off, not finished; only falls once closed. */
	atomic_t n_refs;
	unsigned int n_in_callout;	 /* L: callouts running */
	wait_queue_head_t slot_wq;	 /* WAIT senders */
	wait_queue_head_t quiesce_wq;	 /* the manager waiting for n_* to drop */
	struct swait_queue_head idle_wq; /* XPC mode: idle threads, woken one at a time */
	/* XPC mode thread accounting: assigned (L), idle and kthreads_needed (R). */
	int assigned, idle, kthreads_needed;
	int assigned_limit, idle_limit;
	struct kpool_job connect_job; /* kpool mode: the xpConnected callout */
};

struct xh_partition {
	int id;
	struct xh_run *run;
	spinlock_t lock;	  /* P: state and heartbeat fields */
	enum xh_part_state state; /* P: partition lock */
	enum xh_reason reason;	  /* P */
	bool remote_alive;	  /* P: remote heartbeats and serves DMA */
	bool down;		  /* P: deactivated in this run, for good */
	u64 remote_heartbeat;	  /* P */
	u64 seen_heartbeat;	  /* P */
	unsigned long seen_at;	  /* P: jiffies of the last change */
	int nr_channels;
	struct xh_channel ch[XH_MAX_CHANNELS];
	struct irq_work doorbell;
	struct kpool *pool;	  /* kpool mode */
	struct kpool_domain *dom; /* kpool mode: the partition's jobs, on @pool */
	struct kpool_kthread *chmgr;
	struct swait_queue_head chmgr_wq; /* the channel manager, its only waiter */
	unsigned long chmgr_kick;	  /* A: bit 0 = work pending */
};

/* Simulated DMA engine (xpc_dma.c). */
struct xh_dma {
	spinlock_t lock;      /* the list below */
	struct list_head all; /* descriptors alive (waiter or timer) */
	unsigned int lat_us, slow_pct, slow_ms, timeout_ms, timeout_pct;
	u32 seed;	/* xh_params.seed */
	int stall_part; /* its new transfers hang until aborted */
	atomic_long_t nr_ok, nr_slow, nr_timeouts, nr_late, nr_aborted, nr_failed;
	atomic_t nr_waiting, peak_waiting;
	DECLARE_BITMAP(lost, XH_MAX_PARTITIONS); /* partitions whose memory is gone */
	/* (partition, channel) pairs being torn down: new transfers fail. */
	DECLARE_BITMAP(aborted, XH_MAX_PAIRS);
};

int xh_dma_init(struct xh_dma *dma);
/* Copy @len bytes from remote memory @src of partition @partid to @dst.
 * Sleeps in TASK_IDLE until done, aborted or timed out. Returns 0,
 * -ETIMEDOUT, -ECONNABORTED, -EHOSTDOWN or -ENOMEM. Context: process.
 */
int xh_dma_pull(struct xh_dma *dma, int partid, int ch, void *dst, const void *src, size_t len,
		u32 seq);
/*
 * xh_rand - a reproducible draw for message @seq: a pure function of (@seed,
 * @seq, @salt), so that two runs with the same seed (kpool mode and XPC mode)
 * see the same DMA latencies and packet sizes whatever order their threads
 * handle the messages in. Context: any.
 */
u32 xh_rand(u32 seed, u32 seq, u32 salt);
/* Fail every transfer of @partid (@ch < 0: every channel) in flight, and
 * every new one until xh_dma_reset(). Context: any.
 */
void xh_dma_abort(struct xh_dma *dma, int partid, int ch);
/* A (re)connected channel transfers again. Context: any. */
void xh_dma_reset(struct xh_dma *dma, int partid, int ch);
/* Cancel the timers of late transfers; after it no timer runs. Context: process. */
void xh_dma_exit(struct xh_dma *dma);

#define XH_LAT_BUCKETS 2
/* Results of one run (read through debugfs "results"). */
struct xh_results {
	atomic_long_t sent, sent_notify, delivered, notified, acked;
	atomic_long_t dropped[XH_NR_DROPS];
	atomic_long_t refused_full, refused_not_connected, refused_timeout;
	atomic_long_t waited_full; /* a sender slept for a free slot (queue full, WAIT) */
	atomic_long_t pull_failed, bad_payload;
	atomic_long_t callouts_connected, callouts_disconnecting, callouts_disconnected;
	atomic_long_t threads_created, spawn_failures, disconnect_stalls;
	atomic_long_t partitions_lost, heartbeat_losses;
	atomic_t cur_threads, peak_threads;
	atomic_t nentries_min; /* smallest negotiated nentries */
	atomic_long_t violations;
	char first_violation[160];
	/* Interrupt entry to callout, per message; [0] warm, [1] cold. */
	u64 *lat[XH_LAT_BUCKETS];
	atomic_t nr_lat[XH_LAT_BUCKETS];
	unsigned int lat_cap;
	u64 elapsed_ns;
};

/* Scenario parameters (debugfs files, xpc_main.c). */
struct xh_params {
	unsigned int partitions, channels, messages, rate, burst;
	unsigned int nentries, remote_nentries, assigned_limit, idle_limit, reserve;
	unsigned int dma_lat_us, dma_slow_pct, dma_slow_ms, dma_timeout_ms, dma_timeout_pct;
	unsigned int lose_partitions, lose_abrupt, lose_at_pct;
	unsigned int disconnect_blocked, blocked_hold_ms, spawn_fail, noack_every, nowait;
	unsigned int ack_timeout_ms, send_timeout_ms, late_partitions;
	unsigned int seed; /* 0: fresh random draws; else reproducible ones (xh_rand) */
};

struct xh_run {
	enum xh_mode mode;
	struct xh_params p;
	struct xh_partition *parts;
	struct xh_dma dma;
	struct xh_results *res;
	struct xh_reg *regs; /* per channel number */
	bool spawn_failing;  /* XPC mode: kthread_run "fails" */
};

/* Channel users (after xpc_connect / xpc_disconnect). */
struct xh_reg {
	struct mutex mutex;   /* serialises connect and disconnect */
	xh_channel_func func; /* NULL: not registered */
	void *key;
	u16 payload_size, nentries, assigned_limit, idle_limit;
};

/* ---- xpc_channel.c: the XPC user API and the channel machinery ---- */
int xh_run_setup(struct xh_run *run);
void xh_run_teardown(struct xh_run *run);
int xh_partition_activate(struct xh_run *run, int partid);
/* Begin deactivating @partid (graceful: the remote said so; abrupt: found by
 * the heartbeat checker). Context: any.
 */
void xh_partition_deactivate(struct xh_run *run, int partid, enum xh_reason reason);
/* Wait until @partid is inactive. Returns 0 or -ETIMEDOUT. */
int xh_partition_wait_inactive(struct xh_run *run, int partid, unsigned int timeout_ms);

enum xh_reason xh_connect(struct xh_run *run, int ch, xh_channel_func func, void *key,
			  u16 payload_size, u16 nentries, u16 assigned_limit, u16 idle_limit);
void xh_disconnect(struct xh_run *run, int ch);
#define XH_WAIT 0
#define XH_NOWAIT 1
enum xh_reason xh_send(struct xh_run *run, int partid, int ch, u32 flags, const void *payload,
		       u16 size);
enum xh_reason xh_send_notify(struct xh_run *run, int partid, int ch, u32 flags,
			      const void *payload, u16 size, xh_notify_func func, void *key);
/* Acknowledge a delivered message; @payload is the callout's data. */
void xh_received(struct xh_run *run, int partid, int ch, void *payload);
/* Whether @partid's channel @ch is connected (sends would be accepted). */
bool xh_is_connected(struct xh_run *run, int partid, int ch);

void xh_violation(struct xh_run *run, const char *fmt, ...) __printf(2, 3);

/* ---- xpc_net.c: the xpnet-like consumer and the traffic ---- */
int xh_net_run(struct xh_run *run);

/* ---- xpc_main.c: the heartbeat thread watches the run's partitions ---- */
/* What the run is doing (debugfs "phase"), for scripts that act on cue. */
void xh_set_phase(const char *phase);
void xh_heartbeat_attach(struct xh_run *run);
void xh_heartbeat_detach(struct xh_run *run);

/* Lower *@min to @v; 0 means not set yet. */
static inline void xh_min_update(atomic_t *min, int v)
{
	int p = atomic_read(min);

	while ((!p || v < p) && !atomic_try_cmpxchg(min, &p, v))
		;
}

static inline void xh_max_update(atomic_t *peak, int v)
{
	int p = atomic_read(peak);

	while (v > p && !atomic_try_cmpxchg(peak, &p, v))
		;
}

#endif /* KPOOL_XPC_H */
