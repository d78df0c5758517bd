// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Checking transmitted frames without a copy: a tc classifier on the tap's ingress, ahead of
 * the sink's redirect, reads each of our test frames in place (bpf_skb_load_bytes walks the
 * zero-copy fragments, nothing is cloned or kept) and hands its sequence number, length and hash
 * to user space, which compares them with the frame it sent. It never changes a verdict.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "frame_hash.h"

#define TC_ACT_UNSPEC (-1)

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} records SEC(".maps");

__u64 lost = 0;

struct chunk_ctx {
	struct __sk_buff *skb;
	__u32 len;
	__u64 hash;
	__u8 buf[FRAME_HASH_CHUNK];
};

/* one chunk per call: bpf_loop keeps the verifier's work independent of the frame size */
static long hash_chunk(__u32 i, void *arg)
{
	struct chunk_ctx *c = arg;
	__u32 off = FRAME_HASH_FROM + i * FRAME_HASH_CHUNK, n, w;

	if (off >= c->len)
		return 1;
	n = c->len - off;
	if (n > FRAME_HASH_CHUNK)
		n = FRAME_HASH_CHUNK;
	__builtin_memset(c->buf, 0, sizeof(c->buf));
	if (n < 1 || bpf_skb_load_bytes(c->skb, off, c->buf, n))
		return 1;
	for (w = 0; w < FRAME_HASH_CHUNK / 8 && w * 8 < n; w++)
		c->hash = frame_hash_word(c->hash, *(__u64 *)(c->buf + w * 8));
	return 0;
}

SEC("tc")
int hash_frame(struct __sk_buff *skb)
{
	struct chunk_ctx c = { .skb = skb, .len = skb->len };
	struct frame_hash_record *r;
	__u16 type;
	__u64 seq;

	if (bpf_skb_load_bytes(skb, 12, &type, sizeof(type)) || type != bpf_htons(FRAME_HASH_ETHERTYPE) ||
	    bpf_skb_load_bytes(skb, FRAME_HASH_SEQ_AT, &seq, sizeof(seq)))
		return TC_ACT_UNSPEC;
	c.hash = frame_hash_start(c.len);
	bpf_loop((c.len + FRAME_HASH_CHUNK - 1) / FRAME_HASH_CHUNK, hash_chunk, &c, 0);
	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost, 1);
		return TC_ACT_UNSPEC;
	}
	r->seq = seq;
	r->hash = c.hash;
	r->len = c.len;
	r->pad = 0;
	bpf_ringbuf_submit(r, 0);
	return TC_ACT_UNSPEC;
}
