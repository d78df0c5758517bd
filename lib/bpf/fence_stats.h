/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The figures `trace fence summary|hist` report per driver/timeline group, as lib/fence.bpf.c
 * keeps them in the kernel (one struct fence_agg per group and CPU): adding CPUs up, and
 * percentiles from the log2 histograms.
 */
#ifndef ZC_FENCE_STATS_H
#define ZC_FENCE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf/fence_event.h"
#include "stats.h"

struct fence_group {
	struct fence_names names;	/* "" when the fence was created before tracing began */
	struct fence_agg agg;		/* all CPUs added up */
};

struct fence_stats {
	struct fence_group *groups;
	unsigned ngroups;
	uint64_t events;		/* of all groups */
	uint64_t untracked;		/* of all groups */
};

/* Add one CPU's figures into sum: counts and buckets add up, maxima take the larger. */
void fence_agg_add(struct fence_agg *sum, const struct fence_agg *cpu);
bool fence_agg_empty(const struct fence_agg *a);
int fence_stats_add_group(struct fence_stats *s, const struct fence_names *names, const struct fence_agg *agg);
void fence_stats_free(struct fence_stats *s);

uint64_t fence_latency_count(const struct fence_latency *l);
/*
 * Percentile p in [0, 100] by nearest rank, to bucket resolution: the upper edge of the log2
 * bucket that holds that sample (so at most twice the true value), but never above the exact
 * maximum. 0 when there are no samples.
 */
uint64_t fence_latency_percentile(const struct fence_latency *l, double p);
void fence_latency_figures(const struct fence_latency *l, struct latency_figures *out);

#endif
