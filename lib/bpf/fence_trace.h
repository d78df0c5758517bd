/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Watching dma_fence tracepoints with BPF (lib/fence.bpf.c): load with the filters fixed, attach
 * the tp_btf programs or, where they do not load, the classic tracepoints; then either poll the
 * ring buffer (events output) or read the figures the programs keep per driver/timeline group
 * (aggregate output). Detaching happens in fence_trace_stop(), also on the error paths.
 */
#ifndef ZC_FENCE_TRACE_H
#define ZC_FENCE_TRACE_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf/fence_event.h"

enum fence_trace_mode {
	FENCE_TRACE_AUTO,
	FENCE_TRACE_BTF,	/* tp_btf programs */
	FENCE_TRACE_CLASSIC,	/* classic tracepoints */
};

enum fence_trace_output {
	FENCE_OUTPUT_EVENTS,		/* a ring-buffer record per event: fence_trace_poll() */
	FENCE_OUTPUT_AGGREGATE,		/* counts and histograms in the kernel: fence_trace_read() */
};

struct fence_trace_opts {
	struct fence_filter filter;
	unsigned ringbuf_kib;		/* events output: power of two, at least 4 */
	enum fence_trace_mode mode;
	enum fence_trace_output output;
	uint64_t max_events;		/* aggregate output: count only the first N events; 0 = all */
	int (*libbpf_log)(int level, const char *fmt, va_list ap);	/* NULL: silent */
};

struct fence_trace;
struct fence_stats;

static inline const char *fence_trace_mode_name(enum fence_trace_mode m)
{
	return m == FENCE_TRACE_BTF ? "tp_btf" : m == FENCE_TRACE_CLASSIC ? "tracepoint" : "auto";
}

static inline const char *fence_event_name(unsigned type)
{
	static const char *const names[FENCE_NR_EVENTS] = {
		[FENCE_EMIT] = "emit",
		[FENCE_INIT] = "init",
		[FENCE_DESTROY] = "destroy",
		[FENCE_ENABLE_SIGNAL] = "enable_signal",
		[FENCE_SIGNALED] = "signaled",
		[FENCE_WAIT_START] = "wait_start",
		[FENCE_WAIT_END] = "wait_end",
	};

	return type < FENCE_NR_EVENTS ? names[type] : "unknown";
}

#ifdef HAVE_BPF
/*
 * Load and attach. On failure *why says what was missing: the error is -EPERM/-EACCES for
 * privilege, -ENOENT when the kernel lacks BTF or the tracepoints, else what libbpf said.
 */
int fence_trace_start(const struct fence_trace_opts *o, struct fence_trace **out, char *why, size_t why_len);
enum fence_trace_mode fence_trace_mode(const struct fence_trace *t);
/* The events this run's programs see: bit (1 << enum fence_event_type) for each. */
unsigned fence_trace_events(const struct fence_trace *t);
/*
 * Events output: deliver events to cb: wait up to timeout_ms (the programs wake user space only
 * when a quarter of the ring is unread), then take everything there. Returns events seen or
 * -errno (-EINTR on a signal). Events therefore arrive up to timeout_ms late.
 */
int fence_trace_poll(struct fence_trace *t, int timeout_ms, int (*cb)(void *arg, const struct fence_event *e),
		     void *arg);
/* Events output: events the ring buffer had no room for. */
uint64_t fence_trace_lost(struct fence_trace *t);

/* Aggregate output: events counted so far, where max_events is set (else 0). */
uint64_t fence_trace_taken(const struct fence_trace *t);
/* Aggregate output: the figures so far, one group per driver/timeline pair seen (fresh *out). */
int fence_trace_read(struct fence_trace *t, struct fence_stats *out);

void fence_trace_stop(struct fence_trace *t);
#else
/*
 * Built with --disable-bpf: the same calls, so callers need no #ifdef. Nothing starts
 * (-EOPNOTSUPP, *why says so), so the rest never sees a trace.
 */
static inline int fence_trace_start(const struct fence_trace_opts *o, struct fence_trace **out, char *why,
				    size_t why_len)
{
	(void)o;
	*out = NULL;
	snprintf(why, why_len, "zcioctl was built with --disable-bpf");
	return -EOPNOTSUPP;
}

static inline enum fence_trace_mode fence_trace_mode(const struct fence_trace *t)
{
	(void)t;
	return FENCE_TRACE_AUTO;
}

static inline unsigned fence_trace_events(const struct fence_trace *t)
{
	(void)t;
	return 0;
}

static inline int fence_trace_poll(struct fence_trace *t, int timeout_ms,
				   int (*cb)(void *arg, const struct fence_event *e), void *arg)
{
	(void)t, (void)timeout_ms, (void)cb, (void)arg;
	return -EOPNOTSUPP;
}

static inline uint64_t fence_trace_lost(struct fence_trace *t)
{
	(void)t;
	return 0;
}

static inline uint64_t fence_trace_taken(const struct fence_trace *t)
{
	(void)t;
	return 0;
}

static inline int fence_trace_read(struct fence_trace *t, struct fence_stats *out)
{
	(void)t, (void)out;
	return -EOPNOTSUPP;
}

static inline void fence_trace_stop(struct fence_trace *t)
{
	(void)t;
}
#endif

#endif
