// SPDX-License-Identifier: GPL-2.0
/* Shim: logging, warnings and kpool's own fault-injection points. */
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/bug.h>
#include <linux/fault-inject.h>
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include "shim.h"
#include "kp_internal.h"

void kp_log(enum kp_log_level level, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	switch (level) {
	case KP_LOG_ERR:
		pr_err("kpool: %pV\n", &vaf);
		break;
	case KP_LOG_WARNING:
		pr_warn("kpool: %pV\n", &vaf);
		break;
	case KP_LOG_INFO:
		pr_info("kpool: %pV\n", &vaf);
		break;
	default:
		pr_debug("kpool: %pV\n", &vaf);
		break;
	}
	va_end(args);
}

void kp_warn(const char *file, int line, const char *what)
{
	WARN(1, "kpool: %s (%s:%d)\n", what, file, line);
}

int kp_snprintf(char *buf, kp_size_t size, const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(buf, size, fmt, args);
	va_end(args);
	return n;
}

static atomic_t kp_fail_next[KP_FAULT_CPUHP + 1];

void kp_fault_fail_next(int which, int count)
{
	if (WARN_ON_ONCE(which < 0 || which >= ARRAY_SIZE(kp_fail_next)))
		return;
	atomic_set(&kp_fail_next[which], count);
}
EXPORT_SYMBOL_IF_KUNIT(kp_fault_fail_next);

static bool kp_fault_take_next(int which)
{
	return atomic_add_unless(&kp_fail_next[which], -1, 0);
}

static struct dentry *kp_debugfs_dir;

#ifdef CONFIG_FAULT_INJECTION
/*
 * Random failures of kpool's own allocations and thread creations, set up
 * like failslab: /sys/kernel/debug/kpool/fail_alloc and fail_spawn
 * (probability, times, interval, verbose; see fault-injection.rst).
 */
static DECLARE_FAULT_ATTR(kp_fail_alloc);
static DECLARE_FAULT_ATTR(kp_fail_spawn);

static struct fault_attr *kp_fault_attr(int which)
{
	/* The hotplug instance is an allocation too. */
	return which == KP_FAULT_SPAWN ? &kp_fail_spawn : &kp_fail_alloc;
}

int kp_fault_should_fail(int which)
{
	if (which < 0 || which > KP_FAULT_CPUHP)
		return 0;
	if (kp_fault_take_next(which))
		return 1;
	return should_fail(kp_fault_attr(which), 1);
}
#else
int kp_fault_should_fail(int which)
{
	if (which < 0 || which > KP_FAULT_CPUHP)
		return 0;
	return kp_fault_take_next(which);
}
#endif

void kp_debugfs_init(void)
{
	/* debugfs failures are not fatal, as everywhere in the kernel. */
	kp_debugfs_dir = debugfs_create_dir("kpool", NULL);
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	fault_create_debugfs_attr("fail_alloc", kp_debugfs_dir, &kp_fail_alloc);
	fault_create_debugfs_attr("fail_spawn", kp_debugfs_dir, &kp_fail_spawn);
#endif
}

void kp_debugfs_exit(void)
{
	debugfs_remove_recursive(kp_debugfs_dir);
	kp_debugfs_dir = NULL;
}
