/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vhost-net driven from userspace as a guest's virtio-net driver would: guest memory
 * (anonymous, or a memfd), the split rings of lib/virtio/virtq's driver face, kick and call
 * eventfds (epoll, no busy waiting), a tap as the backend. TX sends numbered frames and takes their buffers back as
 * vhost completes them (with zero-copy transmit, when their skbs are freed); RX injects frames
 * into the tap and checks every byte that lands in our buffers.
 */
#ifndef ZC_VHOST_NET_TEST_H
#define ZC_VHOST_NET_TEST_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "bpf/vhost_zc_count.h"
#include "stats.h"

#define VHOST_NET_FRAME_MIN 60		/* an Ethernet frame without its FCS */
#define VHOST_NET_FRAME_MAX 65000	/* what the tap's largest MTU (65521) carries with room to spare */
#define VHOST_NET_MAX_SIZES 8

enum vhost_net_verify {
	VHOST_VERIFY_NONE,
	VHOST_VERIFY_TC,	/* a tc program hashes each frame in place on the tap's ingress: no copy */
	VHOST_VERIFY_SOCKET,	/* a packet socket reads each frame back: forces a copy of each */
};

struct vhost_net_test_opts {
	const char *device;		/* /dev/vhost-net */
	const char *tap;		/* an existing tap, or NULL: a new one with a sink, removed at the end */
	bool tx, rx;
	/* frame bytes, Ethernet header included: frame i has sizes[i % nsizes] */
	uint32_t sizes[VHOST_NET_MAX_SIZES];
	unsigned nsizes;
	uint64_t count;			/* frames each way */
	unsigned queue_size;		/* a power of two */
	unsigned inflight;		/* TX buffers in flight at most; 0: the queue size */
	unsigned call_after;		/* TX: a call once this many buffers are used (EVENT_IDX); 0 or 1: each */
	bool vnet_hdr;			/* the tap carries the virtio-net header (else vhost adds it) */
	bool tap_napi;			/* the tap's queue in NAPI mode (IFF_NAPI) */
	uint32_t delay_us;		/* netem delay on the sink (a new tap only) */
	enum vhost_net_verify verify;	/* how TX frames are checked */
	unsigned timeout_ms;		/* with no progress for this long: -ETIMEDOUT */
	bool count_zerocopy;		/* count zero-copy completions in the kernel (BPF) */
	enum vhost_zc_probe zc_probe;	/* with which probes */
	uint64_t seed;			/* of the frames' contents */
	bool memfd;			/* guest memory in a shared memfd, not anonymous (a VM's default) */
};

struct vhost_net_dir_result {
	uint64_t frames, bytes;
	uint64_t elapsed_ns;
	uint64_t cpu_ns;		/* this process's CPU time, its vhost worker thread included */
	uint64_t kicks, calls;		/* eventfd writes we made, interrupts we took */
	uint64_t verified, bad;		/* frames checked byte for byte: right, wrong */
};

struct vhost_net_test_result {
	char tap[IFNAMSIZ];
	bool made_tap;			/* ours, with the sink */
	bool tap_napi;			/* the tap's queue runs in NAPI mode, as the kernel says */
	uint64_t features;		/* negotiated */
	int zcopytx;			/* the kernel's experimental_zcopytx, or -errno */
	struct vhost_net_dir_result tx, rx;
	struct latency_figures tx_latency;	/* avail to used */
	unsigned peak_inflight;
	double mean_inflight;		/* at each add */
	uint64_t overtaken;		/* used entries that came back before an earlier head */
	uint64_t verify_dropped;	/* TX verify: frames the packet socket or the tc ring had no room for */
	uint64_t foreign;		/* frames that were not ours (RX: other traffic on the tap) */
	bool zc_counted;		/* zc holds kernel counts */
	enum vhost_zc_probe zc_probe;	/* counted through fentry or kprobes */
	struct vhost_zc_counts zc;
	char zc_why[160];		/* why they could not be counted */
};

/* Run the test; 0 with the result, or -errno and why (the result holds what was done until then). */
int vhost_net_test(const struct vhost_net_test_opts *o, struct vhost_net_test_result *r, char *why, size_t why_len);

#endif
