// SPDX-License-Identifier: GPL-2.0
/*
 * Sizes and alignments of kernel objects that C++ classes embed as opaque
 * storage. Compiled to assembly only; Kbuild turns the markers into
 * generated/kp_layout.h, the same way the kernel makes asm-offsets.h.
 */
#include <linux/kbuild.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/completion.h>
#include <linux/lockdep.h>
#include <linux/workqueue.h>
#include <linux/list.h>
#include <linux/wait.h>
#include <linux/preempt.h>

#define KP_LAYOUT(name, type)                                 \
	do {                                                  \
		DEFINE(KP_SIZEOF_##name, sizeof(type));       \
		DEFINE(KP_ALIGNOF_##name, __alignof__(type)); \
	} while (0)

int main(void);
int main(void)
{
	KP_LAYOUT(SPINLOCK, spinlock_t);
	KP_LAYOUT(RAW_SPINLOCK, raw_spinlock_t);
	KP_LAYOUT(MUTEX, struct mutex);
	KP_LAYOUT(COMPLETION, struct completion);
	KP_LAYOUT(WORK, struct work_struct);
	KP_LAYOUT(HLIST_NODE, struct hlist_node);
	KP_LAYOUT(LOCK_CLASS_KEY, struct lock_class_key);
	KP_LAYOUT(WAITQ, wait_queue_head_t);
#ifdef CONFIG_PREEMPT_NOTIFIERS
	KP_LAYOUT(PREEMPT_NOTIFIER, struct preempt_notifier);
#else
	/* Storage that kp_notifier_register_self() never touches. */
	DEFINE(KP_SIZEOF_PREEMPT_NOTIFIER, sizeof(void *));
	DEFINE(KP_ALIGNOF_PREEMPT_NOTIFIER, __alignof__(void *));
#endif
	return 0;
}
