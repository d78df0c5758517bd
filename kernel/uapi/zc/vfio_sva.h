/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * VFIO process binding from the SVA series (2018, "vfio: Add support for Shared Virtual
 * Addressing"). It never reached mainline: a kernel answers ENOTTY unless it carries the patch.
 */
#ifndef ZC_UAPI_VFIO_SVA_H
#define ZC_UAPI_VFIO_SVA_H

#include <linux/types.h>
#include <linux/vfio.h>

struct vfio_iommu_type1_bind_process {
	__u32 flags;
#define VFIO_IOMMU_BIND_PID		(1 << 0)
	__u32 pasid;
	__s32 pid;
};

/* data[] holds a struct vfio_iommu_type1_bind_process for mode VFIO_IOMMU_BIND_PROCESS */
struct vfio_iommu_type1_bind {
	__u32 argsz;
	__u32 flags;
#define VFIO_IOMMU_BIND_PROCESS		(1 << 0)
	__u8 data[];
};

#define VFIO_IOMMU_BIND		_IO(VFIO_TYPE, VFIO_BASE + 22)
#define VFIO_IOMMU_UNBIND	_IO(VFIO_TYPE, VFIO_BASE + 23)

#endif
