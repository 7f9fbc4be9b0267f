/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpool.hpp: RAII owners over kpool's C API (kpool.h) for C++ modules.
 *
 * Freestanding, in the subset kpool itself is written in: no exceptions, no
 * RTTI, no standard library header, no global constructors, no allocation.
 * A C++ module includes this header instead of re-wrapping kpool.h:
 *
 *   kpool_cxx::Pool        owns a pool: the destructor destroys it;
 *   kpool_cxx::PoolRef     a non-owning handle (kpool_cxx::default_pool() returns one);
 *   kpool_cxx::Domain      owns a domain on a pool: the destructor destroys it (the
 *                      safe unload: none of its jobs runs afterwards);
 *   kpool_cxx::Job<...>    a job embedded in its owner that calls a member function
 *                      of the owner, no casts at the call site;
 *   kpool_cxx::QuickThread owns a quick thread: the destructor stops it;
 *   kpool_cxx::KThread     owns a plain kernel thread: the destructor stops it;
 *   kpool_cxx::BlockScope  kpool_block_begin()/kpool_block_end() for a scope;
 *   kpool_cxx::Expected<T> a value or a negative errno, [[nodiscard]].
 *
 * The namespace is kpool_cxx (struct kpool owns the name kpool). Its move()
 * is called qualified, kpool_cxx::move(), as std::move is.
 *
 * Destructors that stop or destroy may sleep: owners of Pool, Domain,
 * QuickThread and KThread objects destroy them in process context, as with
 * the C calls.
 *
 * The comments are kernel-doc. scripts/kernel-doc (run by `make lint`) parses
 * C: it reads the comments that start a line, so each class and template is a
 * DOC: section and a free function a function comment; the comments of
 * members, indented inside their class, have the same form but the tool does
 * not see them.
 */
#ifndef KPOOL_KPOOL_HPP
#define KPOOL_KPOOL_HPP

#ifndef __cplusplus
#error "kpool.hpp is for C++ modules; C modules include kpool.h"
#endif

#include "kpool/kpool.h"

namespace kpool_cxx {

/**
 * DOC: kpool_cxx::remove_reference and kpool_cxx::move
 *
 * remove_reference<T>::type is T without a reference; move(v) is std::move
 * without <utility>: @v as an rvalue reference. Context: any.
 */
template <typename T>
struct remove_reference {
	using type = T;
};
template <typename T>
struct remove_reference<T &> {
	using type = T;
};

template <typename T>
constexpr typename remove_reference<T>::type &&move(T &&v) noexcept
{
	return static_cast<typename remove_reference<T>::type &&>(v);
}

/**
 * DOC: kpool_cxx::Expected
 *
 * Expected<T>: a value of type T or a negative errno, [[nodiscard]]. T must
 * be default-constructible and movable. An Expected that holds an error
 * holds a default-constructed (empty) T. Context: any.
 *
 * has_value() says which; error() returns the negative errno (0 with a
 * value); value() is a reference to the value; take() moves it out.
 * Expected<T>::failure(error) makes one holding @error (a non-negative
 * error, a caller bug, becomes -EINVAL).
 */
template <typename T>
class [[nodiscard]] Expected {
public:
	Expected(T &&value) : m_value(kpool_cxx::move(value)) {}
	static Expected failure(int error)
	{
		Expected e;
		/* A non-negative "error" is a caller bug: report -EINVAL (22). */
		e.m_error = error < 0 ? error : -22;
		return e;
	}

	bool has_value() const { return m_error == 0; }
	/** error() - Return: the negative errno, or 0 if a value is held. */
	int error() const { return m_error; }
	T &value() { return m_value; }
	/** take() - Return: the value moved out (an empty T if an error is held). */
	T take() { return kpool_cxx::move(m_value); }

private:
	Expected() = default;
	T m_value{};
	int m_error = 0;
};

/**
 * DOC: kpool_cxx::PoolRef
 *
 * A non-owning handle on a pool, valid while the pool lives. Each call is the
 * C call of the same name (name(): kpool_name(), queue(): kpool_queue(),
 * queue_ordered(), drain(), set_attrs(), attrs(): kpool_get_attrs(), stats():
 * kpool_get_stats()); kpool.h gives each one's context, errors and
 * guarantees. Calls that can fail are [[nodiscard]] and return the C call's
 * errno.
 */
class PoolRef {
public:
	constexpr PoolRef() = default;
	constexpr explicit PoolRef(struct kpool *pool) : m_pool(pool) {}

	struct kpool *get() const { return m_pool; }
	explicit operator bool() const { return m_pool != nullptr; }
	const char *name() const { return kpool_name(m_pool); }

	/* queue - kpool_queue(): 0 queued, KPOOL_ALREADY_PENDING (nothing
	 * changed) or a negative errno.
	 */
	[[nodiscard]] int queue(struct kpool_job &job) const { return kpool_queue(m_pool, &job); }
	[[nodiscard]] int queue_ordered(struct kpool_job &job, unsigned long key) const
	{
		return kpool_queue_ordered(m_pool, &job, key);
	}
	int drain() const { return kpool_drain(m_pool); }
	[[nodiscard]] int set_attrs(const struct kpool_attrs &attrs) const
	{
		return kpool_set_attrs(m_pool, &attrs);
	}
	struct kpool_attrs attrs() const
	{
		struct kpool_attrs a;
		kpool_get_attrs(m_pool, &a);
		return a;
	}
	struct kpool_stats stats() const
	{
		struct kpool_stats st;
		kpool_get_stats(m_pool, &st);
		return st;
	}

protected:
	struct kpool *m_pool = nullptr;
};

/**
 * default_pool() - the shared pool kpool creates on load.
 *
 * Context: any.
 * Return: a handle on it (kpool_default()).
 */
inline PoolRef default_pool()
{
	return PoolRef(kpool_default());
}

/**
 * DOC: kpool_cxx::Pool
 *
 * Owns a pool; the destructor destroys it (kpool_destroy()). Move-only. A
 * moved-from or failed Pool is empty and its destructor does nothing.
 *
 * Pool::create(name, attrs) and Pool::create_bound(name, attrs, cpu) return
 * an Expected<Pool> holding kpool_create()'s or kpool_create_bound()'s errno
 * on failure. reset() destroys the pool now; release() gives up ownership.
 * Context of create(), create_bound(), reset() and the destructor: process
 * context, may sleep.
 */
class Pool : public PoolRef {
public:
	constexpr Pool() = default;
	Pool(const Pool &) = delete;
	Pool &operator=(const Pool &) = delete;
	Pool(Pool &&other) noexcept : PoolRef(other.release()) {}
	Pool &operator=(Pool &&other) noexcept
	{
		if (this != &other) {
			reset();
			m_pool = other.release();
		}
		return *this;
	}
	~Pool() { reset(); }

	/** create() - kpool_create(). Return: the pool, or kpool_create()'s errno. */
	static Expected<Pool> create(const char *name, const struct kpool_attrs &attrs)
	{
		struct kpool *p = nullptr;
		int ret = kpool_create(name, &attrs, &p);
		if (ret)
			return Expected<Pool>::failure(ret);
		return Pool(p);
	}
	/** create_bound() - kpool_create_bound(). Return: as create(). */
	static Expected<Pool> create_bound(const char *name, const struct kpool_attrs &attrs,
					   unsigned int cpu)
	{
		struct kpool *p = nullptr;
		int ret = kpool_create_bound(name, &attrs, cpu, &p);
		if (ret)
			return Expected<Pool>::failure(ret);
		return Pool(p);
	}

	/** reset() - destroy the pool now (kpool_destroy()); the Pool is empty after. */
	void reset()
	{
		struct kpool *p = release();
		if (p)
			kpool_destroy(p);
	}
	/** release() - give up ownership. Return: the pool, for the caller to destroy. */
	struct kpool *release()
	{
		struct kpool *p = m_pool;
		m_pool = nullptr;
		return p;
	}

private:
	explicit Pool(struct kpool *p) : PoolRef(p) {}
};

/**
 * DOC: kpool_cxx::Domain
 *
 * Owns a domain (struct kpool_domain); the destructor destroys it
 * (kpool_domain_destroy(): the domain's work finishes or is cancelled, and
 * none of its jobs runs afterwards). Move-only; a moved-from or failed
 * Domain is empty and its destructor does nothing. Must be destroyed before
 * its pool (a Domain declared after its Pool is).
 *
 * Domain::create(pool, name, max_active) returns an Expected<Domain> holding
 * kpool_domain_create()'s errno on failure (a default PoolRef is the default
 * pool). queue(), queue_ordered(), queue_delayed(), mod_delayed(), flush(),
 * drain() and cancel_all() are the kpool_domain_*() calls of the same name; reset()
 * destroys the domain now; release() gives up ownership. Context of create(),
 * flush(), drain(), cancel_all(), reset() and the destructor: process
 * context, may sleep; of the queue calls and mod_delayed(): any.
 */
class Domain {
public:
	constexpr Domain() = default;
	Domain(const Domain &) = delete;
	Domain &operator=(const Domain &) = delete;
	Domain(Domain &&other) noexcept : m_dom(other.release()) {}
	Domain &operator=(Domain &&other) noexcept
	{
		if (this != &other) {
			reset();
			m_dom = other.release();
		}
		return *this;
	}
	~Domain() { reset(); }

	/** create() - kpool_domain_create(). Return: the domain, or its errno. */
	static Expected<Domain> create(PoolRef pool, const char *name, unsigned int max_active = 0)
	{
		struct kpool_domain *d = nullptr;
		int ret = kpool_domain_create(pool.get(), name, max_active, &d);
		if (ret)
			return Expected<Domain>::failure(ret);
		return Domain(d);
	}

	struct kpool_domain *get() const { return m_dom; }
	explicit operator bool() const { return m_dom != nullptr; }

	/* queue - kpool_domain_queue(): 0, KPOOL_ALREADY_PENDING or a negative errno. */
	[[nodiscard]] int queue(struct kpool_job &job) const
	{
		return kpool_domain_queue(m_dom, &job);
	}
	[[nodiscard]] int queue_ordered(struct kpool_job &job, unsigned long key) const
	{
		return kpool_domain_queue_ordered(m_dom, &job, key);
	}
	[[nodiscard]] int queue_delayed(struct kpool_delayed_job &dj, unsigned long delay) const
	{
		return kpool_domain_queue_delayed(m_dom, &dj, delay);
	}
	[[nodiscard]] int mod_delayed(struct kpool_delayed_job &dj, unsigned long delay) const
	{
		return kpool_domain_mod_delayed(m_dom, &dj, delay);
	}
	int flush() const { return kpool_domain_flush(m_dom); }
	int drain() const { return kpool_domain_drain(m_dom); }
	/** cancel_all() - Return: the number of jobs cancelled (kpool_domain_cancel_all()). */
	int cancel_all() const { return kpool_domain_cancel_all(m_dom); }

	/**
	 * reset() - destroy the domain now (kpool_domain_destroy()).
	 *
	 * Return: 0, or -EDEADLK from one of its own jobs (then it still owns
	 * the domain).
	 */
	int reset()
	{
		if (!m_dom)
			return 0;
		int ret = kpool_domain_destroy(m_dom);
		if (!ret)
			m_dom = nullptr;
		return ret;
	}
	/** release() - give up ownership. Return: the domain, for the caller to destroy. */
	struct kpool_domain *release()
	{
		struct kpool_domain *d = m_dom;
		m_dom = nullptr;
		return d;
	}

private:
	explicit Domain(struct kpool_domain *d) : m_dom(d) {}

	struct kpool_domain *m_dom = nullptr;
};

/**
 * DOC: kpool_cxx::Job
 *
 * Job<Owner, Run, Cancel>: a job embedded in an object of type Owner that
 * runs (owner.*Run)() and, if the pool is destroyed while it is queued,
 * (owner.*Cancel)() instead (when Cancel is given). Context: as kpool_job.
 *
 *   struct Dev {
 *       void on_irq_work();
 *       kpool_cxx::Job<Dev, &Dev::on_irq_work> work{*this};
 *   };
 *   int ret = pool.queue(dev.work);
 *
 * Converts to struct kpool_job & for every PoolRef call; the kpool_job
 * guarantees (the memory stays valid while queued or running) apply to the
 * owner. Not copyable or movable: kpool keeps the address while queued.
 */
template <typename Owner, void (Owner::*Run)(), void (Owner::*Cancel)() = nullptr>
class Job {
public:
	explicit Job(Owner &owner) : m_owner(&owner)
	{
		kpool_job_fn cancel = nullptr;
		if constexpr (!is_null(Cancel))
			cancel = &Job::cancel_trampoline;
		kpool_job_init(&m_job, &Job::run_trampoline, cancel);
	}
	Job(const Job &) = delete;
	Job &operator=(const Job &) = delete;

	operator struct kpool_job &() { return m_job; }
	struct kpool_job *get() { return &m_job; }
	/** cancel() - kpool_cancel(). Return: 1 if it was pending and was removed. */
	int cancel() { return kpool_cancel(&m_job); }
	/**
	 * cancel_sync() - kpool_cancel_sync(); on return the job is neither
	 * pending nor running.
	 *
	 * Context: process context, may sleep.
	 * Return: true if it was pending.
	 */
	bool cancel_sync() { return kpool_cancel_sync(&m_job) != 0; }
	/** pending() - kpool_job_pending(), a snapshot. Context: any. */
	bool pending() const { return kpool_job_pending(&m_job) != 0; }
	/** flush() - kpool_flush_job(). Return: 0 or -EDEADLK. Context: process context, may sleep. */
	int flush() { return kpool_flush_job(&m_job); }

private:
	/* m_job is the first member of a standard-layout class, so a pointer
	 * to it is a pointer to the Job (pointer-interconvertible).
	 */
	static Job *from(struct kpool_job *job)
	{
		static_assert(__is_standard_layout(Job), "m_job must start a standard-layout Job");
		return reinterpret_cast<Job *>(job);
	}
	/* A template argument compared in a constant expression: no -Waddress. */
	template <typename M>
	static constexpr bool is_null(M m)
	{
		return m == nullptr;
	}
	static void run_trampoline(struct kpool_job *job)
	{
		Owner *owner = from(job)->m_owner;
		(owner->*Run)();
	}
	static void cancel_trampoline(struct kpool_job *job)
	{
		Owner *owner = from(job)->m_owner;
		if constexpr (!is_null(Cancel))
			(owner->*Cancel)();
	}

	struct kpool_job m_job = {};
	Owner *m_owner;
};

/**
 * DOC: kpool_cxx::QuickThread
 *
 * Owns a quick thread (struct kpool_thread); the destructor stops it if it
 * was started and is not done (process context, may sleep). run<T,
 * &T::fn>(pool, obj) hands obj.fn() to a parked pool thread with one wake-up
 * (kpool_thread_run(): context any, its errors). Not copyable or movable.
 */
class QuickThread {
public:
	QuickThread() = default;
	QuickThread(const QuickThread &) = delete;
	QuickThread &operator=(const QuickThread &) = delete;
	~QuickThread()
	{
		if (m_started)
			(void)stop();
	}

	/** run() - run (obj.*Fn)() on a thread of @pool. Return: as kpool_thread_run(). */
	template <typename T, int (T::*Fn)()>
	[[nodiscard]] int run(PoolRef pool, T &obj)
	{
		int ret = kpool_thread_run(pool.get(), &m_thread, &QuickThread::trampoline<T, Fn>,
					   &obj);
		if (!ret)
			m_started = true;
		return ret;
	}
	/**
	 * run_named() - run(), the thread named @name while it runs
	 * (kpool_thread_run_named()).
	 */
	template <typename T, int (T::*Fn)()>
	[[nodiscard]] int run_named(PoolRef pool, T &obj, const char *name)
	{
		int ret = kpool_thread_run_named(pool.get(), &m_thread,
						 &QuickThread::trampoline<T, Fn>, &obj, name);
		if (!ret)
			m_started = true;
		return ret;
	}
	/**
	 * stop() - kpool_thread_stop().
	 *
	 * Context: process context, may sleep.
	 * Return: the function's result, or -EINTR if it never started.
	 */
	int stop()
	{
		m_started = false;
		return kpool_thread_stop(&m_thread);
	}
	/**
	 * is_done() - kpool_thread_is_done().
	 *
	 * Return: true once the function returned; a stopped handle is idle
	 * again, not done.
	 */
	bool is_done() { return kpool_thread_is_done(&m_thread); }

private:
	template <typename T, int (T::*Fn)()>
	static int trampoline(void *arg)
	{
		return (static_cast<T *>(arg)->*Fn)();
	}

	struct kpool_thread m_thread = {};
	bool m_started = false;
};

/**
 * DOC: kpool_cxx::KThread
 *
 * Owns a plain kernel thread (struct kpool_kthread); the destructor stops it
 * (kpool_kthread_stop(): safe also after the function returned by itself;
 * process context, may sleep). Move-only. KThread::create<T, &T::fn>(obj,
 * name) returns an Expected<KThread> holding kpool_kthread_create()'s errno
 * on failure; stop() returns the function's result.
 */
class KThread {
public:
	constexpr KThread() = default;
	KThread(const KThread &) = delete;
	KThread &operator=(const KThread &) = delete;
	KThread(KThread &&other) noexcept : m_thread(other.m_thread) { other.m_thread = nullptr; }
	KThread &operator=(KThread &&other) noexcept
	{
		if (this != &other) {
			(void)stop();
			m_thread = other.m_thread;
			other.m_thread = nullptr;
		}
		return *this;
	}
	~KThread() { (void)stop(); }

	/** create() - kpool_kthread_create() running (obj.*Fn)(). Return: the thread or errno. */
	template <typename T, int (T::*Fn)()>
	static Expected<KThread> create(T &obj, const char *name)
	{
		struct kpool_kthread *t = nullptr;
		int ret =
			kpool_kthread_create(&KThread::trampoline<T, Fn>, nullptr, &obj, name, &t);
		if (ret)
			return Expected<KThread>::failure(ret);
		return KThread(t);
	}
	/** stop() - Return: the function's result (-EINTR if it never ran); 0 if empty. */
	int stop()
	{
		struct kpool_kthread *t = m_thread;
		m_thread = nullptr;
		return t ? kpool_kthread_stop(t) : 0;
	}
	bool has_exited() const { return m_thread && kpool_kthread_has_exited(m_thread); }
	explicit operator bool() const { return m_thread != nullptr; }

private:
	explicit KThread(struct kpool_kthread *t) : m_thread(t) {}
	template <typename T, int (T::*Fn)()>
	static int trampoline(void *arg)
	{
		return (static_cast<T *>(arg)->*Fn)();
	}

	struct kpool_kthread *m_thread = nullptr;
};

/**
 * DOC: kpool_cxx::BlockScope
 *
 * Marks a long sleep in a job or quick thread for the scope's lifetime
 * (kpool_block_begin() ... kpool_block_end()). Context: a kpool thread.
 */
class BlockScope {
public:
	BlockScope() { kpool_block_begin(); }
	~BlockScope() { kpool_block_end(); }
	BlockScope(const BlockScope &) = delete;
	BlockScope &operator=(const BlockScope &) = delete;
};

} // namespace kpool_cxx

#endif /* KPOOL_KPOOL_HPP */
