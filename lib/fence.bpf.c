// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dma_fence tracepoints for `zcioctl trace fence`. Two sets of programs, one of which user space
 * loads: tp_btf (BTF-typed raw tracepoints: cheap, full 64-bit context and seqno, the fence's
 * error) or, where the kernel cannot attach those, the classic tracepoints. Either way the
 * classic dma_fence_init tracepoint is the one that sees the driver and timeline names (the
 * tracepoint calls the fence's ops to get them; BPF cannot), so it fills a map by context and
 * applies the name filters there.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "fence_event.h"

char LICENSE[] SEC("license") = "GPL";

const volatile struct fence_filter filter = {};
/* wake user space only past this much unread data; it also reads on a timer */
const volatile __u64 wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);	/* resized by user space before load */
} events SEC(".maps");

/* names and filter verdict of each fence context seen at dma_fence_init */
struct context_info {
	struct fence_names names;
	__u8 allowed;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct context_info);
} contexts SEC(".maps");

/* with a pid filter: the fences that process created, by (context, seqno) */
struct fence_key {
	__u64 context;
	__u64 seqno;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct fence_key);
	__type(value, __u8);
} owned SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline bool names_match(const volatile char *want, const char *have)
{
	int i;

	if (!want[0])
		return true;
	for (i = 0; i < FENCE_NAME_LEN; i++) {
		if (want[i] != have[i])
			return false;
		if (!want[i])
			return true;
	}
	return true;
}

static __always_inline bool wanted(__u64 context, __u64 seqno, struct context_info **info, __u8 type)
{
	struct fence_key key = { (__u32)context, (__u32)seqno };
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	/* the classic record has the low 32 bits of the context: key the names by those */
	__u64 ctx_key = (__u32)context;

	*info = bpf_map_lookup_elem(&contexts, &ctx_key);
	if (filter.by_context && context != filter.context)
		return false;
	if ((filter.driver[0] || filter.timeline[0]) && (!*info || !(*info)->allowed))
		return false;
	if (filter.pid) {
		if (type == FENCE_INIT && pid == filter.pid) {
			__u8 one = 1;

			bpf_map_update_elem(&owned, &key, &one, BPF_ANY);
			return true;
		}
		if (!bpf_map_lookup_elem(&owned, &key))
			return false;
		if (type == FENCE_DESTROY)
			bpf_map_delete_elem(&owned, &key);
	}
	return true;
}

static __always_inline void emit(__u8 type, __u64 context, __u64 seqno, int error)
{
	struct context_info *info;
	struct fence_event *e;

	if (!wanted(context, seqno, &info, type))
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&lost, &zero);

		if (n)
			(*n)++;
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->context = context;
	e->seqno = seqno;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->error = error;
	e->type = type;
	e->named = info != NULL;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (info)
		__builtin_memcpy(&e->names, &info->names, sizeof(e->names));
	else
		__builtin_memset(&e->names, 0, sizeof(e->names));
	/* a wakeup per event costs the traced workload a cross-CPU interrupt and a context switch */
	bpf_ringbuf_submit(e, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
											  : BPF_RB_NO_WAKEUP);
}

/* ---- classic tracepoints: the record holds the names, and 32-bit context and seqno ---- */

static __always_inline void read_name(char *dst, void *ctx, __u32 data_loc)
{
	bpf_probe_read_kernel_str(dst, FENCE_NAME_LEN, (char *)ctx + (data_loc & 0xffff));
}

static __always_inline void learn_names(struct trace_event_raw_dma_fence *ctx)
{
	struct context_info info = {};
	__u64 context = ctx->context;

	read_name(info.names.driver, ctx, ctx->__data_loc_driver);
	read_name(info.names.timeline, ctx, ctx->__data_loc_timeline);
	info.allowed = names_match(filter.driver, info.names.driver) &&
		       names_match(filter.timeline, info.names.timeline);
	bpf_map_update_elem(&contexts, &context, &info, BPF_ANY);
}

/* the name-learning half of dma_fence_init, attached in both modes */
SEC("tracepoint/dma_fence/dma_fence_init")
int names_init(struct trace_event_raw_dma_fence *ctx)
{
	learn_names(ctx);
	return 0;
}

#define CLASSIC(event, type)							\
SEC("tracepoint/dma_fence/" #event)						\
int tp_##event(struct trace_event_raw_dma_fence *ctx)				\
{										\
	emit(type, ctx->context, ctx->seqno, 0);				\
	return 0;								\
}

CLASSIC(dma_fence_emit, FENCE_EMIT)
CLASSIC(dma_fence_init, FENCE_INIT)
CLASSIC(dma_fence_destroy, FENCE_DESTROY)
CLASSIC(dma_fence_enable_signal, FENCE_ENABLE_SIGNAL)
CLASSIC(dma_fence_signaled, FENCE_SIGNALED)
CLASSIC(dma_fence_wait_start, FENCE_WAIT_START)
CLASSIC(dma_fence_wait_end, FENCE_WAIT_END)

/* ---- tp_btf: the struct dma_fence itself ---- */

#define TYPED(event, type)							\
SEC("tp_btf/" #event)								\
int BPF_PROG(btf_##event, struct dma_fence *fence)				\
{										\
	emit(type, BPF_CORE_READ(fence, context), BPF_CORE_READ(fence, seqno),	\
	     BPF_CORE_READ(fence, error));					\
	return 0;								\
}

TYPED(dma_fence_emit, FENCE_EMIT)
TYPED(dma_fence_init, FENCE_INIT)
TYPED(dma_fence_destroy, FENCE_DESTROY)
TYPED(dma_fence_enable_signal, FENCE_ENABLE_SIGNAL)
TYPED(dma_fence_signaled, FENCE_SIGNALED)
TYPED(dma_fence_wait_start, FENCE_WAIT_START)
TYPED(dma_fence_wait_end, FENCE_WAIT_END)
