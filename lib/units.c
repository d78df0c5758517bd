// SPDX-License-Identifier: GPL-2.0-or-later
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	/* strtoull accepts a sign and leading blanks, which we do not; and no octal: 010 is ten */
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!isxdigit((unsigned char)s[2]))
			return -EINVAL;
		v = strtoull(s + 2, &end, 16);
	} else {
		v = strtoull(s, &end, 10);
	}
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int suffix_shift(const char *suffix)
{
	static const struct {
		const char *name;
		int shift;
	} units[] = {
		{ "", 0 }, { "B", 0 },
		{ "K", 10 }, { "KiB", 10 }, { "k", 10 },
		{ "M", 20 }, { "MiB", 20 },
		{ "G", 30 }, { "GiB", 30 },
		{ "T", 40 }, { "TiB", 40 },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(suffix, units[i].name))
			return units[i].shift;
	return -1;
}

int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	shift = suffix_shift(end);
	if (shift < 0)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	v <<= shift;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

void format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int i;

	for (i = 3; i >= 0; i--) {
		uint64_t unit = 1ULL << (10 * (i + 1));

		if (bytes && bytes % unit == 0) {
			snprintf(buf, len, "%" PRIu64 "%c", bytes / unit, units[i]);
			return;
		}
	}
	snprintf(buf, len, "%" PRIu64, bytes);
}

/* One CPU number of a list: digits only, below CPU_SETSIZE. */
static int parse_cpu(const char **s, int *cpu)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)**s))
		return -EINVAL;
	errno = 0;
	v = strtoul(*s, &end, 10);
	if (errno == ERANGE || v >= CPU_SETSIZE)
		return -ERANGE;
	*s = end;
	*cpu = (int)v;
	return 0;
}

int parse_cpulist(const char *s, cpu_set_t *set)
{
	int lo, hi, err;

	if (!s)
		return -EINVAL;
	CPU_ZERO(set);
	for (;;) {
		if ((err = parse_cpu(&s, &lo)))
			return err;
		hi = lo;
		if (*s == '-') {
			s++;
			if ((err = parse_cpu(&s, &hi)))
				return err;
			if (hi < lo)
				return -EINVAL;
		}
		for (; lo <= hi; lo++)
			CPU_SET(lo, set);
		if (!*s)
			return 0;
		if (*s++ != ',')
			return -EINVAL;
	}
}

size_t format_cpulist(const cpu_set_t *set, char *buf, size_t len)
{
	size_t used = 0;
	char item[16];
	int lo, hi;

	if (len)
		buf[0] = '\0';
	for (lo = 0; lo < CPU_SETSIZE; lo = hi + 1) {
		hi = lo;
		if (!CPU_ISSET(lo, set))
			continue;
		while (hi + 1 < CPU_SETSIZE && CPU_ISSET(hi + 1, set))
			hi++;
		if (hi > lo)
			snprintf(item, sizeof(item), "%s%d-%d", used ? "," : "", lo, hi);
		else
			snprintf(item, sizeof(item), "%s%d", used ? "," : "", lo);
		if (used < len)
			snprintf(buf + used, len - used, "%s", item);
		used += strlen(item);
	}
	return used;
}

int cpulist_allowed(const cpu_set_t *set, int *bad, cpu_set_t *allowed)
{
	cpu_set_t outside;

	*bad = -1;
	if (sched_getaffinity(0, sizeof(*allowed), allowed))
		return -errno;	/* EINVAL too, on a kernel of more than CPU_SETSIZE CPUs: *bad says which */
	CPU_XOR(&outside, set, allowed);
	CPU_AND(&outside, &outside, set);	/* asked for and not allowed */
	*bad = cpulist_nth(&outside, 0);
	return *bad < 0 ? 0 : -EINVAL;
}

int cpulist_nth(const cpu_set_t *set, unsigned n)
{
	int count = CPU_COUNT(set), cpu;

	if (!count)
		return -1;
	n %= (unsigned)count;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set) && n-- == 0)
			return cpu;
	return -1;
}
