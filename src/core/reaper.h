// SPDX-License-Identifier: GPL-2.0
// The reaper (the seed's kwaitd): retiring pool threads hand themselves to the
// reaper of the CPU they run on and return at once, never waiting for anyone.
// A per-CPU work item on kpool's housekeeping workqueue then stops each thread
// (which has already returned), drops its task reference and frees its state.
#pragma once

#include "base/result.h"

namespace kp {

class Worker;

namespace reaper {

// Context: process, may sleep. Module init / exit.
Result<void> init();
void exit();
// Context: any (called by the retiring worker itself).
void push(Worker *w);
// Waits until every worker pushed so far is reaped. Context: process.
void flush();

} // namespace reaper
} // namespace kp
