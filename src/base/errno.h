// SPDX-License-Identifier: GPL-2.0
// Error numbers for the C++ side. These are the kernel's uapi values
// (include/uapi/asm-generic/errno-base.h, errno.h), a stable ABI, restated here
// because C++ files cannot include kernel headers. Kept to the ones kpool uses.
#pragma once

namespace kp {

enum Errno : int {
	EPERM = 1,
	ENOENT = 2,
	EINTR = 4,
	EIO = 5,
	EAGAIN = 11,
	ENOMEM = 12,
	EBUSY = 16,
	EEXIST = 17,
	ENODEV = 19,
	EINVAL = 22,
	ENOSPC = 28,
	ERANGE = 34,
	EDEADLK = 35,
	ENAMETOOLONG = 36,
	ENOTCONN = 107,
	ESHUTDOWN = 108,
	ETIMEDOUT = 110,
	EALREADY = 114,
	ECANCELED = 125,
};

} // namespace kp
