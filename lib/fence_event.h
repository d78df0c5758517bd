/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What lib/fence.bpf.c sends to user space through its ring buffer: one record per event. */
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

#endif
