/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Numbers and sizes as people write them, for the command line and for the files the kernel exports. */
#ifndef ZC_UNITS_H
#define ZC_UNITS_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

/* Numbers: decimal or 0x hex, no sign, no trailing junk; -EINVAL or -ERANGE. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Sizes: a number with an optional binary suffix K, M, G, T (KiB... and k also accepted). */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* "64M" style rendering of a byte count, exact where it can be. */
void format_size(uint64_t bytes, char *buf, size_t len);

/*
 * CPU lists as the kernel writes them (/sys/devices/system/cpu/online, cpuset.cpus): "3",
 * "0-3,8,10-11"; decimal, ranges low-high, no blanks. -ERANGE for a CPU at or above
 * CPU_SETSIZE (1024: cpu_set_t's, which sched_setaffinity takes), -EINVAL for anything else,
 * a range that runs backwards included.
 */
int parse_cpulist(const char *s, cpu_set_t *set);
/* Room for any set's list, NUL included: the longest, pairs with gaps ("0-1,3-4,...,1023"), takes 2673. */
#define CPULIST_MAX 4096
/* The same form back, ranges joined: "0-3,8"; "" for an empty set. Returns the length it needed, as snprintf. */
size_t format_cpulist(const cpu_set_t *set, char *buf, size_t len);
/* The CPUs of the set in order, the n-th taken modulo their count (thread n of a pool); -1 if empty. */
int cpulist_nth(const cpu_set_t *set, unsigned n);
/*
 * 0 if the calling thread may run on every CPU of the set (each online and in its affinity),
 * else -EINVAL with the first one it may not in *bad (>= 0) and what it may run on in *allowed;
 * -errno with *bad -1 if the affinity cannot be read.
 */
int cpulist_allowed(const cpu_set_t *set, int *bad, cpu_set_t *allowed);

#endif
