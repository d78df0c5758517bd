/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network devices for the vhost-net backend: a tap (a new one that lives as long as its fd, or
 * an existing one), and the sink that keeps zero-copy transmit zero-copy without a NIC: tc on
 * the tap's ingress redirects every frame to a dummy device, which frees it untouched (local
 * delivery, packet sockets or veth would copy it), optionally through netem to hold the frames
 * (and so the completions) back. Links and tc are set up over rtnetlink.
 */
#ifndef ZC_NETDEV_H
#define ZC_NETDEV_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

/* Our dummy sinks are named SINK_PREFIX + the tap's name, so a cleanup finds them. */
#define SINK_PREFIX "zcs-"

struct tap {
	int fd;
	char name[IFNAMSIZ];
	int ifindex;
	bool created;		/* a new tap: it goes away with its last fd */
	bool napi;		/* its queue runs in NAPI mode (IFF_NAPI, as the kernel reports it back) */
};

/*
 * Open the tap `name`, or make a new one when name is NULL or "" (the kernel names it). With
 * vnet_hdr, every frame carries a virtio_net_hdr of hdr_len bytes (10, or 12 with MRG_RXBUF or
 * VERSION_1); no offloads until TUNSETOFFLOAD says which. napi asks for IFF_NAPI: what is
 * written to the tap enters the stack through its queue's NAPI poll and GRO, in batches, as
 * DPDK's virtio_user taps do (t->napi: what the kernel set). -ENODEV when there is no `name`,
 * -EINVAL when it is not a tap.
 */
int tap_open(const char *name, bool vnet_hdr, int hdr_len, bool napi, struct tap *t);
void tap_close(struct tap *t);

int netdev_set_up(const char *name);
/* The largest MTU a tap takes (and a dummy): frames of 64K travel whole, without GSO. */
#define NETDEV_MTU_MAX 65521
int netdev_set_mtu(const char *name, unsigned mtu);
/* The interface's index, or -ENODEV. */
int netdev_index(const char *name);

/*
 * A clsact qdisc on the interface; *made says whether it is new (ours to remove), an existing
 * one is used as it is. Ours and not bpf_tc_hook_create(): libbpf before 1.2 (Debian 12's 1.1.2)
 * reads 16 bytes past the kernel's answer when it parses the error of an existing qdisc
 * (libbpf commit 418962b6, "Fix alen calculation in libbpf_nla_dump_errormsg()").
 */
int netdev_clsact_add(int ifindex, bool *made, char *why, size_t why_len);
int netdev_clsact_del(int ifindex);

/* The sink for `tap` (see above): a dummy SINK_PREFIX+tap, netem delay_us on it when not 0. */
int sink_create(const char *tap, uint32_t delay_us, char *why, size_t why_len);
/* Remove the sink of `tap` (its dummy; the tc filter and qdisc on the tap go with the tap). */
int sink_destroy(const char *tap);
/* Remove every sink whose tap is gone (after a SIGKILL); returns how many. */
int sink_cleanup(void);

#endif
