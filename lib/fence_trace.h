/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Watching dma_fence tracepoints with BPF (lib/fence.bpf.c): load with the filters fixed, attach
 * the tp_btf programs or, where they do not load, the classic tracepoints, and poll the ring
 * buffer. Detaching happens in fence_trace_stop(), also on the error paths.
 */
#ifndef ZC_FENCE_TRACE_H
#define ZC_FENCE_TRACE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "fence_event.h"

enum fence_trace_mode {
	FENCE_TRACE_AUTO,
	FENCE_TRACE_BTF,	/* tp_btf programs */
	FENCE_TRACE_CLASSIC,	/* classic tracepoints */
};

struct fence_trace_opts {
	struct fence_filter filter;
	unsigned ringbuf_kib;		/* power of two, at least 4 */
	enum fence_trace_mode mode;
	int (*libbpf_log)(int level, const char *fmt, va_list ap);	/* NULL: silent */
};

struct fence_trace;

/*
 * Load and attach. On failure *why says what was missing: the error is -EPERM/-EACCES for
 * privilege, -ENOENT when the kernel lacks BTF or the tracepoints, else what libbpf said.
 */
int fence_trace_start(const struct fence_trace_opts *o, struct fence_trace **out, char *why, size_t why_len);
enum fence_trace_mode fence_trace_mode(const struct fence_trace *t);
const char *fence_trace_mode_name(enum fence_trace_mode m);
/*
 * Deliver events to cb: wait up to timeout_ms (the programs wake user space only when a quarter
 * of the ring is unread), then take everything there. Returns events seen or -errno (-EINTR on
 * a signal). Events therefore arrive up to timeout_ms late.
 */
int fence_trace_poll(struct fence_trace *t, int timeout_ms, int (*cb)(void *arg, const struct fence_event *e),
		     void *arg);
/* Events the ring buffer had no room for. */
uint64_t fence_trace_lost(struct fence_trace *t);
void fence_trace_stop(struct fence_trace *t);

const char *fence_event_name(unsigned type);

struct fence_stats;
/*
 * Drain the ring buffer into stats from a thread of its own while the caller works (ffs transfer
 * ... trace); collect_stop() joins it after a last drain. stats is the thread's until then.
 */
int fence_trace_collect_start(struct fence_trace *t, struct fence_stats *stats);
void fence_trace_collect_stop(struct fence_trace *t);

#endif
