// SPDX-License-Identifier: GPL-2.0
// Suite kpool_cxx_api: include/kpool/kpool.hpp, used as a C++ consumer module
// would use it (kpool's public API only; the shim only to sleep a tick).
#include "kp_test.h"
#include "cxx_api_test.h"
#include "kpool/kpool.hpp"
#include "shim/shim.h"
#include "base/new.h"
#include "base/own_ptr.h"

namespace {

constexpr int kEINVAL = 22;
constexpr int kEEXIST = 17;
constexpr int kERANGE = 34;
// 20 s of one-jiffy sleeps at HZ=250: a bound for a slow TCG guest, never a
// figure the test judges.
constexpr int kMaxTicks = 5000;
// A delay that does not expire during a case: a minute at HZ=250, 15 s at
// HZ=1000 (jiffies; the shim's conversion is not exported to this module).
constexpr unsigned long kLongDelay = 60 * 250;

void sleep_tick()
{
	kp_set_current_state(KP_TASK_IDLE);
	kp_schedule_timeout(1);
}

int load(const int &v)
{
	return __atomic_load_n(&v, __ATOMIC_ACQUIRE);
}

void store(int &v, int x)
{
	__atomic_store_n(&v, x, __ATOMIC_RELEASE);
}

// Waits (bounded) until @v is non-zero; returns whether it became so.
bool wait_set(const int &v)
{
	for (int i = 0; i < kMaxTicks && !load(v); i++)
		sleep_tick();
	return load(v) != 0;
}

kpool_attrs small_attrs(unsigned int max_threads)
{
	kpool_attrs a = {};
	a.min_threads = 0;
	a.max_threads = max_threads;
	a.reserve = 0;
	a.idle_timeout_ms = 1000;
	return a;
}

struct Counter {
	void on_run()
	{
		__atomic_add_fetch(&runs, 1, __ATOMIC_RELEASE);
		store_self(this);
	}
	void on_cancel() { __atomic_add_fetch(&cancels, 1, __ATOMIC_RELEASE); }
	void store_self(Counter *p) { __atomic_store_n(&seen, p, __ATOMIC_RELEASE); }

	int runs = 0;
	int cancels = 0;
	Counter *seen = nullptr;
	kpool_cxx::Job<Counter, &Counter::on_run, &Counter::on_cancel> job{*this};
};

// A job that runs until it is opened.
struct Gate {
	void on_run()
	{
		store(started, 1);
		while (!load(open))
			sleep_tick();
		__atomic_add_fetch(&runs, 1, __ATOMIC_RELEASE);
	}

	int started = 0;
	int open = 0;
	int runs = 0;
	kpool_cxx::Job<Gate, &Gate::on_run> job{*this};
};

void plain_job_fn(struct kpool_job *)
{
}

// A delayed job counting its runs (kpool.hpp has no typed delayed job).
struct Delayed {
	static void on_run(struct kpool_job *job)
	{
		auto *d = reinterpret_cast<Delayed *>(reinterpret_cast<char *>(job) -
						      __builtin_offsetof(Delayed, dj.job));
		__atomic_add_fetch(&d->runs, 1, __ATOMIC_RELEASE);
	}

	struct kpool_delayed_job dj;
	int runs = 0;
};

struct Spinner {
	int loop()
	{
		store(started, 1);
		while (!kpool_thread_should_stop())
			sleep_tick();
		store(stopped, 1);
		return 7;
	}
	int exit_at_once() { return 5; }

	int started = 0;
	int stopped = 0;
};

} // namespace

extern "C" void kp_cxx_api_expected_failure_is_empty(struct kunit *test)
{
	kpool_cxx::Expected<kpool_cxx::Pool> r =
		kpool_cxx::Pool::create("kp_cxx_bad", small_attrs(0));
	KP_ASSERT(test, !r.has_value());
	KP_EXPECT(test, r.error() == -kERANGE);
	KP_EXPECT(test, !r.value());
	// A positive "errno" is a bug, never success.
	KP_EXPECT(test, kpool_cxx::Expected<kpool_cxx::Pool>::failure(5).error() == -kEINVAL);
}

extern "C" void kp_cxx_api_pool_destructor_destroys(struct kunit *test)
{
	{
		auto r = kpool_cxx::Pool::create("kp_cxx_dtor", small_attrs(2));
		KP_ASSERT(test, r.has_value());
		kpool_cxx::Pool pool = r.take();
		KP_ASSERT(test, pool);
		// While it lives, the name is taken.
		auto dup = kpool_cxx::Pool::create("kp_cxx_dtor", small_attrs(2));
		KP_EXPECT(test, dup.error() == -kEEXIST);
	}
	// The destructor destroyed it: the name is free again.
	auto again = kpool_cxx::Pool::create("kp_cxx_dtor", small_attrs(2));
	KP_EXPECT(test, again.has_value());
}

extern "C" void kp_cxx_api_pool_move_leaves_source_empty(struct kunit *test)
{
	auto r = kpool_cxx::Pool::create("kp_cxx_move", small_attrs(2));
	KP_ASSERT(test, r.has_value());
	kpool_cxx::Pool a = r.take();
	struct kpool *raw = a.get();
	kpool_cxx::Pool b = kpool_cxx::move(a);
	KP_EXPECT(test, !a);
	KP_EXPECT(test, b.get() == raw);
	kpool_cxx::Pool c;
	c = kpool_cxx::move(b);
	KP_EXPECT(test, !b);
	KP_EXPECT(test, c.get() == raw);
	// Still the same live pool, usable through its new owner.
	Counter k;
	KP_ASSERT(test, c.queue(k.job) == 0);
	k.job.flush();
	KP_EXPECT(test, load(k.runs) == 1);
}

extern "C" void kp_cxx_api_job_runs_member_function(struct kunit *test)
{
	auto r = kpool_cxx::Pool::create("kp_cxx_job", small_attrs(2));
	KP_ASSERT(test, r.has_value());
	kpool_cxx::Pool pool = r.take();
	Counter k;
	KP_ASSERT(test, pool.queue(k.job) == 0);
	k.job.flush();
	KP_EXPECT(test, load(k.runs) == 1);
	KP_EXPECT(test, load(k.cancels) == 0);
	// The member function ran on this object, not a copy.
	KP_EXPECT(test, __atomic_load_n(&k.seen, __ATOMIC_ACQUIRE) == &k);
	// The default pool through a PoolRef.
	Counter d;
	KP_ASSERT(test, kpool_cxx::default_pool().queue(d.job) == 0);
	d.job.flush();
	KP_EXPECT(test, load(d.runs) == 1);
}

extern "C" void kp_cxx_api_job_runs_or_cancels_each_at_destroy(struct kunit *test)
{
	constexpr int kJobs = 32;
	struct Jobs {
		Counter k[kJobs];
	};
	// Too large for a kernel stack; the C++ base's allocation, freed on return.
	kp::OwnPtr<Jobs> owner = kp::OwnPtr<Jobs>::adopt(new (kp::Gfp::Kernel) Jobs());
	KP_ASSERT(test, owner);
	Counter(&jobs)[kJobs] = owner->k;
	auto r = kpool_cxx::Pool::create("kp_cxx_cancel", small_attrs(1));
	KP_ASSERT(test, r.has_value());
	kpool_cxx::Pool pool = r.take();
	for (Counter &k : jobs)
		KP_ASSERT(test, pool.queue(k.job) == 0);
	// Destroyed with jobs queued behind one thread: each job either ran or
	// had its cancel member called, exactly once.
	pool.reset();
	KP_EXPECT(test, !pool);
	int ran = 0, cancelled = 0;
	for (Counter &k : jobs) {
		KP_EXPECT(test, load(k.runs) + load(k.cancels) == 1);
		ran += load(k.runs);
		cancelled += load(k.cancels);
	}
	KP_EXPECT(test, ran + cancelled == kJobs);
}

extern "C" void kp_cxx_api_job_pending_cancel_sync_queue_result(struct kunit *test)
{
	auto r = kpool_cxx::Pool::create("kp_cxx_pending", small_attrs(1));
	KP_ASSERT(test, r.has_value());
	kpool_cxx::Pool pool = r.take();
	Gate gate;
	Counter k;
	KP_ASSERT(test, pool.queue(gate.job) == 0);
	KP_ASSERT(test, wait_set(gate.started));
	// Behind the gate on the only thread: pending, and reported so.
	KP_EXPECT(test, !k.job.pending());
	KP_EXPECT(test, pool.queue(k.job) == 0);
	KP_EXPECT(test, k.job.pending());
	KP_EXPECT(test, pool.queue(k.job) == KPOOL_ALREADY_PENDING);
	KP_EXPECT(test, k.job.cancel_sync());
	KP_EXPECT(test, !k.job.pending());
	KP_EXPECT(test, !k.job.cancel_sync());
	KP_EXPECT(test, pool.queue(k.job) == 0);
	store(gate.open, 1);
	k.job.flush();
	KP_EXPECT(test, load(k.runs) == 1);
	KP_EXPECT(test, load(k.cancels) == 0);
	// Ran and returned: nothing to cancel, nothing to wait for.
	KP_EXPECT(test, !gate.job.cancel_sync());
	KP_EXPECT(test, load(gate.runs) == 1);
	// The static initializer is valid C++ too.
	struct kpool_job plain = KPOOL_JOB_INIT(plain_job_fn, nullptr);
	KP_EXPECT(test, !kpool_job_pending(&plain));
}

extern "C" void kp_cxx_api_quick_thread_destructor_stops(struct kunit *test)
{
	auto r = kpool_cxx::Pool::create("kp_cxx_quick", small_attrs(2));
	KP_ASSERT(test, r.has_value());
	kpool_cxx::Pool pool = r.take();
	Spinner s;
	{
		kpool_cxx::QuickThread qt;
		KP_ASSERT(test, (qt.run<Spinner, &Spinner::loop>(pool, s)) == 0);
		KP_ASSERT(test, wait_set(s.started));
		KP_EXPECT(test, !load(s.stopped));
	}
	// The destructor asked for the stop and waited for the function.
	KP_EXPECT(test, load(s.stopped) == 1);
}

extern "C" void kp_cxx_api_quick_thread_stop_returns_result(struct kunit *test)
{
	auto r = kpool_cxx::Pool::create("kp_cxx_qres", small_attrs(2));
	KP_ASSERT(test, r.has_value());
	kpool_cxx::Pool pool = r.take();
	Spinner s;
	kpool_cxx::QuickThread qt;
	KP_ASSERT(test, (qt.run<Spinner, &Spinner::loop>(pool, s)) == 0);
	KP_ASSERT(test, wait_set(s.started));
	KP_EXPECT(test, qt.is_done() == false);
	KP_EXPECT(test, qt.stop() == 7);
	KP_EXPECT(test, load(s.stopped) == 1);
}

extern "C" void kp_cxx_api_kthread_stop_after_exit_returns_result(struct kunit *test)
{
	Spinner s;
	auto r = kpool_cxx::KThread::create<Spinner, &Spinner::exit_at_once>(s, "kp_cxx_kt_exit");
	KP_ASSERT(test, r.has_value());
	kpool_cxx::KThread t = r.take();
	for (int i = 0; i < kMaxTicks && !t.has_exited(); i++)
		sleep_tick();
	KP_ASSERT(test, t.has_exited());
	// Stopping a thread whose function returned long ago is safe.
	KP_EXPECT(test, t.stop() == 5);
	KP_EXPECT(test, !t);
}

extern "C" void kp_cxx_api_kthread_destructor_stops(struct kunit *test)
{
	Spinner s;
	{
		auto r = kpool_cxx::KThread::create<Spinner, &Spinner::loop>(s, "kp_cxx_kt_loop");
		KP_ASSERT(test, r.has_value());
		kpool_cxx::KThread t = r.take();
		KP_ASSERT(test, wait_set(s.started));
	}
	KP_EXPECT(test, load(s.stopped) == 1);
}

namespace {

struct Blocker {
	void on_run()
	{
		{
			kpool_cxx::BlockScope blocked;
			store(inside, int(pool.stats().nr_blocked));
		}
		store(after, int(pool.stats().nr_blocked) + 1); // +1: 0 is "not yet"
	}

	kpool_cxx::PoolRef pool;
	int inside = 0;
	int after = 0;
	kpool_cxx::Job<Blocker, &Blocker::on_run> job{*this};
};

} // namespace

extern "C" void kp_cxx_api_block_scope_counts_blocked(struct kunit *test)
{
	auto r = kpool_cxx::Pool::create("kp_cxx_block", small_attrs(2));
	KP_ASSERT(test, r.has_value());
	kpool_cxx::Pool pool = r.take();
	Blocker b;
	b.pool = pool;
	KP_ASSERT(test, pool.queue(b.job) == 0);
	b.job.flush();
	KP_EXPECT(test, load(b.inside) == 1);
	KP_EXPECT(test, load(b.after) == 1);
}

extern "C" void kp_cxx_api_domain_destructor_destroys(struct kunit *test)
{
	auto r = kpool_cxx::Pool::create("kp_cxx_dom", small_attrs(1));
	KP_ASSERT(test, r.has_value());
	kpool_cxx::Pool pool = r.take();
	Gate gate;
	Counter k;
	{
		auto d = kpool_cxx::Domain::create(pool, "d", 1);
		KP_ASSERT(test, d.has_value());
		kpool_cxx::Domain dom = d.take();
		// While it lives, its name is taken on the pool.
		KP_EXPECT(test, kpool_cxx::Domain::create(pool, "d").error() == -kEEXIST);
		KP_ASSERT(test, dom.queue(gate.job) == 0);
		KP_ASSERT(test, wait_set(gate.started));
		// Ordered: waits behind the gate, in the domain.
		KP_ASSERT(test, dom.queue(k.job) == 0);
		KP_EXPECT(test, k.job.pending());
		kpool_cxx::Domain moved = kpool_cxx::move(dom);
		KP_EXPECT(test, !dom);
		store(gate.open, 1);
		// moved's destructor destroys it here: k (it has a cancel member)
		// is cancelled if it had not started, else it ran.
	}
	KP_EXPECT(test, load(gate.runs) == 1);
	KP_EXPECT(test, load(k.runs) + load(k.cancels) == 1);
	KP_EXPECT(test, !k.job.pending());
	// The destructor destroyed it: the name is free again, and the pool
	// can go (kpool_destroy() refuses while a domain lives).
	auto again = kpool_cxx::Domain::create(pool, "d");
	KP_EXPECT(test, again.has_value());
	kpool_cxx::Domain last = again.take();
	KP_EXPECT(test, last.queue(k.job) == 0);
	KP_EXPECT(test, last.flush() == 0);
	KP_EXPECT(test, last.reset() == 0);
	KP_EXPECT(test, !last);
}

extern "C" void kp_cxx_api_domain_mod_delayed_rearms(struct kunit *test)
{
	// Its timer is a debug object: not on the stack. Declared first, so
	// the domain's destructor (which runs it if still armed) comes before
	// it is freed.
	kp::OwnPtr<Delayed> job = kp::OwnPtr<Delayed>::adopt(new (kp::Gfp::Kernel) Delayed());
	KP_ASSERT(test, job);
	kpool_delayed_job_init(&job->dj, &Delayed::on_run, nullptr);
	auto r = kpool_cxx::Pool::create("kp_cxx_dmod", small_attrs(1));
	KP_ASSERT(test, r.has_value());
	kpool_cxx::Pool pool = r.take();
	auto d = kpool_cxx::Domain::create(pool, "dm");
	KP_ASSERT(test, d.has_value());
	kpool_cxx::Domain dom = d.take();
	// Idle: queued (armed for long); pending: due now instead.
	KP_EXPECT(test, dom.mod_delayed(job->dj, kLongDelay) == 0);
	KP_EXPECT(test, kpool_job_pending(&job->dj.job));
	KP_EXPECT(test, dom.mod_delayed(job->dj, 0) == KPOOL_ALREADY_PENDING);
	KP_EXPECT(test, dom.flush() == 0);
	KP_EXPECT(test, load(job->runs) == 1);
	KP_EXPECT(test, !kpool_job_pending(&job->dj.job));
}
