// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dma_fence tracepoints for `zcioctl trace fence`. Two flavours of programs, one of which user
 * space loads: tp_btf (BTF-typed raw tracepoints: cheap, full 64-bit context and seqno, the
 * fence's error) or, where the kernel cannot attach those, the classic tracepoints. Either way the
 * classic dma_fence_init tracepoint is the one that sees the driver and timeline names (the
 * tracepoint calls the fence's ops to get them; BPF cannot), so it fills a map by context and
 * applies the name filters there.
 *
 * Two outputs, and user space loads the programs of one:
 * - events: a ring-buffer record per event (the ev_* programs and names_init);
 * - aggregate (summary, hist): the agg_* programs match each fence's events here, keep the
 *   start times in a table and add counts, log2 histograms and maxima to per-CPU arrays, one
 *   element per driver/timeline group, which user space reads once at the end. No record
 *   crosses to user space, so watching costs the traced workload only the programs themselves.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "fence_event.h"

char LICENSE[] SEC("license") = "GPL";

const volatile struct fence_filter filter = {};
/* wake user space only past this much unread data; it also reads on a timer */
const volatile __u64 wakeup_bytes = 0;
/* aggregate output with `count N`: events past the first N are left out */
const volatile __u64 max_events = 0;

/* aggregate output: events counted (with max_events only), and the next free group id */
__u64 taken = 0;
__u32 next_group = 1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);	/* resized by user space before load */
} events SEC(".maps");

/* names, filter verdict and group of each fence context seen at dma_fence_init */
struct context_info {
	struct fence_names names;
	__u32 group;
	__u8 allowed;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct context_info);
} contexts SEC(".maps");

/* the group id of each driver/timeline pair (user space reads the names from here) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FENCE_MAX_GROUPS);
	__type(key, struct fence_names);
	__type(value, __u32);
} group_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FENCE_MAX_GROUPS);
	__type(key, __u32);
	__type(value, struct fence_agg);
} aggs SEC(".maps");

/*
 * Fences by (context, seqno), both cut to the 32 bits the classic record has, so that the
 * classic init program and the tp_btf ones agree on the key.
 */
struct fence_key {
	__u64 context;
	__u64 seqno;
};

/* with a pid filter: the fences that process created */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct fence_key);
	__type(value, __u8);
} owned SEC(".maps");

/*
 * aggregate output: the context of this CPU's last dma_fence_init. A fence loop keeps to one
 * context, and this array's look-up is cheaper than the contexts hash.
 */
struct last_context {
	__u64 context;
	__u32 group;
	__u8 allowed;
	__u8 valid;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct last_context);
} last_init SEC(".maps");

/*
 * aggregate output: fences in flight, from init until signalled, in an open-addressed table of
 * our own in an array map. A hash map costs a bucket lock with interrupts off and a free-list
 * pop or push per update and delete; measured in the TCG guest, that was most of what summary
 * cost the traced work. Here an insert is one compare-and-swap on a free slot, a look-up a few
 * plain loads, and a delete one atomic exchange. A fence that finds its probes all taken is
 * counted untracked.
 */
#define START_SLOTS 32768	/* a power of two */
#define START_PROBES 4		/* slots an insert or look-up tries */
#define START_STRIDE 97		/* odd: the probes of one key do not run into the next seqno's home */

struct start_slot {
	__u64 key;		/* start_key() of the fence, 0 when free */
	__u64 init_ns;
	__u64 enable_ns;	/* 0 until enable_signal */
	__u32 group;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, START_SLOTS);
	__type(key, __u32);
	__type(value, struct start_slot);
} starts SEC(".maps");

/*
 * aggregate output: waits in progress, by fence and waiting thread. A hash map will do here: a
 * wait blocks, which costs far more than the map.
 */
struct wait_key {
	struct fence_key fence;
	__u64 tid;
};

struct wait_start {
	__u64 ns;
	__u32 group;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct wait_key);
	__type(value, struct wait_start);
} waits SEC(".maps");

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

static __always_inline struct fence_key key_of(__u64 context, __u64 seqno)
{
	struct fence_key key = { (__u32)context, (__u32)seqno };

	return key;
}

/* the filters fixed at load, for a fence of a context whose names are allowed (or not, or unknown) */
static __always_inline bool passes(bool names_allowed, __u64 context)
{
	if (filter.by_context && context != filter.context)
		return false;
	if ((filter.driver[0] || filter.timeline[0]) && !names_allowed)
		return false;
	return true;
}

static __always_inline bool wanted(__u64 context, __u64 seqno, struct context_info **info, __u8 type)
{
	struct fence_key key = key_of(context, seqno);
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	/* the classic record has the low 32 bits of the context: key the names by those */
	__u64 ctx_key = (__u32)context;

	*info = bpf_map_lookup_elem(&contexts, &ctx_key);
	if (!passes(*info && (*info)->allowed, context))
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

/* ---- names: the classic dma_fence_init record holds them ---- */

static __always_inline void read_name(char *dst, void *ctx, __u32 data_loc)
{
	bpf_probe_read_kernel_str(dst, FENCE_NAME_LEN, (char *)ctx + (data_loc & 0xffff));
}

/* The group of a driver/timeline pair, allocated on first sight. */
static __always_inline __u32 group_of_names(const struct fence_names *names)
{
	__u32 *id = bpf_map_lookup_elem(&group_ids, names);
	__u32 fresh;

	if (id)
		return *id;
	fresh = __sync_fetch_and_add(&next_group, 1);
	if (fresh >= FENCE_MAX_GROUPS)
		return 0;
	/* another CPU may have added the same names meanwhile: its id wins, ours stays empty */
	if (bpf_map_update_elem(&group_ids, names, &fresh, BPF_NOEXIST)) {
		id = bpf_map_lookup_elem(&group_ids, names);
		return id ? *id : 0;
	}
	return fresh;
}

/*
 * What we know of this record's context: read the names (two string copies and a group look-up)
 * only the first time a context shows up. A context's names do not change, and a context id is
 * not reused. Returns the map's entry, or *fresh where the map would not take it.
 */
static __always_inline struct context_info *learn_names(struct trace_event_raw_dma_fence *ctx, __u64 context,
							 struct context_info *fresh)
{
	struct context_info *known = bpf_map_lookup_elem(&contexts, &context);

	if (known)
		return known;
	__builtin_memset(fresh, 0, sizeof(*fresh));
	read_name(fresh->names.driver, ctx, ctx->__data_loc_driver);
	read_name(fresh->names.timeline, ctx, ctx->__data_loc_timeline);
	fresh->allowed = names_match(filter.driver, fresh->names.driver) &&
			 names_match(filter.timeline, fresh->names.timeline);
	fresh->group = group_of_names(&fresh->names);
	bpf_map_update_elem(&contexts, &context, fresh, BPF_ANY);
	known = bpf_map_lookup_elem(&contexts, &context);
	return known ? known : fresh;
}

/* ---- events output: a ring-buffer record per event ---- */

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

/* the name-learning half of dma_fence_init, attached beside the ev_* programs */
SEC("tracepoint/dma_fence/dma_fence_init")
int names_init(struct trace_event_raw_dma_fence *ctx)
{
	struct context_info fresh;

	learn_names(ctx, ctx->context, &fresh);
	return 0;
}

#define EV_CLASSIC(event, type)							\
SEC("tracepoint/dma_fence/" #event)						\
int tp_##event(struct trace_event_raw_dma_fence *ctx)				\
{										\
	emit(type, ctx->context, ctx->seqno, 0);				\
	return 0;								\
}

EV_CLASSIC(dma_fence_emit, FENCE_EMIT)
EV_CLASSIC(dma_fence_init, FENCE_INIT)
EV_CLASSIC(dma_fence_destroy, FENCE_DESTROY)
EV_CLASSIC(dma_fence_enable_signal, FENCE_ENABLE_SIGNAL)
EV_CLASSIC(dma_fence_signaled, FENCE_SIGNALED)
EV_CLASSIC(dma_fence_wait_start, FENCE_WAIT_START)
EV_CLASSIC(dma_fence_wait_end, FENCE_WAIT_END)

/* tp_btf hands us the fence itself: plain loads, no probe-read calls */
#define EV_TYPED(event, type)							\
SEC("tp_btf/" #event)								\
int BPF_PROG(btf_##event, struct dma_fence *fence)				\
{										\
	emit(type, fence->context, fence->seqno, fence->error);			\
	return 0;								\
}

EV_TYPED(dma_fence_emit, FENCE_EMIT)
EV_TYPED(dma_fence_init, FENCE_INIT)
EV_TYPED(dma_fence_destroy, FENCE_DESTROY)
EV_TYPED(dma_fence_enable_signal, FENCE_ENABLE_SIGNAL)
EV_TYPED(dma_fence_signaled, FENCE_SIGNALED)
EV_TYPED(dma_fence_wait_start, FENCE_WAIT_START)
EV_TYPED(dma_fence_wait_end, FENCE_WAIT_END)

/* ---- aggregate output: counts and histograms in per-CPU maps ---- */

/* With `count N`: whether this event is still among the first N. One shared atomic, so only then. */
static __always_inline bool take(void)
{
	return !max_events || __sync_fetch_and_add(&taken, 1) < max_events;
}

static __always_inline __u32 log2_bucket(__u64 v)
{
	__u32 b = 0;

	/* a binary search in six steps; a loop over the bits costs up to 40 under the JIT */
	if (v >> 32) { v >>= 32; b += 32; }
	if (v >> 16) { v >>= 16; b += 16; }
	if (v >> 8) { v >>= 8; b += 8; }
	if (v >> 4) { v >>= 4; b += 4; }
	if (v >> 2) { v >>= 2; b += 2; }
	if (v >> 1)
		b += 1;
	return b < FENCE_HIST_BUCKETS ? b : FENCE_HIST_BUCKETS - 1;
}

static __always_inline void add_latency(struct fence_latency *l, __u64 ns)
{
	__u32 b = log2_bucket(ns);

	if (b < FENCE_HIST_BUCKETS)	/* for the verifier */
		l->hist[b]++;
	if (ns > l->max_ns)
		l->max_ns = ns;
}

/* This CPU's figures of group g, with the event counted; NULL when it is past `count N`. */
static __always_inline struct fence_agg *count_event(__u32 g, __u8 type)
{
	struct fence_agg *a;

	if (!take())
		return NULL;
	a = bpf_map_lookup_elem(&aggs, &g);
	if (a && type < FENCE_NR_EVENTS)
		a->events[type]++;
	return a;
}

/*
 * The group of an event whose fence (or wait) we hold no start for: one created before tracing
 * began, or one the start table had no room for. The filters decide from the context. Returns
 * -1 when they leave it out.
 */
static __always_inline int untracked_group(__u64 context, __u64 seqno, __u8 type)
{
	struct context_info *info;

	if (!wanted(context, seqno, &info, type))
		return -1;
	return info ? info->group : 0;
}

/*
 * A fence's key in the start table: context and seqno cut to 32 bits like the classic record, plus
 * one so that no fence has 0, the free mark. (The one fence that would wrap to 0, context and
 * seqno both 0xffffffff, is never tracked.)
 */
static __always_inline __u64 start_key(__u64 context, __u64 seqno)
{
	return (((__u64)(__u32)context << 32) | (__u32)seqno) + 1;
}

/*
 * Probe i of a key: the fences of one context sit in consecutive slots from a home that depends
 * on the context, so a run of seqnos in flight does not collide with itself.
 */
static __always_inline __u32 start_probe(__u64 key, __u32 i)
{
	__u32 context = (key - 1) >> 32, seqno = key - 1;

	return (context * 0x9e3779b1u + seqno + i * START_STRIDE) & (START_SLOTS - 1);
}

/* The slot that holds key, or NULL. */
static __always_inline struct start_slot *start_find(__u64 key)
{
	__u32 i;

	for (i = 0; i < START_PROBES; i++) {
		__u32 idx = start_probe(key, i);
		struct start_slot *slot = bpf_map_lookup_elem(&starts, &idx);

		if (slot && slot->key == key)
			return slot;
	}
	return NULL;
}

/* Claim a free slot for key (the fence is not published yet: no one else looks for it). */
static __always_inline struct start_slot *start_claim(__u64 key)
{
	__u32 i;

	for (i = 0; i < START_PROBES; i++) {
		__u32 idx = start_probe(key, i);
		struct start_slot *slot = bpf_map_lookup_elem(&starts, &idx);

		if (slot && !slot->key && !__sync_val_compare_and_swap(&slot->key, 0, key))
			return slot;
	}
	return NULL;
}

/* The one init program of the aggregate output: names, filters, and the fence's start time. */
static __always_inline void agg_on_init(struct trace_event_raw_dma_fence *ctx)
{
	/* read the record once: the verifier refuses loads through a moved ctx pointer */
	__u64 context = ctx->context, seqno = ctx->seqno;
	struct last_context *last;
	struct start_slot *slot;
	struct fence_agg *a;
	__u32 zero = 0;

	last = bpf_map_lookup_elem(&last_init, &zero);
	if (!last)
		return;
	if (!last->valid || last->context != context) {
		struct context_info fresh, *info = learn_names(ctx, context, &fresh);

		last->context = context;
		last->group = info->group;
		last->allowed = info->allowed;
		last->valid = 1;
	}
	if (!passes(last->allowed, context))
		return;
	if (filter.pid) {
		struct fence_key key = key_of(context, seqno);
		__u8 one = 1;

		if ((bpf_get_current_pid_tgid() >> 32) != filter.pid)
			return;
		bpf_map_update_elem(&owned, &key, &one, BPF_ANY);
	}
	a = count_event(last->group, FENCE_INIT);
	if (!a)
		return;
	a->fences++;
	slot = start_claim(start_key(context, seqno));
	if (!slot) {
		a->untracked++;
		return;
	}
	slot->init_ns = bpf_ktime_get_ns();
	slot->enable_ns = 0;
	slot->group = last->group;
}

SEC("tracepoint/dma_fence/dma_fence_init")
int agg_init(struct trace_event_raw_dma_fence *ctx)
{
	agg_on_init(ctx);
	return 0;
}

static __always_inline void agg_on_enable_signal(__u64 context, __u64 seqno)
{
	struct start_slot *s = start_find(start_key(context, seqno));
	int g = s ? (int)s->group : untracked_group(context, seqno, FENCE_ENABLE_SIGNAL);

	if (g < 0 || !count_event(g, FENCE_ENABLE_SIGNAL))
		return;
	/* fence->lock serialises this with the signal: no other CPU writes the entry meanwhile */
	if (s && !s->enable_ns)
		s->enable_ns = bpf_ktime_get_ns();
}

/* now: when the fence was signalled */
static __always_inline void agg_on_signaled(__u64 context, __u64 seqno, int error, __u64 now)
{
	struct start_slot *sp = start_find(start_key(context, seqno)), s;
	struct fence_agg *a;
	int g;

	if (!sp) {	/* created before we looked: counted, not timed */
		g = untracked_group(context, seqno, FENCE_SIGNALED);
		a = g < 0 ? NULL : count_event(g, FENCE_SIGNALED);
		if (a && error)
			a->errors++;
		return;
	}
	/*
	 * copy, then free: another CPU may claim the slot at once. An atomic exchange, so that no
	 * CPU lets the store overtake the loads (a plain one could, on arm64).
	 */
	s = *sp;
	__sync_lock_test_and_set(&sp->key, 0);
	a = count_event(s.group, FENCE_SIGNALED);
	if (!a)
		return;
	a->signaled++;
	if (error)
		a->errors++;
	add_latency(&a->init_to_signaled, now - s.init_ns);
	if (s.enable_ns)
		add_latency(&a->enable_to_signaled, now - s.enable_ns);
}

static __always_inline void agg_on_wait_start(__u64 context, __u64 seqno)
{
	struct wait_key key = { key_of(context, seqno), (__u32)bpf_get_current_pid_tgid() };
	struct start_slot *s = start_find(start_key(context, seqno));
	struct wait_start w;
	struct fence_agg *a;
	int g;

	/* the fence may be signalled already (and its start gone): the filters decide then */
	g = s ? (int)s->group : untracked_group(context, seqno, FENCE_WAIT_START);
	if (g < 0 || !(a = count_event(g, FENCE_WAIT_START)))
		return;
	w.ns = bpf_ktime_get_ns();
	w.group = g;
	if (bpf_map_update_elem(&waits, &key, &w, BPF_ANY))
		a->untracked++;
}

static __always_inline void agg_on_wait_end(__u64 context, __u64 seqno)
{
	struct wait_key key = { key_of(context, seqno), (__u32)bpf_get_current_pid_tgid() };
	struct wait_start *wp = bpf_map_lookup_elem(&waits, &key), w;
	struct fence_agg *a;
	__u64 ns;
	int g;

	if (!wp) {	/* began before we looked: counted, not timed */
		g = untracked_group(context, seqno, FENCE_WAIT_END);
		a = g < 0 ? NULL : count_event(g, FENCE_WAIT_END);
		if (a)
			a->waits++;
		return;
	}
	w = *wp;
	bpf_map_delete_elem(&waits, &key);
	a = count_event(w.group, FENCE_WAIT_END);
	if (!a)
		return;
	ns = bpf_ktime_get_ns() - w.ns;
	a->waits++;
	a->wait_ns += ns;
	add_latency(&a->wait, ns);
}

/*
 * enable_signal, signaled and the waits, in both flavours (init is agg_init above). No destroy:
 * a start leaves the table when its fence signals, and a fence destroyed unsignalled (rare: an
 * error path) is not worth a program run for every fence; its slot stays taken.
 * Each ON_* takes (context, seqno, error, signal time); an argument it drops is not evaluated.
 */
#define ON_ENABLE_SIGNAL(c, s, err, ns)	agg_on_enable_signal(c, s)
#define ON_SIGNALED(c, s, err, ns)	agg_on_signaled(c, s, err, ns)
#define ON_WAIT_START(c, s, err, ns)	agg_on_wait_start(c, s)
#define ON_WAIT_END(c, s, err, ns)	agg_on_wait_end(c, s)

/* the classic record has no error */
#define AGG_CLASSIC(event, on)							\
SEC("tracepoint/dma_fence/dma_fence_" #event)					\
int agg_tp_##event(struct trace_event_raw_dma_fence *ctx)			\
{										\
	on(ctx->context, ctx->seqno, 0, bpf_ktime_get_ns());			\
	return 0;								\
}

/*
 * the fence itself, with plain loads (its signal time shares a union with a list head, which the
 * verifier takes for a pointer: read the clock too)
 */
#define AGG_TYPED(event, on)							\
SEC("tp_btf/dma_fence_" #event)							\
int BPF_PROG(agg_btf_##event, struct dma_fence *fence)				\
{										\
	on(fence->context, fence->seqno, fence->error, bpf_ktime_get_ns());	\
	return 0;								\
}

#define AGG(event, on) AGG_CLASSIC(event, on) AGG_TYPED(event, on)

AGG(enable_signal, ON_ENABLE_SIGNAL)
AGG(signaled, ON_SIGNALED)
AGG(wait_start, ON_WAIT_START)
AGG(wait_end, ON_WAIT_END)
