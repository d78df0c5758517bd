/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IOVA space of a VDUSE device as the server sees it: regions fetched on first use with
 * VDUSE_IOTLB_GET_FD and mmap'ed, dropped when the kernel says a range changed (UPDATE_IOTLB).
 * Lookups take no lock: regions are only added under add_lock, and only removed while the
 * caller guarantees no lookup runs (the server pauses its workers for that).
 */
#ifndef ZC_VDUSE_IOTLB_H
#define ZC_VDUSE_IOTLB_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define IOTLB_REGIONS 64

struct iotlb_region {
	uint64_t start, last;	/* IOVA range, inclusive */
	uint8_t *ptr;
	uint8_t perm;		/* VDUSE_ACCESS_RO/WO/RW, from the device's point of view */
};

struct vduse_iotlb {
	int dev_fd;
	pthread_mutex_t add_lock;
	unsigned n;		/* published with release semantics */
	struct iotlb_region r[IOTLB_REGIONS];
	uint64_t maps;		/* regions mmap'ed so far */
};

void iotlb_init(struct vduse_iotlb *t, int dev_fd);
/* A virtq_translate_fn: ctx is the struct vduse_iotlb. */
void *iotlb_translate(void *ctx, uint64_t iova, uint64_t len, bool write, uint64_t *avail);
/* Forget (munmap) every region overlapping [start, last]. No lookup may run meanwhile. */
void iotlb_invalidate(struct vduse_iotlb *t, uint64_t start, uint64_t last);
void iotlb_destroy(struct vduse_iotlb *t);

/*
 * A mapping of our own of [iova, iova + len), outside the table: no UPDATE_IOTLB takes it away.
 * For the rings, which a driver must not move while the device runs but whose mapping it may
 * change (vhost-vdpa: every map and unmap of any range reaches us as an update of the whole
 * space). The pointer, or NULL when the range is not mapped in one piece.
 */
struct iotlb_pin {
	void *base;
	size_t len;
};
void *iotlb_pin(struct vduse_iotlb *t, uint64_t iova, uint64_t len, bool write, struct iotlb_pin *pin);
void iotlb_unpin(struct iotlb_pin *pin);

#endif
