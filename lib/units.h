/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Numbers and sizes as people write them, for the command line and for the files the kernel exports. */
#ifndef ZC_UNITS_H
#define ZC_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Numbers: decimal or 0x hex, no sign, no trailing junk; -EINVAL or -ERANGE. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Sizes: a number with an optional binary suffix K, M, G, T (KiB... and k also accepted). */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* "64M" style rendering of a byte count, exact where it can be. */
void format_size(uint64_t bytes, char *buf, size_t len);

#endif
