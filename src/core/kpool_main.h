// SPDX-License-Identifier: GPL-2.0
// Module-wide state of kpool.ko: the default pool.
#pragma once

#include "core/pool.h"

namespace kp {

// The shared pool created at load. Context: any; valid while kpool is loaded.
Pool *default_pool();

} // namespace kp
