/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device side of a split virtqueue (virtio 1.x, 2.6): take descriptor chains the driver
 * made available, give them back as used, and decide when the driver needs an interrupt and
 * when it should kick us (VIRTIO_RING_F_EVENT_IDX or the flags). Ring addresses are the
 * driver's (IOVAs); a translate callback turns them into our pointers. Single-threaded per
 * queue: one thread owns a struct virtq.
 */
#ifndef ZC_VIRTQ_H
#define ZC_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * Map [iova, iova + len) for reading (write false) or writing by the device: a pointer and, in
 * *avail, how many bytes from there are contiguous (at most len); NULL if unmapped.
 */
typedef void *(*virtq_translate_fn)(void *ctx, uint64_t iova, uint64_t len, bool write, uint64_t *avail);

struct vring_desc;
struct vring_avail;
struct vring_used;

struct virtq {
	unsigned num;			/* entries, a power of two */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX negotiated */
	uint16_t last_avail;		/* next available entry we take */
	uint16_t used_idx;		/* next used entry we fill; published by virtq_publish() */
	uint16_t signalled_used;	/* used index when we last interrupted the driver */
	bool signalled_valid;
	virtq_translate_fn translate;
	void *ctx;
};

/* A descriptor chain: the device-readable buffers first (n_out), then the writable ones (n_in). */
struct virtq_elem {
	uint16_t head;
	unsigned n_out, n_in;
	unsigned max_iov;
	struct iovec *iov;
};

/* The ring pointers are already translated; last_avail/used_idx resume from used_idx. */
void virtq_init(struct virtq *vq, unsigned num, void *desc, void *avail, void *used, bool event_idx,
		uint16_t used_idx, virtq_translate_fn translate, void *ctx);

/* How many entries the driver made available that we have not taken. */
uint16_t virtq_pending(const struct virtq *vq);
/*
 * Take the next chain: 1 and elem filled, 0 when there is none, -EIO for a chain the driver got
 * wrong (loop, out of the table, readable after writable, unmapped), -E2BIG for more buffers than
 * elem holds. A chain that fails is consumed; the caller completes it with an error.
 */
int virtq_pop(struct virtq *vq, struct virtq_elem *elem);
/* Put a used entry (head, bytes written) into the ring; the driver sees it after virtq_publish(). */
void virtq_push(struct virtq *vq, uint16_t head, uint32_t written);
/* Make the pushed entries visible. Returns whether the driver wants an interrupt for them. */
bool virtq_publish(struct virtq *vq);
/*
 * Kicks: off while we are busy with the queue anyway, back on before we sleep. virtq_kicks_on()
 * returns true if buffers arrived meanwhile (process them, no kick will come for them).
 */
void virtq_kicks_off(struct virtq *vq);
bool virtq_kicks_on(struct virtq *vq);

#endif
