/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The vDPA bus over generic netlink (family "vdpa"): management devices and vDPA devices. */
#ifndef ZC_VDPA_NL_H
#define ZC_VDPA_NL_H

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

#endif
