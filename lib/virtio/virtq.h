/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A split virtqueue (virtio 1.x, 2.7), from the device's end.
 *
 * Device face (struct virtq_device): take the descriptor chains the driver made available, give
 * them back as used, and decide when the driver needs an interrupt and when it should kick us.
 * Ring addresses are the driver's (IOVAs); a translate callback turns them into our pointers.
 *
 * The structure is private: callers use the functions. One thread owns a queue; the other end
 * may run anywhere (another thread, another process, the kernel, a guest).
 */
#ifndef ZC_VIRTQ_H
#define ZC_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* The bytes each part of a ring of num entries takes, the event fields included. */
struct virtq_part_sizes {
	size_t desc, avail, used;
};

void virtq_part_sizes(unsigned num, struct virtq_part_sizes *sizes);

/* ---- device face ---- */

/*
 * Map [iova, iova + len) for reading (write false) or writing by the device: a pointer and, in
 * *avail, how many bytes from there are contiguous (at most len); NULL if unmapped.
 */
typedef void *(*virtq_translate_fn)(void *ctx, uint64_t iova, uint64_t len, bool write, uint64_t *avail);

struct virtq_device;

struct virtq_device_cfg {
	unsigned num;			/* entries, a power of two up to 32768 */
	void *desc, *avail, *used;	/* the three parts, translated already */
	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX negotiated */
	/*
	 * Where to begin: the available entry taken first, which is also the used entry filled
	 * first. With resume, start is ignored for the used index the ring holds: a device that
	 * completes in order and died had completed exactly the entries before it, so the next one
	 * picks up there.
	 */
	uint16_t start;
	bool resume;
	virtq_translate_fn translate;
	void *ctx;
};

/* A chain as virtq_pop() fills it: the device-readable buffers first (n_out), then the writable ones (n_in). */
struct virtq_elem {
	uint16_t head;
	unsigned n_out, n_in;
	unsigned max_iov;		/* set by the caller: how many entries iov has */
	struct iovec *iov;
};

/* 0, -EINVAL for a size that is not a power of two up to 32768, -ENOMEM. */
int virtq_device_new(struct virtq_device **vq, const struct virtq_device_cfg *cfg);
void virtq_device_free(struct virtq_device *vq);

/* How many entries the driver made available that we have not taken. */
uint16_t virtq_pending(const struct virtq_device *vq);
/*
 * Take the next chain: 1 and elem filled, 0 when there is none, -EIO for a chain the driver got
 * wrong (loop, out of the table, readable after writable, indirect in indirect, unmapped), -E2BIG
 * for more buffers than elem holds. A chain that fails is consumed; the caller completes it with
 * an error.
 */
int virtq_pop(struct virtq_device *vq, struct virtq_elem *elem);
/* Put a used entry (head, bytes written) into the ring; the driver sees it after virtq_publish(). */
void virtq_push(struct virtq_device *vq, uint16_t head, uint32_t written);
/*
 * Make the pushed entries visible. Returns whether the driver wants an interrupt for them
 * (false when nothing was pushed since the last call).
 */
bool virtq_publish(struct virtq_device *vq);
/*
 * Kicks: off while we are busy with the queue anyway, back on before we sleep. virtq_kicks_on()
 * returns true if buffers arrived meanwhile (process them, no kick will come for them).
 */
void virtq_kicks_off(struct virtq_device *vq);
bool virtq_kicks_on(struct virtq_device *vq);
/* The index of the next available entry we take; any thread may ask (VDUSE_GET_VQ_STATE does). */
uint16_t virtq_next_avail(const struct virtq_device *vq);
/* The index of the next used entry we fill: after virtq_publish(), the used index the driver sees. */
uint16_t virtq_next_used(const struct virtq_device *vq);

#endif
