// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl vduse: VDUSE devices and the vDPA bus. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "json.h"
#include "vdpa_nl.h"
#include "vduse.h"
#include "zcioctl.h"

static const char *const types[] = { "blk", "net", NULL };

static int take_vduse_name(struct args *a, const char **name)
{
	int err = args_take(a, "NAME", 0, name);

	if (!err && !vduse_name_valid(*name))
		return zc_usage("device name \"%.64s%s\" is wrong: expected 1 to %d characters of A-Z a-z 0-9 _ - . "
				"(not \"control\")", *name, strlen(*name) > 64 ? "..." : "", VDUSE_DEV_NAME_MAX);
	return err;
}

/* Why /dev/vduse/control cannot be used: the module, or privileges. */
static int control_error(int err, const char *what, const char *name)
{
	if (err == -ENOENT)
		return zc_unsupported(ENOENT, "the kernel needs VDPA_USER (modprobe vduse)", "no " VDUSE_CONTROL);
	if (err == -EACCES || err == -EPERM)
		return zc_err(-err, "run as root", "%s %s", what, name);
	return zc_err(-err, NULL, "%s %s", what, name);
}

/* "aa:bb:cc:dd:ee:ff" */
static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int n = 0, i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &n) != 6 || s[n] ||
	    strlen(s) != 17)
		return zc_usage("argument \"%s\" of \"mac\" is wrong: expected six hex bytes like 02:00:00:00:00:01", s);
	for (i = 0; i < 6; i++)
		mac[i] = v[i];
	return 0;
}

static int do_create(struct args *a)
{
	uint64_t capacity = 1ULL << 30, block_size = 512, queues = 1, queue_size = 256, mtu = 0;
	uint64_t bounce = 0, timeout = 0;
	bool readonly = false, bounce_given = false, timeout_given = false;
	const char *name, *mac = NULL;
	int type = -1, err;
	const struct kw kws[] = {
		{ "type", KW_CHOICE, &type, .choices = types },
		{ "capacity", KW_SIZE, &capacity, 512, 1ULL << 50 },
		{ "block-size", KW_U64, &block_size, 512, 65536 },
		{ "queues", KW_U64, &queues, 1, 64 },
		{ "queue-size", KW_U64, &queue_size, 2, 32768 },
		{ "bounce-size", KW_SIZE, &bounce, 4096, 1ULL << 30, .seen = &bounce_given },
		{ "msg-timeout", KW_U64, &timeout, 0, 3600, .seen = &timeout_given },
		{ "readonly", KW_FLAG, &readonly },
		{ "mac", KW_STR, &mac, 0, 17 },
		{ "mtu", KW_U64, &mtu, 68, 65535 },
		{ 0 },
	};

	if ((err = take_vduse_name(a, &name)) || (err = args_parse_kw(a, kws)))
		return err;
	if (type < 0)
		return zc_usage("missing \"type blk\" or \"type net\"");
	if (queue_size & (queue_size - 1))
		return zc_usage("argument \"%" PRIu64 "\" of \"queue-size\" is wrong: expected a power of two", queue_size);
	if (type == VDUSE_BLK && (block_size & (block_size - 1)))
		return zc_usage("argument \"%" PRIu64 "\" of \"block-size\" is wrong: expected a power of two", block_size);
	if (type == VDUSE_BLK && capacity % block_size)
		return zc_usage("capacity %" PRIu64 " is not a multiple of the block size %" PRIu64, capacity, block_size);
	if (type == VDUSE_BLK && (mac || mtu))
		return zc_usage("\"mac\" and \"mtu\" are for type net");
	if (type == VDUSE_NET && (readonly || queues != 1))
		return zc_usage("\"readonly\" and \"queues\" are for type blk");
	if (vduse_exists(name))
		return zc_err(EEXIST, "'zcioctl vduse list' shows the devices", "VDUSE device %s", name);

	if (type == VDUSE_BLK) {
		struct vduse_blk_params p = {
			.capacity = capacity, .block_size = block_size, .queues = queues, .queue_size = queue_size,
		};

		p.features = vduse_blk_default_features(&p, readonly);
		err = vduse_create_blk(name, &p);
	} else {
		struct vduse_net_params p = { .mac = { 0x02, 0, 0, 0, 0, 1 }, .mtu = mtu, .queue_size = queue_size };

		if (mac && (err = parse_mac(mac, p.mac)))
			return err;
		p.features = vduse_net_default_features(&p);
		err = vduse_create_net(name, &p);
	}
	if (err == -EINVAL && type == VDUSE_NET)
		return zc_unsupported(EINVAL, "this kernel's VDUSE does not take net devices (6.7 and later do)",
				      "VDUSE_CREATE_DEV %s", name);
	if (err)
		return control_error(err, "VDUSE_CREATE_DEV", name);
	/* knobs that only count before the device is attached */
	if (bounce_given && (err = vduse_set_attr(name, "bounce_size", bounce)))
		err = zc_err(-err, NULL, "setting bounce_size of %s", name);
	if (!err && timeout_given && (err = vduse_set_attr(name, "msg_timeout", timeout)))
		err = zc_err(-err, NULL, "setting msg_timeout of %s", name);
	if (err) {
		vduse_destroy(name);	/* no half-made device left behind */
		return err;
	}
	out_open_object(NULL);
	print_string(PRINT_ANY, "name", "VDUSE device %s", name);
	print_string(PRINT_ANY, "type", " (%s)", types[type]);
	print_string(PRINT_ANY, "state", " %s\n", "created");
	out_close_object();
	return 0;
}

static int do_destroy(struct args *a)
{
	const char *name;
	int err;

	if ((err = take_vduse_name(a, &name)) || (err = args_done(a)))
		return err;
	err = vduse_destroy(name);
	if (err == -ENOENT)
		return zc_err(ENOENT, "'zcioctl vduse list' shows the devices", "VDUSE device %s", name);
	if (err == -EBUSY)
		return zc_err(EBUSY, "detach it first ('zcioctl vduse detach NAME') and stop its server",
			      "destroying %s", name);
	if (err)
		return control_error(err, "VDUSE_DESTROY_DEV", name);
	out_open_object(NULL);
	print_string(PRINT_ANY, "name", "VDUSE device %s", name);
	print_string(PRINT_ANY, "state", " %s\n", "destroyed");
	out_close_object();
	return 0;
}

/* What the vDPA bus says of the device: attached or not, and the driver bound to it. */
static void print_bus_state(struct genl *g, bool have_genl, const char *name)
{
	char link[256], path[160];
	struct vdpa_dev d;
	ssize_t n;

	if (!have_genl || vdpa_dev_get(g, name, &d)) {
		print_bool(PRINT_ANY, "attached", " attached %s", false);
		json_null("driver");
		return;
	}
	print_bool(PRINT_ANY, "attached", " attached %s", true);
	snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s/driver", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		print_string(PRINT_ANY, "driver", " driver %s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	} else {
		print_null(PRINT_ANY, "driver", " driver none");
	}
	print_uint(PRINT_ANY, "max_vqs", " max_vqs %llu", d.max_vqs);
	print_uint(PRINT_ANY, "max_vq_size", " max_vq_size %llu", d.max_vq_size);
}

static void print_device(struct genl *g, bool have_genl, const char *name)
{
	uint64_t v;
	char path[128];

	out_open_object(NULL);
	print_string(PRINT_ANY, "name", "%s:", name);
	snprintf(path, sizeof(path), "/dev/vduse/%s", name);
	print_string(PRINT_ANY, "dev", " %s", path_exists(path) ? path : "");
	if (!vduse_get_attr(name, "bounce_size", &v))
		print_uint(PRINT_ANY, "bounce_size", " bounce_size %llu", v);
	if (!vduse_get_attr(name, "msg_timeout", &v))
		print_uint(PRINT_ANY, "msg_timeout", " msg_timeout %llu", v);
	print_bus_state(g, have_genl, name);
	print_nl();
	out_close_object();
}

static int do_list(struct args *a)
{
	struct genl g;
	char **names;
	int n, i, err = args_done(a);
	bool have_genl;

	if (err)
		return err;
	n = vduse_list(&names);
	if (n == -ENOENT)
		return zc_unsupported(ENOENT, "the kernel needs VDPA_USER (modprobe vduse)", "no " VDUSE_CLASS);
	if (n < 0)
		return zc_err(-n, NULL, "listing " VDUSE_CLASS);
	have_genl = !genl_open(&g, "vdpa");
	out_open_array(NULL);
	for (i = 0; i < n; i++)
		print_device(&g, have_genl, names[i]);
	out_close_array();
	if (have_genl)
		genl_close(&g);
	free_names(names, n);
	return 0;
}

static int do_show(struct args *a)
{
	const char *name;
	struct genl g;
	bool have_genl;
	int err;

	if ((err = take_vduse_name(a, &name)) || (err = args_done(a)))
		return err;
	if (!vduse_exists(name))
		return zc_err(ENOENT, "'zcioctl vduse list' shows the devices", "VDUSE device %s", name);
	have_genl = !genl_open(&g, "vdpa");
	print_device(&g, have_genl, name);
	if (have_genl)
		genl_close(&g);
	return 0;
}

/* An empty list is where users of iproute2's vdpa get stuck: say why. */
static int do_mgmtdev(struct args *a)
{
	struct vdpa_mgmtdev *m;
	struct genl g;
	int n, i, err = args_done(a);

	if (err)
		return err;
	err = genl_open(&g, "vdpa");
	if (err == -ENOENT)
		return zc_unsupported(ENOENT, "the kernel needs CONFIG_VDPA (modprobe vdpa)",
				      "no generic netlink family \"vdpa\"");
	if (err)
		return zc_err(-err, NULL, "opening generic netlink");
	n = vdpa_mgmtdev_list(&g, &m);
	genl_close(&g);
	if (n < 0)
		return zc_err(-n, g.extack[0] ? g.extack : NULL, "VDPA_CMD_MGMTDEV_GET");
	out_open_array(NULL);
	for (i = 0; i < n; i++) {
		out_open_object(NULL);
		if (m[i].bus[0])
			print_string(PRINT_ANY, "bus", "%s/", m[i].bus);
		print_string(PRINT_ANY, "name", "%s:", m[i].name);
		print_hex(PRINT_ANY, "classes", " supported classes 0x%llx", m[i].classes);
		print_uint(PRINT_ANY, "max_vqs", " max_vqs %llu\n", m[i].max_vqs);
		out_close_object();
	}
	out_close_array();
	free(m);
	if (n == 0 && !g_opts.quiet)
		fprintf(stderr, "zcioctl: vduse mgmtdev: no management device: %s\n",
			path_exists(VDUSE_CONTROL) ? "vduse is loaded but did not register (check dmesg)"
						   : "load vduse (VDPA_USER) or vdpa_sim");
	return 0;
}

static const struct cmd vduse_cmds[] = {
	{ "create", do_create, "NAME type blk|net [capacity SIZE] [block-size N] [queues N] [queue-size N] "
			       "[bounce-size SIZE] [msg-timeout SEC] [readonly] [mac ADDR] [mtu N]",
	  "create a VDUSE device with its virtqueues" },
	{ "destroy", do_destroy, "NAME", "destroy a VDUSE device that is neither attached nor served" },
	{ "list", do_list, "", "list the VDUSE devices and their state on the vDPA bus" },
	{ "show", do_show, "NAME", "show one VDUSE device" },
	{ "mgmtdev", do_mgmtdev, "", "list the vDPA management devices, and say why when there are none" },
	{ 0 },
};

const struct object vduse_object = { "vduse", vduse_cmds, NULL, "VDUSE devices on the vDPA bus" };
