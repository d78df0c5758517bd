/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vhost-net driven from userspace. */
#ifndef ZC_VHOST_H
#define ZC_VHOST_H

#define VHOST_NET_DEV "/dev/vhost-net"
/* 0444 and read once at init: with vhost_net built in, set only on the kernel command line */
#define VHOST_NET_ZCOPYTX_PARAM "/sys/module/vhost_net/parameters/experimental_zcopytx"

/* For `zcioctl feature` (lib/feature.h). */
struct feat;
void vhost_net_probe(struct feat *f);

#endif
