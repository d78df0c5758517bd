// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_virtq_device: the device side of a split virtqueue (virtq_pop, virtq_unpop, virtq_push, virtq_publish)
 * and virtio-blk requests (vblk_handle) on a memory backend, against a hostile driver. The input
 * lays out a fake guest memory: descriptor table, available ring, data buffers and indirect
 * tables at IOVAs of its choosing; the translate callback maps only that memory, in pieces
 * (mappings end at chunk boundaries, as IOTLB regions do), and says no outside it. Loops,
 * heads and addresses out of range, lengths that overflow, indirect in indirect, headers split
 * across buffers, sectors past the end, and the driver rewriting the rings between requests.
 *
 * The rings may start misaligned: the device must refuse them, and take them otherwise.
 *
 * Input: 9 bytes of configuration, a count of rewrites and the rewrites (offset, byte, at which
 * request), then the guest memory image from offset 0.
 */
#include "config.h"

#include <errno.h>
#include <linux/virtio_ring.h>

#include "fuzz.h"
#include "virtio/iov.h"
#include "virtio/vblk.h"
#include "virtio/virtq.h"

#define GMEM_SIZE 8192
#define GMEM_IOVA 0x10000ULL	/* IOVA 0 is unmapped */
#define MAX_IOV 64
#define MAX_REWRITES 32

struct guest {
	uint8_t *mem;
	uint64_t chunk;	/* a mapping ends at each multiple of chunk */
};

static void *translate(void *ctx, uint64_t iova, uint64_t len, bool write, uint64_t *avail)
{
	const struct guest *g = ctx;
	uint64_t off, n;

	(void)write;
	if (iova < GMEM_IOVA || iova - GMEM_IOVA >= GMEM_SIZE)
		return NULL;
	off = iova - GMEM_IOVA;
	n = g->chunk - off % g->chunk;
	if (n > GMEM_SIZE - off)
		n = GMEM_SIZE - off;
	*avail = n < len ? n : len;
	return g->mem + off;
}

struct rewrite {
	uint16_t off;
	uint8_t value;
	uint8_t step;
};

/* Every buffer of a chain lies in guest memory. */
static void check_elem(const struct guest *g, const struct virtq_elem *e)
{
	unsigned i;

	FUZZ_CHECK(e->n_out + e->n_in <= e->max_iov);
	for (i = 0; i < e->n_out + e->n_in; i++) {
		const uint8_t *p = e->iov[i].iov_base;

		FUZZ_CHECK(p >= g->mem && e->iov[i].iov_len <= (size_t)(g->mem + GMEM_SIZE - p));
	}
}

/* Pop, serve and push up to steps requests; returns how many chains it took. */
static unsigned serve(struct virtq_device *vq, const struct guest *g, const struct vblk_backend *b, unsigned steps,
		      unsigned max_iov, unsigned publish_every, const struct rewrite *rw, unsigned n_rw)
{
	struct iovec iov[MAX_IOV], scratch[MAX_IOV];
	struct virtq_elem e = { .iov = iov, .max_iov = max_iov };
	struct vblk_counters c = { 0 };
	unsigned step, i, taken = 0;

	for (step = 0; step < steps; step++) {
		uint32_t written;
		int r;

		for (i = 0; i < n_rw; i++)
			if (rw[i].step == step)
				g->mem[rw[i].off % GMEM_SIZE] = rw[i].value;
		virtq_kicks_off(vq);
		(void)virtq_pending(vq);
		r = virtq_pop(vq, &e);
		if (r == 0 && !virtq_kicks_on(vq))
			break;
		if (r == 0)
			continue;
		FUZZ_CHECK(r == 1 || r == -EIO || r == -E2BIG);
		if (step % 4 == 3) {
			/* given back (as a merged receive buffer is), the same chain comes again */
			uint16_t head = e.head;
			unsigned n_out = e.n_out, n_in = e.n_in;

			virtq_unpop(vq, 1);
			FUZZ_CHECK(virtq_pop(vq, &e) == r && e.head == head && e.n_out == n_out && e.n_in == n_in);
		}
		taken++;
		check_elem(g, &e);
		written = vblk_handle(b, &e, r == 1, scratch, &c);
		/* the used length never claims more than the chain's writable bytes */
		FUZZ_CHECK(written <= iov_length(iov + e.n_out, e.n_in));
		virtq_push(vq, e.head, written);
		if (step % publish_every == 0)
			(void)virtq_publish(vq);
	}
	(void)virtq_publish(vq);
	return taken;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct rewrite rw[MAX_REWRITES];
	struct virtq_part_sizes parts;
	struct virtq_device_cfg cfg = { 0 };
	struct virtq_device *vq;
	struct vblk_backend b = { .fd = -1 };
	struct guest g;
	unsigned num, flags, max_iov, steps, publish_every, n_rw, i;
	size_t desc_off, avail_off, used_off;
	bool aligned;

	if (size > GMEM_SIZE + 256)
		return -1;
	num = 1u << (fuzz_u8(&in) % 9);	/* 1 to 256 entries */
	flags = fuzz_u8(&in);
	max_iov = 1 + fuzz_u8(&in) % MAX_IOV;
	g.chunk = 16ULL << (fuzz_u8(&in) % 10);
	cfg.start = fuzz_u16(&in);
	b.size = 512ULL * (1 + fuzz_u8(&in) % 32);
	steps = 1 + fuzz_u8(&in) % 64;
	desc_off = fuzz_u8(&in) % 32;
	publish_every = 1 + (flags >> 4);
	n_rw = fuzz_u8(&in) % (MAX_REWRITES + 1);
	for (i = 0; i < n_rw; i++) {
		rw[i].off = fuzz_u16(&in);
		rw[i].value = fuzz_u8(&in);
		rw[i].step = fuzz_u8(&in);
	}

	g.mem = calloc(1, GMEM_SIZE);
	b.mem = calloc(1, b.size);
	if (!g.mem || !b.mem)
		abort();
	fuzz_bytes(&in, g.mem, GMEM_SIZE);
	b.readonly = flags & 4;
	memcpy(b.id, "fuzz-vblk", 9);

	/* the rings one after the other from IOVA GMEM_IOVA + desc_off, aligned as a driver would if it is aligned */
	virtq_part_sizes(num, &parts);
	avail_off = desc_off + parts.desc;
	used_off = desc_off + ((parts.desc + parts.avail + 3) & ~(size_t)3);
	aligned = desc_off % 16 == 0;
	cfg.num = num;
	cfg.desc = g.mem + desc_off;
	cfg.avail = g.mem + avail_off;
	cfg.used = g.mem + used_off;
	cfg.event_idx = flags & 1;
	cfg.resume = flags & 2;
	cfg.translate = translate;
	cfg.ctx = &g;
	FUZZ_CHECK(used_off + parts.used <= GMEM_SIZE);
	FUZZ_CHECK(virtq_device_new(&vq, &cfg) == (aligned ? 0 : -EINVAL));
	if (aligned) {
		serve(vq, &g, &b, steps, max_iov, publish_every, rw, n_rw);
		virtq_device_free(vq);
	}
	/* a restart: a new device picks up where the used ring says */
	if (aligned && flags & 8) {
		cfg.resume = true;
		FUZZ_CHECK(virtq_device_new(&vq, &cfg) == 0);
		serve(vq, &g, &b, steps, max_iov, publish_every, NULL, 0);
		virtq_device_free(vq);
	}
	free(b.mem);
	free(g.mem);
	return 0;
}
