/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * VDUSE additions after Linux 6.1 (user memory registration for IOVA regions, 6.7),
 * for distro headers older than that. Numbers from include/uapi/linux/vduse.h of the test kernel.
 */
#ifndef ZC_UAPI_VDUSE_EXT_H
#define ZC_UAPI_VDUSE_EXT_H

#include <linux/types.h>
#include <linux/vduse.h>

#ifndef VDUSE_IOTLB_REG_UMEM
struct vduse_iova_umem {
	__u64 uaddr;
	__u64 iova;
	__u64 size;
	__u64 reserved[3];
};

struct vduse_iova_info {
	__u64 start;
	__u64 last;
#define VDUSE_IOVA_CAP_UMEM (1 << 0)
	__u64 capability;
	__u64 reserved[3];
};

#define VDUSE_IOTLB_REG_UMEM	_IOW(VDUSE_BASE, 0x18, struct vduse_iova_umem)
#define VDUSE_IOTLB_DEREG_UMEM	_IOW(VDUSE_BASE, 0x19, struct vduse_iova_umem)
#define VDUSE_IOTLB_GET_INFO	_IOWR(VDUSE_BASE, 0x1a, struct vduse_iova_info)
#endif

#endif
