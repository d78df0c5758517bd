// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl vhost: vhost-net driven from userspace, and whether its zero-copy transmit is real. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/err.h"
#include "cli/json.h"
#include "cli/report.h"
#include "fsutil.h"
#include "netdev.h"
#include "sig.h"
#include "vhost/net_test.h"
#include "vhost/vdpa.h"
#include "vhost/vdpa_blk.h"
#include "vhost/vhost.h"
#include "virtio/features.h"
#include "zcioctl.h"

/* The device is missing (exit 3) or cannot be opened. */
static int device_error(int err, const char *path)
{
	if (err == -ENOENT)
		return zc_unsupported(ENOENT, "the kernel needs VHOST_NET (modprobe vhost_net)", "no %s", path);
	if (err == -EACCES || err == -EPERM)
		return zc_err(-err, "run as root", "opening %s", path);
	return zc_err(-err, NULL, "opening %s", path);
}

/* "features": the number; "feature_names": what each set bit is (bit_N when we know no name). */
static void print_features(const char *key, const char *label, enum feature_space space, uint64_t v)
{
	char names_key[48];
	unsigned bit;

	snprintf(names_key, sizeof(names_key), "%s_names", key);
	print_string(PRINT_TEXT, NULL, "%s", label);
	print_hex(PRINT_ANY, key, " 0x%llx", v);
	out_open_array(names_key);
	for (bit = 0; bit < 64; bit++) {
		const char *name = feature_name(space, bit);
		char unknown[16];

		if (!(v & (1ULL << bit)))
			continue;
		if (!name) {
			snprintf(unknown, sizeof(unknown), "bit_%u", bit);
			name = unknown;
		}
		print_string(PRINT_ANY, NULL, " %s", name);
	}
	out_close_array();
	print_nl();
}

static int do_features(struct args *a)
{
	const char *device = VHOST_NET_DEV;
	uint64_t features, backend;
	int fd, err, zcopytx;
	const struct kw kws[] = {
		{ "device", KW_STR, &device, 0, 4095 },
		{ 0 },
	};

	if ((err = args_parse_kw(a, kws)))
		return err;
	fd = vhost_open(device);
	if (fd < 0)
		return device_error(fd, device);
	err = vhost_get_features(fd, &features);
	if (err) {
		zc_err(-err, NULL, "VHOST_GET_FEATURES on %s", device);
		goto out;
	}
	out_open_object(NULL);
	print_string(PRINT_ANY, "device", "%s\n", device);
	print_features("features", "  features", FEATURES_VHOST_NET, features);
	if (!vhost_get_backend_features(fd, &backend))
		print_features("backend_features", "  backend features", FEATURES_VHOST_BACKEND, backend);
	zcopytx = vhost_net_zcopytx();
	if (zcopytx >= 0)
		print_bool(PRINT_ANY, "zerocopy_tx", "  zero-copy transmit (vhost_net.experimental_zcopytx): %s\n",
			   zcopytx);
	out_close_object();
out:
	close(fd);
	return err;
}

/* ---- test ---- */

static const char *const directions[] = { "tx", "rx", "both", NULL };
static const char *const on_off[] = { "on", "off", NULL };
static const char *const verify_modes[] = { "none", "tc", "socket", NULL };

static void print_direction(const char *key, const char *label, const struct vhost_net_dir_result *d, bool verified,
			    const uint64_t *dropped)
{
	double secs = d->elapsed_ns / 1e9;

	out_open_object(key);
	print_string(PRINT_TEXT, NULL, "%s:", label);
	print_uint(PRINT_ANY, "frames", " %llu frames", d->frames);
	print_uint(PRINT_ANY, "bytes", ", %llu bytes", d->bytes);
	print_float(PRINT_ANY, "seconds", " in %.3f s", secs);
	print_float(PRINT_ANY, "frames_per_sec", ", %.0f frames/s", secs > 0 ? d->frames / secs : 0);
	print_float(PRINT_ANY, "gbit_per_sec", ", %.3f Gbit/s", secs > 0 ? d->bytes * 8 / secs / 1e9 : 0);
	print_float(PRINT_ANY, "cpu_seconds", ", CPU %.3f s", d->cpu_ns / 1e9);
	print_float(PRINT_ANY, "cpu_seconds_per_gib", " (%.2f s/GiB)", d->bytes ? d->cpu_ns / 1e9 / (d->bytes / 1073741824.0) : 0);
	print_uint(PRINT_ANY, "kicks", ", kicks %llu", d->kicks);
	print_uint(PRINT_ANY, "calls", ", interrupts %llu", d->calls);
	if (verified) {
		print_uint(PRINT_ANY, "verified", ", verified %llu", d->verified);
		print_uint(PRINT_ANY, "bad", ", bad %llu", d->bad);
		if (dropped)
			print_uint(PRINT_ANY, "verify_dropped", " (%llu not seen: no room to report them)", *dropped);
	}
	print_nl();
	out_close_object();
}

/* Who forced the copies, in words where the stack says it plainly. */
static const char *copy_cause(const char *where)
{
	static const struct {
		const char *fn, *cause;
	} known[] = {
		{ "deliver_skb", "a packet socket (tcpdump, AF_PACKET) on the path" },
		{ "tpacket_rcv", "a packet socket (tcpdump, AF_PACKET) on the path" },
		{ "packet_rcv", "a packet socket (tcpdump, AF_PACKET) on the path" },
		{ "__netif_receive_skb_core", "delivery to the local stack or a packet socket" },
		{ "veth_xmit", "a veth on the path" },
		{ "tun_net_xmit", "delivery into a tap (tap to tap)" },
		{ "ip_rcv", "delivery to the local IP stack" },
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strncmp(where, known[i].fn, strlen(known[i].fn)))
			return known[i].cause;
	return "";
}

static void print_zerocopy(const struct vhost_net_test_result *r)
{
	const struct vhost_zc_counts *z = &r->zc;
	unsigned i;

	out_open_object("zerocopy");
	print_string(PRINT_TEXT, NULL, "%s", "zero-copy:");
	if (r->zcopytx >= 0)
		print_bool(PRINT_ANY, "enabled", " experimental_zcopytx %s", r->zcopytx);
	print_bool(PRINT_ANY, "counted", ", counted in the kernel %s", r->zc_counted);
	if (!r->zc_counted) {
		print_string(PRINT_ANY, "why_not", " (%s)\n", r->zc_why);
		out_close_object();
		return;
	}
	print_string(PRINT_ANY, "probe", " (%s)", r->zc_probe == VZC_PROBE_KPROBE ? "kprobe" : "fentry");
	print_uint(PRINT_ANY, "completed", ": %llu buffers completed zero-copy", z->zerocopy);
	print_uint(PRINT_ANY, "copied_after", ", %llu copied by the stack", z->failed);
	print_uint(PRINT_ANY, "copied_by_vhost", ", %llu copied by vhost",
		   r->tx.frames > z->zerocopy + z->failed ? r->tx.frames - z->zerocopy - z->failed : 0);
	print_text(" (below 256 bytes, too many pending, or backing off after copies)\n");
	out_open_array("copy_causes");
	for (i = 0; i < z->ncauses; i++) {
		out_open_object(NULL);
		print_uint(PRINT_ANY, "count", "  %llu copies", z->causes[i].count);
		print_string(PRINT_ANY, "stack", " forced at %s", z->causes[i].where);
		if (copy_cause(z->causes[i].where)[0])
			print_string(PRINT_ANY, "cause", ": %s", copy_cause(z->causes[i].where));
		print_nl();
		out_close_object();
	}
	out_close_array();
	out_close_object();
}

static void print_frame_sizes(const struct vhost_net_test_opts *o)
{
	unsigned i;

	print_text(", frames of");
	out_open_array("sizes");
	for (i = 0; i < o->nsizes; i++)
		print_uint(PRINT_ANY, NULL, i ? ",%llu" : " %llu", o->sizes[i]);
	out_close_array();
	print_text(" bytes");
}

static void print_test(const struct vhost_net_test_opts *o, const struct vhost_net_test_result *r)
{
	out_open_object(NULL);
	print_string(PRINT_ANY, "tap", "tap %s", r->tap);
	print_bool(PRINT_ANY, "made_tap", " (made for this run %s", r->made_tap);
	print_bool(PRINT_ANY, "tap_napi", ", NAPI %s)", r->tap_napi);
	print_hex(PRINT_ANY, "features", ", features 0x%llx", r->features);
	print_frame_sizes(o);
	print_uint(PRINT_ANY, "queue_size", ", queues of %llu", o->queue_size);
	print_string(PRINT_ANY, "memory", ", %s memory\n", o->memfd ? "memfd" : "anonymous");
	if (o->tx) {
		print_direction("tx", "TX", &r->tx, o->verify != VHOST_VERIFY_NONE, &r->verify_dropped);
		print_latency_figures("tx_latency", "  completion (avail to used)", &r->tx_latency);
		print_uint(PRINT_ANY, "peak_inflight", "  in flight: peak %llu", r->peak_inflight);
		print_float(PRINT_ANY, "mean_inflight", ", mean %.1f", r->mean_inflight);
		print_uint(PRINT_ANY, "overtaken", "; used before an earlier head %llu\n", r->overtaken);
		print_zerocopy(r);
	}
	if (o->rx)
		print_direction("rx", "RX", &r->rx, true, NULL);
	print_uint(PRINT_ANY, "foreign", "frames not ours on the tap: %llu\n", r->foreign);
	out_close_object();
}

/* "1500" or "60,65000": the sizes frames take in turn */
static int parse_sizes(const char *list, struct vhost_net_test_opts *o)
{
	char buf[201], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		int err = parse_size(tok, VHOST_NET_FRAME_MIN, VHOST_NET_FRAME_MAX, &v);

		if (err == -ERANGE)
			return zc_usage("frame size \"%s\" of \"size\" is out of range: expected %d to %d bytes", tok,
					VHOST_NET_FRAME_MIN, VHOST_NET_FRAME_MAX);
		if (err || o->nsizes == VHOST_NET_MAX_SIZES)
			return zc_usage("argument \"%s\" of \"size\" is wrong: expected a size or up to %d sizes "
					"separated by commas, like 1500 or 60,65000", list, VHOST_NET_MAX_SIZES);
		o->sizes[o->nsizes++] = v;
	}
	return o->nsizes ? 0 : zc_usage("argument \"%s\" of \"size\" is wrong: expected a size", list);
}

static const char *const memories[] = { "memfd", "anonymous", NULL };
/* enum vhost_zc_probe's order (on: fentry where the kernel has it, else kprobes), then off */
static const char *const zc_counts[] = { "on", "fentry", "kprobe", "off", NULL };
#define ZC_COUNT_OFF 3
_Static_assert(VZC_PROBE_AUTO == 0 && VZC_PROBE_FENTRY == 1 && VZC_PROBE_KPROBE == 2, "zc_counts follows the enum");

static int do_test(struct args *a)
{
	uint64_t count = 1000, queue_size = 256, inflight = 0, call_after = 1, delay = 0, timeout = 5000;
	int direction = 0, vnet_hdr = 0, tap_napi = 1, zerocopy_count = 0, memory = 1, err;
	const char *tap = NULL, *sizes = "1500";
	int verify = 0;
	struct vhost_net_test_opts o = { 0 };
	struct vhost_net_test_result r;
	char why[256];
	const struct kw kws[] = {
		{ "tap", KW_STR, &tap, 0, IFNAMSIZ - 1 },
		{ "direction", KW_CHOICE, &direction, .choices = directions },
		{ "size", KW_STR, &sizes, 0, 200 },
		{ "count", KW_U64, &count, 1, 1ULL << 32 },
		{ "queue-size", KW_U64, &queue_size, 2, 32768 },
		{ "inflight", KW_U64, &inflight, 1, 32768 },
		{ "call-after", KW_U64, &call_after, 1, 32768 },
		{ "vnet-hdr", KW_CHOICE, &vnet_hdr, .choices = on_off },
		{ "tap-napi", KW_CHOICE, &tap_napi, .choices = on_off },
		{ "delay", KW_U64, &delay, 0, 10000000 },
		{ "verify", KW_CHOICE, &verify, .choices = verify_modes },
		{ "timeout", KW_U64, &timeout, 1, 3600000 },
		{ "zerocopy-count", KW_CHOICE, &zerocopy_count, .choices = zc_counts },
		{ "memory", KW_CHOICE, &memory, .choices = memories },
		{ 0 },
	};

	if ((err = args_parse_kw(a, kws)) || (err = parse_sizes(sizes, &o)))
		return err;
	if (queue_size & (queue_size - 1))
		return zc_usage("argument \"%" PRIu64 "\" of \"queue-size\" is wrong: expected a power of two", queue_size);
	if (inflight > queue_size)
		return zc_usage("\"inflight\" %" PRIu64 " is more than the queue size %" PRIu64, inflight, queue_size);
	if (call_after > (inflight ? inflight : queue_size))
		return zc_usage("\"call-after\" %" PRIu64 " is more than the buffers in flight %" PRIu64, call_after,
				inflight ? inflight : queue_size);
	if (tap && !strcmp(tap, "auto"))
		tap = NULL;
	if (delay && tap)
		return zc_usage("\"delay\" needs the sink of a tap made for the run (tap auto)");
	o.device = VHOST_NET_DEV;
	o.tap = tap;
	o.tx = direction != 1;
	o.rx = direction != 0;
	o.count = count;
	o.queue_size = queue_size;
	o.inflight = inflight;
	o.call_after = call_after;
	o.vnet_hdr = vnet_hdr == 0;
	o.tap_napi = tap_napi == 0;
	o.delay_us = delay;
	o.verify = verify;	/* none, tc, socket: the enum's order */
	o.timeout_ms = timeout;
	o.count_zerocopy = zerocopy_count != ZC_COUNT_OFF;
	o.zc_probe = o.count_zerocopy ? (enum vhost_zc_probe)zerocopy_count : VZC_PROBE_AUTO;
	o.seed = 1;
	o.memfd = memory == 0;

	sig_catch_stop();
	err = vhost_net_test(&o, &r, why, sizeof(why));
	sig_restore();
	if (err == -ENOENT && !path_exists(VHOST_NET_DEV))
		return device_error(err, VHOST_NET_DEV);
	/* what a run that got going did, even when it was stopped; in JSON the error keeps it as "result" */
	if (!err || r.tx.frames || r.rx.frames)
		print_test(&o, &r);
	if (err == -EINTR)
		zc_err(EINTR, NULL, "stopped by a signal: %s", why);
	else if (err)
		zc_err(-err, NULL, "%s", why);
	else if (r.tx.bad || r.rx.bad)
		err = zc_err(0, "the frames that arrived differ from those sent", "%llu bad frames",
			     (unsigned long long)(r.tx.bad + r.rx.bad));
	return err;
}

/* ---- blk: a virtio-blk driver over vhost-vdpa ---- */

static const char *const workloads[] = { "verify", "read", "write", "randread", "randwrite", NULL };

/* The vhost-vdpa device the user named, or the error that says why there is none. */
static int resolve_vdpa(const char *name, char *path, size_t len)
{
	int err = vhost_vdpa_resolve(name, path, len);

	if (err == -ENOENT && !path_exists("/sys/bus/vdpa"))
		return zc_unsupported(ENOENT, "the kernel needs VDPA and VHOST_VDPA", "no vDPA bus");
	if (err == -ENOENT)
		return zc_err(ENOENT, "'zcioctl vduse list' shows the devices; attach one with 'driver vhost_vdpa'",
			      "no vhost-vdpa device or vDPA device \"%s\"", name);
	if (err == -ENODEV)
		return zc_err(ENODEV, "attach it with 'zcioctl vduse attach NAME driver vhost_vdpa'",
			      "vDPA device %s is not bound to vhost_vdpa", name);
	if (err == -ENOTTY)
		return zc_err(ENOTTY, "expected /dev/vhost-vdpa-N, vhost-vdpa-N or a vDPA device name",
			      "%s is not a vhost-vdpa device", name);
	if (err)
		return zc_err(-err, NULL, "looking up %s", name);
	return 0;
}

static void print_requests(const struct vdpa_blk_result *r)
{
	out_open_object("requests");
	print_uint(PRINT_ANY, "reads", "  requests: reads %llu", r->reads);
	print_uint(PRINT_ANY, "writes", ", writes %llu", r->writes);
	print_uint(PRINT_ANY, "flushes", ", flushes %llu", r->flushes);
	print_uint(PRINT_ANY, "discards", ", discards %llu", r->discards);
	print_uint(PRINT_ANY, "write_zeroes", ", write-zeroes %llu", r->write_zeroes);
	print_uint(PRINT_ANY, "get_ids", ", get-id %llu", r->get_ids);
	print_uint(PRINT_ANY, "failed", ", failed %llu\n", r->failed);
	out_close_object();
}

static void print_blk(const struct vdpa_blk_opts *o, const struct vdpa_blk_result *r)
{
	uint64_t n = r->reads + r->writes;
	double secs = r->elapsed_ns / 1e9;

	out_open_object(NULL);
	print_string(PRINT_ANY, "device", "%s", o->path);
	print_string(PRINT_ANY, "vdpa", " (vDPA device %s", r->parent);
	json_bool("vduse", r->vduse);
	print_text(r->vduse ? ", VDUSE)" : ")");
	print_uint(PRINT_ANY, "capacity", ": virtio-blk of %llu bytes", r->capacity);
	print_uint(PRINT_ANY, "block_size", ", block size %llu", r->blk_size);
	print_string(PRINT_ANY, "id", ", id \"%s\"\n", r->id);
	print_features("features", "  features", FEATURES_BLK, r->features);
	print_string(PRINT_ANY, "workload", "  workload %s", workloads[o->workload]);
	print_uint(PRINT_ANY, "size", " over %llu bytes", r->size);
	print_uint(PRINT_ANY, "bs", " in requests of %llu", o->bs);
	print_uint(PRINT_ANY, "depth", ", depth %llu", o->depth);
	print_uint(PRINT_ANY, "queue_size", ", a queue of %llu\n", r->queue_size);
	print_requests(r);
	print_uint(PRINT_ANY, "bytes", "  %llu bytes", r->bytes);
	print_float(PRINT_ANY, "seconds", " in %.3f s", secs);
	print_float(PRINT_ANY, "iops", ": %.0f IOPS", secs > 0 ? n / secs : 0);
	print_float(PRINT_ANY, "mb_per_sec", ", %.1f MB/s", secs > 0 ? r->bytes / secs / 1e6 : 0);
	print_float(PRINT_ANY, "cpu_seconds", ", CPU %.3f s", r->cpu_ns / 1e9);
	print_uint(PRINT_ANY, "kicks", ", kicks %llu", r->kicks);
	print_uint(PRINT_ANY, "interrupts", ", interrupts %llu\n", r->interrupts);
	print_latency_figures("latency", "  latency (avail to used)", &r->latency);
	if (o->workload == VDPA_BLK_VERIFY) {
		print_uint(PRINT_ANY, "verified", "  verified %llu bytes", r->verified);
		print_bool(PRINT_ANY, "mismatch", ", mismatch %s", r->mismatch);
		if (r->mismatch)
			print_uint(PRINT_ANY, "first_bad", " (first wrong byte at %llu)", r->first_bad);
		print_bool(PRINT_ANY, "zeroes_ok", ", written zeroes read back as zeros %s\n", r->zeroes_ok);
	}
	out_open_object("iotlb");
	print_uint(PRINT_ANY, "updates", "  IOTLB messages: updates %llu", r->iotlb.updates);
	print_uint(PRINT_ANY, "invalidates", ", invalidates %llu", r->iotlb.invalidates);
	print_uint(PRINT_ANY, "batches", ", batches %llu", r->iotlb.batches);
	out_close_object();
	print_uint(PRINT_ANY, "remaps", "; bank remaps %llu\n", r->remaps);
	out_close_object();
}

static int blk_error(int err, const char *why)
{
	switch (err) {
	case -EINTR:
		return zc_err(EINTR, NULL, "stopped by a signal: %s", why);
	case -EBUSY:
		return zc_err(EBUSY, "vhost-vdpa lets one process drive a device", "%s", why);
	case -EACCES:
	case -EPERM:
		return zc_err(-err, "run as root", "%s", why);
	case -ENOTCONN:
		return zc_err(ENOTCONN, "without a server every message waits msg-timeout", "%s", why);
	default:
		return zc_err(-err, NULL, "%s", why);
	}
}

static int do_blk(struct args *a)
{
	uint64_t size = 0, bs = 65536, count = 0, queue_size = 0, depth = 8, seed = 1, remap = 0, timeout = 10000,
		 duration = 0;
	const char *name, *file = NULL;
	int workload = 0, memory = 0, err;
	bool seed_given = false;
	struct vdpa_blk_opts o = { 0 };
	struct vdpa_blk_result r;
	char path[300], why[300];
	const struct kw kws[] = {
		{ "workload", KW_CHOICE, &workload, .choices = workloads },
		{ "size", KW_SIZE, &size, 512, 1ULL << 50 },
		{ "bs", KW_SIZE, &bs, 512, 4ULL << 20 },
		{ "count", KW_U64, &count, 1, 1ULL << 40 },
		{ "queue-size", KW_U64, &queue_size, 2, 32768 },
		{ "depth", KW_U64, &depth, 1, 32768 },
		{ "pattern", KW_U64, &seed, 0, UINT64_MAX, .seen = &seed_given },
		{ "file", KW_STR, &file, 0, 4095 },
		{ "remap-every", KW_U64, &remap, 1, 1ULL << 40 },
		{ "memory", KW_CHOICE, &memory, .choices = memories },
		{ "timeout", KW_U64, &timeout, 1, 3600000 },
		{ "duration", KW_U64, &duration, 1, 86400000 },
		{ 0 },
	};

	if ((err = args_take(a, "DEVICE", 255, &name)) || (err = args_parse_kw(a, kws)))
		return err;
	if (bs % 512)
		return zc_usage("argument \"%" PRIu64 "\" of \"bs\" is wrong: expected a multiple of 512", bs);
	if (size % 512)
		return zc_usage("argument \"%" PRIu64 "\" of \"size\" is wrong: expected a multiple of 512", size);
	if (queue_size & (queue_size - 1))
		return zc_usage("argument \"%" PRIu64 "\" of \"queue-size\" is wrong: expected a power of two", queue_size);
	if (file && seed_given)
		return zc_usage("\"pattern\" and \"file\" both say what writes carry: give one");
	if (duration && workload == VDPA_BLK_VERIFY)
		return zc_usage("\"duration\" is for the read and write workloads: verify goes over the region");
	if (file && access(file, R_OK))
		return zc_err(errno, NULL, "data file %s", file);
	if ((err = resolve_vdpa(name, path, sizeof(path))))
		return err;
	o.path = path;
	o.workload = workload;
	o.size = size;
	o.bs = bs;
	o.count = count;
	o.queue_size = queue_size;
	o.depth = depth;
	o.file = file;
	o.seed = seed;
	o.remap_every = remap;
	o.anonymous = memory == 1;
	o.timeout_ms = timeout;
	o.duration_ms = duration;

	sig_catch_stop();
	err = vdpa_blk_run(&o, &r, why, sizeof(why));
	sig_restore();
	if (!err || r.reads || r.writes)
		print_blk(&o, &r);
	if (err)
		return blk_error(err, why);
	if (r.failed)
		return zc_err(EIO, "the server's log or its totals say which", "%llu requests failed",
			      (unsigned long long)r.failed);
	if (r.mismatch)
		return zc_err(0, "the data read back differs from the data written", "first wrong byte at %llu",
			      (unsigned long long)r.first_bad);
	return 0;
}

static int do_cleanup(struct args *a)
{
	int err = args_done(a), n;

	if (err)
		return err;
	n = sink_cleanup();
	if (n < 0)
		return zc_err(-n, n == -EPERM ? "run as root" : NULL, "removing the sinks of taps that are gone");
	out_open_object(NULL);
	print_uint(PRINT_ANY, "removed", "removed %llu sinks\n", n);
	out_close_object();
	return 0;
}

static const struct cmd vhost_cmds[] = {
	{ "features", do_features, "[device PATH]", "the device's and the backend's features, by name" },
	{ "test", do_test, "[tap NAME|auto] [direction tx|rx|both] [size N[,N...]] [count N] [queue-size N] [inflight N] [call-after N] "
			   "[vnet-hdr on|off] [tap-napi on|off] [delay USEC] [verify none|tc|socket] [timeout MS] [zerocopy-count on|off|fentry|kprobe] [memory anonymous|memfd]",
	  "be a guest's virtio-net driver: frames through vhost-net and a tap, zero-copy counted in the kernel" },
	{ "blk", do_blk, "DEVICE [workload verify|read|write|randread|randwrite] [size SIZE] [bs SIZE] [count N] "
			 "[queue-size N] [depth N] [pattern SEED | file PATH] [remap-every N] [memory memfd|anonymous] [timeout MS] [duration MS]",
	  "be a VM's virtio-blk driver over vhost-vdpa: IOTLB-mapped memory, requests verified byte for byte" },
	{ "cleanup", do_cleanup, "", "remove the sinks that killed runs left behind" },
	{ 0 },
};

const struct object vhost_object = { "vhost", vhost_cmds, NULL, "vhost-net and vhost-vdpa driven from userspace" };
