// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl trace: watch dma_fence tracepoints with BPF. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fence_stats.h"
#include "fence_trace.h"
#include "json.h"
#include "report.h"
#include "sig.h"
#include "stats.h"
#include "zcioctl.h"

enum trace_output { OUT_EVENTS, OUT_SUMMARY, OUT_HIST };

struct trace_run {
	enum trace_output output;
	uint64_t start_ns;
	uint64_t max_events;	/* 0: no limit */
	uint64_t events;
	struct fence_stats stats;
};

static const char *name_or_unknown(const char *s)
{
	return s[0] ? s : "?";
}

static void print_event(const struct trace_run *run, const struct fence_event *e)
{
	out_open_object(NULL);
	/* events that came while the programs were attaching precede start_ns slightly */
	print_float(PRINT_ANY, "time", "%12.6f ", ((double)e->ts_ns - (double)run->start_ns) / 1e9);
	json_uint("ts_ns", e->ts_ns);
	print_string(PRINT_ANY, "event", "%-13s ", fence_event_name(e->type));
	print_string(PRINT_ANY, "driver", "%s", name_or_unknown(e->names.driver));
	print_string(PRINT_ANY, "timeline", "/%s", name_or_unknown(e->names.timeline));
	print_uint(PRINT_ANY, "context", " context %llu", e->context);
	print_uint(PRINT_ANY, "seqno", " seqno %llu", e->seqno);
	print_uint(PRINT_ANY, "pid", " pid %llu", e->pid);
	print_string(PRINT_ANY, "comm", " %s", e->comm);
	json_int("error", e->error);
	if (e->error)
		print_int(PRINT_TEXT, NULL, " error %lld", e->error);
	print_nl();
	out_close_object();
	out_flush_line();
}

static int on_event(void *arg, const struct fence_event *e)
{
	struct trace_run *run = arg;
	int err;

	/* libbpf delivers what is already in the ring even after we said stop: ignore the rest */
	if (run->max_events && run->events >= run->max_events)
		return 0;
	run->events++;
	if (run->output == OUT_EVENTS)
		print_event(run, e);
	else if ((err = fence_stats_add(&run->stats, e)))
		return err;
	return 0;
}

static void print_hist(const struct fence_group *g)
{
	uint64_t peak = 0;
	unsigned b, first = FENCE_HIST_BUCKETS, last = 0;

	for (b = 0; b < FENCE_HIST_BUCKETS; b++) {
		if (!g->hist[b])
			continue;
		first = b < first ? b : first;
		last = b;
		peak = g->hist[b] > peak ? g->hist[b] : peak;
	}
	print_text("\tinit -> signaled (ns):\n");
	out_open_array("init_to_signaled_hist");
	for (b = first; b <= last && first < FENCE_HIST_BUCKETS; b++) {
		char bar[41];
		unsigned n = peak ? (unsigned)(g->hist[b] * 40 / peak) : 0;

		memset(bar, '@', n);
		bar[n] = '\0';
		out_open_object(NULL);
		print_uint(PRINT_ANY, "from_ns", "\t[%llu, ", b ? 1ULL << b : 0);
		print_uint(PRINT_ANY, "to_ns", "%llu)", 1ULL << (b + 1));
		print_uint(PRINT_ANY, "count", "\t%8llu", g->hist[b]);
		print_string(PRINT_TEXT, NULL, " |%-40s|\n", bar);
		out_close_object();
	}
	out_close_array();
}

static void print_group(struct fence_group *g, bool hist)
{
	unsigned i;

	out_open_object(NULL);
	print_string(PRINT_ANY, "driver", "%s", name_or_unknown(g->names.driver));
	print_string(PRINT_ANY, "timeline", "/%s:", name_or_unknown(g->names.timeline));
	print_uint(PRINT_ANY, "fences", " %llu fences", g->fences);
	print_uint(PRINT_ANY, "signaled", ", %llu signaled", g->signaled);
	print_uint(PRINT_ANY, "errors", ", %llu errors", g->errors);
	print_uint(PRINT_ANY, "waits", ", %llu waits", g->waits);
	print_float(PRINT_ANY, "wait_us", " (%.1f us)\n", g->wait_ns / 1e3);
	out_open_object("events");
	print_text("\tevents:");
	for (i = 0; i < FENCE_NR_EVENTS; i++)
		print_uint(PRINT_ANY, fence_event_name(i), " %llu", g->events[i]);
	print_nl();
	out_close_object();
	print_text("\t");
	print_latency("init_to_signaled", "init -> signaled", &g->init_to_signaled);
	print_text("\t");
	print_latency("enable_to_signaled", "enable_signal -> signaled", &g->enable_to_signaled);
	if (hist)
		print_hist(g);
	out_close_object();
}

static void print_totals(struct fence_trace *t, const struct trace_run *run, bool closing_line)
{
	if (closing_line)
		out_open_object(NULL);
	print_string(PRINT_ANY, "mode", "mode %s", fence_trace_mode_name(fence_trace_mode(t)));
	print_uint(PRINT_ANY, "events", ", %llu events", run->events);
	print_uint(PRINT_ANY, "lost", ", %llu lost\n", fence_trace_lost(t));
	if (closing_line) {
		out_close_object();
		out_flush_line();
	}
}

static const char *const modes[] = { "auto", "tp_btf", "tracepoint", NULL };

static int libbpf_to_stderr(int level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static int do_fence(struct args *a)
{
	struct fence_trace_opts o = { .ringbuf_kib = 1024 };
	struct trace_run run = { 0 };
	uint64_t context = 0, pid = 0, duration = 0, ringbuf = 1 << 20;
	const char *driver = NULL, *timeline = NULL;
	bool context_given = false;
	int mode = 0;
	bool summary = false, hist = false, events = false;
	const struct kw kws[] = {
		{ "driver", KW_STR, &driver, 0, FENCE_NAME_LEN - 1 },
		{ "timeline", KW_STR, &timeline, 0, FENCE_NAME_LEN - 1 },
		{ "context", KW_U64, &context, 0, UINT64_MAX, .seen = &context_given },
		{ "pid", KW_U64, &pid, 1, 4194304 },
		{ "duration", KW_U64, &duration, 1, 86400 },
		{ "count", KW_U64, &run.max_events, 1, UINT64_MAX },
		{ "ringbuf", KW_SIZE, &ringbuf, 4096, 1ULL << 30 },
		{ "mode", KW_CHOICE, &mode, .choices = modes },
		{ "events", KW_FLAG, &events },
		{ "summary", KW_FLAG, &summary },
		{ "hist", KW_FLAG, &hist },
		{ 0 },
	};
	struct fence_trace *t;
	char why[160];
	uint64_t deadline;
	int err;

	if ((err = args_parse_kw(a, kws)))
		return err;
	if (events + summary + hist > 1)
		return zc_usage("choose one of \"events\", \"summary\" and \"hist\"");
	if (ringbuf & (ringbuf - 1))
		return zc_usage("argument \"%" PRIu64 "\" of \"ringbuf\" is wrong: expected a power of two", ringbuf);
	if (driver)
		snprintf(o.filter.driver, sizeof(o.filter.driver), "%s", driver);
	if (timeline)
		snprintf(o.filter.timeline, sizeof(o.filter.timeline), "%s", timeline);
	o.filter.by_context = context_given;
	o.filter.context = context;
	o.filter.pid = pid;
	o.ringbuf_kib = ringbuf / 1024;
	o.mode = mode == 1 ? FENCE_TRACE_BTF : mode == 2 ? FENCE_TRACE_CLASSIC : FENCE_TRACE_AUTO;
	o.libbpf_log = g_opts.verbose ? libbpf_to_stderr : NULL;
	run.output = summary ? OUT_SUMMARY : hist ? OUT_HIST : OUT_EVENTS;

	run.start_ns = now_ns();
	err = fence_trace_start(&o, &t, why, sizeof(why));
	if (err == -ENOENT)
		return zc_unsupported(ENOENT, why, "no dma_fence tracing in this kernel");
	if (err)
		return zc_err(-err, why, "starting the dma_fence tracer");
	sig_catch_stop();
	if (!g_opts.quiet)
		fprintf(stderr, "tracing dma_fence events (%s), Ctrl-C to stop\n", fence_trace_mode_name(fence_trace_mode(t)));
	deadline = duration ? now_ns() + duration * 1000000000ULL : 0;
	while (!stop_requested() && (!deadline || now_ns() < deadline) &&
	       !(run.max_events && run.events >= run.max_events)) {
		err = fence_trace_poll(t, 100, on_event, &run);
		if (err == -EINTR) {	/* a signal: the loop condition decides */
			err = 0;
			continue;
		}
		if (err < 0) {
			err = zc_err(-err, NULL, "reading the ring buffer");
			break;
		}
		err = 0;
	}
	/* what is already in the ring buffer still counts */
	if (!err && !(run.max_events && run.events >= run.max_events))
		fence_trace_poll(t, 0, on_event, &run);
	sig_restore();
	if (!err) {
		if (run.output == OUT_EVENTS) {
			print_totals(t, &run, true);
		} else {
			unsigned i;

			out_open_object(NULL);
			print_totals(t, &run, false);
			out_open_array("groups");
			for (i = 0; i < run.stats.ngroups; i++)
				print_group(&run.stats.groups[i], run.output == OUT_HIST);
			out_close_array();
			out_close_object();
		}
	}
	fence_trace_stop(t);
	fence_stats_free(&run.stats);
	return err;
}

static const struct cmd trace_cmds[] = {
	{ "fence", do_fence, "[driver NAME] [timeline NAME] [context N] [pid PID] [duration SEC] [count N] "
			     "[ringbuf SIZE] [mode auto|tp_btf|tracepoint] [events | summary | hist]",
	  "watch dma_fence events: one line each, a per driver/timeline summary, or histograms" },
	{ 0 },
};

const struct object trace_object = { "trace", trace_cmds, NULL, "dma_fence tracepoints through BPF" };
