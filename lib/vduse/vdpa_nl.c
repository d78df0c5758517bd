// SPDX-License-Identifier: GPL-2.0-or-later
#include "vduse/vdpa_nl.h"

#include <errno.h>
#include <linux/vdpa.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "feature.h"
#include "fsutil.h"

/*
 * What each attribute we read must be. genlmsg_parse() then refuses a reply (NL_SKIP) whose
 * strings lack their NUL within the attribute or whose numbers are shorter than their type.
 * Without it, a string attribute without its NUL made copy_str() read past the end of the message
 * (ASan in tests/fuzz/fuzz_vdpa_nl, seed corpus/fuzz_vdpa_nl/unterminated), and nla_get_u32() of
 * a two-byte attribute read past it too: the kernel's replies are input like any other.
 */
static const struct nla_policy vdpa_policy[VDPA_ATTR_MAX + 1] = {
	[VDPA_ATTR_MGMTDEV_BUS_NAME] = { .type = NLA_STRING },
	[VDPA_ATTR_MGMTDEV_DEV_NAME] = { .type = NLA_STRING },
	[VDPA_ATTR_MGMTDEV_SUPPORTED_CLASSES] = { .type = NLA_U64 },
	[VDPA_ATTR_DEV_MGMTDEV_MAX_VQS] = { .type = NLA_U32 },
	[VDPA_ATTR_DEV_NAME] = { .type = NLA_STRING },
	[VDPA_ATTR_DEV_ID] = { .type = NLA_U32 },
	[VDPA_ATTR_DEV_VENDOR_ID] = { .type = NLA_U32 },
	[VDPA_ATTR_DEV_MAX_VQS] = { .type = NLA_U32 },
	[VDPA_ATTR_DEV_MAX_VQ_SIZE] = { .type = NLA_U16 },
};

static void copy_str(char *dst, size_t len, struct nlattr *a)
{
	snprintf(dst, len, "%s", a ? nla_get_string(a) : "");
}

int vdpa_mgmtdev_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[VDPA_ATTR_MAX + 1];
	struct vdpa_mgmtdev_dump *d = arg;
	struct vdpa_mgmtdev *m, *nv;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, VDPA_ATTR_MAX, vdpa_policy) < 0)
		return NL_SKIP;
	nv = realloc(d->v, (d->n + 1) * sizeof(*nv));
	if (!nv) {
		d->err = -ENOMEM;
		return NL_STOP;
	}
	d->v = nv;
	m = &d->v[d->n++];
	memset(m, 0, sizeof(*m));
	copy_str(m->bus, sizeof(m->bus), tb[VDPA_ATTR_MGMTDEV_BUS_NAME]);
	copy_str(m->name, sizeof(m->name), tb[VDPA_ATTR_MGMTDEV_DEV_NAME]);
	if (tb[VDPA_ATTR_MGMTDEV_SUPPORTED_CLASSES])
		m->classes = nla_get_u64(tb[VDPA_ATTR_MGMTDEV_SUPPORTED_CLASSES]);
	if (tb[VDPA_ATTR_DEV_MGMTDEV_MAX_VQS])
		m->max_vqs = nla_get_u32(tb[VDPA_ATTR_DEV_MGMTDEV_MAX_VQS]);
	return NL_OK;
}

int vdpa_mgmtdev_list(struct genl *g, struct vdpa_mgmtdev **out)
{
	struct vdpa_mgmtdev_dump d = { 0 };
	struct nl_msg *msg;
	int err;

	msg = genl_request(g, VDPA_CMD_MGMTDEV_GET, NLM_F_DUMP, VDPA_GENL_VERSION);
	if (!msg)
		return -ENOMEM;
	err = genl_transact(g, msg, vdpa_mgmtdev_reply, &d);
	if (!err)
		err = d.err;
	if (err) {
		free(d.v);
		return err;
	}
	*out = d.v;
	return d.n;
}

/* A request naming the device, for DEV_GET, DEV_NEW and DEV_DEL; NULL on ENOMEM. */
static struct nl_msg *dev_request(struct genl *g, int cmd, const char *name)
{
	struct nl_msg *msg = genl_request(g, cmd, 0, VDPA_GENL_VERSION);

	if (msg && nla_put_string(msg, VDPA_ATTR_DEV_NAME, name)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int vdpa_dev_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[VDPA_ATTR_MAX + 1];
	struct vdpa_dev *d = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, VDPA_ATTR_MAX, vdpa_policy) < 0)
		return NL_SKIP;
	copy_str(d->name, sizeof(d->name), tb[VDPA_ATTR_DEV_NAME]);
	copy_str(d->mgmtdev, sizeof(d->mgmtdev), tb[VDPA_ATTR_MGMTDEV_DEV_NAME]);
	if (tb[VDPA_ATTR_DEV_ID])
		d->device_id = nla_get_u32(tb[VDPA_ATTR_DEV_ID]);
	if (tb[VDPA_ATTR_DEV_VENDOR_ID])
		d->vendor_id = nla_get_u32(tb[VDPA_ATTR_DEV_VENDOR_ID]);
	if (tb[VDPA_ATTR_DEV_MAX_VQS])
		d->max_vqs = nla_get_u32(tb[VDPA_ATTR_DEV_MAX_VQS]);
	if (tb[VDPA_ATTR_DEV_MAX_VQ_SIZE])
		d->max_vq_size = nla_get_u16(tb[VDPA_ATTR_DEV_MAX_VQ_SIZE]);
	return NL_OK;
}

int vdpa_dev_get(struct genl *g, const char *name, struct vdpa_dev *d)
{
	struct nl_msg *msg = dev_request(g, VDPA_CMD_DEV_GET, name);

	memset(d, 0, sizeof(*d));
	return msg ? genl_transact(g, msg, vdpa_dev_reply, d) : -ENOMEM;
}

int vdpa_dev_new(struct genl *g, const char *mgmtdev, const char *name)
{
	struct nl_msg *msg = dev_request(g, VDPA_CMD_DEV_NEW, name);

	if (!msg)
		return -ENOMEM;
	/* a management device without a bus (vduse) is named by its device name alone */
	if (nla_put_string(msg, VDPA_ATTR_MGMTDEV_DEV_NAME, mgmtdev)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return genl_transact(g, msg, NULL, NULL);
}

#define VDPA_BUS "/sys/bus/vdpa"

int vdpa_dev_driver(const char *name, char *buf, size_t len)
{
	char path[160];

	snprintf(path, sizeof(path), VDPA_BUS "/devices/%s/driver", name);
	return link_basename(path, buf, len);
}

/* Add the device while no driver can take it, name its driver, probe; *added once it exists. */
static int add_unprobed(struct genl *g, const char *mgmtdev, const char *name, const char *driver, bool *added)
{
	char path[160], autoprobe[8];
	int err;

	if ((err = read_text(VDPA_BUS "/drivers_autoprobe", autoprobe, sizeof(autoprobe))))
		return err;
	if (strcmp(autoprobe, "0") && (err = write_text(VDPA_BUS "/drivers_autoprobe", "0")))
		return err;
	err = vdpa_dev_new(g, mgmtdev, name);
	*added = !err;
	if (!err) {
		snprintf(path, sizeof(path), VDPA_BUS "/devices/%s/driver_override", name);
		err = write_text(path, driver);
	}
	/* other devices of the bus must not stay without autoprobe */
	if (strcmp(autoprobe, "0"))
		write_text(VDPA_BUS "/drivers_autoprobe", autoprobe);
	/* drivers_probe binds whether autoprobe is on or not */
	if (!err)
		err = write_text(VDPA_BUS "/drivers_probe", name);
	return err;
}

int vdpa_dev_new_bound(struct genl *g, const char *mgmtdev, const char *name, const char *driver)
{
	char path[160], bound[64];
	bool added = false;
	int err;

	snprintf(path, sizeof(path), VDPA_BUS "/drivers/%s", driver);
	if (!path_exists(path))
		return -ENOENT;
	err = add_unprobed(g, mgmtdev, name, driver, &added);
	if (!err && (vdpa_dev_driver(name, bound, sizeof(bound)) || strcmp(bound, driver)))
		err = -EIO;
	if (err && added)
		vdpa_dev_del(g, name);	/* nothing half-attached left behind; never a device we did not add */
	return err;
}

int vdpa_dev_del(struct genl *g, const char *name)
{
	struct nl_msg *msg = dev_request(g, VDPA_CMD_DEV_DEL, name);

	return msg ? genl_transact(g, msg, NULL, NULL) : -ENOMEM;
}

/* ---- what the kernel provides ---- */

void vdpa_probe(struct feat *f)
{
	struct vdpa_mgmtdev *m;
	struct genl g;
	char *names[16];
	char buf[16][132];
	int n, i, err;

	err = genl_open(&g, "vdpa");
	if (err == -ENOENT) {
		feat_set_absent(f, "generic netlink family vdpa", "VDPA", "vdpa", 5, 12);
		return;
	}
	if (err) {
		feat_set(f, FEAT_UNKNOWN, "generic netlink: %s", strerror(-err));
		return;
	}
	n = vdpa_mgmtdev_list(&g, &m);
	genl_close(&g);
	if (n < 0) {
		feat_set(f, n == -EPERM ? FEAT_NO_ACCESS : FEAT_UNKNOWN, "listing management devices: %s",
			  strerror(-n));
		return;
	}
	feat_set(f, FEAT_PRESENT, "%s", n ? "" : "no management device (load vduse or vdpa_sim)");
	for (i = 0; i < n && i < 16; i++) {
		snprintf(buf[i], sizeof(buf[i]), "%s%s%s", m[i].bus, m[i].bus[0] ? "/" : "", m[i].name);
		names[i] = buf[i];
	}
	feat_attr_list(f, "mgmtdevs", names, i);
	free(m);
}
