/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Latency samples and their percentiles; monotonic and CPU clocks; log2 histograms. */
#ifndef ZC_STATS_H
#define ZC_STATS_H

#include <stddef.h>
#include <stdint.h>

struct samples {
	uint64_t *v;
	size_t n, cap;
	uint64_t seen, rng;	/* samples_keep(): values offered, its random state */
};

int samples_add(struct samples *s, uint64_t value);
/* Keep at most max values, a uniform sample of all offered (for runs of unbounded length). */
int samples_keep(struct samples *s, uint64_t value, size_t max);

/* What a latency report shows: two percentiles, the maximum and how many values. */
struct latency_figures {
	uint64_t p50_ns, p99_ns, max_ns, count;
};

/* sorts the samples in place */
void samples_figures(struct samples *s, struct latency_figures *out);
void samples_free(struct samples *s);

/* xorshift64: a reproducible pseudo-random sequence from a non-zero state, no libc state. */
uint64_t xorshift64(uint64_t *state);

uint64_t now_ns(void);		/* CLOCK_MONOTONIC */
uint64_t cpu_time_ns(void);	/* user + system time of this process */

#endif
