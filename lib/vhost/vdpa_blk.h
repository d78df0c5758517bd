/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A userspace virtio-blk driver over /dev/vhost-vdpa-N: the other half of a VDUSE device, the
 * part a VM plays. Our memory is one memfd (VDUSE maps only shared file memory), reached by the
 * device through IOTLB messages: the rings, headers and status bytes in one mapping, the data
 * buffers in two banks of their own, so that one bank can be unmapped and mapped again at
 * another IOVA while the other bank's requests run (remap_every). Requests go through queue 0
 * with lib/virtio/virtq's driver face, depth of them in flight, kicks and interrupts through
 * eventfds.
 */
#ifndef ZC_VHOST_VDPA_BLK_H
#define ZC_VHOST_VDPA_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"
#include "vhost/vdpa.h"

enum vdpa_blk_workload {
	VDPA_BLK_VERIFY,	/* GET_ID, write the region, flush, read it back and compare; discard and write-zeroes past it */
	VDPA_BLK_READ,		/* sequential reads of the region, count of them */
	VDPA_BLK_WRITE,
	VDPA_BLK_RANDREAD,	/* reads at random bs-aligned offsets of the region */
	VDPA_BLK_RANDWRITE,
};

struct vdpa_blk_opts {
	const char *path;		/* /dev/vhost-vdpa-N */
	enum vdpa_blk_workload workload;
	uint64_t size;			/* bytes of the disk used, from offset 0; 0: all of it, up to 16 MiB */
	uint32_t bs;			/* bytes per request, a multiple of 512 */
	uint64_t count;			/* VERIFY: passes; others: requests (0: size / bs) */
	unsigned queue_size;		/* 0: the device's largest, up to 256 */
	unsigned depth;			/* requests in flight */
	const char *file;		/* what writes carry: the file's bytes, or NULL for the pattern */
	uint64_t seed;			/* of the pattern */
	uint64_t remap_every;		/* requests between two remaps of a data bank; 0: never */
	bool anonymous;			/* buffers in anonymous memory, which VDUSE cannot map (refused) */
	unsigned timeout_ms;		/* with no request completing for this long: -ETIMEDOUT */
	unsigned duration_ms;		/* not VERIFY: stop issuing after this long (count, if given, still caps) */
};

struct vdpa_blk_result {
	struct vhost_vdpa_info info;
	char parent[64];		/* the vDPA device behind it */
	bool vduse;			/* which is a VDUSE device */
	uint64_t features;		/* negotiated */
	uint64_t capacity;		/* bytes */
	uint64_t size;			/* of the region used */
	uint32_t blk_size;
	unsigned queue_size;
	char id[21];			/* GET_ID, "" when not asked */
	uint64_t reads, writes, flushes, discards, write_zeroes, get_ids;
	uint64_t bytes;			/* data moved by reads and writes */
	uint64_t failed;		/* requests whose status was not OK */
	uint64_t elapsed_ns, cpu_ns;	/* from the first request to the last completion */
	struct latency_figures latency;	/* avail to used, every request */
	uint64_t verified;		/* bytes read back and compared */
	bool mismatch;
	uint64_t first_bad;		/* disk offset of the first wrong byte */
	bool zeroes_ok;			/* the written-zeroes range read back as zeros (if asked) */
	uint64_t remaps;
	struct vhost_vdpa_iotlb_counts iotlb;
	uint64_t kicks, interrupts;
};

/* Run it; 0 with the result, or -errno and why (the result holds what was done until then). */
int vdpa_blk_run(const struct vdpa_blk_opts *o, struct vdpa_blk_result *r, char *why, size_t why_len);

#endif
