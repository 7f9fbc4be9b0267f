// SPDX-License-Identifier: GPL-2.0
// Suite kpool_base: the freestanding C++ base (result type, owning pointer,
// allocation with explicit context, lock guards, intrusive list, atomics).
#include "kp_test.h"
#include "base/result.h"
#include "base/own_ptr.h"
#include "base/spin_lock.h"
#include "base/mutex.h"
#include "base/list.h"
#include "base/atomic.h"

using namespace kp;

namespace {

Result<int> half_of(int v)
{
	if (v % 2)
		return err(-EINVAL);
	return v / 2;
}

Result<int> quarter_of(int v)
{
	int h = KP_TRY(half_of(v));
	return KP_TRY(half_of(h));
}

struct Tracked {
	explicit Tracked(int *alive) : m_alive(alive) { (*m_alive)++; }
	~Tracked() { (*m_alive)--; }
	int *m_alive;
};

constinit LockClass g_test_spin_class("kp_test_spin");
constinit LockClass g_test_mutex_class("kp_test_mutex");

struct Item : ListNode<> {
	explicit Item(int v) : value(v) {}
	int value;
};

} // namespace

extern "C" void kp_base_result_value_roundtrip(struct kunit *test)
{
	Result<int> r = half_of(8);
	KP_ASSERT(test, !r.is_error());
	KP_EXPECT(test, r.value() == 4);
}

extern "C" void kp_base_result_error_keeps_errno(struct kunit *test)
{
	Result<int> r = half_of(3);
	KP_ASSERT(test, r.is_error());
	KP_EXPECT(test, r.code() == -EINVAL);
	KP_EXPECT(test, err(5).code() == -EINVAL); // a positive errno is a bug, not success
}

extern "C" void kp_base_result_try_propagates_error(struct kunit *test)
{
	Result<int> r = quarter_of(6); // 6 -> 3 -> odd
	KP_EXPECT(test, r.is_error());
	KP_EXPECT(test, r.code() == -EINVAL);
}

extern "C" void kp_base_result_try_yields_value(struct kunit *test)
{
	Result<int> r = quarter_of(20);
	KP_ASSERT(test, !r.is_error());
	KP_EXPECT(test, r.value() == 5);
}

extern "C" void kp_base_own_ptr_deletes_on_scope_exit(struct kunit *test)
{
	int alive = 0;
	{
		auto r = make_own<Tracked>(Gfp::Kernel, &alive);
		KP_ASSERT(test, !r.is_error());
		KP_EXPECT(test, alive == 1);
	}
	KP_EXPECT(test, alive == 0);
}

extern "C" void kp_base_own_ptr_move_transfers(struct kunit *test)
{
	int alive = 0;
	auto r = make_own<Tracked>(Gfp::Kernel, &alive);
	KP_ASSERT(test, !r.is_error());
	OwnPtr<Tracked> a = r.release_value();
	OwnPtr<Tracked> b = move(a);
	KP_EXPECT(test, !a);
	KP_EXPECT(test, b && alive == 1);
	b.reset();
	KP_EXPECT(test, alive == 0);
}

extern "C" void kp_base_make_own_alloc_failure(struct kunit *test)
{
	int alive = 0;
	kp_fault_fail_next(KP_FAULT_ALLOC, 1);
	auto r = make_own<Tracked>(Gfp::Kernel, &alive);
	KP_EXPECT(test, r.is_error());
	KP_EXPECT(test, r.code() == -ENOMEM);
	KP_EXPECT(test, alive == 0); // no constructor ran on a failed allocation
	auto again = make_own<Tracked>(Gfp::Kernel, &alive);
	KP_EXPECT(test, !again.is_error());
}

extern "C" void kp_base_new_gfp_alloc_failure(struct kunit *test)
{
	int alive = 0;
	kp_fault_fail_next(KP_FAULT_ALLOC, 1);
	Tracked *t = new (Gfp::NoWait) Tracked(&alive);
	KP_EXPECT(test, t == nullptr);
	KP_EXPECT(test, alive == 0);
	delete t;
}

// The raw kernel lock is a SpinLock's (a Mutex's) only member, at its start.
static const void *raw_of(const SpinLock &l)
{
	return &l;
}
static const void *raw_of(const Mutex &m)
{
	return &m;
}

extern "C" void kp_base_spin_guard_releases(struct kunit *test)
{
	static SpinLock lock;
	lock.init(g_test_spin_class);
	KP_ASSERT(test, !kp_test_spin_is_locked(raw_of(lock)));
	for (int i = 0; i < 3; i++) {
		{
			SpinGuard guard(lock);
			lock.assert_held();
			KP_EXPECT(test, kp_test_spin_is_locked(raw_of(lock)));
		}
		// Checked before taking it again: a lock left held would deadlock.
		KP_ASSERT(test, !kp_test_spin_is_locked(raw_of(lock)));
	}
}

extern "C" void kp_base_spin_guard_irqsave_restores(struct kunit *test)
{
	static SpinLock lock;
	lock.init(g_test_spin_class);
	KP_ASSERT(test, !kp_test_irqs_disabled());
	{
		SpinGuardIrqSave outer(lock);
		lock.assert_held();
		KP_EXPECT(test, kp_test_irqs_disabled());
	}
	// Enabled before, enabled after.
	KP_EXPECT(test, !kp_test_irqs_disabled());
	KP_EXPECT(test, !kp_test_spin_is_locked(raw_of(lock)));
	// Disabled before (as in an IRQ handler), still disabled after: it
	// restores the state it found rather than enabling.
	unsigned long flags = kp_test_local_irq_save();
	{
		SpinGuardIrqSave inner(lock);
		lock.assert_held();
		KP_EXPECT(test, kp_test_irqs_disabled());
	}
	bool still_disabled = kp_test_irqs_disabled();
	kp_test_local_irq_restore(flags);
	KP_EXPECT(test, still_disabled);
	KP_EXPECT(test, !kp_test_irqs_disabled());
	{
		SpinGuardIrq guard(lock);
		lock.assert_held();
		KP_EXPECT(test, kp_test_irqs_disabled());
	}
	KP_EXPECT(test, !kp_test_irqs_disabled());
	KP_EXPECT(test, !kp_test_spin_is_locked(raw_of(lock)));
}

extern "C" void kp_base_mutex_guard_releases(struct kunit *test)
{
	static Mutex m;
	m.init(g_test_mutex_class);
	{
		MutexGuard guard(m);
		m.assert_held();
		KP_EXPECT(test, kp_test_mutex_is_locked(raw_of(m)));
	}
	// Checked before taking it again: a mutex left held would deadlock.
	KP_ASSERT(test, !kp_test_mutex_is_locked(raw_of(m)));
	{
		MutexGuard guard(m);
		KP_EXPECT(test, kp_test_mutex_is_locked(raw_of(m)));
	}
	KP_EXPECT(test, !kp_test_mutex_is_locked(raw_of(m)));
	m.destroy();
}

extern "C" void kp_base_list_push_pop_order(struct kunit *test)
{
	Item a(1), b(2), c(3);
	List<Item> list;
	list.push_back(a);
	list.push_back(b);
	list.push_front(c);
	KP_EXPECT(test, list.size() == 3);
	KP_EXPECT(test, list.pop_front()->value == 3);
	KP_EXPECT(test, list.pop_back()->value == 2);
	KP_EXPECT(test, list.pop_front()->value == 1);
	KP_EXPECT(test, list.is_empty() && list.pop_front() == nullptr);
	KP_EXPECT(test, !a.is_linked() && !b.is_linked() && !c.is_linked());
}

extern "C" void kp_base_list_remove_middle(struct kunit *test)
{
	Item a(1), b(2), c(3);
	List<Item> list;
	list.push_back(a);
	list.push_back(b);
	list.push_back(c);
	list.remove(b);
	int sum = 0, n = 0;
	list.for_each([&](Item &i) {
		sum += i.value;
		n++;
	});
	KP_EXPECT(test, n == 2 && sum == 4);
	KP_EXPECT(test, !b.is_linked());
	list.remove(a);
	list.remove(c);
}

extern "C" void kp_base_atomic_ops(struct kunit *test)
{
	Atomic<long> v(5);
	KP_EXPECT(test, v.fetch_add(2) == 5);
	KP_EXPECT(test, v.add_return(1) == 8);
	long expected = 8;
	KP_EXPECT(test, v.compare_exchange(expected, 1));
	expected = 8;
	KP_EXPECT(test, !v.compare_exchange(expected, 2) && expected == 1);
	KP_EXPECT(test, v.exchange(0) == 1 && v.load_acquire() == 0);
}
