// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ABI zcioctl speaks, checked against numbers worked out by hand from the kernel's
 * _IOC encoding (dir << 30 | size << 16 | type << 8 | nr) and the struct layouts of the
 * test kernel: a wrong size in kernel/uapi/ would silently change an ioctl number.
 */
#include <linux/dma-buf.h>
#include <linux/udmabuf.h>
#include <stddef.h>

#include "tap.h"
#include "zc/functionfs_dmabuf.h"
#include "zc/sw_sync.h"
#include "zc/test_hmm.h"
#include "zc/vduse_ext.h"
#include "zc/vfio_sva.h"

#define is_hex(got, want, what) do { \
	unsigned long g_ = (got), w_ = (want); \
	if (!ok(g_ == w_, "%s is 0x%lx", what, w_)) printf("#   got 0x%lx\n", g_); \
} while (0)

int main(void)
{
	/* FunctionFS DMABUF (6.9): packed 16-byte transfer request */
	is_int(sizeof(struct usb_ffs_dmabuf_transfer_req), 16, "usb_ffs_dmabuf_transfer_req is 16 bytes");
	is_int(offsetof(struct usb_ffs_dmabuf_transfer_req, flags), 4, "transfer_req.flags at 4");
	is_int(offsetof(struct usb_ffs_dmabuf_transfer_req, length), 8, "transfer_req.length at 8");
	is_hex(FUNCTIONFS_DMABUF_ATTACH, 0x40046783, "FUNCTIONFS_DMABUF_ATTACH");
	is_hex(FUNCTIONFS_DMABUF_DETACH, 0x40046784, "FUNCTIONFS_DMABUF_DETACH");
	is_hex(FUNCTIONFS_DMABUF_TRANSFER, 0x40106785, "FUNCTIONFS_DMABUF_TRANSFER");

	/* udmabuf and dma-buf (distro headers, checked all the same) */
	is_int(sizeof(struct udmabuf_create), 24, "udmabuf_create is 24 bytes");
	is_int(offsetof(struct udmabuf_create, offset), 8, "udmabuf_create.offset at 8");
	is_int(offsetof(struct udmabuf_create, size), 16, "udmabuf_create.size at 16");
	is_hex(UDMABUF_CREATE, 0x40187542, "UDMABUF_CREATE");
	is_int(sizeof(struct dma_buf_sync), 8, "dma_buf_sync is 8 bytes");
	is_hex(DMA_BUF_IOCTL_SYNC, 0x40086200, "DMA_BUF_IOCTL_SYNC");
	is_int(sizeof(struct dma_buf_export_sync_file), 8, "dma_buf_export_sync_file is 8 bytes");
	is_int(offsetof(struct dma_buf_export_sync_file, fd), 4, "export_sync_file.fd at 4");
	is_hex(DMA_BUF_IOCTL_EXPORT_SYNC_FILE, 0xc0086202, "DMA_BUF_IOCTL_EXPORT_SYNC_FILE");

	/* VDUSE user memory registration (6.7) */
	is_int(sizeof(struct vduse_iova_umem), 48, "vduse_iova_umem is 48 bytes");
	is_int(offsetof(struct vduse_iova_umem, size), 16, "vduse_iova_umem.size at 16");
	is_int(sizeof(struct vduse_iova_info), 48, "vduse_iova_info is 48 bytes");
	is_int(offsetof(struct vduse_iova_info, capability), 16, "vduse_iova_info.capability at 16");
	is_hex(VDUSE_IOTLB_REG_UMEM, 0x40308118, "VDUSE_IOTLB_REG_UMEM");
	is_hex(VDUSE_IOTLB_DEREG_UMEM, 0x40308119, "VDUSE_IOTLB_DEREG_UMEM");
	is_hex(VDUSE_IOTLB_GET_INFO, 0xc030811a, "VDUSE_IOTLB_GET_INFO");
	is_int(sizeof(struct vduse_dev_config), 336, "vduse_dev_config is 336 bytes");
	is_hex(VDUSE_CREATE_DEV, 0x41508102, "VDUSE_CREATE_DEV");
	is_hex(VDUSE_VQ_SETUP, 0x40208114, "VDUSE_VQ_SETUP");

	/* test_hmm (6.12's lib/test_hmm_uapi.h) */
	is_int(sizeof(struct hmm_dmirror_cmd), 40, "hmm_dmirror_cmd is 40 bytes");
	is_int(offsetof(struct hmm_dmirror_cmd, faults), 32, "hmm_dmirror_cmd.faults at 32");
	is_hex(HMM_DMIRROR_EXCLUSIVE, 0xc0284805, "HMM_DMIRROR_EXCLUSIVE");
	is_hex(HMM_DMIRROR_CHECK_EXCLUSIVE, 0xc0284806, "HMM_DMIRROR_CHECK_EXCLUSIVE");

	/* VFIO process binding (the SVA series) */
	is_int(sizeof(struct vfio_iommu_type1_bind_process), 12, "vfio_iommu_type1_bind_process is 12 bytes");
	is_int(offsetof(struct vfio_iommu_type1_bind_process, pid), 8, "bind_process.pid at 8");
	is_int(sizeof(struct vfio_iommu_type1_bind), 8, "vfio_iommu_type1_bind header is 8 bytes");
	is_int(offsetof(struct vfio_iommu_type1_bind, data), 8, "vfio_iommu_type1_bind.data at 8");
	is_hex(VFIO_IOMMU_BIND, 0x3b7a, "VFIO_IOMMU_BIND");
	is_hex(VFIO_IOMMU_UNBIND, 0x3b7b, "VFIO_IOMMU_UNBIND");
	/* sw_sync (not exported; drivers/dma-buf/sw_sync.c) */
	is_int(sizeof(struct sw_sync_create_fence_data), 40, "sw_sync_create_fence_data is 40 bytes");
	is_int(offsetof(struct sw_sync_create_fence_data, fence), 36, "create_fence_data.fence at 36");
	is_hex(SW_SYNC_IOC_CREATE_FENCE, 0xc0285700, "SW_SYNC_IOC_CREATE_FENCE");
	is_hex(SW_SYNC_IOC_INC, 0x40045701, "SW_SYNC_IOC_INC");
	return done_testing();
}
