// SPDX-License-Identifier: GPL-2.0
// The registry of live pools: unique names, the default pool, and the pools
// to tear down at unload if a user forgot one.
#pragma once

#include "core/pool.h"

namespace kp::registry {

// Context: process, may sleep. Validates @name, creates and registers.
Result<Pool *> create_pool(const char *name, const kpool_attrs &attrs, int cpu = -1);
// Context: process, may sleep. Unregisters and destroys.
void destroy_pool(Pool *pool);
// Destroys every pool still registered (module exit), with a warning for each.
void destroy_all();
// Whether @name (may be nullptr) is a valid pool or domain name: 1 to
// KPOOL_NAME_MAX characters of [A-Za-z0-9_-]. Context: any.
bool is_valid_name(const char *name);

} // namespace kp::registry
