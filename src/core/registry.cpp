// SPDX-License-Identifier: GPL-2.0
// The pool registry: see registry.h.
#include "core/registry.h"
#include "base/debug.h"

namespace kp::registry {

namespace {

struct Entry : ListNode<> {
	explicit Entry(Pool *p) : pool(p) {}
	Pool *pool;
};

constinit LockClass g_registry_class("kpool_registry");
constinit Mutex g_mutex;
constinit List<Entry> g_pools; // g_mutex
constinit bool g_initialised = false;

void ensure_init()
{
	// Module init runs single-threaded before any API call can arrive.
	if (!g_initialised) {
		g_mutex.init(g_registry_class);
		g_initialised = true;
	}
}

bool same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

} // namespace

bool is_valid_name(const char *name)
{
	if (!name)
		return false;
	size_t n = 0;
	for (; name[n]; n++) {
		char c = name[n];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-';
		if (!ok || n >= KPOOL_NAME_MAX)
			return false;
	}
	return n > 0;
}

Result<Pool *> create_pool(const char *name, const kpool_attrs &attrs, int cpu)
{
	kp::might_sleep();
	ensure_init();
	if (!is_valid_name(name))
		return err(-EINVAL);
	auto entry = KP_TRY(make_own<Entry>(Gfp::Kernel, nullptr));
	MutexGuard guard(g_mutex);
	bool taken = false;
	g_pools.for_each([&](Entry &e) { taken |= same(e.pool->name(), name); });
	if (taken)
		return err(-EEXIST);
	entry->pool = KP_TRY(Pool::create(name, attrs, cpu));
	Pool *pool = entry->pool;
	if (auto r = pool->sysfs_add(); r.is_error()) {
		pool->destroy();
		return r.error();
	}
	g_pools.push_back(*entry.leak());
	return pool;
}

void destroy_pool(Pool *pool)
{
	kp::might_sleep();
	Entry *found = nullptr;
	{
		MutexGuard guard(g_mutex);
		g_pools.for_each([&](Entry &e) {
			if (e.pool == pool)
				found = &e;
		});
		if (KP_WARN_ON_ONCE(!found))
			return;
		// The name is free for a new pool once it leaves the registry: its
		// sysfs directory must be gone by then, or a create of the same
		// name meets the old directory (a sysfs duplicate-name error).
		pool->sysfs_remove();
		g_pools.remove(*found);
	}
	delete found;
	pool->destroy();
}

void destroy_all()
{
	ensure_init();
	for (;;) {
		Pool *pool;
		{
			MutexGuard guard(g_mutex);
			Entry *e = g_pools.front();
			if (!e)
				break;
			pool = e->pool;
		}
		if (!same(pool->name(), "default"))
			KP_LOG_WARN("pool %s was not destroyed by its user; destroying it",
				    pool->name());
		destroy_pool(pool);
	}
	g_mutex.destroy();
	g_initialised = false;
}

} // namespace kp::registry
