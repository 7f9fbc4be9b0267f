// SPDX-License-Identifier: GPL-2.0
/* Shim: spinlocks, mutexes and completions held in C++ objects' storage. */
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/completion.h>
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/slab.h>
#include "shim.h"
#include "kp_internal.h"

void kp_spin_init(void *lock, const char *name, void *key)
{
	spin_lock_init((spinlock_t *)lock);
	lockdep_set_class_and_name((spinlock_t *)lock, (struct lock_class_key *)key, name);
}
EXPORT_SYMBOL_IF_KUNIT(kp_spin_init);

void kp_spin_lock(void *lock)
{
	spin_lock((spinlock_t *)lock);
}
EXPORT_SYMBOL_IF_KUNIT(kp_spin_lock);

void kp_spin_unlock(void *lock)
{
	spin_unlock((spinlock_t *)lock);
}
EXPORT_SYMBOL_IF_KUNIT(kp_spin_unlock);

void kp_spin_lock_irq(void *lock)
{
	spin_lock_irq((spinlock_t *)lock);
}
EXPORT_SYMBOL_IF_KUNIT(kp_spin_lock_irq);

void kp_spin_unlock_irq(void *lock)
{
	spin_unlock_irq((spinlock_t *)lock);
}
EXPORT_SYMBOL_IF_KUNIT(kp_spin_unlock_irq);

unsigned long kp_spin_lock_irqsave(void *lock)
{
	unsigned long flags;

	spin_lock_irqsave((spinlock_t *)lock, flags);
	return flags;
}
EXPORT_SYMBOL_IF_KUNIT(kp_spin_lock_irqsave);

void kp_spin_unlock_irqrestore(void *lock, unsigned long flags)
{
	spin_unlock_irqrestore((spinlock_t *)lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(kp_spin_unlock_irqrestore);

void kp_spin_assert_held(void *lock)
{
	lockdep_assert_held((spinlock_t *)lock);
}
EXPORT_SYMBOL_IF_KUNIT(kp_spin_assert_held);

void kp_raw_spin_init(void *lock, const char *name, void *key)
{
	raw_spin_lock_init((raw_spinlock_t *)lock);
	lockdep_set_class_and_name((raw_spinlock_t *)lock, (struct lock_class_key *)key, name);
}

void kp_raw_spin_lock(void *lock)
{
	raw_spin_lock((raw_spinlock_t *)lock);
}

void kp_raw_spin_unlock(void *lock)
{
	raw_spin_unlock((raw_spinlock_t *)lock);
}

void kp_raw_spin_lock_irq(void *lock)
{
	raw_spin_lock_irq((raw_spinlock_t *)lock);
}

void kp_raw_spin_unlock_irq(void *lock)
{
	raw_spin_unlock_irq((raw_spinlock_t *)lock);
}

unsigned long kp_raw_spin_lock_irqsave(void *lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave((raw_spinlock_t *)lock, flags);
	return flags;
}

void kp_raw_spin_unlock_irqrestore(void *lock, unsigned long flags)
{
	raw_spin_unlock_irqrestore((raw_spinlock_t *)lock, flags);
}

void kp_raw_spin_assert_held(void *lock)
{
	lockdep_assert_held((raw_spinlock_t *)lock);
}

void kp_mutex_init(void *mutex, const char *name, void *key)
{
	__mutex_init((struct mutex *)mutex, name, (struct lock_class_key *)key);
}
EXPORT_SYMBOL_IF_KUNIT(kp_mutex_init);

void kp_mutex_destroy(void *mutex)
{
	mutex_destroy((struct mutex *)mutex);
}
EXPORT_SYMBOL_IF_KUNIT(kp_mutex_destroy);

void kp_mutex_lock(void *mutex)
{
	mutex_lock((struct mutex *)mutex);
}
EXPORT_SYMBOL_IF_KUNIT(kp_mutex_lock);

void kp_mutex_unlock(void *mutex)
{
	mutex_unlock((struct mutex *)mutex);
}
EXPORT_SYMBOL_IF_KUNIT(kp_mutex_unlock);

void kp_mutex_assert_held(void *mutex)
{
	lockdep_assert_held((struct mutex *)mutex);
}
EXPORT_SYMBOL_IF_KUNIT(kp_mutex_assert_held);

void kp_completion_init(void *done)
{
	init_completion((struct completion *)done);
}

void kp_completion_reinit(void *done)
{
	reinit_completion((struct completion *)done);
}

void kp_complete(void *done)
{
	complete((struct completion *)done);
}

void kp_complete_all(void *done)
{
	complete_all((struct completion *)done);
}

void kp_completion_wait(void *done)
{
	wait_for_completion_state((struct completion *)done, TASK_IDLE);
}

unsigned long kp_completion_wait_timeout(void *done, unsigned long timeout_jiffies)
{
	struct completion *x = (struct completion *)done;

	/*
	 * 6.12 has no TASK_IDLE wait with a timeout. Waiting in steps of at most
	 * one second keeps a long wait (a 28 s device timeout) from looking hung:
	 * the hung-task detector only reports a task that did not run at all for
	 * its whole period.
	 */
	while (timeout_jiffies) {
		unsigned long step = min_t(unsigned long, timeout_jiffies, HZ);
		unsigned long left = wait_for_completion_timeout(x, step);

		if (left)
			return timeout_jiffies - step + left;
		timeout_jiffies -= step;
	}
	return 0;
}

int kp_completion_done(void *done)
{
	return completion_done((struct completion *)done);
}

void kp_waitq_init(void *wq, const char *name, void *key)
{
	__init_waitqueue_head((wait_queue_head_t *)wq, name, (struct lock_class_key *)key);
}

void kp_waitq_wake_all(void *wq)
{
	wake_up_all((wait_queue_head_t *)wq);
}

void kp_waitq_wait_idle(void *wq, kp_cond_fn cond, void *arg)
{
	wait_event_idle(*(wait_queue_head_t *)wq, cond(arg));
}

#ifdef CONFIG_LOCKDEP
struct kp_lockdep_map {
	struct lock_class_key key;
	struct lockdep_map map;
};

void *kp_lockdep_map_create(const char *name)
{
	struct kp_lockdep_map *m = kzalloc(sizeof(*m), GFP_KERNEL);

	if (!m)
		return NULL;
	lockdep_register_key(&m->key);
	lockdep_init_map(&m->map, name, &m->key, 0);
	return m;
}

void kp_lockdep_map_destroy(void *map)
{
	struct kp_lockdep_map *m = map;

	if (!m)
		return;
	lockdep_unregister_key(&m->key);
	kfree(m);
}

void kp_lockdep_map_acquire(void *map)
{
	struct kp_lockdep_map *m = map;

	if (m)
		lock_map_acquire(&m->map);
}

void kp_lockdep_map_release(void *map)
{
	struct kp_lockdep_map *m = map;

	if (m)
		lock_map_release(&m->map);
}
#else
void *kp_lockdep_map_create(const char *name)
{
	return NULL;
}

void kp_lockdep_map_destroy(void *map)
{
}

void kp_lockdep_map_acquire(void *map)
{
}

void kp_lockdep_map_release(void *map)
{
}
#endif
