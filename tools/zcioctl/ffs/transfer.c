// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl ffs transfer: data through a FunctionFS endpoint, with DMABUFs (zero copy) or read/write. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpf/fence_stats.h"
#include "bpf/fence_trace.h"
#include "cli/err.h"
#include "cli/json.h"
#include "cli/report.h"
#include "ffs/ffs.h"
#include "sig.h"
#include "units.h"
#include "usb/ffs_xfer.h"
#include "zcioctl.h"

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

int ffs_cmd_transfer(struct args *a)
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

