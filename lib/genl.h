/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Netlink through libnl-3: one socket and transaction helper for every generic netlink family we
 * speak, and for rtnetlink (links, qdiscs, filters).
 */
#ifndef ZC_GENL_H
#define ZC_GENL_H

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

struct genl {
	struct nl_sock *sk;
	int family;
	char extack[256];	/* the kernel's extended ack message of the last error, or "" */
};

/* Connect and resolve `family`: -ENOENT when the kernel has no such family. */
int genl_open(struct genl *g, const char *family);
/* An rtnetlink socket with the same transactions (messages from nlmsg_alloc_simple()). */
int rtnl_open(struct genl *g);
void genl_close(struct genl *g);

/* A new request of `cmd` (NLM_F_DUMP in flags for a dump); NULL on ENOMEM. */
struct nl_msg *genl_request(struct genl *g, int cmd, int flags, int version);

/* Send msg (consumed), call on_reply for each reply; returns 0 or the kernel's -errno. */
int genl_transact(struct genl *g, struct nl_msg *msg, int (*on_reply)(struct nl_msg *, void *), void *arg);

#endif
