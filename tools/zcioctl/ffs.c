// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl ffs: FunctionFS gadgets, DMABUF zero-copy transfers, and the USB host side. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/err.h"
#include "cli/errname.h"
#include "usb/ffs.h"
#include "usb/ffs_xfer.h"
#include "bpf/fence_stats.h"
#include "bpf/fence_trace.h"
#include "fsutil.h"
#include "usb/gadget.h"
#include "cli/json.h"
#include "payload.h"
#include "cli/report.h"
#include "sig.h"
#include "state.h"
#include "usb/usbhost.h"
#include "zcioctl.h"

#define STATE_KIND "ffs"

static const char *const speeds[] = { "full", "high", "super", NULL };
static const char *const speed_names[] = { "full-speed", "high-speed", "super-speed" };

static int take_gadget_name(struct args *a, const char **name)
{
	int err = args_take(a, "NAME", GADGET_NAME_MAX, name);

	if (!err && !gadget_name_valid(*name))
		return zc_usage("gadget name \"%s\" is wrong: expected 1 to %d characters of A-Z a-z 0-9 _ - .",
				*name, GADGET_NAME_MAX);
	return err;
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

static int do_up(struct args *a)
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
	err = state_claim(STATE_KIND, o.g.name);
	if (err)
		return zc_err(-err, err == -EEXIST ? "another 'ffs up' has this name" : err == -EACCES ? "run as root" : NULL,
			      "recording the owner in " STATE_DIR);
	sig_catch_stop();
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

static int do_down(struct args *a)
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
	if (g->vid >= 0) {
		snprintf(id, sizeof(id), "0x%04x", g->vid);
		print_string(PRINT_ANY, "vid", " vid %s", id);
	}
	if (g->pid >= 0) {
		snprintf(id, sizeof(id), "0x%04x", g->pid);
		print_string(PRINT_ANY, "pid", " pid %s", id);
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

static int do_list(struct args *a)
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

/* ---- ffs transfer ---- */

static void progress(void *arg, uint64_t done, uint64_t bytes)
{
	const uint64_t *count = arg;

	(void)bytes;
	if (done == *count || done % 64 == 0)
		fprintf(stderr, "\r%" PRIu64 "/%" PRIu64 " transfers", done, *count);
	if (done == *count)
		fputc('\n', stderr);
}

static const char *const heaps[] = { "udmabuf", "system", NULL };
static const char *const modes[] = { "dmabuf", "copy", NULL };
static const char *const waits[] = { "poll", "sync-file", NULL };

/*
 * `trace`: the kernel's own view of this run's fences (driver functionfs, created by us),
 * init -> signaled as dma_fence tracepoints saw it, counted in the kernel.
 */
struct kernel_fences {
	struct fence_trace *t;
	struct fence_stats stats;
	bool on;
};

static int kernel_fences_start(struct kernel_fences *k)
{
	struct fence_trace_opts o = { .mode = FENCE_TRACE_AUTO, .output = FENCE_OUTPUT_AGGREGATE };
	char why[160];
	int err;

	snprintf(o.filter.driver, sizeof(o.filter.driver), "functionfs");
	o.filter.pid = getpid();
	err = fence_trace_start(&o, &k->t, why, sizeof(why));
	if (err == -ENOENT || err == -EOPNOTSUPP)
		return zc_unsupported(-err, why, "tracing the transfers' fences");
	if (err)
		return zc_err(-err, why[0] ? why : NULL, "tracing the transfers' fences");
	k->on = true;
	return 0;
}

/* Take the figures as the transfer ends. Returns 0 or -errno. */
static int kernel_fences_stop(struct kernel_fences *k)
{
	return k->on ? fence_trace_read(k->t, &k->stats) : 0;
}

static void print_kernel_fences(struct kernel_fences *k)
{
	struct fence_group none = { 0 }, *g = k->stats.ngroups ? &k->stats.groups[0] : &none;
	struct latency_figures f;

	out_open_object("kernel_fences");
	print_string(PRINT_ANY, "mode", "kernel fences (%s):", fence_trace_mode_name(fence_trace_mode(k->t)));
	print_uint(PRINT_ANY, "fences", " %llu", g->agg.fences);
	print_uint(PRINT_ANY, "signaled", ", %llu signaled", g->agg.signaled);
	print_uint(PRINT_ANY, "errors", ", %llu errors", g->agg.errors);
	print_uint(PRINT_ANY, "untracked", ", %llu untracked", g->agg.untracked);
	print_uint(PRINT_ANY, "lost", ", %llu events lost\n", fence_trace_lost(k->t));
	fence_latency_figures(&g->agg.init_to_signaled, &f);
	print_latency_figures("init_to_signaled", "kernel init -> signaled", &f);
	out_close_object();
}

static void kernel_fences_free(struct kernel_fences *k)
{
	if (k->on) {
		fence_trace_stop(k->t);
		fence_stats_free(&k->stats);
	}
}

static void print_transfer(const char *epfile, const struct ffs_xfer_opts *o, struct ffs_xfer_result *r,
			   struct kernel_fences *k)
{
	char size[32];

	format_size(o->size, size, sizeof(size));
	out_open_object(NULL);
	print_string(PRINT_ANY, "endpoint", "%s", epfile);
	print_hex(PRINT_ANY, "address", " (0x%02llx", r->address);
	print_string(PRINT_ANY, "direction", " %s)", r->in ? "in" : "out");
	print_string(PRINT_ANY, "mode", " %s", modes[o->mode]);
	if (o->mode == FFS_XFER_DMABUF) {
		print_string(PRINT_ANY, "heap", " %s", heaps[o->heap]);
		print_string(PRINT_ANY, "wait", " wait %s", waits[o->wait]);
		print_uint(PRINT_ANY, "buffers", " x%llu", o->buffers);
	}
	print_uint(PRINT_ANY, "transfers", ": %llu transfers", r->transfers);
	json_uint("size", o->size);
	print_string(PRINT_TEXT, NULL, " of %s\n", size);
	print_throughput(r->bytes, r->wall_ns, r->cpu_ns);
	print_float(PRINT_ANY, "setup_ms", "setup: %.1f ms (allocating and attaching the buffers)\n", r->setup_ns / 1e6);
	print_latency("latency", o->mode == FFS_XFER_DMABUF ? "fence latency" : "call latency", &r->latency_ns);
	if (k->on)
		print_kernel_fences(k);
	if (!r->in && o->verify) {
		print_bool(PRINT_ANY, "verified", "verify: %s", !r->data.mismatch);
		if (r->data.mismatch)
			print_uint(PRINT_ANY, "first_bad_offset", " (first bad byte at %llu)", r->data.first_bad);
		print_nl();
	}
	if (r->fence_error)
		print_int(PRINT_ANY, "fence_error", "fence error: %lld\n", r->fence_error);
	json_bool("stopped", r->stopped);
	out_close_object();
}

static int transfer_error(int err, const struct ffs_xfer_result *r)
{
	const char *hint = NULL;

	if (err == -EPERM && !strcmp(r->failed, "FUNCTIONFS_DMABUF_ATTACH"))
		hint = "the UDC does not do scatter-gather (gadget->sg_supported)";
	else if (err == -ENOTTY)
		hint = "not a data endpoint, or a kernel without FunctionFS DMABUF (6.9)";
	else if (err == -EAGAIN)
		hint = "the endpoint is disabled: the host or the UDC went away";
	else if (err == -ETIMEDOUT)
		hint = "is the host side running? ('zcioctl ffs peer')";
	else if (err == -ENOENT && strstr(r->failed, "UDMABUF"))
		hint = "no /dev/udmabuf (zcioctl feature probe udmabuf)";
	return zc_err(-err, hint, "%s", r->failed[0] ? r->failed : "transfer");
}

static int do_transfer(struct args *a)
{
	struct ffs_xfer_opts o = {
		.size = 64 << 10, .count = 1, .buffers = 4, .timeout_ms = 10000,
	};
	uint64_t buffers = 4, timeout = 10000;
	const char *epfile, *file = NULL;
	bool pattern_given = false, trace = false;
	struct kernel_fences k = { 0 };
	int heap = 0, mode = 0, wait = 0;
	const struct kw kws[] = {
		{ "size", KW_SIZE, &o.size, 1, 256ULL << 20 },
		{ "count", KW_U64, &o.count, 1, 1000000000ULL },
		{ "buffers", KW_U64, &buffers, 1, 64 },
		{ "heap", KW_CHOICE, &heap, .choices = heaps },
		{ "pattern", KW_U64, &o.seed, 0, UINT64_MAX, .seen = &pattern_given },
		{ "file", KW_STR, &file, 0, 4096 },
		{ "verify", KW_FLAG, &o.verify },
		{ "nodata", KW_FLAG, &o.no_data },
		{ "mode", KW_CHOICE, &mode, .choices = modes },
		{ "wait", KW_CHOICE, &wait, .choices = waits },
		{ "timeout", KW_U64, &timeout, 1, 3600 * 1000 },
		{ "trace", KW_FLAG, &trace },
		{ 0 },
	};
	struct ffs_xfer_result r;
	int ep, err, kerr;

	if ((err = args_take(a, "EPFILE", 4096, &epfile)) || (err = args_parse_kw(a, kws)))
		return err;
	if (file && pattern_given)
		return zc_usage("\"pattern\" and \"file\" exclude each other");
	if (file && o.verify)
		return zc_usage("\"verify\" checks the pattern; it does not go with \"file\"");
	if (o.no_data && (file || pattern_given || o.verify))
		return zc_usage("\"nodata\" excludes \"pattern\", \"file\" and \"verify\"");
	if (trace && mode != FFS_XFER_DMABUF)
		return zc_usage("\"trace\" follows DMABUF fences: it goes with mode dmabuf");
	o.buffers = buffers;
	o.timeout_ms = timeout;
	o.heap = heap;
	o.mode = mode;
	o.wait = wait;
	/* dmabuf mode never blocks in the kernel: a disabled endpoint is EAGAIN, not a hang */
	ep = open(epfile, O_RDWR | O_CLOEXEC | (o.mode == FFS_XFER_DMABUF ? O_NONBLOCK : 0));
	if (ep < 0)
		return zc_err(errno, errno == ENOENT ? "is the gadget up? ('zcioctl ffs up')" : NULL, "opening %s", epfile);
	o.data_path = file;
	if (!g_opts.json && !g_opts.quiet && isatty(STDERR_FILENO)) {
		o.progress = progress;
		o.progress_arg = &o.count;
	}
	if (trace && (err = kernel_fences_start(&k))) {
		close(ep);
		kernel_fences_free(&k);
		return err;
	}
	sig_catch_stop();
	err = ffs_xfer_run(ep, &o, &r);
	sig_restore();
	kerr = kernel_fences_stop(&k);
	close(ep);
	if (err) {
		err = transfer_error(err, &r);
	} else if (kerr) {
		err = zc_err(-kerr, NULL, "reading the in-kernel fence figures");
	} else {
		print_transfer(epfile, &o, &r, &k);
		if (r.fence_error)
			err = zc_err(-r.fence_error, r.fence_error == -ESHUTDOWN ? "the UDC was unbound" : NULL,
				     "a transfer's fence signalled an error");
		else if (r.data.mismatch)
			err = zc_err(0, NULL, "verify: byte %" PRIu64 " differs from the pattern", r.data.first_bad);
	}
	ffs_xfer_result_free(&r);
	kernel_fences_free(&k);
	return err;
}

/* ---- ffs peer ---- */

struct peer_state {
	struct payload data;
	uint64_t size;			/* of one URB, a slice of a transfer */
	bool in;
	struct samples latency_ns;
	uint64_t last_ns;
};

static int peer_chunk(void *arg, uint64_t index, uint8_t *buf, size_t actual, bool before)
{
	struct peer_state *p = arg;
	uint64_t now = now_ns();

	if (before)	/* OUT: fill */
		return payload_fill(&p->data, buf, p->size, index * p->size);
	samples_add(&p->latency_ns, now - p->last_ns);
	p->last_ns = now;
	return p->in ? payload_take(&p->data, buf, actual, p->size, index * p->size) : 0;
}

/* 1 to 4 hex digits, nothing else */
static bool hex16(const char *s, size_t len, int *out)
{
	static const char digits[] = "0123456789abcdefABCDEF";

	if (len < 1 || len > 4 || strspn(s, digits) < len)
		return false;
	*out = (int)strtoul(s, NULL, 16);
	return true;
}

static int parse_vid_pid(const char *s, struct usbhost_match *m)
{
	const char *colon = strchr(s, ':');

	if (!colon || !hex16(s, colon - s, &m->vid) || strlen(colon + 1) > 4 || !hex16(colon + 1, strlen(colon + 1), &m->pid))
		return zc_usage("argument \"%s\" is wrong: expected VID:PID in hex, like 1d6b:0104", s);
	return 0;
}

static int do_peer(struct args *a)
{
	struct usbhost_match m = { -1, -1, -1, -1 };
	struct peer_state p = { .size = 64 << 10 };
	uint64_t bus = 0, dev = 0, interface = 0, ep = 0, count = 1, depth = 4, timeout = 10000;
	bool bus_seen = false, dev_seen = false, ep_seen = false, rd = false, wr = false, pattern_given = false;
	const char *file = NULL;
	const struct kw kws[] = {
		{ "bus", KW_U64, &bus, 1, 255, .seen = &bus_seen },
		{ "dev", KW_U64, &dev, 1, 127, .seen = &dev_seen },
		{ "interface", KW_U64, &interface, 0, 31 },
		{ "ep", KW_U64, &ep, 1, 0xff, .seen = &ep_seen },
		{ "read", KW_FLAG, &rd },
		{ "write", KW_FLAG, &wr },
		{ "size", KW_SIZE, &p.size, 1, 256ULL << 20 },
		{ "count", KW_U64, &count, 1, 1000000000ULL },
		{ "depth", KW_U64, &depth, 1, 64 },
		{ "pattern", KW_U64, &p.data.seed, 0, UINT64_MAX, .seen = &pattern_given },
		{ "file", KW_STR, &file, 0, 4096 },
		{ "verify", KW_FLAG, &p.data.verify },
		{ "nodata", KW_FLAG, &p.data.none },
		{ "timeout", KW_U64, &timeout, 1, 3600 * 1000 },
		{ 0 },
	};
	uint64_t size, urbs;
	struct usbhost u;
	uint64_t bytes = 0, t0, c0, wall, cpu;
	bool in;
	int err;

	if (args_peek(a) && strchr(args_peek(a), ':') && (err = parse_vid_pid(args_next(a), &m)))
		return err;
	if ((err = args_parse_kw(a, kws)))
		return err;
	if (rd && wr)
		return zc_usage("\"read\" and \"write\" exclude each other");
	if (bus_seen != dev_seen)
		return zc_usage("\"bus\" and \"dev\" go together");
	if (file && (pattern_given || p.data.verify))
		return zc_usage("\"file\" excludes \"pattern\" and \"verify\"");
	if (p.data.none && (file || pattern_given || p.data.verify))
		return zc_usage("\"nodata\" excludes \"pattern\", \"file\" and \"verify\"");
	size = p.size;
	urbs = usbhost_urbs_per_transfer(size);
	p.size = size / urbs;
	if (ep_seen && (rd || wr) && !!(ep & 0x80) != rd)
		return zc_usage("endpoint 0x%02" PRIx64 " is %s, not %s", ep, ep & 0x80 ? "IN" : "OUT", rd ? "read" : "write");
	in = ep_seen ? !!(ep & 0x80) : !wr;
	p.in = in;
	if (bus_seen) {
		m.bus = bus;
		m.dev = dev;
	}
	/* the data file is read to write to the device, replaced by what is read from it */
	err = payload_open(&p.data, file, !in);
	if (err)
		return zc_err(-err, NULL, "opening %s", file);
	err = usbhost_open(&u, &m, interface, ep_seen ? (int)ep : -1, in);
	if (err) {
		payload_close(&p.data);
		return zc_err(-err, err == -ENODEV ? "no such USB device: is the gadget bound? ('lsusb')" :
				    err == -ENOENT ? "the interface has no bulk endpoint in that direction" :
				    err == -EACCES ? "run as root or get access to /dev/bus/usb" : NULL,
			      "opening the USB device");
	}
	sig_catch_stop();
	t0 = p.last_ns = now_ns();
	c0 = cpu_time_ns();
	err = usbhost_stream(&u, p.size, count * urbs, depth, timeout, peer_chunk, &p, &bytes);
	wall = now_ns() - t0;
	cpu = cpu_time_ns() - c0;
	sig_restore();
	payload_close(&p.data);
	if (err) {
		err = zc_err(-err, err == -ETIMEDOUT ? "is the gadget side transferring? ('zcioctl ffs transfer')" :
				   err == -ENOMEM ? "URBs in flight exceed usbfs_memory_mb: lower depth or size" : NULL,
			     "bulk %s on endpoint 0x%02x of %s", in ? "IN" : "OUT", u.ep, u.dev_desc);
	} else {
		out_open_object(NULL);
		print_string(PRINT_ANY, "device", "%s", u.dev_desc);
		print_hex(PRINT_ANY, "endpoint", " ep 0x%02llx", u.ep);
		print_string(PRINT_ANY, "direction", " %s", in ? "read" : "write");
		print_uint(PRINT_ANY, "transfers", ": %llu transfers", bytes / size);
		print_uint(PRINT_ANY, "size", " of %llu bytes\n", size);
		print_throughput(bytes, wall, cpu);
		print_latency("latency", "completion interval", &p.latency_ns);
		if (in && (p.data.verify || p.data.mismatch)) {
			print_bool(PRINT_ANY, "verified", "verify: %s", !p.data.mismatch);
			if (p.data.mismatch)
				print_uint(PRINT_ANY, "first_bad_offset", " (first bad byte at %llu)", p.data.first_bad);
			print_nl();
		}
		out_close_object();
		if (p.data.mismatch)
			err = zc_err(0, NULL, "verify: byte %" PRIu64 " differs from the pattern", p.data.first_bad);
	}
	usbhost_close(&u);
	samples_free(&p.latency_ns);
	return err;
}

/* ---- ffs dmabuf: the DMABUF ioctls one step at a time ---- */

#define MAX_STEP_BUFS 64

struct steps {
	const char *epfile;
	int ep;
	struct dmabuf bufs[MAX_STEP_BUFS];
	int fence_fd[MAX_STEP_BUFS];	/* sync_file of each buffer's last transfer, or -1 */
	unsigned nbufs;
	unsigned step;
	unsigned mismatches;
};

/* The step's outcome as a word: "ok", an errno name, or a fence state ("signaled", "pending"). */
struct outcome {
	char word[24];
	char detail[96];
};

static void outcome_err(struct outcome *o, int err)
{
	char buf[16];

	snprintf(o->word, sizeof(o->word), "%s", errno_name(err < 0 ? -err : err, buf));
	if (err)
		snprintf(o->detail, sizeof(o->detail), "%s", strerror(err < 0 ? -err : err));
}

static int take_index(struct args *a, const struct steps *st, const char *op, unsigned *i)
{
	uint64_t v;
	const char *w = args_next(a);

	if (!w || parse_u64(w, 0, MAX_STEP_BUFS - 1, &v))
		return zc_usage("step %u: \"%s\" needs a buffer index from 0 to %d", st->step, op, MAX_STEP_BUFS - 1);
	if (v >= st->nbufs)
		return zc_usage("step %u: buffer %" PRIu64 " was not allocated (\"alloc N\" first)", st->step, v);
	*i = (unsigned)v;
	return 0;
}

/* An optional "KEYWORD VALUE" after a step's own arguments. */
static int take_option(struct args *a, const char *kw, bool size, uint64_t max, uint64_t *value, bool *given)
{
	const char *w = args_peek(a);
	int err;

	*given = false;
	if (!w || strcmp(w, kw))
		return 0;
	args_next(a);
	w = args_next(a);
	err = !w ? -EINVAL : size ? parse_size(w, 0, max, value) : parse_u64(w, 0, max, value);
	if (err)
		return zc_usage("\"%s\" needs a %s", kw, size ? "size like 64K" : "number");
	*given = true;
	return 0;
}

static int step_alloc(struct args *a, struct steps *st, struct outcome *o)
{
	uint64_t n, size = 64 << 10, heap = 0;
	bool given;
	const char *w = args_next(a);
	unsigned i;
	int err;

	if (!w || parse_u64(w, 1, MAX_STEP_BUFS - st->nbufs, &n))
		return zc_usage("step %u: \"alloc\" needs a count from 1 to %u", st->step, MAX_STEP_BUFS - st->nbufs);
	if ((err = take_option(a, "size", true, 256ULL << 20, &size, &given)))
		return err;
	if (args_peek(a) && !strcmp(args_peek(a), "heap")) {
		args_next(a);
		w = args_next(a);
		if (!w || (strcmp(w, "udmabuf") && strcmp(w, "system")))
			return zc_usage("step %u: \"heap\" is udmabuf or system", st->step);
		heap = !strcmp(w, "system");
	}
	for (i = 0, err = 0; i < n && !err; i++) {
		err = dmabuf_alloc(heap ? DMABUF_HEAP_SYSTEM : DMABUF_HEAP_UDMABUF, dmabuf_page_align(size),
				   &st->bufs[st->nbufs]);
		if (!err)
			st->fence_fd[st->nbufs++] = -1;
	}
	outcome_err(o, err);
	return 0;
}

static int step_on_buffer(struct args *a, struct steps *st, struct outcome *o, const char *op)
{
	uint64_t length = 0, timeout = 10000;
	struct fence_status fs;
	bool given;
	unsigned i = 0;
	int err, sync_fd;

	if ((err = take_index(a, st, op, &i)))
		return err;
	if (!strcmp(op, "attach")) {
		outcome_err(o, ffs_dmabuf_attach(st->ep, st->bufs[i].fd));
	} else if (!strcmp(op, "detach")) {
		outcome_err(o, ffs_dmabuf_detach(st->ep, st->bufs[i].fd));
	} else if (!strcmp(op, "transfer")) {
		if ((err = take_option(a, "length", false, UINT64_MAX, &length, &given)))
			return err;
		err = ffs_dmabuf_transfer(st->ep, st->bufs[i].fd, given ? length : st->bufs[i].size);
		outcome_err(o, err);
		/* keep the transfer's fence now: once signalled it leaves the reservation object, and
		 * with it the error it signalled with */
		if (!err) {
			if (st->fence_fd[i] >= 0)
				close(st->fence_fd[i]);
			if (dmabuf_export_sync_file(&st->bufs[i], true, &st->fence_fd[i]))
				st->fence_fd[i] = -1;
		}
	} else if (!strcmp(op, "wait")) {
		if ((err = take_option(a, "timeout", false, 3600 * 1000, &timeout, &given)))
			return err;
		outcome_err(o, dmabuf_wait_fd(st->bufs[i].fd, true, (int)timeout));
	} else if (!strcmp(op, "status")) {
		sync_fd = st->fence_fd[i];
		err = sync_fd >= 0 ? 0 : dmabuf_export_sync_file(&st->bufs[i], true, &sync_fd);
		if (!err) {
			err = sync_file_status(sync_fd, &fs);
			if (sync_fd != st->fence_fd[i])
				close(sync_fd);
		}
		if (err) {
			outcome_err(o, err);
		} else if (fs.status < 0) {
			outcome_err(o, fs.status);
			snprintf(o->detail, sizeof(o->detail), "fence of %s signalled with an error", fs.driver);
		} else {
			snprintf(o->word, sizeof(o->word), "%s", fs.status ? "signaled" : "pending");
			snprintf(o->detail, sizeof(o->detail), "%u fence(s)%s%s", fs.num_fences,
				 fs.driver[0] ? " of " : "", fs.driver);
		}
	} else {	/* free */
		dmabuf_free(&st->bufs[i]);
		outcome_err(o, 0);
	}
	return 0;
}

static int step_other(struct args *a, struct steps *st, struct outcome *o, const char *op)
{
	uint64_t ms;
	const char *w;

	if (!strcmp(op, "close")) {
		outcome_err(o, st->ep >= 0 && close(st->ep) ? -errno : 0);
		st->ep = -1;
	} else if (!strcmp(op, "reopen")) {
		if (st->ep >= 0)
			close(st->ep);
		st->ep = open(st->epfile, O_RDWR | O_CLOEXEC | O_NONBLOCK);
		outcome_err(o, st->ep < 0 ? -errno : 0);
	} else if (!strcmp(op, "sleep")) {
		w = args_next(a);
		if (!w || parse_u64(w, 0, 3600 * 1000, &ms))
			return zc_usage("step %u: \"sleep\" needs milliseconds", st->step);
		usleep(ms * 1000);
		outcome_err(o, 0);
	} else {	/* unbind GADGET */
		w = args_next(a);
		if (!w || !gadget_name_valid(w))
			return zc_usage("step %u: \"unbind\" needs a gadget name", st->step);
		outcome_err(o, gadget_unbind(w));
	}
	return 0;
}

static void print_step(const struct steps *st, const char *op, const char *what, const struct outcome *o,
		       const char *expected, bool matched)
{
	out_open_object(NULL);
	print_uint(PRINT_ANY, "step", "%3llu ", st->step);
	print_string(PRINT_ANY, "op", "%s", op);
	print_string(PRINT_ANY, "args", "%s", what);
	print_string(PRINT_ANY, "result", ": %s", o->word);
	if (o->detail[0])
		print_string(PRINT_ANY, "detail", " (%s)", o->detail);
	print_string(PRINT_ANY, "expected", ", expected %s", expected);
	print_bool(PRINT_ANY, "match", ": %s\n", matched);
	out_close_object();
}

static bool word_in(const char *word, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(word, *list))
			return true;
	return false;
}

static int run_step(struct args *a, struct steps *st)
{
	static const char *const on_buffer[] = { "attach", "detach", "transfer", "wait", "status", "free", NULL };
	static const char *const other[] = { "close", "reopen", "sleep", "unbind", NULL };
	const char *op = args_next(a), *expected;
	char what[96] = "";
	struct outcome o = { "", "" };
	char **first = a->argv;
	int err;
	bool matched;

	if (word_in(op, on_buffer))
		err = step_on_buffer(a, st, &o, op);
	else if (word_in(op, other))
		err = step_other(a, st, &o, op);
	else if (!strcmp(op, "alloc"))
		err = step_alloc(a, st, &o);
	else
		return zc_usage("step %u: unknown step \"%s\"", st->step, op);
	if (err)
		return err;
	for (; first < a->argv; first++)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), " %s", *first);
	expected = !strcmp(op, "status") ? "signaled" : "ok";
	if (args_peek(a) && !strcmp(args_peek(a), "expect")) {
		args_next(a);
		expected = args_next(a);
		if (!expected || (errno_from_name(expected) < 0 && strcmp(expected, "signaled") && strcmp(expected, "pending")))
			return zc_usage("step %u: \"expect\" takes ok, an errno name like EINVAL, signaled or pending",
					st->step);
	}
	matched = !strcmp(o.word, expected);
	st->mismatches += !matched;
	print_step(st, op, what, &o, expected, matched);
	return 0;
}

static int do_dmabuf(struct args *a)
{
	struct steps st = { .ep = -1 };
	unsigned i;
	int err;

	if ((err = args_take(a, "EPFILE", 4096, &st.epfile)))
		return err;
	if (args_empty(a))
		return zc_usage("no steps (try 'zcioctl ffs help')");
	/* non-blocking: a disabled endpoint or a busy buffer answers at once instead of waiting */
	st.ep = open(st.epfile, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (st.ep < 0)
		return zc_err(errno, NULL, "opening %s", st.epfile);
	out_open_array(NULL);
	while (!err && !args_empty(a)) {
		st.step++;
		err = run_step(a, &st);
	}
	out_close_array();
	if (st.ep >= 0)
		close(st.ep);
	for (i = 0; i < st.nbufs; i++) {
		if (st.fence_fd[i] >= 0)
			close(st.fence_fd[i]);
		dmabuf_free(&st.bufs[i]);
	}
	if (!err && st.mismatches)
		err = zc_err(0, NULL, "%u of %u steps did not give the expected result", st.mismatches, st.step);
	return err;
}

static const struct cmd ffs_cmds[] = {
	{ "up", do_up, "NAME [vid ID] [pid ID] [manufacturer S] [product S] [serial S] [in N] [out N] "
		       "[speed full|high|super] [udc NAME|auto] [mount DIR]",
	  "create a FunctionFS gadget, bind it and serve ep0 until SIGINT/SIGTERM" },
	{ "down", do_down, "NAME", "stop the 'ffs up' of NAME and remove everything it made" },
	{ "list", do_list, "", "list the configfs gadgets, their UDC, functions and owner" },
	{ "transfer", do_transfer, "EPFILE [size SIZE] [count N] [buffers N] [heap udmabuf|system] "
				   "[pattern SEED | file PATH | nodata] [verify] [mode dmabuf|copy] [wait poll|sync-file] "
				   "[timeout MS] [trace]",
	  "move data through a data endpoint with DMABUFs (zero copy) or read/write" },
	{ "dmabuf", do_dmabuf, "EPFILE STEP [expect RESULT]...",
	  "drive the DMABUF ioctls step by step: alloc N [size SIZE] [heap H], attach I, detach I, "
	  "transfer I [length L], wait I [timeout MS], status I, free I, close, reopen, sleep MS, unbind GADGET" },
	{ "peer", do_peer, "[VID:PID] [bus B dev D] [interface N] [ep ADDR] [read|write] [size SIZE] [count N] "
			   "[depth N] [pattern SEED | file PATH | nodata] [verify] [timeout MS]",
	  "the USB host side: bulk transfers to or from the gadget through libusb" },
	{ 0 },
};

const struct object ffs_object = { "ffs", ffs_cmds, NULL, "FunctionFS gadgets and DMABUF transfers" };
