// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl trace: watch dma_fence tracepoints with BPF. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/err.h"
#include "bpf/fence_stats.h"
#include "bpf/fence_trace.h"
#include "cli/json.h"
#include "cli/report.h"
#include "sig.h"
#include "stats.h"
#include "zcioctl.h"

enum trace_output { OUT_EVENTS, OUT_SUMMARY, OUT_HIST };

struct trace_run {
	enum trace_output output;
	uint64_t start_ns;
	uint64_t deadline_ns;	/* 0: none */
	uint64_t max_events;	/* 0: no limit */
	uint64_t events;	/* events output: events printed */
};

static const char *name_or_unknown(const char *s)
{
	return s[0] ? s : "?";
}

/* "driver/timeline" followed by suffix; two keys in JSON */
static void print_names(const struct fence_names *n, const char *suffix)
{
	print_string(PRINT_ANY, "driver", "%s", name_or_unknown(n->driver));
	print_string(PRINT_ANY, "timeline", "/%s", name_or_unknown(n->timeline));
	print_string(PRINT_TEXT, NULL, "%s", suffix);
}

static void print_event(const struct trace_run *run, const struct fence_event *e)
{
	out_open_object(NULL);
	/* events that came while the programs were attaching precede start_ns slightly */
	print_float(PRINT_ANY, "time", "%12.6f ", ((double)e->ts_ns - (double)run->start_ns) / 1e9);
	json_uint("ts_ns", e->ts_ns);
	print_string(PRINT_ANY, "event", "%-13s ", fence_event_name(e->type));
	print_names(&e->names, "");
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

	/* libbpf delivers what is already in the ring even after we said stop: ignore the rest */
	if (run->max_events && run->events >= run->max_events)
		return 0;
	run->events++;
	print_event(run, e);
	return 0;
}

static bool run_over(const struct trace_run *run, uint64_t events)
{
	return stop_requested() || (run->deadline_ns && now_ns() >= run->deadline_ns) ||
	       (run->max_events && events >= run->max_events);
}

/* Events output: print what the ring buffer brings until told to stop. */
static int follow_events(struct fence_trace *t, struct trace_run *run)
{
	int err;

	while (!run_over(run, run->events)) {
		err = fence_trace_poll(t, 100, on_event, run);
		if (err == -EINTR)	/* a signal: the loop condition decides */
			continue;
		if (err < 0)
			return zc_err(-err, NULL, "reading the ring buffer");
	}
	/* what is already in the ring buffer still counts */
	if (!(run->max_events && run->events >= run->max_events))
		fence_trace_poll(t, 0, on_event, run);
	return 0;
}

/* Aggregate output: the programs do the work; look in now and then for `count` and the clock. */
static void wait_aggregate(struct fence_trace *t, const struct trace_run *run)
{
	const struct timespec tick = { 0, 100 * 1000000L };

	while (!run_over(run, fence_trace_taken(t)))
		nanosleep(&tick, NULL);	/* SIGINT and SIGTERM cut it short */
}

static void print_hist(const char *key, const char *label, const struct fence_latency *l)
{
	uint64_t peak = 0;
	unsigned b, first = FENCE_HIST_BUCKETS, last = 0;

	for (b = 0; b < FENCE_HIST_BUCKETS; b++) {
		if (!l->hist[b])
			continue;
		first = b < first ? b : first;
		last = b;
		peak = l->hist[b] > peak ? l->hist[b] : peak;
	}
	print_string(PRINT_TEXT, NULL, "\t%s (ns):\n", label);
	out_open_array(key);
	for (b = first; b <= last && first < FENCE_HIST_BUCKETS; b++) {
		char bar[41];
		unsigned n = peak ? (unsigned)(l->hist[b] * 40 / peak) : 0;

		memset(bar, '@', n);
		bar[n] = '\0';
		out_open_object(NULL);
		print_uint(PRINT_ANY, "from_ns", "\t[%llu, ", b ? 1ULL << b : 0);
		print_uint(PRINT_ANY, "to_ns", "%llu)", 1ULL << (b + 1));
		print_uint(PRINT_ANY, "count", "\t%8llu", l->hist[b]);
		print_string(PRINT_TEXT, NULL, " |%-40s|\n", bar);
		out_close_object();
	}
	out_close_array();
}

static void print_latency_of(const char *key, const char *label, const struct fence_latency *l)
{
	struct latency_figures f;

	fence_latency_figures(l, &f);
	print_text("\t");
	print_latency_figures(key, label, &f);
}

/* the counts of the events this run attached to (the others it never saw) */
static void print_event_counts(const struct fence_agg *a, unsigned attached)
{
	const char *sep = " ";
	unsigned i;

	out_open_object("events");
	print_text("\tevents:");
	for (i = 0; i < FENCE_NR_EVENTS; i++) {
		if (!(attached & (1u << i)))
			continue;
		print_string(PRINT_TEXT, NULL, "%s", sep);
		print_string(PRINT_TEXT, NULL, "%s ", fence_event_name(i));
		print_uint(PRINT_ANY, fence_event_name(i), "%llu", a->events[i]);
		sep = ", ";
	}
	print_nl();
	out_close_object();
}

static void print_group(const struct fence_group *g, bool hist, unsigned attached)
{
	const struct fence_agg *a = &g->agg;

	out_open_object(NULL);
	print_names(&g->names, ":");
	print_uint(PRINT_ANY, "fences", " %llu fences", a->fences);
	print_uint(PRINT_ANY, "signaled", ", %llu signaled", a->signaled);
	print_uint(PRINT_ANY, "errors", ", %llu errors", a->errors);
	print_uint(PRINT_ANY, "untracked", ", %llu untracked", a->untracked);
	print_uint(PRINT_ANY, "waits", ", %llu waits", a->waits);
	print_float(PRINT_ANY, "wait_us", " (%.1f us)\n", a->wait_ns / 1e3);
	print_event_counts(a, attached);
	print_latency_of("init_to_signaled", "init -> signaled", &a->init_to_signaled);
	print_latency_of("enable_to_signaled", "enable_signal -> signaled", &a->enable_to_signaled);
	print_latency_of("wait", "wait", &a->wait);
	if (hist) {
		print_hist("init_to_signaled_hist", "init -> signaled", &a->init_to_signaled);
		print_hist("enable_to_signaled_hist", "enable_signal -> signaled", &a->enable_to_signaled);
		print_hist("wait_hist", "wait", &a->wait);
	}
	out_close_object();
}

static void print_totals(struct fence_trace *t, uint64_t events)
{
	print_string(PRINT_ANY, "mode", "mode %s", fence_trace_mode_name(fence_trace_mode(t)));
	print_uint(PRINT_ANY, "events", ", %llu events", events);
	print_uint(PRINT_ANY, "lost", ", %llu lost", fence_trace_lost(t));
}

/* events output: the closing line after the stream */
static void print_events_end(struct fence_trace *t, const struct trace_run *run)
{
	out_open_object(NULL);
	print_totals(t, run->events);
	print_nl();
	out_close_object();
	out_flush_line();
}

static int print_summary(struct fence_trace *t, const struct trace_run *run)
{
	struct fence_stats stats;
	unsigned i;
	int err = fence_trace_read(t, &stats);

	if (err)
		return zc_err(-err, NULL, "reading the in-kernel figures");
	out_open_object(NULL);
	print_totals(t, stats.events);
	print_uint(PRINT_ANY, "untracked", ", %llu untracked\n", stats.untracked);
	out_open_array("groups");
	for (i = 0; i < stats.ngroups; i++)
		print_group(&stats.groups[i], run->output == OUT_HIST, fence_trace_events(t));
	out_close_array();
	out_close_object();
	fence_stats_free(&stats);
	return 0;
}

static const char *const modes[] = { "auto", "tp_btf", "tracepoint", NULL };

/* libbpf's own format strings: the attribute tells clang they are printf formats passed through */
__attribute__((format(printf, 2, 0)))
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
	o.output = run.output == OUT_EVENTS ? FENCE_OUTPUT_EVENTS : FENCE_OUTPUT_AGGREGATE;
	o.max_events = run.max_events;

	run.start_ns = now_ns();
	/*
	 * Caught before the programs load (seconds on a slow machine): a stop asked for meanwhile
	 * is kept, and honoured as soon as they run. A background job's SIGINT is ignored until
	 * then, and would otherwise be lost.
	 */
	sig_catch_stop();
	err = fence_trace_start(&o, &t, why, sizeof(why));
	if (err)
		sig_restore();
	if (err == -ENOENT)
		return zc_unsupported(ENOENT, why, "no dma_fence tracing in this kernel");
	if (err)
		return zc_err(-err, why, "starting the dma_fence tracer");
	if (!g_opts.quiet)
		fprintf(stderr, "tracing dma_fence events (%s), Ctrl-C to stop\n", fence_trace_mode_name(fence_trace_mode(t)));
	run.deadline_ns = duration ? now_ns() + duration * 1000000000ULL : 0;
	if (run.output == OUT_EVENTS) {
		err = follow_events(t, &run);
		if (!err)
			print_events_end(t, &run);
	} else {
		wait_aggregate(t, &run);
		err = print_summary(t, &run);
	}
	sig_restore();
	fence_trace_stop(t);
	return err;
}

static const struct cmd trace_cmds[] = {
	{ "fence", do_fence, "[driver NAME] [timeline NAME] [context N] [pid PID] [duration SEC] [count N] "
			     "[ringbuf SIZE] [mode auto|tp_btf|tracepoint] [events | summary | hist]",
	  "watch dma_fence events: one line each, a per driver/timeline summary, or histograms" },
	{ 0 },
};

const struct object trace_object = { "trace", trace_cmds, NULL, "dma_fence tracepoints through BPF" };
