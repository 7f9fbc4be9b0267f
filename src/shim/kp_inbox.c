// SPDX-License-Identifier: GPL-2.0
/*
 * A pool's submission inbox: one lock-free list per CPU (llist), so that
 * kpool_queue() of an unordered job costs one atomic operation on a cache
 * line of the submitting CPU and no pool lock (core/pool_queue.cpp, "the
 * inbox").
 *
 * Invariant (I): a CPU's list is non-empty only while it is marked, or while
 * the submitter that made it non-empty is between kp_inbox_add() and
 * kp_inbox_mark() on that CPU with interrupts off. Marks are changed under
 * the pool lock only, and kp_inbox_take() empties marked lists only, so an
 * unmarked list never empties under its first submitter's feet.
 */
#include <linux/llist.h>
#include <linux/percpu.h>
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <linux/irqflags.h>
#include <linux/rcupdate.h>
#include <linux/cache.h>

#include "kpool/kpool.h"
#include "shim.h"

struct kp_inbox_cpu {
	struct llist_head head;
} ____cacheline_aligned_in_smp;

struct kp_inbox {
	struct kp_inbox_cpu __percpu *cpu;
	cpumask_var_t marked;	/* the pool lock */
	unsigned int nr_marked; /* the pool lock */
};

/* A job's llist node is its kp_next (unused while it is in an inbox). */
static_assert(offsetof(struct kpool_job, kp_next) == 0);
static_assert(sizeof(struct llist_node) == sizeof(struct kpool_job *));

static struct llist_node *kp_inbox_node(struct kpool_job *job)
{
	return (struct llist_node *)&job->kp_next;
}

void *kp_inbox_create(void)
{
	struct kp_inbox *ib = kzalloc(sizeof(*ib), GFP_KERNEL);
	unsigned int cpu;

	if (!ib)
		return NULL;
	ib->cpu = alloc_percpu(struct kp_inbox_cpu);
	if (!ib->cpu || !zalloc_cpumask_var(&ib->marked, GFP_KERNEL)) {
		free_percpu(ib->cpu);
		kfree(ib);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		init_llist_head(&per_cpu_ptr(ib->cpu, cpu)->head);
	return ib;
}

void kp_inbox_destroy(void *handle)
{
	struct kp_inbox *ib = handle;
	unsigned int cpu;

	if (!ib)
		return;
	for_each_possible_cpu(cpu)
		WARN_ON_ONCE(!llist_empty(&per_cpu_ptr(ib->cpu, cpu)->head));
	free_cpumask_var(ib->marked);
	free_percpu(ib->cpu);
	kfree(ib);
}

unsigned long kp_inbox_enter(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

void kp_inbox_exit(unsigned long flags)
{
	local_irq_restore(flags);
}

int kp_inbox_add(void *handle, struct kpool_job *job, unsigned int *cpu)
{
	struct kp_inbox *ib = handle;

	lockdep_assert_irqs_disabled();
	*cpu = smp_processor_id();
	return llist_add(kp_inbox_node(job), &this_cpu_ptr(ib->cpu)->head);
}

int kp_inbox_mark(void *handle, unsigned int cpu)
{
	struct kp_inbox *ib = handle;

	if (cpumask_test_and_set_cpu(cpu, ib->marked))
		return false;
	ib->nr_marked++;
	return true;
}

unsigned int kp_inbox_nr_marked(const void *handle)
{
	const struct kp_inbox *ib = handle;

	return READ_ONCE(ib->nr_marked);
}

struct kpool_job *kp_inbox_take(void *handle, int local, unsigned int *nr_unmarked, int *took_local)
{
	struct kp_inbox *ib = handle;
	struct kpool_job *first = NULL, **tail = &first;
	const struct cpumask *which = ib->marked;
	unsigned int cpu, n = 0;

	/* Under the pool lock, interrupts off: we stay on this CPU. */
	*took_local = local && cpumask_test_cpu(smp_processor_id(), ib->marked);
	if (*took_local)
		which = cpumask_of(smp_processor_id());
	for_each_cpu(cpu, which) {
		struct llist_node *node, *next;

		cpumask_clear_cpu(cpu, ib->marked);
		n++;
		/* Newest first: reversed, the jobs of one CPU run in their order. */
		node = llist_reverse_order(llist_del_all(&per_cpu_ptr(ib->cpu, cpu)->head));
		for (; node; node = next) {
			struct kpool_job *job =
				container_of((struct kpool_job **)node, struct kpool_job, kp_next);

			next = node->next;
			job->kp_next = NULL;
			*tail = job;
			tail = &job->kp_next;
		}
	}
	ib->nr_marked -= n;
	*nr_unmarked = n;
	return first;
}

/*
 * Read-only, for statistics: a reader must not do the workers' work. Only
 * kp_inbox_take() (under the pool lock, which we hold) unlinks nodes, and a
 * job on a list is pending, so it cannot be freed: the walk is safe against
 * submitters, who only push at the head. The oldest job of a list is its last.
 */
unsigned long kp_inbox_count(void *handle, unsigned long long *oldest_ns)
{
	struct kp_inbox *ib = handle;
	unsigned long n = 0;
	unsigned int cpu;

	for_each_cpu(cpu, ib->marked) {
		struct llist_node *node = READ_ONCE(per_cpu_ptr(ib->cpu, cpu)->head.first);
		struct kpool_job *job = NULL;

		for (; node; node = READ_ONCE(node->next)) {
			job = container_of((struct kpool_job **)node, struct kpool_job, kp_next);
			n++;
		}
		if (job && job->kp_queued_ns < *oldest_ns)
			*oldest_ns = job->kp_queued_ns;
	}
	return n;
}

unsigned long kp_rcu_cookie(void)
{
	return get_state_synchronize_rcu();
}

void kp_rcu_cond_sync(unsigned long cookie)
{
	cond_synchronize_rcu(cookie);
}
