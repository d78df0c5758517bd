// SPDX-License-Identifier: GPL-2.0-or-later
#include "pattern.h"

#include <string.h>

/* splitmix64: a cheap bijective mix; one 64-bit word per 8 stream bytes */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t word_at(uint64_t seed, uint64_t word_index)
{
	return mix(seed * 0x100000001b3ULL ^ word_index);
}

static unsigned char byte_at(uint64_t seed, uint64_t offset)
{
	return (unsigned char)(word_at(seed, offset >> 3) >> (8 * (offset & 7)));
}

void pattern_fill(void *buf, size_t len, uint64_t seed, uint64_t offset)
{
	unsigned char *p = buf;
	size_t i = 0;

	/* byte by byte to a word boundary, then whole words (little-endian byte order) */
	for (; i < len && ((offset + i) & 7); i++)
		p[i] = byte_at(seed, offset + i);
	for (; i + 8 <= len; i += 8) {
		uint64_t w = word_at(seed, (offset + i) >> 3);
		unsigned k;

		for (k = 0; k < 8; k++)
			p[i + k] = (unsigned char)(w >> (8 * k));
	}
	for (; i < len; i++)
		p[i] = byte_at(seed, offset + i);
}

size_t pattern_check(const void *buf, size_t len, uint64_t seed, uint64_t offset)
{
	const unsigned char *p = buf;
	unsigned char tmp[4096];
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);

		pattern_fill(tmp, n, seed, offset + done);
		if (memcmp(tmp, p + done, n)) {
			size_t i;

			for (i = 0; i < n; i++)
				if (tmp[i] != p[done + i])
					return done + i;
		}
		done += n;
	}
	return len;
}
