// SPDX-License-Identifier: GPL-2.0-or-later
/* The device face of a split virtqueue; the ring itself is virtq_ring.h. */
#include "virtio/virtq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtq_ring.h"

struct virtq_device {
	struct virtq_ring ring;
	uint16_t next_avail;		/* next available entry we take */
	uint16_t next_used;		/* next used entry we fill */
	uint16_t published;		/* the used index the driver sees */
	bool published_once;
	virtq_translate_fn translate;
	void *ctx;
};

void virtq_part_sizes(unsigned num, struct virtq_part_sizes *sizes)
{
	ring_part_sizes(num, &sizes->desc, &sizes->avail, &sizes->used);
}

int virtq_device_new(struct virtq_device **out, const struct virtq_device_cfg *cfg)
{
	struct virtq_device *vq;

	if (!ring_num_valid(cfg->num))
		return -EINVAL;
	/*
	 * The driver must align the parts (virtio 1.x, 2.7: descriptors 16, available ring 2, used
	 * ring 4); the ring code reads and writes their fields as aligned integers, atomically.
	 */
	if ((uintptr_t)cfg->desc % 16 || (uintptr_t)cfg->avail % 2 || (uintptr_t)cfg->used % 4)
		return -EINVAL;
	vq = calloc(1, sizeof(*vq));
	if (!vq)
		return -ENOMEM;
	vq->ring.vr = (struct vring){ .num = cfg->num, .desc = cfg->desc, .avail = cfg->avail, .used = cfg->used };
	ring_take_side(&vq->ring, true, cfg->event_idx);
	/* we complete in order, so what is used is exactly what was taken before a restart */
	vq->next_avail = cfg->resume ? __atomic_load_n(vq->ring.mine.idx, __ATOMIC_ACQUIRE) : cfg->start;
	vq->next_used = vq->published = vq->next_avail;
	vq->translate = cfg->translate;
	vq->ctx = cfg->ctx;
	*out = vq;
	return 0;
}

void virtq_device_free(struct virtq_device *vq)
{
	free(vq);
}

uint16_t virtq_pending(const struct virtq_device *vq)
{
	/* atomic: a thread may look for more while another takes under a lock */
	return (uint16_t)(ring_their_idx(&vq->ring) - __atomic_load_n(&vq->next_avail, __ATOMIC_RELAXED));
}

uint16_t virtq_next_avail(const struct virtq_device *vq)
{
	return __atomic_load_n(&vq->next_avail, __ATOMIC_RELAXED);
}

uint16_t virtq_next_used(const struct virtq_device *vq)
{
	return vq->next_used;
}

/* A descriptor read once: the driver may rewrite the table under us, a check must hold for what we use. */
static struct vring_desc desc_read_once(const struct vring_desc *d)
{
	/*
	 * An indirect table may lie at any address (virtio asks alignment of the ring parts only,
	 * and QEMU and vhost copy descriptors byte by byte): an access through a misaligned
	 * struct pointer is undefined, and the atomic loads below can fault on some CPUs. So a
	 * misaligned descriptor is read a byte at a time, each byte once. Found by
	 * tests/fuzz/fuzz_virtq_device (UBSan: misaligned vring_desc; corpus/.../misaligned-indirect).
	 */
	if ((uintptr_t)d % _Alignof(struct vring_desc)) {
		const unsigned char *from = (const unsigned char *)d;
		unsigned char bytes[sizeof(struct vring_desc)];
		struct vring_desc v;
		size_t i;

		for (i = 0; i < sizeof(bytes); i++)
			bytes[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
		memcpy(&v, bytes, sizeof(v));
		return v;
	}
	return (struct vring_desc){
		.addr = __atomic_load_n(&d->addr, __ATOMIC_RELAXED),
		.len = __atomic_load_n(&d->len, __ATOMIC_RELAXED),
		.flags = __atomic_load_n(&d->flags, __ATOMIC_RELAXED),
		.next = __atomic_load_n(&d->next, __ATOMIC_RELAXED),
	};
}

/* Append the buffer [addr, addr + len) to elem, split where our mappings are not contiguous. */
static int add_buffer(struct virtq_device *vq, struct virtq_elem *elem, uint64_t addr, uint32_t len, bool write)
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
static int walk_table(struct virtq_device *vq, struct virtq_elem *elem, const struct vring_desc *table, unsigned n,
		      unsigned first, bool indirect)
{
	unsigned i = first, steps = 0;

	for (;;) {
		struct vring_desc d;
		int err;

		if (i >= n || ++steps > n)
			return -EIO;	/* outside the table, or a loop */
		d = desc_read_once(&table[i]);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			uint64_t avail;
			const struct vring_desc *sub;

			if (indirect || d.len % sizeof(*sub) || !d.len)
				return -EIO;
			sub = vq->translate(vq->ctx, d.addr, d.len, false, &avail);
			if (!sub || avail < d.len)
				return -EIO;
			err = walk_table(vq, elem, sub, d.len / sizeof(*sub), 0, true);
		} else {
			err = add_buffer(vq, elem, d.addr, d.len, d.flags & VRING_DESC_F_WRITE);
		}
		if (err)
			return err;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

int virtq_pop(struct virtq_device *vq, struct virtq_elem *elem)
{
	const struct vring *vr = &vq->ring.vr;
	uint16_t head;

	if (ring_their_idx(&vq->ring) == vq->next_avail)
		return 0;
	head = __atomic_load_n(&vr->avail->ring[ring_slot(&vq->ring, vq->next_avail)], __ATOMIC_RELAXED);
	/* relaxed: virtq_next_avail() reads it from another thread */
	__atomic_store_n(&vq->next_avail, vq->next_avail + 1, __ATOMIC_RELAXED);
	elem->head = head;
	elem->n_out = elem->n_in = 0;
	if (head >= vr->num)
		return -EIO;
	return walk_table(vq, elem, vr->desc, vr->num, head, false) ?: 1;
}

void virtq_unpop(struct virtq_device *vq, uint16_t n)
{
	__atomic_store_n(&vq->next_avail, vq->next_avail - n, __ATOMIC_RELAXED);
}

void virtq_push(struct virtq_device *vq, uint16_t head, uint32_t written)
{
	struct vring_used_elem *u = &vq->ring.vr.used->ring[ring_slot(&vq->ring, vq->next_used)];

	u->id = head;
	u->len = written;
	vq->next_used++;
}

bool virtq_publish(struct virtq_device *vq)
{
	uint16_t old = vq->published;
	bool first = !vq->published_once, wants;

	if (vq->next_used == old)
		return false;
	vq->published = vq->next_used;
	vq->published_once = true;
	wants = ring_publish(&vq->ring, vq->published, old);
	/* the first time, the driver's used_event may predate us (a restart): interrupt, as vhost does */
	return wants || (first && vq->ring.event_idx);
}

void virtq_kicks_off(struct virtq_device *vq)
{
	ring_quiet(&vq->ring);
}

bool virtq_kicks_on(struct virtq_device *vq)
{
	return ring_listen(&vq->ring, vq->next_avail);
}
