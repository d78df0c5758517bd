/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vhost character devices driven from userspace, the part a virtio driver (a VM's, or ours)
 * plays: ownership, features, memory, the vrings with their kick and call eventfds, and for
 * vhost-net the backend socket (a tap). The rings themselves are lib/virtio/virtq's driver face.
 */
#ifndef ZC_VHOST_H
#define ZC_VHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VHOST_NET_DEV "/dev/vhost-net"
/* 0444 and read once at init: with vhost_net built in, set only on the kernel command line */
#define VHOST_NET_ZCOPYTX_PARAM "/sys/module/vhost_net/parameters/experimental_zcopytx"

/* vhost-net's virtqueues */
enum { VHOST_NET_RX = 0, VHOST_NET_TX = 1 };

/* Where a vring lives, in the addresses the vhost device expects (user addresses for vhost-net). */
struct vhost_ring_addrs {
	uint64_t desc, avail, used;
};

/*
 * Guest memory of size bytes: anonymous and private, as a VM's RAM is by default (vhost-net takes
 * any memory of its owner), or a memfd named name mapped shared (VDUSE behind vhost-vdpa maps
 * only file-backed shared memory). Released with munmap().
 */
int vhost_guest_memory(const char *name, size_t size, bool anonymous, uint8_t **mem);

/* Open the device and become its owner (VHOST_SET_OWNER). Returns the fd or -errno. */
int vhost_open(const char *path);
int vhost_get_features(int fd, uint64_t *features);
int vhost_set_features(int fd, uint64_t features);
/* VHOST_GET_BACKEND_FEATURES: -ENOTTY on kernels without it. */
int vhost_get_backend_features(int fd, uint64_t *features);
/* One memory region: guest addresses [guest, guest + size) are our [host, host + size). */
int vhost_set_mem(int fd, uint64_t guest, void *host, uint64_t size);
/* Size, first index, addresses, then the kick (we write) and call (it writes) eventfds. */
int vhost_setup_vring(int fd, unsigned index, unsigned num, uint16_t base, const struct vhost_ring_addrs *addrs,
		      int kick_fd, int call_fd);
/* Where the device's next avail entry is (VHOST_GET_VRING_BASE: stops the ring in vhost-net). */
int vhost_get_vring_base(int fd, unsigned index, uint16_t *base);
/* vhost-net: the socket a queue sends to or receives from; -1 detaches it (waiting for skbs in flight). */
int vhost_net_set_backend(int fd, unsigned index, int sock_fd);

/* The zero-copy transmit switch of this kernel: 1, 0, or -errno when vhost_net has none. */
int vhost_net_zcopytx(void);

/* For `zcioctl feature` (lib/feature.h). */
struct feat;
void vhost_net_probe(struct feat *f);

#endif
