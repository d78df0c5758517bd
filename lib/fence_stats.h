/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-fence matching of dma_fence events (by context and seqno) into per driver/timeline
 * figures: fences, signalled, errors, init->signaled and enable_signal->signaled latency, waits.
 */
#ifndef ZC_FENCE_STATS_H
#define ZC_FENCE_STATS_H

#include <stdint.h>

#include "fence_event.h"
#include "stats.h"

#define FENCE_HIST_BUCKETS 40	/* log2 of nanoseconds: up to 2^40 ns, 18 minutes */

struct fence_group {
	struct fence_names names;	/* "" when the fence was created before tracing began */
	uint64_t events[FENCE_NR_EVENTS];
	uint64_t fences;		/* dma_fence_init seen */
	uint64_t signaled;		/* of those, signalled */
	uint64_t errors;		/* signalled with an error */
	uint64_t waits, wait_ns;
	struct samples init_to_signaled;
	struct samples enable_to_signaled;
	uint64_t hist[FENCE_HIST_BUCKETS];	/* init->signaled, log2 ns */
};

struct fence_track;	/* in-flight fences and waits */

struct fence_stats {
	struct fence_group *groups;
	unsigned ngroups;
	uint64_t events;
	struct fence_track *track;
};

int fence_stats_add(struct fence_stats *s, const struct fence_event *e);
void fence_stats_free(struct fence_stats *s);
unsigned fence_hist_bucket(uint64_t ns);

#endif
