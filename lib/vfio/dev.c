// SPDX-License-Identifier: GPL-2.0-or-later
#include "vfio/dev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "fsutil.h"
#include "vfio.h"
#include "vfio/pci.h"
#include "zc/vfio_iommufd.h"
#include "zc/vfio_sva.h"

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

static int open_node(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int device_info(struct vfio_dev *d)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int err = xioctl(d->fd, VFIO_DEVICE_GET_INFO, &info);

	if (!err) {
		d->num_regions = info.num_regions;
		d->num_irqs = info.num_irqs;
		d->flags = info.flags;
	}
	return err;
}

/* Group id into a type1 container of its own (no-IOMMU for a no-IOMMU group). */
static int open_group(struct vfio_dev *d, unsigned id, const char **why)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_group g;
	int err;

	if ((err = vfio_group_read(id, &g)))
		return *why = "no such IOMMU group", err;
	d->noiommu = g.noiommu;
	vfio_group_free(&g);
	if (!g.node[0])
		return *why = "the group has no VFIO node (bind its devices to vfio-pci)", -ENODEV;
	if ((d->container = open_node(VFIO_CONTAINER_DEV)) < 0)
		return *why = "opening " VFIO_CONTAINER_DEV, d->container;
	if (ioctl(d->container, VFIO_GET_API_VERSION, 0) != VFIO_API_VERSION)
		return *why = "VFIO_GET_API_VERSION", -EPROTO;
	if ((d->group = open_node(g.node)) < 0)
		return *why = "opening the group node", d->group;
	if ((err = xioctl(d->group, VFIO_GROUP_GET_STATUS, &status)))
		return *why = "VFIO_GROUP_GET_STATUS", err;
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return *why = "the group is not viable: a member is bound to a host driver", -EPERM;
	if ((err = xioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container)))
		return *why = "VFIO_GROUP_SET_CONTAINER", err;
	if (ioctl(d->container, VFIO_SET_IOMMU, d->noiommu ? VFIO_NOIOMMU_IOMMU : VFIO_TYPE1v2_IOMMU) < 0)
		return *why = "VFIO_SET_IOMMU", -errno;
	return 0;
}

static int open_type1(struct vfio_dev *d, const char *dev, const char **why)
{
	unsigned id;
	int err;

	if (vfio_device_group(dev, &id))
		return *why = "the device has no IOMMU group", -ENODEV;
	if ((err = open_group(d, id, why)))
		return err;
	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, dev);
	if (d->fd < 0)
		return *why = "VFIO_GROUP_GET_DEVICE_FD", -errno;
	return 0;
}

static int open_iommufd(struct vfio_dev *d, const char *dev, const char **why)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_member m;
	char path[64];
	int err;

	if ((err = vfio_member_read(dev, &m)))
		return *why = "reading the device", err;
	if (!m.cdev[0])
		return *why = "the device has no VFIO cdev (bind it to vfio-pci; the kernel needs VFIO_DEVICE_CDEV)",
		       -ENODEV;
	if ((d->iommufd = open_node(IOMMUFD_DEV)) < 0)
		return *why = "opening " IOMMUFD_DEV, d->iommufd;
	snprintf(path, sizeof(path), VFIO_DEV_DIR "/devices/%s", m.cdev);
	if ((d->cdev = open_node(path)) < 0)
		return *why = "opening the device's cdev", d->cdev;
	bind.iommufd = d->iommufd;
	if ((err = xioctl(d->cdev, VFIO_DEVICE_BIND_IOMMUFD, &bind)))
		return *why = "VFIO_DEVICE_BIND_IOMMUFD", err;
	d->devid = bind.out_devid;
	if ((err = xioctl(d->iommufd, IOMMU_IOAS_ALLOC, &alloc)))
		return *why = "IOMMU_IOAS_ALLOC", err;
	d->ioas = alloc.out_ioas_id;
	attach.pt_id = d->ioas;
	if ((err = xioctl(d->cdev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach)))
		return *why = "VFIO_DEVICE_ATTACH_IOMMUFD_PT", err;
	d->fd = d->cdev;
	return 0;
}

static void vfio_dev_init(struct vfio_dev *d, enum vfio_path path)
{
	memset(d, 0, sizeof(*d));
	d->path = path;
	d->container = d->group = d->iommufd = d->cdev = d->fd = -1;
}

int vfio_dev_open(struct vfio_dev *d, const char *dev, enum vfio_path path, const char **why)
{
	struct vfio_member m;
	int err;

	vfio_dev_init(d, path);
	*why = "";
	if ((err = vfio_member_read(dev, &m)))
		return *why = "no such PCI device", err;
	if (strcmp(m.driver, VFIO_PCI_DRIVER))
		return *why = "it is not bound to vfio-pci ('zcioctl vfio bind DEV')", -ENODEV;
	err = path == VFIO_TYPE1 ? open_type1(d, dev, why) : open_iommufd(d, dev, why);
	if (!err && (err = device_info(d)))
		*why = "VFIO_DEVICE_GET_INFO";
	if (err)
		vfio_dev_close(d);
	return err;
}

int vfio_group_open(struct vfio_dev *d, unsigned group, const char **why)
{
	int err;

	vfio_dev_init(d, VFIO_TYPE1);
	*why = "";
	if ((err = open_group(d, group, why)))
		vfio_dev_close(d);
	return err;
}

int vfio_container_borrow(struct vfio_dev *d, unsigned group, int *holder, const char **why)
{
	int pidfd, fd;

	vfio_dev_init(d, VFIO_TYPE1);
	*why = "";
	if (!(*holder = vfio_group_holder(group)))
		return *why = "no process holds the group open", -ENOENT;
	if ((fd = proc_fd_of(*holder, VFIO_CONTAINER_DEV)) < 0)
		return *why = "the process holding the group has no VFIO container open", fd;
	pidfd = pidfd_open(*holder, 0);
	if (pidfd < 0)
		return *why = "pidfd_open of the process holding the group", -errno;
	d->container = pidfd_getfd(pidfd, fd, 0);
	close(pidfd);
	if (d->container < 0)
		return *why = "pidfd_getfd of its container", -errno;
	return 0;
}

void vfio_dev_close(struct vfio_dev *d)
{
	/* the device first: the kernel lets go of its DMA before the address space goes */
	if (d->fd >= 0 && d->fd != d->cdev)
		close(d->fd);
	if (d->cdev >= 0)
		close(d->cdev);
	if (d->iommufd >= 0)
		close(d->iommufd);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	d->fd = d->cdev = d->iommufd = d->group = d->container = -1;
}

/* ---- the address space ---- */

static int type1_ranges(struct vfio_dev *d, struct zc_iova_range *r, unsigned max)
{
	struct vfio_iommu_type1_info probe = { .argsz = sizeof(probe) }, *info;
	struct vfio_info_cap_header *cap;
	unsigned n = 0, i;
	int err;

	if ((err = xioctl(d->container, VFIO_IOMMU_GET_INFO, &probe)))
		return err;
	info = calloc(1, probe.argsz);
	if (!info)
		return -ENOMEM;
	info->argsz = probe.argsz;
	err = xioctl(d->container, VFIO_IOMMU_GET_INFO, info);
	if (!err && (info->flags & VFIO_IOMMU_INFO_CAPS))
		for (cap = info->cap_offset ? (void *)((char *)info + info->cap_offset) : NULL; cap;
		     cap = cap->next ? (void *)((char *)info + cap->next) : NULL) {
			struct vfio_iommu_type1_info_cap_iova_range *ranges = (void *)cap;

			if (cap->id != VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)
				continue;
			for (i = 0; i < ranges->nr_iovas && n < max; i++, n++) {
				r[n].start = ranges->iova_ranges[i].start;
				r[n].last = ranges->iova_ranges[i].end;
			}
		}
	free(info);
	return err ? err : (int)n;
}

static int iommufd_ranges(struct vfio_dev *d, struct zc_iova_range *r, unsigned max)
{
	struct iommu_iova_range ranges[VFIO_MAX_RANGES];
	struct iommu_ioas_iova_ranges q = {
		.size = sizeof(q), .ioas_id = d->ioas, .num_iovas = VFIO_MAX_RANGES, .allowed_iovas = (uintptr_t)ranges,
	};
	unsigned i;
	int err = xioctl(d->iommufd, IOMMU_IOAS_IOVA_RANGES, &q);

	if (err)
		return err;
	for (i = 0; i < q.num_iovas && i < max && i < VFIO_MAX_RANGES; i++) {
		r[i].start = ranges[i].start;
		r[i].last = ranges[i].last;
	}
	return i;
}

int vfio_dev_iova_ranges(struct vfio_dev *d, struct zc_iova_range *r, unsigned max)
{
	if (d->noiommu)
		return -EOPNOTSUPP;
	return d->path == VFIO_TYPE1 ? type1_ranges(d, r, max) : iommufd_ranges(d, r, max);
}

int vfio_dev_map(struct vfio_dev *d, uint64_t iova, void *ptr, uint64_t size)
{
	if (d->noiommu)
		return -EOPNOTSUPP;
	if (d->path == VFIO_TYPE1) {
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)ptr, .iova = iova, .size = size,
		};

		return xioctl(d->container, VFIO_IOMMU_MAP_DMA, &map);
	} else {
		struct iommu_ioas_map map = {
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = d->ioas, .user_va = (uintptr_t)ptr, .length = size, .iova = iova,
		};

		return xioctl(d->iommufd, IOMMU_IOAS_MAP, &map);
	}
}

int vfio_dev_unmap(struct vfio_dev *d, uint64_t iova, uint64_t size)
{
	if (d->path == VFIO_TYPE1) {
		struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap), .iova = iova, .size = size };
		int err = xioctl(d->container, VFIO_IOMMU_UNMAP_DMA, &unmap);

		/* the kernel says how much it unmapped: nothing means nothing was there */
		return err ? err : unmap.size ? 0 : -ENOENT;
	} else {
		struct iommu_ioas_unmap unmap = { .size = sizeof(unmap), .ioas_id = d->ioas, .iova = iova, .length = size };

		return xioctl(d->iommufd, IOMMU_IOAS_UNMAP, &unmap);
	}
}

/* ---- regions and interrupts ---- */

int vfio_dev_region(struct vfio_dev *d, unsigned index, struct vfio_region *r)
{
	struct vfio_region_info probe = { .argsz = sizeof(probe), .index = index }, *info;
	struct vfio_info_cap_header *cap;
	int err = xioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &probe);

	memset(r, 0, sizeof(*r));
	r->index = index;
	if (err)
		return err;
	info = calloc(1, probe.argsz);
	if (!info)
		return -ENOMEM;
	info->argsz = probe.argsz;
	info->index = index;
	err = xioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, info);
	if (!err) {
		r->flags = info->flags;
		r->size = info->size;
		r->offset = info->offset;
		if (info->flags & VFIO_REGION_INFO_FLAG_CAPS)
			for (cap = info->cap_offset ? (void *)((char *)info + info->cap_offset) : NULL; cap;
			     cap = cap->next ? (void *)((char *)info + cap->next) : NULL) {
				if (cap->id < 32)
					r->caps |= 1U << cap->id;
				if (cap->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP)
					r->sparse_areas = ((struct vfio_region_info_cap_sparse_mmap *)cap)->nr_areas;
			}
	}
	free(info);
	return err;
}

int vfio_dev_irq(struct vfio_dev *d, unsigned index, struct vfio_irq *i)
{
	struct vfio_irq_info info = { .argsz = sizeof(info), .index = index };
	int err = xioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &info);

	i->index = index;
	i->flags = err ? 0 : info.flags;
	i->count = err ? 0 : info.count;
	return err;
}

int vfio_dev_irq_eventfd(struct vfio_dev *d, unsigned index, int efd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	int32_t fd = efd;

	memset(buf, 0, sizeof(buf));
	set->argsz = sizeof(buf);
	set->index = index;
	set->start = 0;
	if (efd >= 0) {
		set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		set->count = 1;
		memcpy(set->data, &fd, sizeof(fd));
	} else {
		set->argsz = sizeof(*set);
		set->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		set->count = 0;
	}
	return xioctl(d->fd, VFIO_DEVICE_SET_IRQS, set);
}

int vfio_dev_read32(struct vfio_dev *d, const struct vfio_region *r, uint64_t off, uint32_t *v)
{
	ssize_t n = pread(d->fd, v, sizeof(*v), (off_t)(r->offset + off));

	return n == sizeof(*v) ? 0 : n < 0 ? -errno : -EIO;
}

int vfio_dev_write32(struct vfio_dev *d, const struct vfio_region *r, uint64_t off, uint32_t v)
{
	ssize_t n = pwrite(d->fd, &v, sizeof(v), (off_t)(r->offset + off));

	return n == sizeof(v) ? 0 : n < 0 ? -errno : -EIO;
}

/* ---- process binding ---- */

static int bind_ioctl(struct vfio_dev *d, unsigned long req, int pid, uint32_t *pasid)
{
	/* the header's data[] is the process part: one buffer holds both, aligned for either */
	union {
		struct vfio_iommu_type1_bind hdr;
		uint8_t bytes[sizeof(struct vfio_iommu_type1_bind) + sizeof(struct vfio_iommu_type1_bind_process)];
		uint64_t align;
	} b;
	struct vfio_iommu_type1_bind_process p = { .flags = pid ? VFIO_IOMMU_BIND_PID : 0, .pid = pid };
	int err;

	if (d->path != VFIO_TYPE1 || d->noiommu)
		return -EOPNOTSUPP;
	memset(&b, 0, sizeof(b));
	b.hdr.argsz = sizeof(b.bytes);
	b.hdr.flags = VFIO_IOMMU_BIND_PROCESS;
	memcpy(b.hdr.data, &p, sizeof(p));
	err = xioctl(d->container, req, &b);
	if (!err && pasid) {
		memcpy(&p, b.hdr.data, sizeof(p));
		*pasid = p.pasid;
	}
	return err;
}

int vfio_dev_bind_process(struct vfio_dev *d, int pid, uint32_t *pasid)
{
	return bind_ioctl(d, VFIO_IOMMU_BIND, pid, pasid);
}

int vfio_dev_unbind_process(struct vfio_dev *d, int pid)
{
	return bind_ioctl(d, VFIO_IOMMU_UNBIND, pid, NULL);
}

int vfio_group_reserved(unsigned group, char *buf, size_t len)
{
	char path[96];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), IOMMU_GROUPS "/%u/reserved_regions", group);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return 0;
}
