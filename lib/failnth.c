// SPDX-License-Identifier: GPL-2.0-or-later
#include "failnth.h"

#include <stdio.h>
#include <stdlib.h>

#include "fsutil.h"

#define FAIL_NTH "/proc/thread-self/fail-nth"

int fail_nth_arm(unsigned n)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", n);
	return write_text(FAIL_NTH, num);
}

bool fail_nth_arm_from_env(void)
{
	const char *env = getenv(FAIL_NTH_ENV);
	int n = env ? atoi(env) : 0;

	return n > 0 && !fail_nth_arm(n);
}

bool fail_nth_unreached(long *made)
{
	const char *armed = getenv(FAIL_NTH_ENV);
	char left[32];
	long n;

	if (read_text(FAIL_NTH, left, sizeof(left)) || !armed)
		return false;
	fail_nth_arm(0);
	n = atol(left);
	if (n <= 0)
		return false;
	/* the kernel counts down from N with each fault-injectable call */
	*made = atol(armed) - n;
	return true;
}
