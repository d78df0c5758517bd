// SPDX-License-Identifier: GPL-2.0-or-later
#include "failnth.h"

#include <stdlib.h>

#include "fsutil.h"

#define FAIL_NTH "/proc/thread-self/fail-nth"

bool fail_nth_arm_from_env(void)
{
	const char *n = getenv(FAIL_NTH_ENV);

	return n && atoi(n) > 0 && !write_text(FAIL_NTH, n);
}

bool fail_nth_unreached(void)
{
	char left[32];
	bool unreached = !read_text(FAIL_NTH, left, sizeof(left)) && atoi(left) > 0;

	write_text(FAIL_NTH, "0");
	return unreached;
}
