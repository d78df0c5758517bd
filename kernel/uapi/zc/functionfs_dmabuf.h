/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * FunctionFS DMABUF import (Linux 6.9), for distro headers older than that.
 * Numbers from include/uapi/linux/usb/functionfs.h of the test kernel.
 */
#ifndef ZC_UAPI_FUNCTIONFS_DMABUF_H
#define ZC_UAPI_FUNCTIONFS_DMABUF_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/usb/functionfs.h>

#ifndef FUNCTIONFS_DMABUF_ATTACH
/* Arguments of FUNCTIONFS_DMABUF_TRANSFER: no flags are defined, 0 < length <= dmabuf size. */
struct usb_ffs_dmabuf_transfer_req {
	int fd;
	__u32 flags;
	__u64 length;
} __attribute__((packed));

#define USB_FFS_DMABUF_TRANSFER_MASK	0x0
#define FUNCTIONFS_DMABUF_ATTACH	_IOW('g', 131, int)
#define FUNCTIONFS_DMABUF_DETACH	_IOW('g', 132, int)
#define FUNCTIONFS_DMABUF_TRANSFER	_IOW('g', 133, struct usb_ffs_dmabuf_transfer_req)
#endif

#endif
