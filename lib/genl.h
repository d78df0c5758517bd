/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Generic netlink through libnl-genl-3: one socket helper for every family we speak. */
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
void genl_close(struct genl *g);

/* A new request of `cmd` (NLM_F_DUMP in flags for a dump); NULL on ENOMEM. */
struct nl_msg *genl_request(struct genl *g, int cmd, int flags, int version);

/* Send msg (consumed), call on_reply for each reply; returns 0 or the kernel's -errno. */
int genl_transact(struct genl *g, struct nl_msg *msg, int (*on_reply)(struct nl_msg *, void *), void *arg);

#endif
