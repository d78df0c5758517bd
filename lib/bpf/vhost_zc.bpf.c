// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Did vhost-net's zero-copy transmit stay zero-copy? Counted where the kernel decides, for one
 * vhost-net device: ours. Its worker is a thread of our process (vhost_task, 6.4+), so the first
 * handle_tx_zerocopy() with our tgid tells which vhost_dev is ours; every zero-copy buffer's
 * ubuf_info leads back to it (ubuf_info_msgzc.ctx -> vhost_net_ubuf_ref -> vq -> dev).
 *
 * vhost_zerocopy_complete(skb, ubuf, success) runs once per reference; the last one completes the
 * buffer, with success false when the stack copied the pages first. skb_copy_ubufs() is that
 * copy: its kernel stack says who forced it (a packet socket, local delivery, veth, ...).
 *
 * The vhost structures live in drivers/vhost/net.c, so the build machine's vmlinux.h may lack
 * them: they are declared here with only the fields we read, relocated against the running
 * kernel's BTF (CO-RE).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "vhost_zc.h"

char LICENSE[] SEC("license") = "GPL";

struct vhost_virtqueue___zc {
	void *dev;
} __attribute__((preserve_access_index));

struct vhost_net_ubuf_ref___zc {
	struct vhost_virtqueue___zc *vq;
} __attribute__((preserve_access_index));

const volatile __u32 owner_tgid = 0;

/* our vhost_dev (the vhost_net, whose first member it is), once the worker has shown it */
__u64 device = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VZC_NR);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, VZC_MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, VZC_STACK_DEPTH * sizeof(__u64));
} copy_stacks SEC(".maps");

/* how many copies each stack made */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VZC_MAX_STACKS);
	__type(key, __u32);
	__type(value, __u64);
} copy_counts SEC(".maps");

static void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &which);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static int saw_worker(void *net)
{
	if (bpf_get_current_pid_tgid() >> 32 != owner_tgid)
		return 0;
	if (!device)
		device = (__u64)net;
	count(VZC_DEVICE_SEEN);
	return 0;
}

/* A ubuf_info of our device: vhost's, with a ctx that leads to our vhost_dev. */
static bool ours(struct ubuf_info *ubuf)
{
	struct ubuf_info_msgzc *zc = container_of(ubuf, struct ubuf_info_msgzc, ubuf);
	struct vhost_net_ubuf_ref___zc *ref;

	if (!ubuf || !device)
		return false;
	ref = BPF_CORE_READ(zc, ctx);
	return ref && (__u64)BPF_CORE_READ(ref, vq, dev) == device;
}

static int completed(struct ubuf_info *ubuf, bool success)
{
	/* only the last reference completes the buffer */
	if (BPF_CORE_READ(ubuf, refcnt.refs.counter) != 1 || !ours(ubuf))
		return 0;
	count(success ? VZC_DONE : VZC_FAILED);
	return 0;
}

static int copied(void *ctx, struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	struct skb_shared_info *shinfo = (void *)(head + BPF_CORE_READ(skb, end));
	struct ubuf_info *ubuf = BPF_CORE_READ(shinfo, destructor_arg);
	__u64 one = 1, *n;
	int id;

	if (!ours(ubuf))
		return 0;
	count(VZC_COPIED);
	id = bpf_get_stackid(ctx, &copy_stacks, 0);
	if (id < 0)
		return 0;
	n = bpf_map_lookup_elem(&copy_counts, &id);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&copy_counts, &id, &one, BPF_NOEXIST);
	return 0;
}

/*
 * Each probe twice: fentry (a trampoline called from the function's first instruction, on a
 * kernel with FUNCTION_TRACER) and kprobe (a breakpoint or jump that saves every register, the
 * fallback). User space loads one set: the completion runs once per frame, and its probe is most
 * of what counting costs.
 */
#define ON_ENTRY(func, call, args...)		\
	SEC("fentry/" #func)			\
	int BPF_PROG(fentry_##func, args)	\
	{					\
		return call;			\
	}					\
	SEC("kprobe/" #func)			\
	int BPF_KPROBE(kprobe_##func, args)	\
	{					\
		return call;			\
	}

ON_ENTRY(handle_tx_zerocopy, saw_worker(net), void *net)
ON_ENTRY(vhost_zerocopy_complete, completed(ubuf, success), struct sk_buff *skb, struct ubuf_info *ubuf, bool success)
ON_ENTRY(skb_copy_ubufs, copied(ctx, skb), struct sk_buff *skb)
