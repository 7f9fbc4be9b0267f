// SPDX-License-Identifier: GPL-2.0
// kpool's C++ core: module-wide state set up at load and torn down at unload.
// Init order: reaper (retired threads need it), then the default pool; exit
// runs in reverse, after destroying any pool a user left behind.
#include "core/core.h"
#include "core/kpool_main.h"
#include "core/registry.h"
#include "core/reaper.h"
#include "base/debug.h"

namespace kp {

namespace {
constinit Pool *g_default = nullptr; // I: set at init, cleared at exit
} // namespace

Pool *default_pool()
{
	return g_default;
}

} // namespace kp

extern "C" int kpool_core_init(const struct kpool_attrs *defaults)
{
	kp::might_sleep();
	if (auto r = kp::Pool::validate(*defaults); r.is_error()) {
		KP_LOG_ERR("invalid default pool parameters: min=%u max=%u reserve=%u idle_timeout_ms=%u nice=%d (%d)",
			   defaults->min_threads, defaults->max_threads, defaults->reserve,
			   defaults->idle_timeout_ms, defaults->nice, r.code());
		return r.code();
	}
	if (int ret = kp_sysfs_init(); ret)
		return ret;
	if (int ret = kp_cpuhp_init(); ret) {
		kp_sysfs_exit();
		return ret;
	}
	if (auto r = kp::reaper::init(); r.is_error()) {
		kp_cpuhp_exit();
		kp_sysfs_exit();
		return r.code();
	}
	auto pool = kp::registry::create_pool("default", *defaults);
	if (pool.is_error()) {
		kp::registry::destroy_all();
		kp::reaper::exit();
		kp_cpuhp_exit();
		kp_sysfs_exit();
		return pool.code();
	}
	kp::g_default = pool.value();
	KP_LOG_INFO("loaded (version %s)", KPOOL_VERSION);
	return 0;
}

extern "C" void kpool_core_exit(void)
{
	kp::might_sleep();
	kp::registry::destroy_all();
	kp::g_default = nullptr;
	kp::reaper::exit();
	kp_cpuhp_exit();
	kp_sysfs_exit();
	KP_LOG_INFO("unloaded");
}
