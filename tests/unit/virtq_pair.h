/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Both faces of one split virtqueue over one piece of memory, for the tests. */
#ifndef ZC_TEST_VIRTQ_PAIR_H
#define ZC_TEST_VIRTQ_PAIR_H

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>

#include "virtio/virtq.h"

struct pair_cfg {
	unsigned num, table_len;
	bool event_idx;
	uint16_t start;
	uint64_t granule;	/* see struct mapping; 0: buffers reach the device whole */
};

/*
 * The device's view of our memory: addresses are pointers, nothing at or above hole is mapped.
 * Outside the driver's memory (rings and tables), with granule, a contiguous mapping ends at each
 * granule boundary as IOTLB regions do, so buffers reach the device in pieces.
 */
struct mapping {
	uintptr_t hole;
	uintptr_t mem_lo, mem_hi;
	uint64_t granule;
};

struct pair {
	void *mem;
	struct mapping map;
	bool event_idx;
	const void *fail_addr;		/* the driver's addr_of has no address for this pointer */
	struct virtq_driver *drv;
	struct virtq_device *dev;
	struct vring vr;		/* the same rings, to write what only a broken end would */
};

/* "Bail out!" unless cond: the test cannot go on. */
void must(bool cond, const char *what);
/* Both faces, or bail out. */
void pair_open(struct pair *p, const struct pair_cfg *cfg);
/* A new device face on the same rings, resuming as a server restarted after a crash does. */
void pair_resume_device(struct pair *p);
void pair_close(struct pair *p);

#endif
