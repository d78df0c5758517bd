// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtio/features.h"

#include <stddef.h>

/* The transport's bits (24 to 40), the same for every device type. */
static const char *const transport[64] = {
	[24] = "NOTIFY_ON_EMPTY", [27] = "ANY_LAYOUT", [28] = "RING_INDIRECT_DESC", [29] = "RING_EVENT_IDX",
	[32] = "VERSION_1", [33] = "ACCESS_PLATFORM", [34] = "RING_PACKED", [35] = "IN_ORDER",
	[36] = "ORDER_PLATFORM", [37] = "SR_IOV", [38] = "NOTIFICATION_DATA", [39] = "NOTIF_CONFIG_DATA",
	[40] = "RING_RESET",
};

static const char *const net[64] = {
	[0] = "CSUM", [1] = "GUEST_CSUM", [2] = "CTRL_GUEST_OFFLOADS", [3] = "MTU", [5] = "MAC", [6] = "GSO",
	[7] = "GUEST_TSO4", [8] = "GUEST_TSO6", [9] = "GUEST_ECN", [10] = "GUEST_UFO", [11] = "HOST_TSO4",
	[12] = "HOST_TSO6", [13] = "HOST_ECN", [14] = "HOST_UFO", [15] = "MRG_RXBUF", [16] = "STATUS",
	[17] = "CTRL_VQ", [18] = "CTRL_RX", [19] = "CTRL_VLAN", [20] = "CTRL_RX_EXTRA", [21] = "GUEST_ANNOUNCE",
	[22] = "MQ", [23] = "CTRL_MAC_ADDR", [52] = "VQ_NOTF_COAL", [53] = "NOTF_COAL", [54] = "GUEST_USO4",
	[55] = "GUEST_USO6", [56] = "HOST_USO", [57] = "HASH_REPORT", [59] = "GUEST_HDRLEN", [60] = "RSS",
	[61] = "RSC_EXT", [62] = "STANDBY", [63] = "SPEED_DUPLEX",
};

static const char *const blk[64] = {
	[1] = "SIZE_MAX", [2] = "SEG_MAX", [4] = "GEOMETRY", [5] = "RO", [6] = "BLK_SIZE", [9] = "FLUSH",
	[10] = "TOPOLOGY", [11] = "CONFIG_WCE", [12] = "MQ", [13] = "DISCARD", [14] = "WRITE_ZEROES",
	[15] = "LIFETIME", [16] = "SECURE_ERASE", [17] = "ZONED",
};

/* vhost's own bits in the device feature word: 26 is its dirty log, 27 the header vhost-net adds */
static const char *const vhost[64] = {
	[26] = "VHOST_F_LOG_ALL", [27] = "VHOST_NET_F_VIRTIO_NET_HDR",
};

static const char *const vhost_backend[64] = {
	[1] = "IOTLB_MSG_V2", [2] = "IOTLB_BATCH", [3] = "IOTLB_ASID", [4] = "SUSPEND", [5] = "RESUME",
	[6] = "ENABLE_AFTER_DRIVER_OK", [7] = "DESC_ASID",
};

const char *feature_name(enum feature_space space, unsigned bit)
{
	if (bit >= 64)
		return NULL;
	switch (space) {
	case FEATURES_NET:
		return net[bit] ? net[bit] : transport[bit];
	case FEATURES_BLK:
		return blk[bit] ? blk[bit] : transport[bit];
	case FEATURES_VHOST_NET:
		return vhost[bit] ? vhost[bit] : net[bit] ? net[bit] : transport[bit];
	case FEATURES_VHOST_BACKEND:
		return vhost_backend[bit];
	}
	return NULL;
}
