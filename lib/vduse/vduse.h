/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VDUSE devices: creating and destroying them through /dev/vduse/control, their virtqueues,
 * and the sysfs knobs that must be set before the device is attached to the vDPA bus.
 */
#ifndef ZC_VDUSE_H
#define ZC_VDUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VDUSE_DEV_DIR "/dev/vduse"
#define VDUSE_CONTROL VDUSE_DEV_DIR "/control"
#define VDUSE_CLASS "/sys/class/vduse"
#define VDUSE_DEV_NAME_MAX 64	/* ours: a vDPA device name too; the kernel takes up to 255 */

enum vduse_type { VDUSE_BLK, VDUSE_NET };

struct vduse_blk_params {
	uint64_t capacity;	/* bytes, a multiple of 512 */
	uint32_t block_size;	/* logical block size, a power of two from 512 to 64K */
	uint16_t queues;
	uint16_t queue_size;	/* a power of two */
	uint64_t features;	/* virtio feature bits offered */
};

struct vduse_net_params {
	uint8_t mac[6];
	uint16_t mtu;
	uint16_t queue_size;
	uint64_t features;
};

/*
 * The feature bits a virtio-blk device of ours offers: what the parameters imply, plus the
 * optional ones (flush, discard, write-zeroes, event-idx by default; NULL for the default).
 */
uint64_t vduse_blk_features(const struct vduse_blk_params *p, bool readonly, const uint64_t *optional);
/*
 * "flush,discard,..." (blk) or "csum,tso,guest-tso" (net) or "none" into optional feature bits;
 * -EINVAL on a name unknown for the type, or tso or guest-tso without csum.
 */
int vduse_parse_features(enum vduse_type type, const char *list, uint64_t *optional);
/* A virtio-net device's: MAC, STATUS, MTU if given, plus the optional ones (csum and tso by default; NULL for the default). */
uint64_t vduse_net_features(const struct vduse_net_params *p, const uint64_t *optional);

bool vduse_name_valid(const char *name);
/* /dev/vduse/NAME, the device's own node (one process at a time may have it open). */
void vduse_dev_path(const char *name, char *path, size_t len);
/* Open it read-write with extra open flags: the fd or -errno (-EINVAL for a bad name). */
int vduse_open_dev(const char *name, int flags);
bool vduse_exists(const char *name);

/* Negotiate the API version (0), create the device, set up every virtqueue. Undone on failure. */
int vduse_create_blk(const char *name, const struct vduse_blk_params *p);
int vduse_create_net(const char *name, const struct vduse_net_params *p);
/* VDUSE_BLK or VDUSE_NET as `create` recorded it; -ENODATA when it did not (another program made it). */
int vduse_type_of(const char *name);
/* -EBUSY while attached to the vDPA bus or served (its /dev/vduse/NAME open). */
int vduse_destroy(const char *name);

/* sysfs attributes of /sys/class/vduse/NAME; bounce_size only before attaching. */
int vduse_set_attr(const char *name, const char *attr, uint64_t value);
int vduse_get_attr(const char *name, const char *attr, uint64_t *value);

/* The block device (vdX) the device became once attached and bound to virtio_vdpa; -ENOENT if none. */
int vduse_disk(const char *name, char *disk, size_t len);
/* The virtio status and negotiated features of the device virtio_vdpa made of it; -ENOENT if none. */
int vduse_virtio_state(const char *name, uint64_t *status, uint64_t *features);
/* The network interface (ethN) a net device became the same way; -ENOENT if none. */
int vduse_netdev(const char *name, char *ifname, size_t len);
/* Wait up to timeout_ms for that disk (net false) or interface (net true); -ENOENT if it did not come. */
int vduse_wait_child(const char *name, bool net, char *out, size_t len, unsigned timeout_ms);
/* Whether a process has /dev/vduse/NAME open, which the kernel allows only one to do. */
bool vduse_served(const char *name);
/* Where servers record how far they took each queue (lib/vduse_serve). */
void vduse_record_path(const char *name, char *path, size_t len);

/* The VDUSE devices there are (not "control"); names malloc'ed, free with free_names(). */
int vduse_list(char ***names);

/* For `zcioctl feature` (lib/feature.h). */
struct feat;
void vduse_probe(struct feat *f);

#endif
