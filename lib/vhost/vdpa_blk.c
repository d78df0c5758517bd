// SPDX-License-Identifier: GPL-2.0-or-later
#include "vhost/vdpa_blk.h"

#include <errno.h>
#include <linux/vhost.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "payload.h"
#include "sig.h"
#include "vduse/vduse.h"
#include "vhost/vhost.h"
#include "virtio/virtq.h"
#include "why.h"

#define BIT(n) (1ULL << (n))
#define PAGE 4096UL
#define AREA (1UL << 20)		/* IOVA areas start on 1 MiB boundaries */
#define DEFAULT_SIZE (16ULL << 20)
#define MAX_QUEUE 256
#define ID_BYTES VIRTIO_BLK_ID_BYTES
#define LATENCY_SAMPLES (1U << 20)	/* percentiles from a uniform sample of at most this many */

/* What the driver accepts of what the device offers; VERSION_1 is required. */
#define WANTED_FEATURES                                                                                            \
	(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_ACCESS_PLATFORM) | BIT(VIRTIO_RING_F_EVENT_IDX) |                 \
	 BIT(VIRTIO_RING_F_INDIRECT_DESC) | BIT(VIRTIO_BLK_F_FLUSH) | BIT(VIRTIO_BLK_F_DISCARD) |                  \
	 BIT(VIRTIO_BLK_F_WRITE_ZEROES) | BIT(VIRTIO_BLK_F_BLK_SIZE) | BIT(VIRTIO_BLK_F_SEG_MAX) |                 \
	 BIT(VIRTIO_BLK_F_RO) | BIT(VIRTIO_BLK_F_SIZE_MAX))

/* A request slot: its header and status in the control area, its data in a bank. */
struct slot {
	struct virtio_blk_outhdr *hdr;
	uint8_t *status;
	uint8_t *data;
	unsigned bank;
	bool busy;
	uint32_t type, len;
	uint64_t offset;
	uint64_t t0;
};

/* Data buffers with a mapping of their own, moved between two IOVAs by each remap. */
struct bank {
	uint8_t *ptr;
	size_t size;
	uint64_t iova[2];
	unsigned at;			/* which of the two it is mapped at */
	bool mapped;
	unsigned busy;			/* slots in flight */
};

/* The requests a phase issues: a range walked in order or at random, or count of one type. */
struct phase {
	uint32_t type;
	uint64_t start, end;		/* disk bytes */
	uint64_t next;
	uint64_t left;			/* requests still to issue */
	bool random, check_data, check_zero;
	bool zero_bad;			/* check_zero: a byte that was not zero */
	uint64_t rng;
	uint64_t deadline_ns;		/* stop issuing then; 0: never */
};

struct drv {
	const struct vdpa_blk_opts *o;
	struct vdpa_blk_result *r;
	char *why;
	size_t why_len;
	struct vhost_vdpa v;
	uint8_t *mem;
	size_t mem_size;
	uint8_t *ctl;
	size_t ctl_size;
	uint64_t ctl_iova;
	struct bank bank[2];
	unsigned nbanks;
	struct virtq_driver *vq;
	int kick, call;
	struct slot *slots;
	unsigned nslots, busy;
	uint8_t *expect;		/* scratch for the bytes a read should bring */
	struct payload src;
	struct samples lat;
	uint64_t since_remap;
	int draining;			/* the bank being emptied for a remap, or -1 */
	unsigned next_drain;
	bool status_set;
	struct sig_stop_mask stop;
};

/* the why of a failure into the caller's buffer, and err */
#define fail(d, err, ...) why_fail((d)->why, (d)->why_len, err, __VA_ARGS__)

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

/* ---- the device: who it is, features, config ---- */

static int check_device(struct drv *d)
{
	const char *base = strrchr(d->o->path, '/') ? strrchr(d->o->path, '/') + 1 : d->o->path;

	if (vhost_vdpa_parent(base, d->r->parent, sizeof(d->r->parent)))
		return fail(d, -ENOTTY, "%s is not a vhost-vdpa device the vDPA bus knows", d->o->path);
	d->r->vduse = vduse_exists(d->r->parent);
	/* a VDUSE device without its server answers no message: each would wait msg-timeout */
	if (d->r->vduse && !vduse_served(d->r->parent))
		return fail(d, -ENOTCONN, "VDUSE device %s: nobody serves it (start 'zcioctl vduse serve %s ...')",
			    d->r->parent, d->r->parent);
	/* VDUSE works on virtual addresses and maps only shared file memory: anonymous would be skipped */
	if (d->r->vduse && d->o->anonymous)
		return fail(d, -EINVAL, "VDUSE device %s maps only shared file memory (a memfd); vhost-vdpa would "
			    "skip anonymous memory without an error and the device would fault on every buffer",
			    d->r->parent);
	return 0;
}

static int add_status(struct drv *d, uint8_t bits, const char *what)
{
	uint8_t status;
	int err;

	if ((err = vhost_vdpa_get_status(&d->v, &status)))
		return fail(d, err, "VHOST_VDPA_GET_STATUS");
	if ((err = vhost_vdpa_set_status(&d->v, status | bits)))
		return fail(d, err, "VHOST_VDPA_SET_STATUS %s", what);
	d->status_set = true;
	if ((err = vhost_vdpa_get_status(&d->v, &status)))
		return fail(d, err, "VHOST_VDPA_GET_STATUS");
	if ((status & bits) != bits || (status & (VIRTIO_CONFIG_S_FAILED | VIRTIO_CONFIG_S_NEEDS_RESET)))
		return fail(d, -EIO, "the device did not take %s: status 0x%x", what, status);
	return 0;
}

static int negotiate(struct drv *d)
{
	uint64_t want = d->r->info.features & WANTED_FEATURES;
	int err;

	if (!(want & BIT(VIRTIO_F_VERSION_1)))
		return fail(d, -EOPNOTSUPP, "the device does not offer VIRTIO_F_VERSION_1 (features 0x%llx)",
			    (unsigned long long)d->r->info.features);
	if ((err = vhost_vdpa_set_status(&d->v, 0)))
		return fail(d, err, "VHOST_VDPA_SET_STATUS 0 (reset)");
	if ((err = add_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, "ACKNOWLEDGE|DRIVER")))
		return err;
	if ((err = vhost_set_features(d->v.fd, want)))
		return fail(d, err, "VHOST_SET_FEATURES 0x%llx", (unsigned long long)want);
	d->r->features = want;
	return add_status(d, VIRTIO_CONFIG_S_FEATURES_OK, "FEATURES_OK");
}

static int read_config(struct drv *d)
{
	struct virtio_blk_config c = { 0 };
	unsigned len = d->r->info.config_size < sizeof(c) ? d->r->info.config_size : sizeof(c);
	int err;

	if (len < sizeof(c.capacity))
		return fail(d, -EIO, "the device's config space is %u bytes, too small for virtio-blk", len);
	if ((err = vhost_vdpa_get_config(&d->v, 0, &c, len)))
		return fail(d, err, "VHOST_VDPA_GET_CONFIG");
	d->r->capacity = c.capacity * 512;
	d->r->blk_size = d->r->features & BIT(VIRTIO_BLK_F_BLK_SIZE) ? c.blk_size : 512;
	/* the device wrote it: a size we cannot divide by is a broken device, not a crash of ours */
	if (d->r->blk_size < 512 || d->r->blk_size > 65536 || (d->r->blk_size & (d->r->blk_size - 1)))
		return fail(d, -EIO, "the device's block size %u is not a power of two from 512 to 64K", d->r->blk_size);
	return 0;
}

/* The options against the device: everything that can be refused before a byte is mapped. */
static int check_request(struct drv *d, uint64_t *size)
{
	const struct vdpa_blk_opts *o = d->o;
	unsigned per_req = d->r->features & BIT(VIRTIO_RING_F_INDIRECT_DESC) ? 1 : 3;
	bool writes = o->workload == VDPA_BLK_VERIFY || o->workload == VDPA_BLK_WRITE ||
		      o->workload == VDPA_BLK_RANDWRITE;

	*size = o->size ? o->size : (d->r->capacity < DEFAULT_SIZE ? d->r->capacity : DEFAULT_SIZE);
	if (*size > d->r->capacity)
		return fail(d, -ERANGE, "size %llu is past the end of the device (%llu bytes)", (unsigned long long)*size,
			    (unsigned long long)d->r->capacity);
	if (*size < o->bs || *size % o->bs)
		return fail(d, -EINVAL, "size %llu is not a multiple of the request size %u",
			    (unsigned long long)*size, o->bs);
	if (o->bs % d->r->blk_size)
		return fail(d, -EINVAL, "the request size %u is not a multiple of the device's block size %u", o->bs,
			    d->r->blk_size);
	d->r->queue_size = o->queue_size ? o->queue_size : d->r->info.max_queue_size;
	if (!o->queue_size && d->r->queue_size > MAX_QUEUE)
		d->r->queue_size = MAX_QUEUE;
	if (d->r->queue_size > d->r->info.max_queue_size)
		return fail(d, -EINVAL, "queue size %u is more than the device's %u", d->r->queue_size,
			    d->r->info.max_queue_size);
	if (o->depth * per_req > d->r->queue_size)
		return fail(d, -EINVAL, "depth %u needs %u ring entries (%u per request%s); the queue has %u", o->depth,
			    o->depth * per_req, per_req, per_req > 1 ? ", no indirect descriptors" : "",
			    d->r->queue_size);
	if (writes && (d->r->features & BIT(VIRTIO_BLK_F_RO)))
		return fail(d, -EROFS, "the device is read-only");
	return 0;
}

/* ---- memory and its mappings ---- */

static uint64_t addr_of(void *ctx, const void *ptr, size_t len)
{
	struct drv *d = ctx;
	const uint8_t *p = ptr;
	unsigned i;

	if (p >= d->ctl && p + len <= d->ctl + d->ctl_size)
		return d->ctl_iova + (uint64_t)(p - d->ctl);
	for (i = 0; i < d->nbanks; i++) {
		struct bank *b = &d->bank[i];

		if (b->mapped && p >= b->ptr && p + len <= b->ptr + b->size)
			return b->iova[b->at] + (uint64_t)(p - b->ptr);
	}
	return VIRTQ_NO_ADDR;
}

static int alloc_memory(struct drv *d, size_t ring_bytes)
{
	size_t slot_data = round_up(d->o->bs, PAGE);
	unsigned per_bank[2] = { (d->nslots + 1) / 2, d->nslots / 2 }, i;
	int err;

	d->ctl_size = round_up(ring_bytes + d->nslots * (sizeof(struct virtio_blk_outhdr) + 1) + ID_BYTES, PAGE);
	d->nbanks = per_bank[1] ? 2 : 1;
	d->mem_size = d->ctl_size;
	for (i = 0; i < d->nbanks; i++)
		d->mem_size += per_bank[i] * slot_data;
	err = vhost_guest_memory("zcioctl-vdpa-blk", d->mem_size, d->o->anonymous, &d->mem);
	if (err)
		return fail(d, err, "%zu bytes of driver memory", d->mem_size);
	d->ctl = d->mem;
	d->bank[0].ptr = d->mem + d->ctl_size;
	d->bank[0].size = per_bank[0] * slot_data;
	d->bank[1].ptr = d->bank[0].ptr + d->bank[0].size;
	d->bank[1].size = per_bank[1] * slot_data;
	for (i = 0; i < d->nslots; i++) {
		struct slot *s = &d->slots[i];
		uint8_t *hdrs = d->ctl + ring_bytes;

		s->hdr = (struct virtio_blk_outhdr *)(hdrs + i * sizeof(*s->hdr));
		s->status = hdrs + d->nslots * sizeof(*s->hdr) + i;
		s->bank = i % 2;
		s->data = d->bank[s->bank].ptr + (i / 2) * slot_data;
	}
	return 0;
}

/* IOVAs: the control area first, then two places for each bank, each area on a 1 MiB boundary. */
static int place_iovas(struct drv *d)
{
	uint64_t at = round_up(d->r->info.iova_first ? d->r->info.iova_first : AREA, AREA);
	unsigned i, k;

	d->ctl_iova = at;
	at += round_up(d->ctl_size, AREA);
	for (i = 0; i < d->nbanks; i++)
		for (k = 0; k < 2; k++) {
			d->bank[i].iova[k] = at;
			at += round_up(d->bank[i].size, AREA);
		}
	if (at - 1 > d->r->info.iova_last)
		return fail(d, -ENOSPC, "%llu bytes of IOVA space needed, the device accepts [0x%llx, 0x%llx]",
			    (unsigned long long)(at - d->ctl_iova), (unsigned long long)d->r->info.iova_first,
			    (unsigned long long)d->r->info.iova_last);
	return 0;
}

static int map_bank(struct drv *d, struct bank *b)
{
	int err = vhost_vdpa_map(&d->v, b->iova[b->at], b->size, b->ptr, VHOST_ACCESS_RW);

	if (err)
		return fail(d, err, "IOTLB update of %zu bytes at IOVA 0x%llx (vhost reports every failure of a map "
			    "as EFAULT: the range taken, memlock, or the parent refusing it)", b->size,
			    (unsigned long long)b->iova[b->at]);
	b->mapped = true;
	return 0;
}

static int map_all(struct drv *d)
{
	unsigned i;
	int err;

	/* one batch: the device's parent is told once (one VDUSE_UPDATE_IOTLB) */
	if ((err = vhost_vdpa_batch(&d->v, true)))
		return fail(d, err, "IOTLB batch begin");
	err = vhost_vdpa_map(&d->v, d->ctl_iova, d->ctl_size, d->ctl, VHOST_ACCESS_RW);
	if (err)
		err = fail(d, err, "IOTLB update of %zu bytes at IOVA 0x%llx", d->ctl_size,
			   (unsigned long long)d->ctl_iova);
	for (i = 0; i < d->nbanks && !err; i++)
		err = map_bank(d, &d->bank[i]);
	if (vhost_vdpa_batch(&d->v, false) && !err)
		err = fail(d, -EIO, "IOTLB batch end");
	return err;
}

static void unmap_all(struct drv *d)
{
	unsigned i;

	vhost_vdpa_batch(&d->v, true);
	vhost_vdpa_unmap(&d->v, d->ctl_iova, d->ctl_size);
	for (i = 0; i < d->nbanks; i++)
		if (d->bank[i].mapped && !vhost_vdpa_unmap(&d->v, d->bank[i].iova[d->bank[i].at], d->bank[i].size))
			d->bank[i].mapped = false;
	vhost_vdpa_batch(&d->v, false);
}

/*
 * Move an idle bank: unmap it, map it at its other IOVA. Each message reaches a VDUSE server as
 * an UPDATE_IOTLB of the whole space while the other bank's requests are in flight.
 */
static int remap(struct drv *d, struct bank *b)
{
	int err = vhost_vdpa_unmap(&d->v, b->iova[b->at], b->size);

	if (err)
		return fail(d, err, "IOTLB invalidate of IOVA 0x%llx", (unsigned long long)b->iova[b->at]);
	b->mapped = false;
	b->at ^= 1;
	if ((err = map_bank(d, b)))
		return err;
	d->r->remaps++;
	return 0;
}

/* ---- the queue ---- */

static int setup_queue(struct drv *d, void *ring_mem)
{
	struct virtq_driver_cfg cfg = {
		.num = d->r->queue_size,
		.mem = ring_mem,
		.table_len = d->r->features & BIT(VIRTIO_RING_F_INDIRECT_DESC) ? 3 : 0,
		.event_idx = d->r->features & BIT(VIRTIO_RING_F_EVENT_IDX),
		.addr_of = addr_of,
		.ctx = d,
	};
	struct virtq_ring_addrs a;
	struct vhost_ring_addrs va;
	int err;

	if ((err = virtq_driver_new(&d->vq, &cfg)))
		return fail(d, err, "laying out a ring of %u entries", cfg.num);
	d->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	d->call = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->kick < 0 || d->call < 0)
		return fail(d, -errno, "eventfd");
	virtq_driver_ring_addrs(d->vq, &a);
	va = (struct vhost_ring_addrs){ .desc = a.desc, .avail = a.avail, .used = a.used };
	if ((err = vhost_setup_vring(d->v.fd, 0, cfg.num, 0, &va, d->kick, d->call)))
		return fail(d, err, "setting up vring 0 (VHOST_SET_VRING_*)");
	if ((err = vhost_vdpa_vring_enable(&d->v, 0, true)))
		return fail(d, err, "VHOST_VDPA_SET_VRING_ENABLE 0");
	return 0;
}

static int submit(struct drv *d, struct slot *s, uint32_t type, uint64_t offset, uint32_t len)
{
	struct iovec out[2] = { { s->hdr, sizeof(*s->hdr) } }, in[2];
	unsigned n_out = 1, n_in = 0;
	int err;

	s->hdr->type = type;
	s->hdr->ioprio = 0;
	/* reserved (0) but for reads and writes: discard and write-zeroes carry theirs in the segment */
	s->hdr->sector = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_OUT ? offset / 512 : 0;
	*s->status = 0xff;	/* a device that writes nothing is caught */
	switch (type) {
	case VIRTIO_BLK_T_OUT:
		if ((err = payload_fill(&d->src, s->data, len, offset)))
			return fail(d, err, "reading %s", d->o->file);
		out[n_out++] = (struct iovec){ s->data, len };
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES: {
		struct virtio_blk_discard_write_zeroes *seg = (void *)s->data;

		*seg = (struct virtio_blk_discard_write_zeroes){ .sector = offset / 512, .num_sectors = len / 512 };
		out[n_out++] = (struct iovec){ seg, sizeof(*seg) };
		break;
	}
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_GET_ID:
		in[n_in++] = (struct iovec){ s->data, len };
		break;
	}
	in[n_in++] = (struct iovec){ s->status, 1 };
	err = virtq_driver_add(d->vq, out, n_out, in, n_in, s);
	if (err)
		return fail(d, err, "adding a request to the ring");
	s->busy = true;
	s->type = type;
	s->offset = offset;
	s->len = len;
	s->t0 = now_ns();
	d->busy++;
	d->bank[s->bank].busy++;
	return 0;
}

static void check_read(struct drv *d, const struct slot *s, struct phase *p)
{
	size_t i, bad = s->len;

	if (p->check_zero) {
		for (i = 0; i < s->len && bad == s->len; i++)
			if (s->data[i])
				bad = i;
	} else {
		payload_fill(&d->src, d->expect, s->len, s->offset);
		if (memcmp(d->expect, s->data, s->len))
			for (i = 0; i < s->len && bad == s->len; i++)
				if (d->expect[i] != s->data[i])
					bad = i;
	}
	d->r->verified += s->len;
	if (bad < s->len && p->check_zero) {
		p->zero_bad = true;
		return;
	}
	if (bad < s->len && !d->r->mismatch) {
		d->r->mismatch = true;
		d->r->first_bad = s->offset + bad;
	}
}

static void count(struct drv *d, const struct slot *s, bool ok)
{
	struct vdpa_blk_result *r = d->r;

	switch (s->type) {
	case VIRTIO_BLK_T_IN: r->reads++; r->bytes += ok ? s->len : 0; break;
	case VIRTIO_BLK_T_OUT: r->writes++; r->bytes += ok ? s->len : 0; break;
	case VIRTIO_BLK_T_FLUSH: r->flushes++; break;
	case VIRTIO_BLK_T_DISCARD: r->discards++; break;
	case VIRTIO_BLK_T_WRITE_ZEROES: r->write_zeroes++; break;
	case VIRTIO_BLK_T_GET_ID: r->get_ids++; break;
	}
}

static void complete(struct drv *d, struct slot *s, struct phase *p)
{
	samples_keep(&d->lat, now_ns() - s->t0, LATENCY_SAMPLES);
	s->busy = false;
	d->busy--;
	d->bank[s->bank].busy--;
	d->since_remap++;
	count(d, s, *s->status == VIRTIO_BLK_S_OK);
	/* GET_ID is optional: a device without it has no name to give */
	if (s->type == VIRTIO_BLK_T_GET_ID && *s->status == VIRTIO_BLK_S_UNSUPP)
		return;
	if (*s->status != VIRTIO_BLK_S_OK) {
		d->r->failed++;
		return;
	}
	if (s->type == VIRTIO_BLK_T_GET_ID) {
		memcpy(d->r->id, s->data, ID_BYTES);
		d->r->id[ID_BYTES] = 0;
	} else if (s->type == VIRTIO_BLK_T_IN && (p->check_data || p->check_zero)) {
		check_read(d, s, p);
	}
}

static int reap(struct drv *d, struct phase *p)
{
	void *token;
	uint32_t len;
	int n;

	while ((n = virtq_driver_get_used(d->vq, &token, &len)) == 1)
		complete(d, token, p);
	return n < 0 ? fail(d, n, "the device wrote nonsense into the used ring (the queue is broken)") : 0;
}

/* Sleep until the device uses something, for the timeout at most, or a stop signal. */
static int wait_used(struct drv *d)
{
	struct pollfd pfd = { .fd = d->call, .events = POLLIN };
	struct timespec ts = { d->o->timeout_ms / 1000, (d->o->timeout_ms % 1000) * 1000000L };
	eventfd_t v;
	int n;

	if (virtq_driver_interrupts_on(d->vq)) {
		virtq_driver_interrupts_off(d->vq);
		return 0;
	}
	n = ppoll(&pfd, 1, &ts, &d->stop.wait);
	virtq_driver_interrupts_off(d->vq);
	if (n < 0 && errno == EINTR)
		return stop_requested() ? fail(d, -EINTR, "%u requests in flight", d->busy) : 0;
	if (n < 0)
		return fail(d, -errno, "ppoll");
	if (n == 0)
		return fail(d, -ETIMEDOUT, "no request completed in %u ms (%u in flight): is the server stuck?",
			    d->o->timeout_ms, d->busy);
	if (eventfd_read(d->call, &v) == 0)
		d->r->interrupts++;
	return 0;
}

/* A free slot outside the bank being drained; NULL if none. */
static struct slot *free_slot(struct drv *d)
{
	unsigned i;

	for (i = 0; i < d->nslots; i++)
		if (!d->slots[i].busy && (int)d->slots[i].bank != d->draining)
			return &d->slots[i];
	return NULL;
}

static bool next_request(struct phase *p, uint64_t *offset, uint32_t bs)
{
	uint64_t blocks = (p->end - p->start) / bs;

	if (!p->left)
		return false;
	p->left--;
	if (p->random) {
		*offset = p->start + (xorshift64(&p->rng) % blocks) * bs;
	} else {
		*offset = p->next;
		p->next += bs;
		if (p->next >= p->end)
			p->next = p->start;
	}
	return true;
}

/* Every remap_every completions, empty the next bank and move it while the other keeps working. */
static int maybe_remap(struct drv *d)
{
	struct bank *b;
	int err;

	if (!d->o->remap_every)
		return 0;
	if (d->draining < 0 && d->since_remap >= d->o->remap_every) {
		d->draining = d->next_drain;
		d->next_drain = (d->next_drain + 1) % d->nbanks;
	}
	if (d->draining < 0 || d->bank[d->draining].busy)
		return 0;
	b = &d->bank[d->draining];
	if ((err = remap(d, b)))
		return err;
	d->draining = -1;
	d->since_remap = 0;
	return 0;
}

static int run_phase(struct drv *d, struct phase *p)
{
	uint32_t len = p->type == VIRTIO_BLK_T_GET_ID ? ID_BYTES : d->o->bs;
	bool added;
	int err;

	p->next = p->start;
	for (;;) {
		struct slot *s;
		uint64_t offset;

		if (p->deadline_ns && now_ns() >= p->deadline_ns)
			p->left = 0;
		/* with completions always waiting, ppoll() never gets to take a stop signal */
		if (stop_requested() || sig_stop_pending())
			return fail(d, -EINTR, "%u requests in flight", d->busy);
		added = false;
		while ((s = free_slot(d)) && next_request(p, &offset, d->o->bs)) {
			if ((err = submit(d, s, p->type, offset, len)))
				return err;
			added = true;
		}
		if (added && virtq_driver_kick_prepare(d->vq) && eventfd_write(d->kick, 1) == 0)
			d->r->kicks++;
		if (!d->busy && !p->left)
			return maybe_remap(d);
		if ((err = wait_used(d)) || (err = reap(d, p)) || (err = maybe_remap(d)))
			return err;
	}
}

/* One request of a kind that has no data to speak of, alone. */
static int run_one(struct drv *d, uint32_t type, uint64_t offset, uint32_t len)
{
	struct phase p = { .type = type };	/* nothing to check in what comes back but its status */
	struct slot *s;
	int err;

	if (!(s = free_slot(d)))
		return fail(d, -EIO, "no free request slot");
	if ((err = submit(d, s, type, offset, len)))
		return err;
	if (virtq_driver_kick_prepare(d->vq) && eventfd_write(d->kick, 1) == 0)
		d->r->kicks++;
	while (d->busy)
		if ((err = wait_used(d)) || (err = reap(d, &p)))
			return err;
	return 0;
}

static int zeroes_past_region(struct drv *d, uint64_t size)
{
	struct phase zeros = { .type = VIRTIO_BLK_T_IN, .start = size, .end = size + d->o->bs, .left = 1,
			       .check_zero = true };
	int err;

	/* past the region, so the bytes it holds stay what we wrote there */
	if (size + d->o->bs > d->r->capacity)
		return 0;
	if ((d->r->features & BIT(VIRTIO_BLK_F_DISCARD)) && (err = run_one(d, VIRTIO_BLK_T_DISCARD, size, d->o->bs)))
		return err;
	if (!(d->r->features & BIT(VIRTIO_BLK_F_WRITE_ZEROES)))
		return 0;
	if ((err = run_one(d, VIRTIO_BLK_T_OUT, size, d->o->bs)) ||
	    (err = run_one(d, VIRTIO_BLK_T_WRITE_ZEROES, size, d->o->bs)) || (err = run_phase(d, &zeros)))
		return err;
	d->r->zeroes_ok = !zeros.zero_bad;
	return 0;
}

static int run_verify(struct drv *d, uint64_t size)
{
	uint64_t pass, requests = size / d->o->bs;
	int err;

	for (pass = 0; pass < (d->o->count ? d->o->count : 1); pass++) {
		struct phase w = { .type = VIRTIO_BLK_T_OUT, .end = size, .left = requests };
		struct phase r = { .type = VIRTIO_BLK_T_IN, .end = size, .left = requests, .check_data = true };

		if ((err = run_phase(d, &w)))
			return err;
		if ((d->r->features & BIT(VIRTIO_BLK_F_FLUSH)) && (err = run_one(d, VIRTIO_BLK_T_FLUSH, 0, 0)))
			return err;
		if ((err = run_phase(d, &r)))
			return err;
	}
	return zeroes_past_region(d, size);
}

static int run_workload(struct drv *d, uint64_t size)
{
	const struct vdpa_blk_opts *o = d->o;
	struct phase p = {
		.type = o->workload == VDPA_BLK_READ || o->workload == VDPA_BLK_RANDREAD ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT,
		.end = size,
		.left = o->count ? o->count : o->duration_ms ? UINT64_MAX : size / o->bs,
		.random = o->workload == VDPA_BLK_RANDREAD || o->workload == VDPA_BLK_RANDWRITE,
		.rng = o->seed * 0x9e3779b97f4a7c15ULL + 1,
	};
	uint64_t t0, c0;
	int err;

	/* who the device says it is, before the clock starts */
	if ((err = run_one(d, VIRTIO_BLK_T_GET_ID, 0, ID_BYTES)))
		return err;
	t0 = now_ns();
	c0 = cpu_time_ns();
	if (o->duration_ms)
		p.deadline_ns = t0 + o->duration_ms * 1000000ULL;
	err = o->workload == VDPA_BLK_VERIFY ? run_verify(d, size) : run_phase(d, &p);
	d->r->elapsed_ns = now_ns() - t0;
	d->r->cpu_ns = cpu_time_ns() - c0;
	return err;
}

/* ---- from open to close ---- */

static int start(struct drv *d, uint64_t *size)
{
	size_t ring_bytes, align;
	int err;

	if ((err = check_device(d)))
		return err;
	if ((err = vhost_vdpa_open(&d->v, d->o->path, &d->r->info)))
		return fail(d, err, err == -EBUSY ? "%s is open in another process" : "opening %s", d->o->path);
	if (d->r->info.device_id != VIRTIO_ID_BLOCK)
		return fail(d, -ENOTBLK, "%s (vDPA device %s) is a virtio device of id %u, not a block device (2)",
			    d->o->path, d->r->parent, d->r->info.device_id);
	if ((err = negotiate(d)) || (err = read_config(d)) || (err = check_request(d, size)))
		return err;
	d->r->size = *size;
	d->nslots = d->o->depth;
	d->slots = calloc(d->nslots, sizeof(*d->slots));
	d->expect = malloc(d->o->bs);
	if (!d->slots || !d->expect)
		return fail(d, -ENOMEM, "request slots");
	ring_bytes = virtq_driver_mem_size(d->r->queue_size,
					   d->r->features & BIT(VIRTIO_RING_F_INDIRECT_DESC) ? 3 : 0, &align);
	if (!ring_bytes || align > PAGE)
		return fail(d, -EINVAL, "a ring of %u entries", d->r->queue_size);
	if ((err = alloc_memory(d, round_up(ring_bytes, 64))) || (err = place_iovas(d)) || (err = map_all(d)) ||
	    (err = setup_queue(d, d->ctl)))
		return err;
	return add_status(d, VIRTIO_CONFIG_S_DRIVER_OK, "DRIVER_OK");
}

static void stop(struct drv *d)
{
	if (d->v.fd >= 0) {
		/* a reset first: the device lets go of the rings before the memory goes away */
		if (d->status_set)
			vhost_vdpa_set_status(&d->v, 0);
		if (d->mem)
			unmap_all(d);
		d->r->iotlb = d->v.sent;
		vhost_vdpa_close(&d->v);
	}
	virtq_driver_free(d->vq);
	if (d->kick >= 0)
		close(d->kick);
	if (d->call >= 0)
		close(d->call);
	if (d->mem)
		munmap(d->mem, d->mem_size);
	free(d->slots);
	free(d->expect);
	payload_close(&d->src);
	samples_figures(&d->lat, &d->r->latency);
	samples_free(&d->lat);
}

int vdpa_blk_run(const struct vdpa_blk_opts *o, struct vdpa_blk_result *r, char *why, size_t why_len)
{
	struct drv d = { .o = o, .r = r, .why = why, .why_len = why_len, .kick = -1, .call = -1, .draining = -1 };
	uint64_t size = 0;
	int err;

	memset(r, 0, sizeof(*r));
	d.v.fd = -1;
	why[0] = 0;
	if (!o->depth || !o->bs || o->bs % 512)
		return fail(&d, -EINVAL, "depth and a request size that is a multiple of 512 are required");
	d.src.seed = o->seed;
	if ((err = payload_open(&d.src, o->file, true)))
		return fail(&d, err, "opening %s", o->file);
	sig_block_stop(&d.stop);
	err = start(&d, &size);
	if (!err)
		err = run_workload(&d, size);
	stop(&d);
	sig_unblock_stop(&d.stop);
	return err;
}
