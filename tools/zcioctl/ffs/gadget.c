// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl ffs up, down, list: configfs gadgets with a FunctionFS function, and serving their ep0. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/err.h"
#include "cli/json.h"
#include "ffs/ffs.h"
#include "fsutil.h"
#include "sig.h"
#include "state.h"
#include "usb/ffs.h"
#include "usb/gadget.h"

#define STATE_KIND "ffs"

static const char *const speeds[] = { "full", "high", "super", NULL };
static const char *const speed_names[] = { "full-speed", "high-speed", "super-speed" };

static const struct name_rule gadget_name = { "gadget", GADGET_NAME_MAX, gadget_name_valid, NULL };

static int take_gadget_name(struct args *a, const char **name)
{
	return args_take_name(a, &gadget_name, name);
}

static const char *configfs_hint(int err)
{
	if (err == -EACCES || err == -EPERM)
		return "run as root";
	if (err == -EEXIST)
		return "the name is taken: pick another or run 'zcioctl ffs down NAME'";
	return NULL;
}

/* ---- ffs up ---- */

struct up_opts {
	struct gadget_config g;
	uint64_t vid, pid, n_in, n_out;
	int speed;
	const char *udc, *mount;
	char mount_buf[256];
	bool created;	/* the configfs gadget is ours to remove */
};

static void print_ready(const struct up_opts *o, const char *udc)
{
	unsigned i;

	out_open_object(NULL);
	print_string(PRINT_ANY, "event", "%s", "ready");
	print_string(PRINT_ANY, "name", ": gadget %s", o->g.name);
	print_string(PRINT_ANY, "udc", " on %s", udc);
	print_string(PRINT_ANY, "mount", ", functionfs at %s", o->mount);
	print_text(", endpoints");
	out_open_array("endpoints");
	for (i = 0; i < o->n_in + o->n_out; i++) {
		char file[300];

		snprintf(file, sizeof(file), "%s/ep%u", o->mount, i + 1);
		out_open_object(NULL);
		print_string(PRINT_ANY, "file", " %s", file);
		print_string(PRINT_ANY, "direction", " (%s)", i < o->n_in ? "in" : "out");
		out_close_object();
	}
	out_close_array();
	print_nl();
	out_close_object();
	out_flush_line();
}

static void print_event(const struct ffs_event *ev)
{
	out_open_object(NULL);
	print_string(PRINT_ANY, "event", "%s", ffs_event_name(ev->type));
	if (ev->type == FUNCTIONFS_SETUP) {
		print_hex(PRINT_ANY, "request_type", " bRequestType 0x%02llx", ev->request_type);
		print_hex(PRINT_ANY, "request", " bRequest 0x%02llx", ev->request);
		print_hex(PRINT_ANY, "value", " wValue 0x%04llx", ev->value);
		print_hex(PRINT_ANY, "index", " wIndex 0x%04llx", ev->index);
		print_uint(PRINT_ANY, "length", " wLength %llu", ev->length);
		print_string(PRINT_ANY, "answer", " -> %s", "stall");
	}
	print_nl();
	out_close_object();
	out_flush_line();
}

/* One ep0 event: print it, and stall a control request (we serve none). */
static int on_ep0_event(void *arg)
{
	int ep0 = *(const int *)arg;
	struct ffs_event ev;
	int err = ffs_read_event(ep0, &ev);

	if (err == -EAGAIN || err == -EINTR)
		return 0;
	if (err)
		return err;
	print_event(&ev);
	if (ev.type == FUNCTIONFS_SETUP)
		ffs_stall(ep0, &ev);
	return 0;
}

/* Serve ep0 until SIGINT/SIGTERM. */
static int serve_ep0(int ep0)
{
	struct sig_stop_mask stop;
	bool poll_failed;
	int err;

	sig_block_stop(&stop);
	err = sig_poll_until_stop(ep0, &stop, on_ep0_event, &ep0, &poll_failed);
	sig_unblock_stop(&stop);
	if (err)
		return zc_err(-err, NULL, "%s ep0 events", poll_failed ? "waiting for" : "reading");
	return 0;
}

static int up_setup(struct up_opts *o, int *ep0)
{
	char path[300];
	int err;

	err = gadget_create(&o->g);
	o->created = !err;
	if (err == -ENOENT)
		return zc_unsupported(ENOENT, "mount configfs on /sys/kernel/config; the kernel needs USB_CONFIGFS",
				      "no " GADGET_ROOT);
	if (err)
		return zc_err(-err, configfs_hint(err), "creating gadget %s in configfs", o->g.name);
	err = gadget_mount_ffs(o->g.name, o->mount);
	if (!o->mount) {
		snprintf(o->mount_buf, sizeof(o->mount_buf), GADGET_MOUNT_BASE "/%s", o->g.name);
		o->mount = o->mount_buf;
	}
	if (err)
		return zc_err(-err, err == -ENODEV ? "the kernel has no functionfs (USB_CONFIGFS_F_FS)" : NULL,
			      "mounting functionfs on %s", o->mount);
	snprintf(path, sizeof(path), "%s/ep0", o->mount);
	*ep0 = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (*ep0 < 0)
		return zc_err(errno, NULL, "opening %s", path);
	err = ffs_write_descriptors(*ep0, o->n_in, o->n_out, o->g.product);
	if (err)
		return zc_err(-err, NULL, "writing descriptors and strings to ep0");
	err = gadget_bind(o->g.name, o->udc);
	if (err)
		return zc_err(-err, err == -ENODEV ? "no free UDC: load dummy_hcd or free one with 'zcioctl ffs down'" :
				    err == -EBUSY ? "the UDC is taken by another gadget" : NULL,
			      "binding gadget %s to UDC %s", o->g.name, o->udc ? o->udc : "(first free)");
	return 0;
}

int ffs_cmd_up(struct args *a)
{
	struct up_opts o = { .vid = 0x1d6b, .pid = 0x0104, .n_in = 1, .n_out = 1, .speed = 1 };
	const struct kw kws[] = {
		{ "vid", KW_U64, &o.vid, 0, 0xffff },
		{ "pid", KW_U64, &o.pid, 0, 0xffff },
		{ "manufacturer", KW_STR, &o.g.manufacturer, 0, 126 },
		{ "product", KW_STR, &o.g.product, 0, 126 },
		{ "serial", KW_STR, &o.g.serial, 0, 126 },
		{ "in", KW_U64, &o.n_in, 0, FFS_MAX_EPS },
		{ "out", KW_U64, &o.n_out, 0, FFS_MAX_EPS },
		{ "speed", KW_CHOICE, &o.speed, .choices = speeds },
		{ "udc", KW_STR, &o.udc, 0, 64 },
		{ "mount", KW_STR, &o.mount, 0, 200 },
		{ 0 },
	};
	char udc[64] = "";
	int ep0 = -1, err, cleanup_err;

	if ((err = take_gadget_name(a, &o.g.name)) || (err = args_parse_kw(a, kws)))
		return err;
	if (o.n_in + o.n_out == 0 || o.n_in + o.n_out > FFS_MAX_EPS)
		return zc_usage("in + out must be 1 to %d endpoints", FFS_MAX_EPS);
	if (o.udc && !strcmp(o.udc, "auto"))
		o.udc = NULL;
	o.g.vid = o.vid;
	o.g.pid = o.pid;
	o.g.max_speed = speed_names[o.speed];
	if (!o.g.manufacturer)
		o.g.manufacturer = "zcioctl";
	if (!o.g.product)
		o.g.product = "zcioctl FunctionFS";
	if (!o.g.serial)
		o.g.serial = o.g.name;

	if (gadget_exists(o.g.name) || state_owner(STATE_KIND, o.g.name))
		return zc_err(EEXIST, "pick another name or run 'zcioctl ffs down NAME'", "gadget %s", o.g.name);
	/* caught before the owner record exists: a stop signal from here on undoes what was made */
	sig_catch_stop();
	err = state_claim(STATE_KIND, o.g.name);
	if (err) {
		sig_restore();
		return zc_err(-err, err == -EEXIST ? "another 'ffs up' has this name" : err == -EACCES ? "run as root" : NULL,
			      "recording the owner in " STATE_DIR);
	}
	err = up_setup(&o, &ep0);
	if (!err) {
		gadget_udc(o.g.name, udc, sizeof(udc));
		print_ready(&o, udc);
		err = serve_ep0(ep0);
	}
	/* undo in reverse, only what we made: unbind, close ep0 so functionfs can unmount, the tree */
	if (o.created)
		gadget_unbind(o.g.name);
	if (ep0 >= 0)
		close(ep0);
	cleanup_err = o.created ? gadget_teardown(o.g.name) : 0;
	state_release(STATE_KIND, o.g.name);
	sig_restore();
	if (!err && cleanup_err)
		err = zc_err(-cleanup_err, NULL, "removing gadget %s", o.g.name);
	return err;
}

/* ---- ffs down ---- */

int ffs_cmd_down(struct args *a)
{
	const char *name;
	int err;

	if ((err = take_gadget_name(a, &name)) || (err = args_done(a)))
		return err;
	if (!gadget_exists(name) && !state_owner(STATE_KIND, name))
		return zc_err(ENOENT, "'zcioctl ffs list' shows the gadgets", "gadget %s", name);
	err = state_stop_owner(STATE_KIND, name, 5000);
	if (err)
		return zc_err(-err, NULL, "stopping the 'ffs up' process of %s", name);
	/* the owner may have been killed: remove whatever it left */
	err = gadget_teardown(name);
	state_release(STATE_KIND, name);
	if (err)
		return zc_err(-err, err == -EBUSY ? "an endpoint file is still open" : NULL, "removing gadget %s", name);
	out_open_object(NULL);
	print_string(PRINT_ANY, "name", "gadget %s", name);
	print_string(PRINT_ANY, "state", " %s\n", "removed");
	out_close_object();
	return 0;
}

/* ---- ffs list ---- */

static void print_gadget(const char *name, const struct gadget_info *g)
{
	pid_t owner = state_owner(STATE_KIND, name);
	char id[16];
	int i;

	out_open_object(NULL);
	print_string(PRINT_ANY, "name", "%s", name);
	/* like udc, mount and owner_pid: null, not missing, when configfs does not say */
	if (g->vid >= 0) {
		snprintf(id, sizeof(id), "0x%04x", g->vid);
		print_string(PRINT_ANY, "vid", " vid %s", id);
	} else {
		json_null("vid");
	}
	if (g->pid >= 0) {
		snprintf(id, sizeof(id), "0x%04x", g->pid);
		print_string(PRINT_ANY, "pid", " pid %s", id);
	} else {
		json_null("pid");
	}
	if (g->udc[0]) {
		print_string(PRINT_ANY, "udc", " udc %s", g->udc);
		print_string(PRINT_ANY, "state", " %s", "bound");
	} else {
		json_null("udc");
		print_string(PRINT_ANY, "state", " %s", "unbound");
	}
	out_open_array("functions");
	print_text(" functions");
	for (i = 0; i < g->nfunctions; i++)
		print_string(PRINT_ANY, NULL, " %s", g->functions[i]);
	out_close_array();
	if (g->mount[0])
		print_string(PRINT_ANY, "mount", " mount %s", g->mount);
	else
		json_null("mount");
	if (owner)
		print_int(PRINT_ANY, "owner_pid", " owner %lld", owner);
	else
		json_null("owner_pid");
	print_nl();
	out_close_object();
}

int ffs_cmd_list(struct args *a)
{
	struct gadget_info g;
	char **names;
	int n, i, err = args_done(a);

	if (err)
		return err;
	n = gadget_list(&names);
	if (n < 0)
		return n == -ENOENT ? zc_unsupported(ENOENT, "mount configfs; the kernel needs USB_CONFIGFS",
						     "listing " GADGET_ROOT)
				    : zc_err(-n, NULL, "listing " GADGET_ROOT);
	out_open_array(NULL);
	for (i = 0; i < n; i++) {
		/* one removed meanwhile is not listed */
		if (gadget_info(names[i], &g))
			continue;
		print_gadget(names[i], &g);
		gadget_info_free(&g);
	}
	out_close_array();
	free_names(names, n);
	return 0;
}

