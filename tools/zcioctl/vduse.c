// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl vduse: VDUSE devices and the vDPA bus. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/virtio_ids.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/err.h"
#include "fsutil.h"
#include "cli/json.h"
#include "notify.h"
#include "sig.h"
#include "vduse/vdpa_nl.h"
#include "vhost/vdpa.h"
#include "vduse/vduse.h"
#include "vduse/serve.h"
#include "vduse/unserved.h"
#include "netdev.h"
#include "zcioctl.h"

static const char *const types[] = { "blk", "net", NULL };

static const struct name_rule vduse_name = { "device", VDUSE_DEV_NAME_MAX, vduse_name_valid, " (not \"control\")" };

static int take_vduse_name(struct args *a, const char **name)
{
	return args_take_name(a, &vduse_name, name);
}

/* The kernel has no VDUSE (exit 3). */
static int no_vduse(const char *what)
{
	return zc_unsupported(ENOENT, "the kernel needs VDPA_USER (modprobe vduse)", "no %s", what);
}

/* A device that exists, on a kernel that has VDUSE at all (exit 3 otherwise). */
static int need_device(const char *name)
{
	if (!path_exists(VDUSE_CONTROL))
		return no_vduse(VDUSE_CONTROL);
	if (!vduse_exists(name))
		return zc_err(ENOENT, "'zcioctl vduse list' shows the devices", "VDUSE device %s", name);
	return 0;
}

/* Why /dev/vduse/control cannot be used: the module, or privileges. */
static int control_error(int err, const char *what, const char *name)
{
	if (err == -ENOENT)
		return no_vduse(VDUSE_CONTROL);
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
	const char *name, *mac = NULL, *features = NULL;
	uint64_t optional, offered;
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
		{ "features", KW_STR, &features, 0, 200 },
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
		return zc_usage("\"readonly\" and \"queues\" are for type blk (VDUSE offers net devices no control "
				"queue, which more queues need)");
	if (features && vduse_parse_features(type, features, &optional))
		return zc_usage("argument \"%s\" of \"features\" is wrong: expected \"none\" or a comma-separated list of %s",
				features, type == VDUSE_NET ? "csum, tso, guest-tso, mrg-rxbuf (tso and guest-tso need csum)" :
				"flush, discard, write-zeroes, event-idx, indirect");
	if (vduse_exists(name))
		return zc_err(EEXIST, "'zcioctl vduse list' shows the devices", "VDUSE device %s", name);

	if (type == VDUSE_BLK) {
		struct vduse_blk_params p = {
			.capacity = capacity, .block_size = block_size, .queues = queues, .queue_size = queue_size,
		};

		p.features = offered = vduse_blk_features(&p, readonly, features ? &optional : NULL);
		err = vduse_create_blk(name, &p);
	} else {
		struct vduse_net_params p = { .mac = { 0x02, 0, 0, 0, 0, 1 }, .mtu = mtu, .queue_size = queue_size };

		if (mac && (err = parse_mac(mac, p.mac)))
			return err;
		p.features = offered = vduse_net_features(&p, features ? &optional : NULL);
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
	print_string(PRINT_ANY, "state", " %s, ", "created");
	print_hex(PRINT_ANY, "features", "features 0x%llx\n", offered);
	out_close_object();
	return 0;
}

static int detach_unserved_first(const char *name, bool *detached, int64_t *answered);

static int do_destroy(struct args *a)
{
	const char *name;
	int err;

	int64_t answered = -1;
	bool detached = false;

	if ((err = take_vduse_name(a, &name)) || (err = args_done(a)) || (err = need_device(name)) ||
	    (err = detach_unserved_first(name, &detached, &answered)))
		return err;
	err = vduse_destroy(name);
	if (err == -EBUSY)
		return zc_err(EBUSY, "stop its server, then destroy it ('zcioctl vduse detach NAME' first if attached)",
			      "destroying %s", name);
	if (err)
		return control_error(err, "VDUSE_DESTROY_DEV", name);
	out_open_object(NULL);
	print_string(PRINT_ANY, "name", "VDUSE device %s", name);
	json_bool("detached", detached);
	if (detached)
		print_text(" detached from the vDPA bus and");
	print_string(PRINT_ANY, "state", " %s", "destroyed");
	if (answered >= 0)
		print_int(PRINT_ANY, "answered", " (nobody served it: %lld messages of the driver answered here)", answered);
	else
		json_null("answered");
	print_nl();
	out_close_object();
	return 0;
}

/* What the vDPA bus says of the device: attached or not, and the driver bound to it. */
static void print_bus_state(struct genl *g, bool have_genl, const char *name)
{
	char link[256];
	uint64_t status, features;
	struct vdpa_dev d;

	if (!have_genl || vdpa_dev_get(g, name, &d)) {
		print_bool(PRINT_ANY, "attached", " attached %s", false);
		json_null("driver");
		json_null("chardev");
		json_null("max_vqs");
		json_null("max_vq_size");
		json_null("status");
		json_null("features");
		json_null("disk");
		json_null("netdev");
		return;
	}
	print_bool(PRINT_ANY, "attached", " attached %s", true);
	if (!vdpa_dev_driver(name, link, sizeof(link)))
		print_string(PRINT_ANY, "driver", " driver %s", link);
	else
		print_null(PRINT_ANY, "driver", " driver none");
	if (!vhost_vdpa_chardev(name, link, sizeof(link)))
		print_string(PRINT_ANY, "chardev", " chardev /dev/%s", link);
	else
		json_null("chardev");
	print_uint(PRINT_ANY, "max_vqs", " max_vqs %llu", d.max_vqs);
	print_uint(PRINT_ANY, "max_vq_size", " max_vq_size %llu", d.max_vq_size);
	if (!vduse_virtio_state(name, &status, &features)) {
		print_hex(PRINT_ANY, "status", " status 0x%llx", status);
		print_hex(PRINT_ANY, "features", " features 0x%llx", features);
	} else {
		json_null("status");
		json_null("features");
	}
	if (!vduse_disk(name, link, sizeof(link)))
		print_string(PRINT_ANY, "disk", " disk /dev/%s", link);
	else
		json_null("disk");
	if (!vduse_netdev(name, link, sizeof(link)))
		print_string(PRINT_ANY, "netdev", " netdev %s", link);
	else
		json_null("netdev");
}

static void print_device(struct genl *g, bool have_genl, const char *name)
{
	uint64_t v;
	char path[128];

	out_open_object(NULL);
	print_string(PRINT_ANY, "name", "%s:", name);
	vduse_dev_path(name, path, sizeof(path));
	print_string(PRINT_ANY, "dev", " %s", path_exists(path) ? path : "");
	/* every key in every device's object: null where sysfs (an older kernel) has no value */
	if (!vduse_get_attr(name, "bounce_size", &v))
		print_uint(PRINT_ANY, "bounce_size", " bounce_size %llu", v);
	else
		json_null("bounce_size");
	if (!vduse_get_attr(name, "msg_timeout", &v))
		print_uint(PRINT_ANY, "msg_timeout", " msg_timeout %llu", v);
	else
		json_null("msg_timeout");
	print_bool(PRINT_ANY, "served", " served %s", vduse_served(name));
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
		return no_vduse(VDUSE_CLASS);
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
	if ((err = need_device(name)))
		return err;
	have_genl = !genl_open(&g, "vdpa");
	print_device(&g, have_genl, name);
	if (have_genl)
		genl_close(&g);
	return 0;
}

/* The vDPA family, or the reason there is none. */
static int open_vdpa(struct genl *g)
{
	int err = genl_open(g, "vdpa");

	if (err == -ENOENT)
		return zc_unsupported(ENOENT, "the kernel needs CONFIG_VDPA (modprobe vdpa)",
				      "no generic netlink family \"vdpa\"");
	if (err)
		return zc_err(-err, NULL, "opening generic netlink");
	return 0;
}

/* An empty list is where users of iproute2's vdpa get stuck: say why. */
static int do_mgmtdev(struct args *a)
{
	struct vdpa_mgmtdev *m;
	struct genl g;
	int n, i, err = args_done(a);

	if (err || (err = open_vdpa(&g)))
		return err;
	n = vdpa_mgmtdev_list(&g, &m);
	genl_close(&g);
	if (n < 0)
		return zc_err(-n, g.extack[0] ? g.extack : NULL, "VDPA_CMD_MGMTDEV_GET");
	out_open_array(NULL);
	for (i = 0; i < n; i++) {
		out_open_object(NULL);
		if (m[i].bus[0])
			print_string(PRINT_ANY, "bus", "%s/", m[i].bus);
		else
			json_null("bus");	/* vduse and the simulators have no parent bus */
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

/* attach and detach: NAME, a device that exists, and the vDPA family open in g. */
static int take_bus_device(struct args *a, const struct kw *options, const char **name, struct genl *g)
{
	int err;

	if ((err = take_vduse_name(a, name)) || (err = options ? args_parse_kw(a, options) : args_done(a)) ||
	    (err = need_device(*name)))
		return err;
	return open_vdpa(g);
}

/* answered: the driver's messages we answered for a device nobody served, -1 when its server did */
static void print_attachment(const char *name, const char *state, int64_t answered)
{
	char disk[64], driver[64];

	out_open_object(NULL);
	print_string(PRINT_ANY, "name", "VDUSE device %s", name);
	print_string(PRINT_ANY, "state", " %s", state);
	if (!vdpa_dev_driver(name, driver, sizeof(driver)))
		print_string(PRINT_ANY, "driver", " to %s", driver);
	else
		json_null("driver");
	if (!vduse_disk(name, disk, sizeof(disk)))
		print_string(PRINT_ANY, "disk", ": /dev/%s", disk);
	else
		json_null("disk");
	if (!vduse_netdev(name, disk, sizeof(disk)))
		print_string(PRINT_ANY, "netdev", ": interface %s", disk);
	else
		json_null("netdev");
	if (!vhost_vdpa_chardev(name, disk, sizeof(disk)))
		print_string(PRINT_ANY, "chardev", ": /dev/%s", disk);
	else
		json_null("chardev");
	if (answered >= 0)
		print_int(PRINT_ANY, "answered", " (nobody served it: %lld messages of the driver answered here)", answered);
	else
		json_null("answered");
	print_nl();
	out_close_object();
}

static const char *const bus_drivers[] = { "virtio_vdpa", "vhost_vdpa", NULL };

static int do_attach(struct args *a)
{
	const char *name;
	struct vdpa_dev d;
	struct genl g;
	char disk[64];
	int driver = 0, err;
	bool kernel_side;
	const struct kw kws[] = {
		{ "driver", KW_CHOICE, &driver, .choices = bus_drivers },
		{ 0 },
	};

	if ((err = take_bus_device(a, kws, &name, &g)))
		return err;
	if (!vduse_served(name)) {
		genl_close(&g);
		return zc_err(ENOTCONN, "start 'zcioctl vduse serve NAME ...' first: without a server the driver waits "
			      "msg-timeout on each message, then the kernel marks the device broken",
			      "attaching %s: nobody serves it", name);
	}
	err = vdpa_dev_new_bound(&g, "vduse", name, bus_drivers[driver]);
	if (err == -EEXIST)
		err = zc_err(EEXIST, "'zcioctl vduse show NAME' says where", "attaching %s: already on the vDPA bus", name);
	else if (err == -ENOENT)
		err = zc_unsupported(ENOENT, driver ? "the kernel needs VHOST_VDPA" : "the kernel needs VIRTIO_VDPA",
				     "attaching %s: no vDPA bus driver %s", name, bus_drivers[driver]);
	else if (err == -EIO)
		err = zc_err(EIO, "the kernel log says why", "attaching %s: %s did not take the device", name,
			     bus_drivers[driver]);
	else if (err)
		err = zc_err(-err, g.extack[0] ? g.extack : NULL, "VDPA_CMD_DEV_NEW %s", name);
	/* under virtio_vdpa a block device becomes a disk, a net device an interface */
	kernel_side = !err && driver == 0 && !vdpa_dev_get(&g, name, &d) &&
		      (d.device_id == VIRTIO_ID_BLOCK || d.device_id == VIRTIO_ID_NET);
	genl_close(&g);
	if (err)
		return err;
	if (kernel_side)
		vduse_wait_child(name, d.device_id == VIRTIO_ID_NET, disk, sizeof(disk), 5000);
	print_attachment(name, "attached", -1);
	return 0;
}

/*
 * Removing a device from vhost_vdpa waits, in the kernel, until its char device is closed: with
 * a driver running, the detach would hang. Say who holds it instead.
 */
static int chardev_held(const char *name)
{
	char dev[64], comm[64];
	int pid;

	if (vhost_vdpa_chardev(name, dev, sizeof(dev)))
		return 0;
	pid = vhost_vdpa_holder(dev, comm, sizeof(comm));
	if (pid <= 0)
		return 0;
	return zc_err(EBUSY, "stop that driver first: the kernel would wait for it to close the device",
		      "detaching %s: /dev/%s is open in process %d (%s)", name, dev, pid, comm);
}

struct bus_device {
	struct genl *g;
	const char *name;
};

static int del_device(void *arg)
{
	struct bus_device *b = arg;

	return vdpa_dev_del(b->g, b->name);
}

/*
 * Remove an attached device from the bus. Nobody serving it (the server stopped first), we
 * answer the driver's messages here, unless the driver still waits for requests.
 */
static int detach_device(struct genl *g, const char *name, bool force, int64_t *answered)
{
	struct bus_device b = { g, name };
	struct vduse_unserved u = { 0 };
	char disk[64];
	int err;

	*answered = -1;
	if ((err = chardev_held(name)))
		return err;
	if (!vduse_disk(name, disk, sizeof(disk)) && block_in_use(disk) && !force)
		return zc_err(EBUSY, "it is mounted or held: unmount it first, or 'force' to detach anyway",
			      "detaching %s (/dev/%s)", name, disk);
	err = vduse_served(name) ? -EBUSY : vduse_detach_unserved(name, del_device, &b, &u);
	if (err == -EBUSY && !u.pending)	/* served, or a server came: it answers */
		err = vdpa_dev_del(g, name);
	else if (!err)
		*answered = u.messages;
	if (err == -EBUSY)
		return zc_err(ENOTCONN, "serve it again ('zcioctl vduse serve NAME ...'): the server completes them",
			      "detaching %s: nobody serves it and its driver waits for %u requests", name, u.pending);
	if (err)
		return zc_err(-err, g->extack[0] ? g->extack : NULL, "VDPA_CMD_DEV_DEL %s", name);
	return 0;
}

/*
 * destroy of a device still on the bus: nobody serving it, detach it first (a server holds
 * the device, so destroy would fail anyway: leave both for the EBUSY that says so).
 */
static int detach_unserved_first(const char *name, bool *detached, int64_t *answered)
{
	struct vdpa_dev d;
	struct genl g;
	int err = 0;

	if (vduse_served(name) || genl_open(&g, "vdpa"))
		return 0;	/* without the vDPA bus nothing is attached */
	if (!vdpa_dev_get(&g, name, &d)) {
		err = detach_device(&g, name, false, answered);
		*detached = !err;
	}
	genl_close(&g);
	return err;
}

static int do_detach(struct args *a)
{
	const char *name;
	struct vdpa_dev d;
	struct genl g;
	bool force = false;
	int64_t answered;
	int err;
	const struct kw kws[] = {
		{ "force", KW_FLAG, &force },
		{ 0 },
	};

	if ((err = take_bus_device(a, kws, &name, &g)))
		return err;
	if (vdpa_dev_get(&g, name, &d))
		err = zc_err(ENODEV, "it is not attached", "detaching %s", name);
	else
		err = detach_device(&g, name, force, &answered);
	genl_close(&g);
	if (err)
		return err;
	print_attachment(name, "detached", answered);
	return 0;
}

/*
 * serve: one line per event on stdout as it happens, a JSON object per line with -j (the same
 * contract as `ffs up`): ready or resumed first, then started/reset as the driver changes the
 * device status, and stopped with the totals last. Scripts wait for ready or resumed.
 */
/* What the events of one `serve` name: the device, and a net device's tap. */
struct serve_ctx {
	const char *name;
	const char *tap;	/* NULL for a blk device */
	const cpu_set_t *cpus;	/* NULL: not pinned */
};

static void print_event_head(const char *event, const struct serve_ctx *c)
{
	out_open_object(NULL);
	print_string(PRINT_ANY, "event", "%s:", event);
	print_string(PRINT_ANY, "name", " %s", c->name);
	if (c->tap)
		print_string(PRINT_ANY, "tap", " (tap %s)", c->tap);
}

static void print_event_tail(void)
{
	print_nl();
	out_close_object();
	out_flush_line();
}

/* The CPUs the server's threads run on: an array, null when it was not pinned (text: only when pinned). */
static void print_serve_cpus(const cpu_set_t *cpus)
{
	char list[CPULIST_MAX];
	int cpu;

	if (!cpus) {
		json_null("cpus");
		return;
	}
	format_cpulist(cpus, list, sizeof(list));
	print_string(PRINT_TEXT, NULL, ", on CPUs %s", list);
	out_open_array("cpus");
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, cpus))
			json_uint(NULL, cpu);
	out_close_array();
}

/* The event lines; stopping has none: stopped, with the totals, follows once it is done. */
static void print_serve_event(const struct serve_ctx *c, enum vduse_serve_event ev, const struct vduse_serve_stats *st)
{
	switch (ev) {
	case VDUSE_SERVE_READY:
		print_event_head("ready", c);
		print_uint(PRINT_ANY, "queues", ", %llu queues", st->vqs);
		print_serve_cpus(c->cpus);
		print_string(PRINT_TEXT, NULL, " (attach it with 'zcioctl vduse attach %s'; SIGINT or SIGTERM stops)", c->name);
		break;
	case VDUSE_SERVE_RESUMED:
		print_event_head("resumed", c);
		print_uint(PRINT_ANY, "queues", ", %llu queues", st->vqs);
		print_serve_cpus(c->cpus);
		print_uint(PRINT_ANY, "in_flight", ", a running driver with %llu requests in flight", st->resubmitted);
		break;
	case VDUSE_SERVE_STARTED:
		print_event_head("started", c);
		print_hex(PRINT_ANY, "features", ", driver ready: features 0x%llx", st->features);
		print_uint(PRINT_ANY, "queues_enabled", ", %llu", st->served_vqs);
		print_uint(PRINT_ANY, "queues", " of %llu queues", st->vqs);
		break;
	case VDUSE_SERVE_RESET:
		print_event_head("reset", c);
		print_text(", the driver reset the device");
		break;
	case VDUSE_SERVE_STOPPING:
		return;
	}
	print_event_tail();
}

/*
 * Tell the service manager that started us (Type=notify). One warning at most: the events go on
 * whether it hears them or not, and stderr must not fill with the same line.
 */
static void serve_notify(const char *state)
{
	static bool warned;
	int err = svc_notify(state);

	if (err >= 0 || warned)
		return;
	warned = true;
	if (err == -ENOTSUP)
		fprintf(stderr, "zcioctl: vduse serve: NOTIFY_SOCKET is set, but this zcioctl is built without libsystemd: "
				"the service manager does not learn that it is ready (./configure --with-systemd)\n");
	else
		fprintf(stderr, "zcioctl: vduse serve: telling the service manager: %s\n", strerror(-err));
}

/*
 * READY=1 once the device is open, with a driver waiting (ready) or running (resumed): the unit
 * attaches the device only then. STATUS= says the event in a line, STOPPING=1 that it is going.
 */
static void notify_serve_event(const char *name, enum vduse_serve_event ev, const struct vduse_serve_stats *st)
{
	char state[256];

	switch (ev) {
	case VDUSE_SERVE_READY:
		snprintf(state, sizeof(state), "READY=1\nSTATUS=serving %s, %u queues: attach it", name, st->vqs);
		break;
	case VDUSE_SERVE_RESUMED:
		snprintf(state, sizeof(state), "READY=1\nSTATUS=serving %s, %u queues: resumed a running driver, "
			 "%" PRIu64 " requests were in flight", name, st->vqs, st->resubmitted);
		break;
	case VDUSE_SERVE_STARTED:
		snprintf(state, sizeof(state), "STATUS=serving %s: driver ready, %u of %u queues", name, st->served_vqs,
			 st->vqs);
		break;
	case VDUSE_SERVE_RESET:
		snprintf(state, sizeof(state), "STATUS=serving %s: the driver reset the device", name);
		break;
	case VDUSE_SERVE_STOPPING:
		snprintf(state, sizeof(state), "STOPPING=1\nSTATUS=stopping %s: completing the requests in flight", name);
		break;
	}
	serve_notify(state);
}

static void on_serve_event(void *arg, enum vduse_serve_event ev, const struct vduse_serve_stats *st)
{
	const struct serve_ctx *c = arg;

	print_serve_event(c, ev, st);
	notify_serve_event(c->name, ev, st);
}

/* The totals every device has, after its own. */
static void print_serve_common(const struct vduse_serve_stats *st)
{
	print_uint(PRINT_ANY, "kicks", "kicks %llu", st->kicks);
	print_uint(PRINT_ANY, "irqs", " irqs %llu", st->irqs);
	print_uint(PRINT_ANY, "messages", " messages %llu", st->messages);
	print_uint(PRINT_ANY, "resets", " resets %llu", st->resets);
	print_uint(PRINT_ANY, "iotlb_updates", " iotlb_updates %llu", st->iotlb_updates);
	print_uint(PRINT_ANY, "iotlb_maps", " iotlb_maps %llu", st->iotlb_maps);
	print_event_tail();
}

static void print_net_stats(const struct serve_ctx *ctx, const struct vduse_serve_stats *st)
{
	const struct vnet_counters *c = &st->net;

	print_event_head("stopped", ctx);
	print_bool(PRINT_ANY, "resumed", ": resumed %s", st->resumed);
	print_uint(PRINT_ANY, "in_flight", ", in flight at the start %llu\n", st->resubmitted);
	print_uint(PRINT_ANY, "tx_frames", "  tx %llu frames", c->tx_frames);
	print_uint(PRINT_ANY, "tx_bytes", " (%llu bytes)", c->tx_bytes);
	print_uint(PRINT_ANY, "tx_errors", " errors %llu", c->tx_errors);
	print_uint(PRINT_ANY, "tx_unsent", " unsent after a crash %llu\n", c->tx_unsent);
	print_uint(PRINT_ANY, "rx_frames", "  rx %llu frames", c->rx_frames);
	print_uint(PRINT_ANY, "rx_bytes", " (%llu bytes)", c->rx_bytes);
	print_uint(PRINT_ANY, "rx_buffers", " in %llu buffers", c->rx_buffers);
	print_uint(PRINT_ANY, "rx_spilled", " (spilled over %llu)", c->rx_spilled);
	print_uint(PRINT_ANY, "rx_errors", " errors %llu\n  ", c->rx_errors);
	print_uint(PRINT_ANY, "offload_errors", "offload errors %llu ", c->offload_errors);
	print_serve_common(st);
}

static void print_blk_stats(const struct serve_ctx *ctx, const struct vblk_backend *b, const struct vduse_serve_stats *st)
{
	const struct vblk_counters *c = &st->blk;

	print_event_head("stopped", ctx);
	print_uint(PRINT_ANY, "backend_size", ", backend %llu bytes", b->size);
	print_bool(PRINT_ANY, "resumed", ", resumed %s", st->resumed);
	print_uint(PRINT_ANY, "resubmitted", ", resubmitted %llu\n", st->resubmitted);
	print_uint(PRINT_ANY, "reads", "  reads %llu", c->reads);
	print_uint(PRINT_ANY, "bytes_read", " (%llu bytes)", c->bytes_read);
	print_uint(PRINT_ANY, "writes", " writes %llu", c->writes);
	print_uint(PRINT_ANY, "bytes_written", " (%llu bytes)", c->bytes_written);
	print_uint(PRINT_ANY, "flushes", " flushes %llu", c->flushes);
	print_uint(PRINT_ANY, "discards", " discards %llu", c->discards);
	print_uint(PRINT_ANY, "write_zeroes", " write_zeroes %llu", c->write_zeroes);
	print_uint(PRINT_ANY, "get_ids", " get_id %llu", c->get_ids);
	print_uint(PRINT_ANY, "errors", " errors %llu", c->errors);
	print_uint(PRINT_ANY, "unsupported", " unsupported %llu\n", c->unsupported);
	print_uint(PRINT_ANY, "in_flight_peak", "  in flight at most %llu", st->in_flight_peak);
	print_uint(PRINT_ANY, "held", " held for order %llu", st->held);
	print_uint(PRINT_ANY, "polled", " polled %llu ", st->polled);
	print_serve_common(st);
}

static int open_backend(struct vblk_backend *b, const char *file, uint64_t memory, bool readonly, const char *name)
{
	int err = file ? vblk_backend_file(b, file, readonly) : vblk_backend_memory(b, memory);

	if (err == -EINVAL && file)
		return zc_err(EINVAL, "a regular file or block device of at least 512 bytes", "backend %s", file);
	if (err)
		return zc_err(-err, NULL, "backend %s", file ? file : "memory");
	/* GET_ID: what /sys/block/vdX/serial shows; 20 bytes, NUL-padded, not NUL-terminated when full */
	memcpy(b->id, name, strlen(name) < sizeof(b->id) ? strlen(name) : sizeof(b->id));
	return 0;
}

/* The last STATUS: stopped, or why it failed, with ERRNO= for the service manager's records. */
static void notify_serve_end(const char *name, int err)
{
	char state[256];

	if (err)
		snprintf(state, sizeof(state), "STATUS=serving %s failed: %s\nERRNO=%d", name, strerror(-err), -err);
	else
		snprintf(state, sizeof(state), "STATUS=stopped %s", name);
	serve_notify(state);
}

/* A net device's tap: one of ours (auto, up, gone with us) or an existing one, with the 12-byte virtio-net header. */
static int open_serve_tap(const char *name, const char *ifname, struct tap *t)
{
	bool make = !strcmp(ifname, "auto");
	int err = tap_open(make ? NULL : ifname, true, 12, false, t);

	if (err == -ENODEV)
		return zc_err(ENODEV, "'ip tuntap add dev NAME mode tap' makes one, or 'tap auto'", "serving %s: tap %s",
			      name, ifname);
	if (err == -EINVAL)
		return zc_err(EINVAL, "a tap device (not a tun, not another kind of link)", "serving %s: %s", name,
			      ifname);
	if (err)
		return zc_err(-err, NULL, "serving %s: tap %s", name, make ? "(a new one)" : ifname);
	if (make && (err = netdev_set_up(t->name))) {
		tap_close(t);
		return zc_err(-err, NULL, "serving %s: setting tap %s up", name, t->name);
	}
	return 0;
}

/* Before anything is opened or made (a tap auto): the CPUs of cpus LIST must be ones we may run on. */
static int check_serve_cpus(const char *name, const cpu_set_t *cpus)
{
	char allowed_list[CPULIST_MAX], hint[CPULIST_MAX + 32];
	cpu_set_t allowed;
	int bad, err = cpulist_allowed(cpus, &bad, &allowed);

	if (err && bad >= 0) {
		format_cpulist(&allowed, allowed_list, sizeof(allowed_list));
		snprintf(hint, sizeof(hint), "it may run on %s", allowed_list);
		return zc_err(EINVAL, hint, "serving %s: CPU %d is offline or outside zcioctl's affinity", name, bad);
	}
	if (err)
		return zc_err(-err, NULL, "serving %s: reading its CPU affinity", name);
	return 0;
}

/* What the lib found wrong with the device or what we were given to serve it with. */
static int serve_error(const char *name, int err, const char *why)
{
	if (err == -EBUSY)
		return zc_err(EBUSY, "another server has it ('zcioctl vduse show NAME')", "serving %s", name);
	if (err == -ENOENT)
		return zc_err(ENOENT, "'zcioctl vduse list' shows the devices", "serving %s", name);
	if (err == -EMEDIUMTYPE)
		return zc_err(EMEDIUMTYPE, why, "serving %s", name);
	return zc_err(-err, NULL, "serving %s: %s", name, why);
}

static int do_serve(struct args *a)
{
	uint64_t memory = 0, workers = 1, io_threads = 0, poll_us = 0;
	const char *name, *file = NULL, *ifname = NULL;
	bool readonly = false, pinned = false;
	cpu_set_t cpus;
	struct vblk_backend b = { .fd = -1 };
	struct tap t = { .fd = -1 };
	struct vduse_serve_stats st;
	struct serve_ctx ctx;
	char why[256];
	int err;
	const struct kw kws[] = {
		{ "backend", KW_STR, &file, 0, 4095 },
		{ "memory", KW_SIZE, &memory, 512, 1ULL << 40 },
		{ "tap", KW_STR, &ifname, 1, IFNAMSIZ - 1 },
		{ "workers", KW_U64, &workers, 1, 64 },
		{ "io-threads", KW_U64, &io_threads, 1, 64 },
		{ "poll", KW_U64, &poll_us, 0, 1000000 },
		{ "readonly", KW_FLAG, &readonly },
		{ "cpus", KW_CPUS, &cpus, .seen = &pinned },
		{ 0 },
	};

	if ((err = take_vduse_name(a, &name)) || (err = args_parse_kw(a, kws)))
		return err;
	if (!!file + !!memory + !!ifname != 1)
		return zc_usage("give one of \"backend FILE\" or \"memory SIZE\" (blk), or \"tap IFNAME|auto\" (net)");
	if (memory % 512)
		return zc_usage("argument \"%" PRIu64 "\" of \"memory\" is wrong: expected a multiple of 512", memory);
	if (ifname && (readonly || poll_us || io_threads || workers != 1))
		return zc_usage("\"readonly\", \"poll\", \"io-threads\" and \"workers\" are for blk devices");
	if ((err = need_device(name)) || (pinned && (err = check_serve_cpus(name, &cpus))))
		return err;
	err = ifname ? open_serve_tap(name, ifname, &t) : open_backend(&b, file, memory, readonly, name);
	if (err)
		return err;
	ctx = (struct serve_ctx){ name, ifname ? t.name : NULL, pinned ? &cpus : NULL };
	const struct vduse_serve_opts o = {
		.name = name, .backend = ifname ? NULL : &b, .tap_fd = t.fd, .threads = workers,
		.io_threads = io_threads, .poll_us = poll_us, .cpus = ctx.cpus, .on_event = on_serve_event, .arg = &ctx,
	};
	sig_catch_stop();
	err = vduse_serve(&o, &st, why, sizeof(why));
	sig_restore();
	if (err)
		err = serve_error(name, err, why);
	else if (ifname)
		print_net_stats(&ctx, &st);
	else
		print_blk_stats(&ctx, &b, &st);
	notify_serve_end(name, err);
	if (ifname)
		tap_close(&t);
	else
		vblk_backend_close(&b);
	return err;
}

static const struct cmd vduse_cmds[] = {
	{ "create", do_create, "NAME type blk|net [capacity SIZE] [block-size N] [queues N] [queue-size N] "
			       "[features LIST] [bounce-size SIZE] [msg-timeout SEC] [readonly] [mac ADDR] [mtu N]",
	  "create a VDUSE device with its virtqueues" },
	{ "destroy", do_destroy, "NAME", "destroy a VDUSE device that is neither attached nor served" },
	{ "list", do_list, "", "list the VDUSE devices and their state on the vDPA bus" },
	{ "show", do_show, "NAME", "show one VDUSE device" },
	{ "attach", do_attach, "NAME [driver virtio_vdpa|vhost_vdpa]",
	  "add the device to the vDPA bus, bound to a driver (its server must run)" },
	{ "detach", do_detach, "NAME [force]", "remove the device from the vDPA bus (force: even if its disk is in use)" },
	{ "serve", do_serve,
	  "NAME (backend FILE | memory SIZE [workers N] [io-threads N] [poll USEC] [readonly] | tap IFNAME|auto) "
	  "[cpus LIST]",
	  "be the device: serve its virtio-blk requests, or move its virtio-net frames, until SIGINT or SIGTERM" },
	{ "mgmtdev", do_mgmtdev, "", "list the vDPA management devices, and say why when there are none" },
	{ 0 },
};

const struct object vduse_object = { "vduse", vduse_cmds, NULL, "VDUSE devices on the vDPA bus" };
