// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtq_pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void must(bool cond, const char *what)
{
	if (!cond) {
		printf("Bail out! %s\n", what);
		exit(1);
	}
}

static void *translate(void *ctx, uint64_t iova, uint64_t len, bool write, uint64_t *avail)
{
	const struct mapping *m = ctx;
	bool in_mem = iova >= m->mem_lo && iova < m->mem_hi;
	uint64_t to_edge = m->granule ? m->granule - iova % m->granule : len;

	(void)write;
	if (iova >= m->hole)
		return NULL;
	*avail = !in_mem && to_edge < len ? to_edge : len;
	return (void *)(uintptr_t)iova;
}

static uint64_t addr_of(void *ctx, const void *ptr, size_t len)
{
	const struct pair *p = ctx;

	(void)len;
	return ptr == p->fail_addr ? VIRTQ_NO_ADDR : (uintptr_t)ptr;
}

static void device_open(struct pair *p, uint16_t start, bool resume)
{
	struct virtq_device_cfg vc = { .num = p->vr.num, .desc = p->vr.desc, .avail = p->vr.avail, .used = p->vr.used,
				       .event_idx = p->event_idx, .start = start, .resume = resume,
				       .translate = translate, .ctx = &p->map };

	must(!virtq_device_new(&p->dev, &vc), "the device face");
}

void pair_open(struct pair *p, const struct pair_cfg *cfg)
{
	struct virtq_driver_cfg dc = { .num = cfg->num, .table_len = cfg->table_len, .event_idx = cfg->event_idx,
				       .start = cfg->start, .addr_of = addr_of, .ctx = p };
	size_t align, size = virtq_driver_mem_size(cfg->num, cfg->table_len, &align);
	struct virtq_ring_addrs a;

	memset(p, 0, sizeof(*p));
	must(size && !posix_memalign(&p->mem, align, size), "memory for the rings");
	dc.mem = p->mem;
	must(!virtq_driver_new(&p->drv, &dc), "the driver face");
	virtq_driver_ring_addrs(p->drv, &a);
	p->vr = (struct vring){ .num = cfg->num, .desc = (void *)(uintptr_t)a.desc,
				.avail = (void *)(uintptr_t)a.avail, .used = (void *)(uintptr_t)a.used };
	p->map = (struct mapping){ .hole = UINTPTR_MAX, .mem_lo = (uintptr_t)p->mem, .mem_hi = (uintptr_t)p->mem + size,
				   .granule = cfg->granule };
	p->event_idx = cfg->event_idx;
	device_open(p, cfg->start, false);
}

void pair_resume_device(struct pair *p)
{
	virtq_device_free(p->dev);
	device_open(p, 0, true);
}

void pair_close(struct pair *p)
{
	virtq_device_free(p->dev);
	virtq_driver_free(p->drv);
	free(p->mem);
}
