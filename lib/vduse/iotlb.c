// SPDX-License-Identifier: GPL-2.0-or-later
#include "vduse/iotlb.h"

#include <errno.h>
#include <linux/vduse.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

void iotlb_init(struct vduse_iotlb *t, int dev_fd)
{
	memset(t, 0, sizeof(*t));
	t->dev_fd = dev_fd;
	pthread_mutex_init(&t->add_lock, NULL);
}

static const struct iotlb_region *find(const struct vduse_iotlb *t, unsigned n, uint64_t iova)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (iova >= t->r[i].start && iova <= t->r[i].last)
			return &t->r[i];
	return NULL;
}

static int prot_of(uint8_t perm)
{
	return (perm & VDUSE_ACCESS_RO ? PROT_READ : 0) | (perm & VDUSE_ACCESS_WO ? PROT_WRITE : 0);
}

/* Ask the kernel for the mapping that holds iova and mmap it; under add_lock. */
static const struct iotlb_region *fetch(struct vduse_iotlb *t, uint64_t iova)
{
	struct vduse_iotlb_entry e = { .start = iova, .last = iova };
	struct iotlb_region *r;
	int fd;
	void *p;

	if (t->n == IOTLB_REGIONS)
		return NULL;
	fd = ioctl(t->dev_fd, VDUSE_IOTLB_GET_FD, &e);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, e.last - e.start + 1, prot_of(e.perm), MAP_SHARED, fd, e.offset);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	r = &t->r[t->n];
	r->start = e.start;
	r->last = e.last;
	r->ptr = p;
	r->perm = e.perm;
	t->maps++;
	__atomic_store_n(&t->n, t->n + 1, __ATOMIC_RELEASE);
	return r;
}

void *iotlb_translate(void *ctx, uint64_t iova, uint64_t len, bool write, uint64_t *avail)
{
	struct vduse_iotlb *t = ctx;
	const struct iotlb_region *r = find(t, __atomic_load_n(&t->n, __ATOMIC_ACQUIRE), iova);

	if (!r) {
		pthread_mutex_lock(&t->add_lock);
		r = find(t, t->n, iova) ?: fetch(t, iova);
		pthread_mutex_unlock(&t->add_lock);
	}
	/* the driver's direction, not the mapping's, is what we check against */
	if (!r || !(r->perm & (write ? VDUSE_ACCESS_WO : VDUSE_ACCESS_RO)))
		return NULL;
	*avail = r->last - iova + 1;
	if (*avail > len || *avail == 0)	/* 0: the region ends at the top of the space */
		*avail = len;
	return r->ptr + (iova - r->start);
}

void iotlb_invalidate(struct vduse_iotlb *t, uint64_t start, uint64_t last)
{
	unsigned i = 0;

	pthread_mutex_lock(&t->add_lock);
	while (i < t->n) {
		struct iotlb_region *r = &t->r[i];

		if (r->last < start || r->start > last) {
			i++;
			continue;
		}
		munmap(r->ptr, r->last - r->start + 1);
		*r = t->r[--t->n];
	}
	pthread_mutex_unlock(&t->add_lock);
}

void iotlb_destroy(struct vduse_iotlb *t)
{
	iotlb_invalidate(t, 0, UINT64_MAX);
	pthread_mutex_destroy(&t->add_lock);
}

void *iotlb_pin(struct vduse_iotlb *t, uint64_t iova, uint64_t len, bool write, struct iotlb_pin *pin)
{
	struct vduse_iotlb_entry e = { .start = iova, .last = iova };
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), off, delta;
	int fd;
	void *p;

	memset(pin, 0, sizeof(*pin));
	fd = ioctl(t->dev_fd, VDUSE_IOTLB_GET_FD, &e);
	if (fd < 0)
		return NULL;
	if (!len || e.last - iova < len - 1 || !(e.perm & (write ? VDUSE_ACCESS_WO : VDUSE_ACCESS_RO))) {
		close(fd);
		return NULL;
	}
	off = e.offset + (iova - e.start);
	delta = off % page;
	pin->len = delta + len;
	p = mmap(NULL, pin->len, prot_of(e.perm), MAP_SHARED, fd, off - delta);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	pin->base = p;
	return (uint8_t *)p + delta;
}

void iotlb_unpin(struct iotlb_pin *pin)
{
	if (pin->base)
		munmap(pin->base, pin->len);
	memset(pin, 0, sizeof(*pin));
}
