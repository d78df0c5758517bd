// SPDX-License-Identifier: GPL-2.0-or-later
#include "bpf/frame_check.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/frame_hash.h"
#include "bpf/frame_hash.skel.h"
#include "bpf/probe.h"
#include "netdev.h"

struct frame_check {
	struct frame_hash_bpf *skel;
	struct ring_buffer *ring;
	struct bpf_tc_hook hook;
	struct bpf_tc_opts attached;
	bool made_hook;		/* the clsact qdisc is ours to remove */
	frame_check_fn fn;
	void *arg;
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct frame_check *fc = ctx;
	const struct frame_hash_record *r = data;

	if (size >= sizeof(*r))
		fc->fn(fc->arg, r->seq, r->len, r->hash);
	return 0;
}

static int attach(struct frame_check *fc, int ifindex, char *why, size_t why_len)
{
	int err;

	fc->hook = (struct bpf_tc_hook){ .sz = sizeof(fc->hook), .ifindex = ifindex, .attach_point = BPF_TC_INGRESS };
	if ((err = netdev_clsact_add(ifindex, &fc->made_hook, why, why_len)))
		return err;
	fc->attached = (struct bpf_tc_opts){
		.sz = sizeof(fc->attached), .prog_fd = bpf_program__fd(fc->skel->progs.hash_frame), .priority = 1,
		.handle = 1,
	};
	return bpf_tc_attach(&fc->hook, &fc->attached);
}

int frame_check_start(int ifindex, struct frame_check **out, char *why, size_t why_len)
{
	struct frame_check *fc = calloc(1, sizeof(*fc));
	int err;

	why[0] = '\0';
	if (!fc)
		return -ENOMEM;
	bpf_quiet();
	fc->skel = frame_hash_bpf__open_and_load();
	if (!fc->skel) {
		err = -errno;
		snprintf(why, why_len, "loading the frame-hash tc program (BPF_PROG_TYPE_SCHED_CLS, bpf_loop: 5.17+)");
		goto fail;
	}
	err = attach(fc, ifindex, why, why_len);
	if (err) {
		if (!why[0])
			snprintf(why, why_len, "attaching the frame-hash program to the tap's ingress");
		goto fail;
	}
	fc->ring = ring_buffer__new(bpf_map__fd(fc->skel->maps.records), on_record, fc, NULL);
	if (!fc->ring) {
		err = -errno;
		snprintf(why, why_len, "the frame-hash ring buffer");
		goto fail;
	}
	*out = fc;
	return 0;
fail:
	frame_check_stop(fc);
	return err;
}

int frame_check_take(struct frame_check *fc, frame_check_fn fn, void *arg)
{
	fc->fn = fn;
	fc->arg = arg;
	return ring_buffer__consume(fc->ring);
}

uint64_t frame_check_lost(const struct frame_check *fc)
{
	return fc->skel->bss->lost;
}

void frame_check_stop(struct frame_check *fc)
{
	if (!fc)
		return;
	if (fc->attached.prog_fd) {
		fc->attached.prog_fd = fc->attached.flags = fc->attached.prog_id = 0;
		bpf_tc_detach(&fc->hook, &fc->attached);
	}
	if (fc->made_hook)
		netdev_clsact_del(fc->hook.ifindex);
	ring_buffer__free(fc->ring);
	frame_hash_bpf__destroy(fc->skel);
	free(fc);
}
