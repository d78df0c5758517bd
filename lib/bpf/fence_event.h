/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What lib/fence.bpf.c shares with user space: the ring-buffer record of `events` mode (one per
 * event), and the per-group aggregates that `summary` and `hist` read from maps instead.
 */
#ifndef ZC_FENCE_EVENT_H
#define ZC_FENCE_EVENT_H

enum fence_event_type {
	FENCE_EMIT,
	FENCE_INIT,
	FENCE_DESTROY,
	FENCE_ENABLE_SIGNAL,
	FENCE_SIGNALED,
	FENCE_WAIT_START,
	FENCE_WAIT_END,
	FENCE_NR_EVENTS,
};

#define FENCE_NAME_LEN 32

struct fence_names {
	char driver[FENCE_NAME_LEN];
	char timeline[FENCE_NAME_LEN];
};

struct fence_event {
	unsigned long long ts_ns;	/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	unsigned long long context;
	unsigned long long seqno;
	unsigned int pid;		/* thread group of the task the event ran in */
	int error;			/* fence->error (tp_btf only; 0 otherwise) */
	unsigned char type;		/* enum fence_event_type */
	unsigned char named;		/* names known (from dma_fence_init) */
	char comm[16];
	struct fence_names names;
};

/* Filters, fixed before load. */
struct fence_filter {
	char driver[FENCE_NAME_LEN];	/* "" = any */
	char timeline[FENCE_NAME_LEN];	/* "" = any */
	unsigned long long context;
	unsigned int pid;		/* fences created by this process; 0 = any */
	unsigned char by_context;
};

#define FENCE_HIST_BUCKETS 40	/* log2 of nanoseconds: up to 2^40 ns, 18 minutes */

/*
 * Aggregates keep one group per distinct driver/timeline pair, found by name at dma_fence_init.
 * Group 0 holds fences whose names we never saw (created before tracing began) and, past
 * FENCE_MAX_GROUPS pairs, every further pair.
 */
#define FENCE_MAX_GROUPS 256

/* One latency: bucket b counts values in [2^b, 2^(b+1)) ns (bucket 0 also holds 0 and 1). */
struct fence_latency {
	unsigned long long hist[FENCE_HIST_BUCKETS];
	unsigned long long max_ns;
};

/* One group's figures on one CPU (a per-CPU map value: user space adds the CPUs up). */
struct fence_agg {
	unsigned long long events[FENCE_NR_EVENTS];	/* of the events attached */
	unsigned long long fences;	/* dma_fence_init seen */
	unsigned long long signaled;	/* of those, signalled */
	unsigned long long errors;	/* signalled with an error */
	unsigned long long waits, wait_ns;
	unsigned long long untracked;	/* fences and waits the start table had no room for */
	struct fence_latency init_to_signaled, enable_to_signaled, wait;
};

#endif
