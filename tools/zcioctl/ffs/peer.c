// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl ffs peer: the USB host side of a gadget, bulk transfers through libusb (usbfs). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/err.h"
#include "cli/json.h"
#include "cli/report.h"
#include "ffs/ffs.h"
#include "payload.h"
#include "sig.h"
#include "stats.h"
#include "usb/usbhost.h"

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

int ffs_cmd_peer(struct args *a)
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

