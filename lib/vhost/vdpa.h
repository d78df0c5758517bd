/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /dev/vhost-vdpa-N from the driver's side: what a VM's virtio driver does through QEMU, done
 * by us. The vhost ioctls (lib/vhost/vhost.h) plus VHOST_VDPA_*: device id, status, config
 * space, ring sizes, the IOVA range. There is no memory table: memory reaches the device only
 * through IOTLB messages written to the fd (struct vhost_msg_v2), each of which a VDUSE parent
 * passes on to its server as VDUSE_UPDATE_IOTLB (outside a batch).
 */
#ifndef ZC_VHOST_VDPA_H
#define ZC_VHOST_VDPA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VHOST_VDPA_DEV_PREFIX "vhost-vdpa-"

struct vhost_vdpa_info {
	uint32_t device_id;		/* virtio device id: 1 net, 2 blk */
	uint32_t vqs;
	uint16_t max_queue_size;	/* VHOST_VDPA_GET_VRING_NUM */
	uint64_t features;		/* the device's, VHOST_GET_FEATURES */
	uint64_t backend_features;
	uint64_t iova_first, iova_last;	/* the IOVAs the device accepts, inclusive */
	uint32_t config_size;
};

/* Counts of IOTLB messages written, by type. */
struct vhost_vdpa_iotlb_counts {
	uint64_t updates, invalidates, batches;
};

struct vhost_vdpa {
	int fd;
	bool batching;			/* VHOST_BACKEND_F_IOTLB_BATCH acked */
	struct vhost_vdpa_iotlb_counts sent;
};

/*
 * What the user named, into /dev/vhost-vdpa-N: that path, "vhost-vdpa-N", or the name of a
 * vDPA device bound to vhost_vdpa (a VDUSE device's name). -ENOENT for no such device, -ENODEV
 * for a vDPA device that has no vhost-vdpa char device (bound to another driver), -ENOTTY for a
 * path that is not a vhost-vdpa device.
 */
int vhost_vdpa_resolve(const char *name, char *path, size_t len);
/* The vDPA device behind /dev/vhost-vdpa-N (or "vhost-vdpa-N"), into name; -ENOENT if none. */
int vhost_vdpa_parent(const char *path, char *name, size_t len);
/* The char device ("vhost-vdpa-N") of a vDPA device bound to vhost_vdpa; -ENOENT if it has none. */
int vhost_vdpa_chardev(const char *vdpa_name, char *dev, size_t len);
/* The first process (other than us) that holds /dev/vhost-vdpa-N open: its pid, 0 if none. */
int vhost_vdpa_holder(const char *chardev, char *comm, size_t len);

/*
 * Open, become the owner, ack IOTLB_MSG_V2 (and IOTLB_BATCH where offered), read what the
 * device is. -EBUSY when another process has it open (vhost-vdpa allows one).
 */
int vhost_vdpa_open(struct vhost_vdpa *v, const char *path, struct vhost_vdpa_info *info);
void vhost_vdpa_close(struct vhost_vdpa *v);

int vhost_vdpa_get_status(struct vhost_vdpa *v, uint8_t *status);
/* 0 resets the device; otherwise status bits may only be added. */
int vhost_vdpa_set_status(struct vhost_vdpa *v, uint8_t status);
int vhost_vdpa_get_config(struct vhost_vdpa *v, unsigned offset, void *buf, unsigned len);
int vhost_vdpa_vring_enable(struct vhost_vdpa *v, unsigned index, bool enable);

/* Map [iova, iova + size) to our [uaddr, uaddr + size), perm VHOST_ACCESS_RO/WO/RW. */
int vhost_vdpa_map(struct vhost_vdpa *v, uint64_t iova, uint64_t size, void *uaddr, uint8_t perm);
int vhost_vdpa_unmap(struct vhost_vdpa *v, uint64_t iova, uint64_t size);
/* Group the maps and unmaps between begin and end into one update of the device (no-op without batching). */
int vhost_vdpa_batch(struct vhost_vdpa *v, bool begin);

/* For `zcioctl feature` (lib/feature.h). */
struct feat;
void vhost_vdpa_probe(struct feat *f);

#endif
