/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpool's kernel compatibility layer: the one place where the differences
 * between the kernels kpool supports are decided, at build time, from the
 * headers being built against. C only (the shim and the C modules); the C++
 * side never sees a kernel version.
 *
 * Supported: 6.1 (Debian 12's default, 6.1.0-*-amd64) to 6.12 (Debian's
 * 6.12.*-amd64 and 6.12.*-rt-amd64, and the test kernels built from
 * linux-source-6.12). Each difference is one KPOOL_HAVE_* macro, set from a
 * plain version boundary (the API appeared or changed in that mainline
 * release; Debian's kernels carry no backport of them), and, where the old
 * kernel lacks a function, a fallback with the new kernel's name and meaning,
 * so the callers read as code for the newest kernel:
 *
 *   KPOOL_HAVE_KTHREAD_STOP_PUT   6.6: kthread_stop_put() (stop, then drop the
 *                                 caller's task reference); before, the same
 *                                 two calls spelt out
 *   KPOOL_HAVE_ASSIGN_STR_1ARG    6.10: TRACE_EVENT's __assign_str(field) takes
 *                                 the source from __string(); before, it was
 *                                 __assign_str(field, src): use KP_ASSIGN_STR()
 *   KPOOL_HAVE_TIMER_DELETE       6.2: timer_delete() and timer_delete_sync();
 *                                 before, del_timer() and del_timer_sync()
 *
 * A kernel outside the range stops the build here with its version (6.13
 * turned the symbol namespace of EXPORT_SYMBOL_NS_GPL and MODULE_IMPORT_NS
 * into a string literal, which kpool_test.ko's import of
 * EXPORTED_FOR_KUNIT_TESTING does not follow yet; 6.1 and 6.12 agree: both
 * have <kunit/visibility.h> and take the namespace as an identifier).
 *
 * Adding a difference: a KPOOL_HAVE_* block here and a line in the list
 * above; README.md ("Supported kernels") says how a kernel joins the matrix.
 */
#ifndef KPOOL_SHIM_COMPAT_H
#define KPOOL_SHIM_COMPAT_H

#include <linux/version.h>
#include <linux/kthread.h>
#include <linux/sched/task.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "kpool: kernels before 6.1 are not supported"
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#error "kpool: 6.13 and later are not supported yet (string symbol namespaces)"
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define KPOOL_HAVE_KTHREAD_STOP_PUT 1
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define KPOOL_HAVE_ASSIGN_STR_1ARG 1
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define KPOOL_HAVE_TIMER_DELETE 1
#endif

#ifndef KPOOL_HAVE_TIMER_DELETE
#define timer_delete(t) del_timer(t)
#define timer_delete_sync(t) del_timer_sync(t)
#endif

#ifndef KPOOL_HAVE_KTHREAD_STOP_PUT
static inline int kthread_stop_put(struct task_struct *k)
{
	int ret = kthread_stop(k);

	put_task_struct(k);
	return ret;
}
#endif

/* In TP_fast_assign: copy the __string() field @dst from @src. */
#ifdef KPOOL_HAVE_ASSIGN_STR_1ARG
#define KP_ASSIGN_STR(dst, src) __assign_str(dst)
#else
#define KP_ASSIGN_STR(dst, src) __assign_str(dst, src)
#endif

#endif /* KPOOL_SHIM_COMPAT_H */
