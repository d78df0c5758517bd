// SPDX-License-Identifier: GPL-2.0-or-later
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

int samples_add(struct samples *s, uint64_t value)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = value;
	return 0;
}

uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;	/* a zero state would stay zero */

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

int samples_keep(struct samples *s, uint64_t value, size_t max)
{
	uint64_t j;

	s->seen++;
	if (s->n < max)
		return samples_add(s, value);
	/* reservoir sampling: each of the seen values stays with probability max / seen */
	j = xorshift64(&s->rng) % s->seen;
	if (j < max)
		s->v[j] = value;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* p in [0, 100]; sorts the samples in place; 0 when there are none. */
static uint64_t samples_percentile(struct samples *s, double p)
{
	size_t i;

	if (!s->n)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	/* nearest rank */
	i = (size_t)(p / 100.0 * (double)s->n + 0.999999);
	i = i ? i - 1 : 0;
	return s->v[i < s->n ? i : s->n - 1];
}

static uint64_t samples_max(const struct samples *s)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] > m)
			m = s->v[i];
	return m;
}

void samples_figures(struct samples *s, struct latency_figures *out)
{
	out->p50_ns = samples_percentile(s, 50);
	out->p99_ns = samples_percentile(s, 99);
	out->max_ns = samples_max(s);
	out->count = s->seen > s->n ? s->seen : s->n;	/* every value offered, sampled or not */
}

void samples_free(struct samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t cpu_time_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
	       ((uint64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
}
