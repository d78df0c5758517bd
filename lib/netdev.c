// SPDX-License-Identifier: GPL-2.0-or-later
#include "netdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "genl.h"

#define TUN_DEV "/dev/net/tun"

int tap_open(const char *name, bool vnet_hdr, int hdr_len, bool napi, struct tap *t)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0) | (napi ? IFF_NAPI : 0) };
	int err;

	memset(t, 0, sizeof(*t));
	t->created = !name || !*name;
	if (!t->created && strlen(name) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	/* TUNSETIFF would make a tap of a name that is free: a name given must be there already */
	if (!t->created && netdev_index(name) < 0)
		return -ENODEV;
	if (!t->created)
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	t->fd = open(TUN_DEV, O_RDWR | O_CLOEXEC);
	if (t->fd < 0)
		return -errno;
	/* an existing device that is not a tap, or a tun: EINVAL */
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0 ||
	    (vnet_hdr && ioctl(t->fd, TUNSETVNETHDRSZ, &hdr_len) < 0) ||
	    ioctl(t->fd, TUNSETOFFLOAD, 0) < 0 || ioctl(t->fd, TUNGETIFF, &ifr) < 0)
		goto fail;
	t->napi = ifr.ifr_flags & IFF_NAPI;
	snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	t->ifindex = netdev_index(t->name);
	if (t->ifindex < 0) {
		errno = -t->ifindex;
		goto fail;
	}
	return 0;
fail:
	err = -errno;
	tap_close(t);
	return err;
}

void tap_close(struct tap *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

int netdev_index(const char *name)
{
	unsigned i = if_nametoindex(name);

	return i ? (int)i : -ENODEV;
}

/* An interface ioctl (SIOCxIFx) on ifr, named `name`, through a throwaway socket. */
static int if_ioctl(const char *name, unsigned long request, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (s < 0)
		return -errno;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	if (ioctl(s, request, ifr) < 0)
		err = -errno;
	close(s);
	return err;
}

int netdev_set_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int err = if_ioctl(name, SIOCGIFFLAGS, &ifr);

	ifr.ifr_flags |= IFF_UP;
	return err ? err : if_ioctl(name, SIOCSIFFLAGS, &ifr);
}

int netdev_set_mtu(const char *name, unsigned mtu)
{
	struct ifreq ifr = { .ifr_mtu = (int)mtu };

	return if_ioctl(name, SIOCSIFMTU, &ifr);
}

/* ---- rtnetlink requests ---- */

/* A request: the family header (ifinfomsg, tcmsg), then one string attribute (the name, the kind). */
static struct nl_msg *rtnl_request(int type, int flags, const void *hdr, size_t hdr_len, int attr, const char *str)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (!msg)
		return NULL;
	if (nlmsg_append(msg, (void *)hdr, hdr_len, NLMSG_ALIGNTO) < 0 || nla_put_string(msg, attr, str) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static struct nl_msg *link_request(int type, int flags, const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	return rtnl_request(type, flags, &ifi, sizeof(ifi), IFLA_IFNAME, name);
}

static struct nl_msg *tc_request(int type, int flags, int ifindex, uint32_t parent, uint32_t handle, uint32_t info,
				 const char *kind)
{
	struct tcmsg tc = {
		.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_parent = parent, .tcm_handle = handle,
		.tcm_info = info,
	};

	return rtnl_request(type, flags, &tc, sizeof(tc), TCA_KIND, kind);
}

static struct nl_msg *clsact_request(int type, int flags, int ifindex)
{
	return tc_request(type, flags, ifindex, TC_H_CLSACT, TC_H_MAKE(TC_H_CLSACT, 0), 0, "clsact");
}

/* Send a request built above (NULL: it could not be built) and wait for the kernel's answer. */
static int rtnl_do(struct genl *rt, struct nl_msg *msg, char *why, size_t why_len, const char *what)
{
	int err = msg ? genl_transact(rt, msg, NULL, NULL) : -ENOMEM;

	if (err && why && !why[0])
		snprintf(why, why_len, "%s%s%s", what, rt->extack[0] ? ": " : "", rt->extack);
	return err;
}

static struct nl_msg *dummy_request(const char *name)
{
	struct nl_msg *msg = link_request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name);
	struct nlattr *info;

	if (!msg)
		return NULL;
	info = nla_nest_start(msg, IFLA_LINKINFO);
	if (!info || nla_put_string(msg, IFLA_INFO_KIND, "dummy") < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	nla_nest_end(msg, info);
	return msg;
}

/*
 * clsact ingress: matchall, action mirred egress redirect to `to`, the frame stolen from the tap.
 * Priority 2 leaves room for a filter that looks at the frames first.
 */
#define SINK_FILTER_PRIO 2
static struct nl_msg *redirect_request(int from, int to)
{
	struct tc_mirred mirred = { .action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR, .ifindex = to };
	struct nl_msg *msg = tc_request(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, from,
					TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), 0,
					TC_H_MAKE(SINK_FILTER_PRIO << 16, htons(ETH_P_ALL)), "matchall");
	struct nlattr *opts, *acts, *act, *act_opts;

	if (!msg)
		return NULL;
	if (!(opts = nla_nest_start(msg, TCA_OPTIONS)) || !(acts = nla_nest_start(msg, TCA_MATCHALL_ACT)) ||
	    !(act = nla_nest_start(msg, 1)) || nla_put_string(msg, TCA_ACT_KIND, "mirred") < 0 ||
	    !(act_opts = nla_nest_start(msg, TCA_ACT_OPTIONS)) ||
	    nla_put(msg, TCA_MIRRED_PARMS, sizeof(mirred), &mirred) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	nla_nest_end(msg, act_opts);
	nla_nest_end(msg, act);
	nla_nest_end(msg, acts);
	nla_nest_end(msg, opts);
	return msg;
}

/* netem's options are its struct followed by attributes; the 64-bit latency is in nanoseconds. */
static struct nl_msg *netem_request(int ifindex, uint32_t delay_us)
{
	struct tc_netem_qopt q = { .limit = 100000 };
	struct nl_msg *msg = tc_request(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex, TC_H_ROOT,
					TC_H_MAKE(1 << 16, 0), 0, "netem");
	struct nlattr *opts;
	int64_t ns = (int64_t)delay_us * 1000;

	if (!msg)
		return NULL;
	opts = nla_nest_start(msg, TCA_OPTIONS);
	if (!opts || nlmsg_append(msg, &q, sizeof(q), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, TCA_NETEM_LATENCY64, sizeof(ns), &ns) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	nla_nest_end(msg, opts);
	return msg;
}

static void sink_name(const char *tap, char *name)
{
	snprintf(name, IFNAMSIZ, SINK_PREFIX "%s", tap);
}

int sink_create(const char *tap, uint32_t delay_us, char *why, size_t why_len)
{
	char name[IFNAMSIZ];
	struct genl rt;
	int err, tap_index, sink_index;

	why[0] = '\0';
	if (strlen(SINK_PREFIX) + strlen(tap) >= IFNAMSIZ) {
		snprintf(why, why_len, "the tap's name is too long for a sink name");
		return -ENAMETOOLONG;
	}
	sink_name(tap, name);
	tap_index = netdev_index(tap);
	if (tap_index < 0)
		return tap_index;
	if ((err = rtnl_open(&rt)))
		return err;
	err = rtnl_do(&rt, dummy_request(name), why, why_len, "creating a dummy device");
	if (!err && (sink_index = netdev_index(name)) < 0)
		err = sink_index;
	if (!err && ((err = netdev_set_mtu(name, NETDEV_MTU_MAX)) || (err = netdev_set_up(name))))
		snprintf(why, why_len, "bringing %s up with the largest MTU", name);
	if (!err && delay_us)
		err = rtnl_do(&rt, netem_request(sink_index, delay_us), why, why_len, "netem on the sink");
	if (!err)
		err = rtnl_do(&rt, clsact_request(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, tap_index), why, why_len,
			      "clsact on the tap");
	if (!err)
		err = rtnl_do(&rt, redirect_request(tap_index, sink_index), why, why_len,
			      "the tc filter that redirects the tap's frames");
	genl_close(&rt);
	if (err)
		sink_destroy(tap);
	return err;
}

/* One request on a routing socket of its own. */
static int rtnl_once(struct nl_msg *msg, char *why, size_t why_len, const char *what)
{
	struct genl rt;
	int err = rtnl_open(&rt);

	if (err) {
		nlmsg_free(msg);
		return err;
	}
	err = rtnl_do(&rt, msg, why, why_len, what);
	genl_close(&rt);
	return err;
}

int netdev_clsact_add(int ifindex, bool *made, char *why, size_t why_len)
{
	int err = rtnl_once(clsact_request(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex), why, why_len,
			    "clsact on the interface");

	*made = !err;
	if (err == -EEXIST) {	/* there already: used, not ours to remove */
		why[0] = '\0';
		err = 0;
	}
	return err;
}

int netdev_clsact_del(int ifindex)
{
	return rtnl_once(clsact_request(RTM_DELQDISC, 0, ifindex), NULL, 0, NULL);
}

static int link_delete(const char *name)
{
	return rtnl_once(link_request(RTM_DELLINK, 0, name), NULL, 0, NULL);
}

int sink_destroy(const char *tap)
{
	char name[IFNAMSIZ];
	int err;

	sink_name(tap, name);
	err = link_delete(name);
	return err == -ENODEV ? 0 : err;
}

int sink_cleanup(void)
{
	struct if_nameindex *links = if_nameindex(), *l;
	size_t prefix = strlen(SINK_PREFIX);
	int removed = 0, err = 0;

	if (!links)
		return -errno;
	for (l = links; l->if_index && !err; l++) {
		if (strncmp(l->if_name, SINK_PREFIX, prefix) || netdev_index(l->if_name + prefix) > 0)
			continue;
		err = link_delete(l->if_name);
		removed += !err;
	}
	if_freenameindex(links);
	return err ? err : removed;
}
