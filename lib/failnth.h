/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's fault injection for one thread (CONFIG_FAULT_INJECTION):
 * /proc/thread-self/fail-nth makes the Nth fault-injectable call of this thread fail (a slab
 * or page allocation, with failslab and fail_page_alloc set to count those). The guest tests
 * (tests/vm/t/fault-inject.sh) run a command with ZCIOCTL_FAIL_NTH=N for N = 1, 2, ... to
 * fail each of its kernel allocations in turn.
 */
#ifndef ZC_FAILNTH_H
#define ZC_FAILNTH_H

#include <stdbool.h>

#define FAIL_NTH_ENV "ZCIOCTL_FAIL_NTH"

/* Make this thread's Nth fault-injectable call fail; 0 disarms. 0 or -errno. */
int fail_nth_arm(unsigned n);
/* Arm it from the environment's N; false when unset, 0, or the kernel lacks it. */
bool fail_nth_arm_from_env(void);
/*
 * After the run: whether the Nth call never came (the command made fewer), and then how many
 * it made; disarms it. Armed with a large N, a run counts the command's injection points.
 */
bool fail_nth_unreached(long *made);

#endif
