/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What both ends of a split virtqueue share, private to lib/virtio/virtq_*.c: the ring layout as
 * <linux/virtio_ring.h> defines it, which fields each end writes, and the memory ordering that
 * lets two ends that never lock anything neither lose an entry nor miss a notification.
 *
 * The rings are little-endian (VIRTIO_F_VERSION_1). They are read and written here as native
 * integers, so this runs on little-endian machines only (x86, arm64): the #error says so.
 */
#ifndef ZC_VIRTQ_RING_H
#define ZC_VIRTQ_RING_H

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "virtqueue rings are accessed as native integers: little-endian machines only"
#endif

/* virtio 1.x, 2.7: a split queue has a power-of-two size of at most 32768 */
#define VIRTQ_MAX_NUM 32768

/*
 * The fields one end writes: its index (entries handed over), its flags (the bit that asks the
 * other end not to notify it) and its event (with EVENT_IDX: notify me when your index passes
 * this). The driver's are in the available ring, the device's in the used ring.
 */
struct ring_end {
	__virtio16 *idx, *flags, *event;
	uint16_t quiet;		/* VRING_AVAIL_F_NO_INTERRUPT or VRING_USED_F_NO_NOTIFY */
};

struct virtq_ring {
	struct vring vr;		/* num and the three parts, in our address space */
	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX negotiated */
	struct ring_end mine, theirs;
};

static inline bool ring_num_valid(unsigned num)
{
	return num && num <= VIRTQ_MAX_NUM && !(num & (num - 1));
}

/*
 * The bytes of each part, as vring_init() lays them out: the available ring ends with the
 * driver's used_event, the used ring with the device's avail_event.
 */
static inline void ring_part_sizes(unsigned num, size_t *desc, size_t *avail, size_t *used)
{
	*desc = num * sizeof(struct vring_desc);
	*avail = sizeof(struct vring_avail) + (num + 1) * sizeof(__virtio16);
	*used = sizeof(struct vring_used) + num * sizeof(struct vring_used_elem) + sizeof(__virtio16);
}

/* Fill in mine and theirs once vr points at the rings. */
static inline void ring_take_side(struct virtq_ring *r, bool device, bool event_idx)
{
	struct ring_end driver = { &r->vr.avail->idx, &r->vr.avail->flags, &vring_used_event(&r->vr),
				   VRING_AVAIL_F_NO_INTERRUPT };
	struct ring_end dev = { &r->vr.used->idx, &r->vr.used->flags, &vring_avail_event(&r->vr),
				VRING_USED_F_NO_NOTIFY };

	r->event_idx = event_idx;
	r->mine = device ? dev : driver;
	r->theirs = device ? driver : dev;
}

static inline unsigned ring_slot(const struct virtq_ring *r, uint16_t idx)
{
	return idx & (r->vr.num - 1);
}

/* The other end's index. Acquire: the entries it covers are read after it. */
static inline uint16_t ring_their_idx(const struct virtq_ring *r)
{
	return __atomic_load_n(r->theirs.idx, __ATOMIC_ACQUIRE);
}

/*
 * Hand over our entries up to index now (the other end had them up to old) and say whether it
 * wants to be notified: with EVENT_IDX when the index passed its event, otherwise unless its
 * flags say not to. Release: the entries are visible before the index. Then a full fence: the
 * index is visible before we read its event or flags. The other end does the mirror image
 * (ring_listen), so at least one of us sees the other's store and nobody sleeps on work.
 */
static inline bool ring_publish(struct virtq_ring *r, uint16_t now, uint16_t old)
{
	__atomic_store_n(r->mine.idx, now, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (r->event_idx)
		return vring_need_event(__atomic_load_n(r->theirs.event, __ATOMIC_RELAXED), now, old);
	return !(__atomic_load_n(r->theirs.flags, __ATOMIC_RELAXED) & r->theirs.quiet);
}

/*
 * Ask the other end not to notify us, a hint. With EVENT_IDX our event goes just behind its
 * index: it notifies when its index passes the event, which it has then done already, so it
 * stays quiet until ring_listen() moves the event ahead. (Left where it was, the event still
 * drew one more notification after every listen, also after "off".)
 */
static inline void ring_quiet(struct virtq_ring *r)
{
	if (r->event_idx)
		__atomic_store_n(r->mine.event, (uint16_t)(ring_their_idx(r) - 1), __ATOMIC_RELAXED);
	else
		__atomic_store_n(r->mine.flags, r->mine.quiet, __ATOMIC_RELAXED);
}

/*
 * Ask to be notified when the other end has handed over n entries from `next` on (n >= 1; without
 * EVENT_IDX it notifies for the first, whatever n is). Returns true if it has already (entries
 * arrived while we were not listening, and no notification will come for them): n of them with
 * EVENT_IDX, any without.
 */
static inline bool ring_listen_after(struct virtq_ring *r, uint16_t next, uint16_t n)
{
	if (r->event_idx)
		__atomic_store_n(r->mine.event, (uint16_t)(next + n - 1), __ATOMIC_RELAXED);
	else
		__atomic_store_n(r->mine.flags, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return (uint16_t)(ring_their_idx(r) - next) >= (r->event_idx ? n : 1);
}

/* Ask to be notified when the other end hands over its entry `next`; true if it has already. */
static inline bool ring_listen(struct virtq_ring *r, uint16_t next)
{
	return ring_listen_after(r, next, 1);
}

#endif
