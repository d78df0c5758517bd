/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The vDPA bus over generic netlink (family "vdpa"): management devices and vDPA devices. */
#ifndef ZC_VDPA_NL_H
#define ZC_VDPA_NL_H

#include <stddef.h>
#include <stdint.h>

#include "genl.h"

struct vdpa_mgmtdev {
	char bus[64];		/* "" for a management device without a bus, like vduse */
	char name[64];
	uint64_t classes;	/* bit per virtio device id */
	uint32_t max_vqs;
};

/* Every management device; *out is malloc'ed. Returns the count or -errno. */
int vdpa_mgmtdev_list(struct genl *g, struct vdpa_mgmtdev **out);

struct vdpa_dev {
	char name[64];
	char mgmtdev[64];
	uint32_t device_id;	/* virtio device id: 1 net, 2 blk */
	uint32_t vendor_id;
	uint32_t max_vqs;
	uint16_t max_vq_size;
};

/* -ENODEV when the bus has no such device. */
int vdpa_dev_get(struct genl *g, const char *name, struct vdpa_dev *d);

/*
 * Add a vDPA device of management device `mgmtdev` (for VDUSE: "vduse", the device's name);
 * the bus then binds a driver to it. -EEXIST if there is one, -ENODEV without such a device.
 */
int vdpa_dev_new(struct genl *g, const char *mgmtdev, const char *name);
/*
 * The same, bound to driver ("virtio_vdpa", "vhost_vdpa") rather than to whichever driver the
 * bus tries first: the bus's autoprobe is held off while the device is added (and put back as it
 * was), its driver_override set, then it is probed. A device the driver would not take is
 * removed again (-EIO); -ENOENT when there is no such driver.
 */
int vdpa_dev_new_bound(struct genl *g, const char *mgmtdev, const char *name, const char *driver);
/* The driver bound to vDPA device NAME, into buf; -ENOENT when none is. */
int vdpa_dev_driver(const char *name, char *buf, size_t len);
/* Remove it from the bus: its driver lets go first. */
int vdpa_dev_del(struct genl *g, const char *name);

/*
 * The reply parsers genl_transact() calls, one netlink message at a time: NL_OK, NL_SKIP for a
 * message they cannot parse, NL_STOP on ENOMEM. Not static only because they are the seam for
 * the fuzzer (tests/fuzz/fuzz_vdpa_nl.c), which feeds them messages no kernel would send.
 */
struct vdpa_mgmtdev_dump {
	struct vdpa_mgmtdev *v;	/* n entries, malloc'ed */
	int n;
	int err;
};
int vdpa_mgmtdev_reply(struct nl_msg *msg, void *dump);
/* dev: a struct vdpa_dev, zeroed by the caller */
int vdpa_dev_reply(struct nl_msg *msg, void *dev);

/* For `zcioctl feature` (lib/feature.h). */
struct feat;
void vdpa_probe(struct feat *f);

#endif
