/* SPDX-License-Identifier: GPL-2.0 */
/* Private to the shim: the fault attributes kp_module.c puts in debugfs. */
#ifndef KPOOL_SHIM_DEBUG_H
#define KPOOL_SHIM_DEBUG_H

struct fault_attr;
#ifdef CONFIG_FAULT_INJECTION
struct fault_attr *kp_fault_attr(int which);
#endif

#endif
