/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Names of virtio feature bits: the transport's, and those of a device type. */
#ifndef ZC_VIRTIO_FEATURES_H
#define ZC_VIRTIO_FEATURES_H

#include <stdint.h>

enum feature_space {
	FEATURES_NET,		/* virtio-net device features */
	FEATURES_BLK,		/* virtio-blk device features */
	FEATURES_VHOST_NET,	/* what vhost-net offers: virtio-net's, with vhost's own bits */
	FEATURES_VHOST_BACKEND,	/* VHOST_GET_BACKEND_FEATURES */
};

/* The name of `bit` ("VERSION_1", "MRG_RXBUF"), or NULL when we know none. */
const char *feature_name(enum feature_space space, unsigned bit);

#endif
