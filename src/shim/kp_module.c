// SPDX-License-Identifier: GPL-2.0
/*
 * kpool.ko's module entry points and parameters. Policy lives in C++
 * (src/core); this file hands over to it and carries the module metadata.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/moduleparam.h>
#include <kpool/kpool.h>
#include "core/core.h"
#include "shim.h"

static unsigned int default_min_threads = 2;
module_param(default_min_threads, uint, 0444);
MODULE_PARM_DESC(default_min_threads,
		 "Default pool: threads kept even when idle (0..max, default 2)");

static unsigned int default_max_threads = 256;
module_param(default_max_threads, uint, 0444);
MODULE_PARM_DESC(default_max_threads, "Default pool: most threads (1..4096, default 256)");

static unsigned int default_reserve = 2;
module_param(default_reserve, uint, 0444);
MODULE_PARM_DESC(default_reserve,
		 "Default pool: parked spare threads for quick hand-off (0..max, default 2)");

static unsigned int default_idle_timeout_ms = 10000;
module_param(default_idle_timeout_ms, uint, 0444);
MODULE_PARM_DESC(default_idle_timeout_ms,
		 "Default pool: idle timeout of surplus threads, ms (1..86400000, default 10000)");

static int default_nice;
module_param(default_nice, int, 0444);
MODULE_PARM_DESC(default_nice, "Default pool: nice value of its threads (-20..19, default 0)");

static int __init kpool_module_init(void)
{
	struct kpool_attrs attrs = {
		.min_threads = default_min_threads,
		.max_threads = default_max_threads,
		.reserve = default_reserve,
		.idle_timeout_ms = default_idle_timeout_ms,
		.nice = default_nice,
	};
	int ret;

#ifdef KPOOL_SELFTEST_DEFECTS
	/* Only in the pipeline's self-test build (scripts/test-build): a WARNING
	 * that `make check` must catch. Never defined in a normal build.
	 */
	WARN_ON(1);
#endif
	kp_debugfs_init();
	kp_notifier_init();
	ret = kpool_core_init(&attrs);
	if (ret) {
		kp_notifier_exit();
		kp_debugfs_exit();
	}
	return ret;
}

static void __exit kpool_module_exit(void)
{
	kpool_core_exit();
	kp_notifier_exit();
	kp_debugfs_exit();
}

module_init(kpool_module_init);
module_exit(kpool_module_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kpool developers");
MODULE_DESCRIPTION("Resizable kernel thread pools with quick thread hand-off");
MODULE_VERSION(KPOOL_VERSION);
