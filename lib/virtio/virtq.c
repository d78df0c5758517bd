// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtio/virtq.h"

#include <errno.h>
#include <linux/virtio_ring.h>
#include <string.h>

/* The rings are little-endian (VERSION_1) and so is every machine this runs on. */

void virtq_init(struct virtq *vq, unsigned num, void *desc, void *avail, void *used, bool event_idx,
		uint16_t used_idx, virtq_translate_fn translate, void *ctx)
{
	memset(vq, 0, sizeof(*vq));
	vq->num = num;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->event_idx = event_idx;
	/* we complete in order, so what is used is exactly what was taken before a restart */
	vq->last_avail = used_idx;
	vq->used_idx = used_idx;
	vq->translate = translate;
	vq->ctx = ctx;
}

static uint16_t avail_idx(const struct virtq *vq)
{
	/* acquire: the ring entries up to idx are written before idx is */
	return __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
}

uint16_t virtq_pending(const struct virtq *vq)
{
	return (uint16_t)(avail_idx(vq) - vq->last_avail);
}

/* Append the buffer [addr, addr + len) to elem, split where our mappings are not contiguous. */
static int add_buffer(struct virtq *vq, struct virtq_elem *elem, uint64_t addr, uint32_t len, bool write)
{
	while (len) {
		unsigned i = elem->n_out + elem->n_in;
		uint64_t avail;
		void *p;

		if (i >= elem->max_iov)
			return -E2BIG;
		p = vq->translate(vq->ctx, addr, len, write, &avail);
		if (!p || !avail)
			return -EIO;
		elem->iov[i].iov_base = p;
		elem->iov[i].iov_len = avail;
		if (write)
			elem->n_in++;
		else if (elem->n_in)
			return -EIO;	/* readable buffers must come first */
		else
			elem->n_out++;
		addr += avail;
		len -= avail;
	}
	return 0;
}

/* Walk a table of n descriptors starting at index first. */
static int walk_table(struct virtq *vq, struct virtq_elem *elem, const struct vring_desc *table, unsigned n,
		      unsigned first, bool indirect)
{
	unsigned i = first, steps = 0;

	for (;;) {
		const struct vring_desc *d;
		int err;

		if (i >= n || ++steps > n)
			return -EIO;	/* outside the table, or a loop */
		d = &table[i];
		if (d->flags & VRING_DESC_F_INDIRECT) {
			uint64_t avail;
			const struct vring_desc *sub;

			if (indirect || d->len % sizeof(*sub) || !d->len)
				return -EIO;
			sub = vq->translate(vq->ctx, d->addr, d->len, false, &avail);
			if (!sub || avail < d->len)
				return -EIO;
			err = walk_table(vq, elem, sub, d->len / sizeof(*sub), 0, true);
		} else {
			err = add_buffer(vq, elem, d->addr, d->len, d->flags & VRING_DESC_F_WRITE);
		}
		if (err)
			return err;
		if (!(d->flags & VRING_DESC_F_NEXT))
			return 0;
		i = d->next;
	}
}

int virtq_pop(struct virtq *vq, struct virtq_elem *elem)
{
	uint16_t head;

	if (avail_idx(vq) == vq->last_avail)
		return 0;
	head = vq->avail->ring[vq->last_avail & (vq->num - 1)];
	vq->last_avail++;
	elem->head = head;
	elem->n_out = elem->n_in = 0;
	if (head >= vq->num)
		return -EIO;
	return walk_table(vq, elem, vq->desc, vq->num, head, false) ?: 1;
}

void virtq_push(struct virtq *vq, uint16_t head, uint32_t written)
{
	struct vring_used_elem *u = &vq->used->ring[vq->used_idx & (vq->num - 1)];

	u->id = head;
	u->len = written;
	vq->used_idx++;
}

/* The driver's used_event, right after the avail ring. */
static uint16_t used_event(const struct virtq *vq)
{
	return __atomic_load_n(&vq->avail->ring[vq->num], __ATOMIC_RELAXED);
}

bool virtq_publish(struct virtq *vq)
{
	uint16_t old = vq->signalled_used, now = vq->used_idx;
	bool valid = vq->signalled_valid;

	/* release: the used entries are visible before the index that hands them over */
	__atomic_store_n(&vq->used->idx, now, __ATOMIC_RELEASE);
	/* and the index before we read what the driver asked for (it does the mirror image) */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(__atomic_load_n(&vq->avail->flags, __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT);
	vq->signalled_used = now;
	vq->signalled_valid = true;
	return !valid || vring_need_event(used_event(vq), now, old);
}

void virtq_kicks_off(struct virtq *vq)
{
	/* with EVENT_IDX there is nothing to do: the driver kicks only when it passes avail_event */
	if (!vq->event_idx)
		__atomic_store_n(&vq->used->flags, VRING_USED_F_NO_NOTIFY, __ATOMIC_RELAXED);
}

bool virtq_kicks_on(struct virtq *vq)
{
	if (vq->event_idx)
		/* avail_event, right after the used ring: kick us for the next entry */
		__atomic_store_n((uint16_t *)&vq->used->ring[vq->num], vq->last_avail, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&vq->used->flags, 0, __ATOMIC_RELAXED);
	/* a buffer made available before the driver saw this would come without a kick */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return avail_idx(vq) != vq->last_avail;
}
