// SPDX-License-Identifier: GPL-2.0-or-later
/* The driver face of a split virtqueue; the ring itself is virtq_ring.h. */
#include "virtio/virtq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/iov.h"
#include "virtio/virtq_ring.h"

/* VERSION_1 rings need no page alignment: the used ring follows the available one at 4 bytes */
#define RING_ALIGN VRING_USED_ALIGN_SIZE

/*
 * What we know of each descriptor, kept where the device cannot write it: the free list and the
 * chains run through next here, so taking a chain back never follows the table in shared memory.
 */
struct desc_state {
	void *token;		/* on the head of a chain in flight; NULL everywhere else */
	uint64_t in_bytes;	/* head: the chain's writable bytes, the most the device may have written */
	uint16_t ndescs;	/* head: descriptors of the ring the chain holds (1 when indirect) */
	uint16_t next;		/* the next free descriptor, or the next of the chain */
};

struct virtq_driver {
	struct virtq_ring ring;
	struct desc_state *state;	/* num entries */
	struct vring_desc *tables;	/* table_len descriptors for each head, or NULL */
	unsigned table_len;
	uint16_t free_head;
	unsigned num_free;
	unsigned in_flight;
	uint16_t next_avail;		/* next available entry we fill */
	uint16_t kicked_avail;		/* the available index the device was last shown */
	uint16_t next_used;		/* next used entry we take */
	bool broken;
	struct virtq_ring_addrs addrs;
	virtq_addr_fn addr_of;
	void *ctx;
};

/* The buffers of one chain: out (device-readable), then in (device-writable). */
struct chain {
	const struct iovec *out, *in;
	unsigned n_out, n_in;
};

static uint64_t pointer_addr(void *ctx, const void *ptr, size_t len)
{
	(void)ctx;
	(void)len;
	return (uintptr_t)ptr;
}

/* The indirect tables start after the rings, 16-byte aligned as descriptors must be. */
static size_t tables_offset(unsigned num)
{
	return (vring_size(num, RING_ALIGN) + VRING_DESC_ALIGN_SIZE - 1) & ~(size_t)(VRING_DESC_ALIGN_SIZE - 1);
}

size_t virtq_driver_mem_size(unsigned num, unsigned table_len, size_t *align)
{
	*align = VRING_DESC_ALIGN_SIZE;
	if (!ring_num_valid(num) || table_len > VIRTQ_MAX_NUM)
		return 0;
	return tables_offset(num) + (size_t)num * table_len * sizeof(struct vring_desc);
}

/* The device's addresses of the three parts, once. */
static int ring_addrs(struct virtq_driver *d)
{
	const struct vring *vr = &d->ring.vr;
	size_t desc, avail, used;

	ring_part_sizes(vr->num, &desc, &avail, &used);
	d->addrs.desc = d->addr_of(d->ctx, vr->desc, desc);
	d->addrs.avail = d->addr_of(d->ctx, vr->avail, avail);
	d->addrs.used = d->addr_of(d->ctx, vr->used, used);
	if (d->addrs.desc == VIRTQ_NO_ADDR || d->addrs.avail == VIRTQ_NO_ADDR || d->addrs.used == VIRTQ_NO_ADDR)
		return -EFAULT;
	return 0;
}

/* Both indices at start, and each end asks to be notified of the other's first entry. */
static void ring_start_at(struct virtq_ring *r, uint16_t start)
{
	*r->mine.idx = *r->mine.event = start;
	*r->theirs.idx = *r->theirs.event = start;
}

int virtq_driver_new(struct virtq_driver **out, const struct virtq_driver_cfg *cfg)
{
	size_t align, size = virtq_driver_mem_size(cfg->num, cfg->table_len, &align);
	struct virtq_driver *d;
	unsigned i;
	int err;

	if (!size || (uintptr_t)cfg->mem % align)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d || !(d->state = calloc(cfg->num, sizeof(*d->state)))) {
		free(d);
		return -ENOMEM;
	}
	memset(cfg->mem, 0, tables_offset(cfg->num));
	vring_init(&d->ring.vr, cfg->num, cfg->mem, RING_ALIGN);
	ring_take_side(&d->ring, false, cfg->event_idx);
	ring_start_at(&d->ring, cfg->start);
	d->next_avail = d->kicked_avail = d->next_used = cfg->start;
	if (cfg->table_len)
		d->tables = (struct vring_desc *)((char *)cfg->mem + tables_offset(cfg->num));
	d->table_len = cfg->table_len;
	for (i = 0; i < cfg->num; i++)
		d->state[i].next = i + 1;
	d->num_free = cfg->num;
	d->addr_of = cfg->addr_of ?: pointer_addr;
	d->ctx = cfg->ctx;
	if ((err = ring_addrs(d))) {
		virtq_driver_free(d);
		return err;
	}
	*out = d;
	return 0;
}

void virtq_driver_free(struct virtq_driver *d)
{
	if (d)
		free(d->state);
	free(d);
}

void virtq_driver_ring_addrs(const struct virtq_driver *d, struct virtq_ring_addrs *addrs)
{
	*addrs = d->addrs;
}

/* The descriptor count links after i along our own links. */
static uint16_t follow(const struct virtq_driver *d, uint16_t i, unsigned count)
{
	while (count--)
		i = d->state[i].next;
	return i;
}

static int desc_write(struct virtq_driver *d, struct vring_desc *desc, const void *ptr, size_t len, uint16_t flags,
		      uint16_t next)
{
	uint64_t addr;

	if (len > UINT32_MAX)
		return -EINVAL;
	addr = d->addr_of(d->ctx, ptr, len);
	if (addr == VIRTQ_NO_ADDR)
		return -EFAULT;
	*desc = (struct vring_desc){ .addr = addr, .len = len, .flags = flags, .next = next };
	return 0;
}

/*
 * The buffers as descriptors of table from first on, linked through our free list in the ring
 * and one after the other in an indirect table. Nothing is taken yet, so a failure leaves no trace.
 */
static int write_chain(struct virtq_driver *d, struct vring_desc *table, uint16_t first, bool in_ring,
		       const struct chain *c)
{
	unsigned n = c->n_out + c->n_in, k;
	uint16_t i = first;

	for (k = 0; k < n; k++) {
		const struct iovec *b = k < c->n_out ? &c->out[k] : &c->in[k - c->n_out];
		uint16_t next = in_ring ? d->state[i].next : i + 1;
		uint16_t flags = (k < c->n_out ? 0 : VRING_DESC_F_WRITE) | (k + 1 < n ? VRING_DESC_F_NEXT : 0);
		int err = desc_write(d, &table[i], b->iov_base, b->iov_len, flags, next);

		if (err)
			return err;
		i = next;
	}
	return 0;
}

/* The chain in head's own table, and the head pointing at it. */
static int write_indirect(struct virtq_driver *d, uint16_t head, const struct chain *c)
{
	struct vring_desc *table = d->tables + (size_t)head * d->table_len;
	unsigned n = c->n_out + c->n_in;
	int err = write_chain(d, table, 0, false, c);

	return err ?: desc_write(d, &d->ring.vr.desc[head], table, n * sizeof(*table), VRING_DESC_F_INDIRECT, 0);
}

int virtq_driver_add(struct virtq_driver *d, const struct iovec *out, unsigned n_out, const struct iovec *in,
		     unsigned n_in, void *token)
{
	const struct chain c = { .out = out, .in = in, .n_out = n_out, .n_in = n_in };
	unsigned n = n_out + n_in;
	bool indirect = d->tables && n > 1 && n <= d->table_len;
	unsigned ndescs = indirect ? 1 : n;
	uint16_t head = d->free_head;
	struct desc_state *h;
	int err;

	if (d->broken)
		return -EIO;
	if (!token || !n || ndescs > d->ring.vr.num)
		return -EINVAL;
	if (ndescs > d->num_free)
		return -ENOSPC;
	err = indirect ? write_indirect(d, head, &c) : write_chain(d, d->ring.vr.desc, head, true, &c);
	if (err)
		return err;
	h = &d->state[head];
	h->token = token;
	h->in_bytes = iov_length(in, n_in);
	h->ndescs = ndescs;
	d->free_head = follow(d, head, ndescs);
	d->num_free -= ndescs;
	d->in_flight++;
	/* the device reads it only once kick_prepare moved the index past it */
	__atomic_store_n(&d->ring.vr.avail->ring[ring_slot(&d->ring, d->next_avail)], head, __ATOMIC_RELAXED);
	d->next_avail++;
	return 0;
}

bool virtq_driver_kick_prepare(struct virtq_driver *d)
{
	uint16_t old = d->kicked_avail;

	if (d->next_avail == old)
		return false;
	d->kicked_avail = d->next_avail;
	return ring_publish(&d->ring, d->next_avail, old);
}

/* The chain's descriptors back on the free list, in front. */
static void free_chain(struct virtq_driver *d, uint16_t head)
{
	struct desc_state *h = &d->state[head];

	d->state[follow(d, head, h->ndescs - 1)].next = d->free_head;
	d->free_head = head;
	d->num_free += h->ndescs;
	h->token = NULL;
	d->in_flight--;
}

static int broken(struct virtq_driver *d)
{
	d->broken = true;
	return -EIO;
}

int virtq_driver_get_used(struct virtq_driver *d, void **token, uint32_t *len)
{
	const struct vring_used_elem *u;
	uint16_t used_idx;
	uint32_t id, written;

	if (d->broken)
		return -EIO;
	used_idx = ring_their_idx(&d->ring);
	if (used_idx == d->next_used)
		return 0;
	if ((uint16_t)(used_idx - d->next_used) > d->in_flight)
		return broken(d);
	/* read once: what we check is what we use */
	u = &d->ring.vr.used->ring[ring_slot(&d->ring, d->next_used)];
	id = __atomic_load_n(&u->id, __ATOMIC_RELAXED);
	written = __atomic_load_n(&u->len, __ATOMIC_RELAXED);
	d->next_used++;
	if (id >= d->ring.vr.num || !d->state[id].token || written > d->state[id].in_bytes)
		return broken(d);
	*token = d->state[id].token;
	*len = written;
	free_chain(d, id);
	return 1;
}

void virtq_driver_interrupts_off(struct virtq_driver *d)
{
	ring_quiet(&d->ring);
}

bool virtq_driver_interrupts_on(struct virtq_driver *d)
{
	return virtq_driver_interrupts_after(d, 1);
}

bool virtq_driver_interrupts_after(struct virtq_driver *d, unsigned n)
{
	uint16_t shown = d->kicked_avail - d->next_used;	/* chains added but not shown cannot be used */

	if (n > shown)
		n = shown;
	return ring_listen_after(&d->ring, d->next_used, n ? n : 1);
}

unsigned virtq_driver_in_flight(const struct virtq_driver *d)
{
	return d->in_flight;
}

bool virtq_driver_broken(const struct virtq_driver *d)
{
	return d->broken;
}
