// SPDX-License-Identifier: GPL-2.0-or-later
#include "genl.h"

#include <errno.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <string.h>
#include <sys/socket.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* libnl reports its own NLE_ codes; the kernel's errno is what a user can act on. */
static int errno_of_nle(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM: return -ENOMEM;
	case NLE_PERM: return -EPERM;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_NOACCESS: return -EACCES;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
	case NLE_BUSY: return -EBUSY;
	case NLE_EXIST: return -EEXIST;
	case NLE_INVAL: return -EINVAL;
	case NLE_RANGE: return -ERANGE;
	case NLE_NODEV: return -ENODEV;
	default: return -EIO;
	}
}

/* A socket of `protocol` that asks for the kernel's reason with each error (older kernels ignore it). */
static int socket_open(struct genl *g, int protocol)
{
	int one = 1, err;

	memset(g, 0, sizeof(*g));
	g->sk = nl_socket_alloc();
	if (!g->sk)
		return -ENOMEM;
	err = nl_connect(g->sk, protocol);
	if (err < 0) {
		nl_socket_free(g->sk);
		g->sk = NULL;
		return errno_of_nle(err);
	}
	setsockopt(nl_socket_get_fd(g->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return 0;
}

int genl_open(struct genl *g, const char *family)
{
	int err = socket_open(g, NETLINK_GENERIC);

	if (err)
		return err;
	err = genl_ctrl_resolve(g->sk, family);
	if (err < 0) {
		genl_close(g);
		return errno_of_nle(err);
	}
	g->family = err;
	return 0;
}

int rtnl_open(struct genl *g)
{
	return socket_open(g, NETLINK_ROUTE);
}

void genl_close(struct genl *g)
{
	if (g->sk)
		nl_socket_free(g->sk);
	g->sk = NULL;
}

struct nl_msg *genl_request(struct genl *g, int cmd, int flags, int version)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0, flags, cmd, version)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct transact {
	struct genl *g;
	int err;
};

/* The extended ack TLVs follow the error header, and the request unless it was capped. */
static void save_extack(struct genl *g, struct nlmsghdr *nlh, struct nlmsgerr *e)
{
	size_t skip = sizeof(*e);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlattr *attrs;
	int len;

	g->extack[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		skip += e->msg.nlmsg_len - sizeof(e->msg);
	len = (int)nlh->nlmsg_len - (int)NLMSG_HDRLEN - (int)skip;
	if (len <= 0)
		return;
	attrs = (struct nlattr *)((char *)e + skip);
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, NULL) < 0 || !tb[NLMSGERR_ATTR_MSG])
		return;
	snprintf(g->extack, sizeof(g->extack), "%s", nla_get_string(tb[NLMSGERR_ATTR_MSG]));
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct transact *t = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;

	(void)nla;
	t->err = e->error;
	save_extack(t->g, nlh, e);
	return NL_STOP;
}

static int on_done(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_STOP;
}

int genl_transact(struct genl *g, struct nl_msg *msg, int (*on_reply)(struct nl_msg *, void *), void *arg)
{
	struct transact t = { .g = g };
	struct nl_cb *cb, *socket_cb;
	int err;

	g->extack[0] = '\0';
	/* nl_socket_get_cb() takes a reference: without the put the socket's callbacks leak */
	socket_cb = nl_socket_get_cb(g->sk);
	cb = nl_cb_clone(socket_cb);
	nl_cb_put(socket_cb);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	if (on_reply)
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_reply, arg);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, NULL);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, NULL);

	err = nl_send_auto(g->sk, msg);
	nlmsg_free(msg);
	if (err >= 0)
		err = nl_recvmsgs(g->sk, cb);
	nl_cb_put(cb);
	if (t.err)
		return t.err;
	return err < 0 ? errno_of_nle(err) : 0;
}
