/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A PCI device bound to vfio-pci, opened one of two ways: the legacy group and type1 container
 * (/dev/vfio/vfio, /dev/vfio/N, VFIO_SET_IOMMU, VFIO_IOMMU_MAP_DMA), or its cdev bound to an
 * iommufd (/dev/vfio/devices/vfioN, /dev/iommu, an IOAS, IOMMU_IOAS_MAP). Either way: the
 * device fd, its regions and interrupts, and our memory mapped at IOVAs of our choice.
 */
#ifndef ZC_VFIO_DEV_H
#define ZC_VFIO_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vfio_path { VFIO_TYPE1, VFIO_IOMMUFD };

struct vfio_dev {
	enum vfio_path path;
	bool noiommu;		/* the group is a no-IOMMU one: no translation, no MAP_DMA */
	int container, group;	/* type1 */
	int iommufd, cdev;	/* iommufd */
	uint32_t ioas, devid;
	int fd;			/* the device */
	unsigned num_regions, num_irqs;
	uint32_t flags;		/* VFIO_DEVICE_FLAGS_* */
};

#define VFIO_MAX_RANGES 16
struct zc_iova_range {
	uint64_t start, last;
};

/*
 * Open dev (0000:00:04.0) bound to vfio-pci. -ENODEV without a group or cdev (not bound),
 * -EPERM for a group that is not viable (VFIO_GROUP_GET_STATUS), -EBUSY when another process
 * has it. *why says which step failed.
 */
int vfio_dev_open(struct vfio_dev *d, const char *dev, enum vfio_path path, const char **why);
void vfio_dev_close(struct vfio_dev *d);
/* A group alone in a type1 container of ours, no device opened (d->fd is -1): for process binding. */
int vfio_group_open(struct vfio_dev *d, unsigned group, const char **why);
/*
 * The type1 container of the process that holds group open, taken with pidfd_getfd(2) so that
 * bonds can be added to it and removed from it (a container is a file: the ioctl acts on the
 * holder's). Its pid into *holder. -ENOENT when no process holds the group; d->container only,
 * close with vfio_dev_close.
 */
int vfio_container_borrow(struct vfio_dev *d, unsigned group, int *holder, const char **why);

/* The IOVA ranges the IOMMU accepts for this device; the count or -errno. */
int vfio_dev_iova_ranges(struct vfio_dev *d, struct zc_iova_range *r, unsigned max);
/* Map [ptr, ptr + size) at iova for the device to read and write; unmap it. */
int vfio_dev_map(struct vfio_dev *d, uint64_t iova, void *ptr, uint64_t size);
int vfio_dev_unmap(struct vfio_dev *d, uint64_t iova, uint64_t size);

struct vfio_region {
	unsigned index;
	uint32_t flags;		/* VFIO_REGION_INFO_FLAG_* */
	uint64_t size, offset;
	uint32_t caps;		/* VFIO_REGION_INFO_CAP_* seen, as bits 1 << id */
	unsigned sparse_areas;	/* mmap-able areas of a sparse region */
};
int vfio_dev_region(struct vfio_dev *d, unsigned index, struct vfio_region *r);

struct vfio_irq {
	unsigned index;
	uint32_t flags, count;
};
int vfio_dev_irq(struct vfio_dev *d, unsigned index, struct vfio_irq *i);
/* Interrupt index's vector 0 signals efd (-1: stop signalling). */
int vfio_dev_irq_eventfd(struct vfio_dev *d, unsigned index, int efd);

/* 32-bit register access in a region, through the device fd. */
int vfio_dev_read32(struct vfio_dev *d, const struct vfio_region *r, uint64_t off, uint32_t *v);
int vfio_dev_write32(struct vfio_dev *d, const struct vfio_region *r, uint64_t off, uint32_t v);

/*
 * Process binding, the SVA series' ABI (VFIO_IOMMU_BIND/UNBIND, mode BIND_PROCESS) on a type1
 * container: the device reaches process pid's memory (0: ours) at IOVA == VA. The PASID into
 * *pasid. -ENOTTY on a kernel without the patch, -EOPNOTSUPP through iommufd, -EACCES for a
 * process we may not ptrace, -ESRCH for no such process or (unbind) no such bond.
 */
int vfio_dev_bind_process(struct vfio_dev *d, int pid, uint32_t *pasid);
int vfio_dev_unbind_process(struct vfio_dev *d, int pid);

/* The group's reserved regions (sysfs), "start end type" lines into buf. */
int vfio_group_reserved(unsigned group, char *buf, size_t len);

#endif
