// SPDX-License-Identifier: GPL-2.0-or-later
#include "fence_trace.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fence.skel.h"
#include "fence_stats.h"
#include "fsutil.h"

struct fence_trace {
	struct fence_bpf *skel;
	struct ring_buffer *rb;
	enum fence_trace_mode mode;
	int (*cb)(void *arg, const struct fence_event *e);
	void *arg;
	int seen;
	pthread_t collector;
	volatile int collecting;
	struct fence_stats *stats;
};

static int (*log_fn)(int level, const char *fmt, va_list ap);

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return log_fn ? log_fn(level, fmt, ap) : 0;
}

const char *fence_event_name(unsigned type)
{
	static const char *const names[FENCE_NR_EVENTS] = {
		[FENCE_EMIT] = "emit",
		[FENCE_INIT] = "init",
		[FENCE_DESTROY] = "destroy",
		[FENCE_ENABLE_SIGNAL] = "enable_signal",
		[FENCE_SIGNALED] = "signaled",
		[FENCE_WAIT_START] = "wait_start",
		[FENCE_WAIT_END] = "wait_end",
	};

	return type < FENCE_NR_EVENTS ? names[type] : "unknown";
}

const char *fence_trace_mode_name(enum fence_trace_mode m)
{
	return m == FENCE_TRACE_BTF ? "tp_btf" : m == FENCE_TRACE_CLASSIC ? "tracepoint" : "auto";
}

/* Load only one set of event programs; the name-learning init tracepoint goes with both. */
static void choose_programs(struct fence_bpf *s, enum fence_trace_mode m)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, s->obj) {
		const char *sec = bpf_program__section_name(p);
		bool typed = !strncmp(sec, "tp_btf/", 7);

		if (p == s->progs.names_init)
			continue;
		bpf_program__set_autoload(p, m == FENCE_TRACE_BTF ? typed : !typed);
	}
}

static int open_and_attach(const struct fence_trace_opts *o, enum fence_trace_mode m, struct fence_bpf **out)
{
	struct fence_bpf *s = fence_bpf__open();
	int err;

	if (!s)
		return errno ? -errno : -EINVAL;
	s->rodata->filter = o->filter;
	s->rodata->wakeup_bytes = (uint64_t)o->ringbuf_kib * 1024 / 4;
	err = bpf_map__set_max_entries(s->maps.events, o->ringbuf_kib * 1024);
	if (!err) {
		choose_programs(s, m);
		err = fence_bpf__load(s);
	}
	if (!err)
		err = fence_bpf__attach(s);
	if (err) {
		fence_bpf__destroy(s);
		return err < 0 ? err : -err;
	}
	*out = s;
	return 0;
}

static bool tracepoints_present(void)
{
	return path_exists("/sys/kernel/tracing/events/dma_fence/dma_fence_init") ||
	       path_exists("/sys/kernel/debug/tracing/events/dma_fence/dma_fence_init");
}

int fence_trace_start(const struct fence_trace_opts *o, struct fence_trace **out, char *why, size_t why_len)
{
	struct fence_trace *t;
	int err;

	why[0] = '\0';
	if (!path_exists("/sys/kernel/btf/vmlinux")) {
		snprintf(why, why_len, "the kernel has no BTF (/sys/kernel/btf/vmlinux): CONFIG_DEBUG_INFO_BTF");
		return -ENOENT;
	}
	if (geteuid() != 0 && access("/sys/kernel/tracing", X_OK) && access("/sys/kernel/debug/tracing", X_OK) &&
	    errno == EACCES) {
		snprintf(why, why_len, "tracing needs root or CAP_BPF+CAP_PERFMON");
		return -EPERM;
	}
	if (!tracepoints_present() && geteuid() == 0) {
		if (!path_exists("/sys/kernel/tracing/events") && !path_exists("/sys/kernel/debug/tracing/events"))
			snprintf(why, why_len, "tracefs is not mounted: mount -t tracefs nodev /sys/kernel/tracing");
		else
			snprintf(why, why_len, "the kernel has no dma_fence tracepoints (CONFIG_DMA_SHARED_BUFFER)");
		return -ENOENT;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	log_fn = o->libbpf_log;
	libbpf_set_print(libbpf_log);
	t->mode = o->mode == FENCE_TRACE_AUTO ? FENCE_TRACE_BTF : o->mode;
	err = open_and_attach(o, t->mode, &t->skel);
	/* tp_btf needs BTF trampolines ("tracing" programs); older or restricted kernels lack them */
	if (err && o->mode == FENCE_TRACE_AUTO && err != -EPERM) {
		t->mode = FENCE_TRACE_CLASSIC;
		err = open_and_attach(o, t->mode, &t->skel);
	}
	if (err) {
		if (err == -EPERM || err == -EACCES)
			snprintf(why, why_len, "loading BPF programs needs root or CAP_BPF+CAP_PERFMON");
		else
			snprintf(why, why_len, "loading or attaching the %s programs (-v shows libbpf's log)",
				 fence_trace_mode_name(t->mode));
		free(t);
		return err;
	}
	*out = t;
	return 0;
}

enum fence_trace_mode fence_trace_mode(const struct fence_trace *t)
{
	return t->mode;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct fence_trace *t = ctx;

	if (size < sizeof(struct fence_event))
		return 0;
	t->seen++;
	return t->cb(t->arg, data);
}

int fence_trace_poll(struct fence_trace *t, int timeout_ms, int (*cb)(void *arg, const struct fence_event *e),
		     void *arg)
{
	int err;

	t->cb = cb;
	t->arg = arg;
	t->seen = 0;
	if (!t->rb) {
		t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_sample, t, NULL);
		if (!t->rb)
			return errno ? -errno : -ENOMEM;
	}
	/* woken only when the ring fills up: read what is there whenever the wait ends */
	err = ring_buffer__poll(t->rb, timeout_ms);
	if (err >= 0)
		err = ring_buffer__consume(t->rb);
	if (err < 0)
		return err;
	return t->seen;
}

uint64_t fence_trace_lost(struct fence_trace *t)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	uint64_t *per_cpu, sum = 0;
	__u32 zero = 0;

	if (ncpu <= 0)
		return 0;
	per_cpu = calloc(ncpu, sizeof(*per_cpu));
	if (!per_cpu)
		return 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.lost), &zero, per_cpu))
		for (i = 0; i < ncpu; i++)
			sum += per_cpu[i];
	free(per_cpu);
	return sum;
}

static int collect_one(void *arg, const struct fence_event *e)
{
	return fence_stats_add(arg, e);
}

static void *collector(void *arg)
{
	struct fence_trace *t = arg;

	while (t->collecting)
		fence_trace_poll(t, 50, collect_one, t->stats);
	fence_trace_poll(t, 0, collect_one, t->stats);
	return NULL;
}

int fence_trace_collect_start(struct fence_trace *t, struct fence_stats *stats)
{
	sigset_t all, old;
	int err;

	t->stats = stats;
	t->collecting = 1;
	/* signals are for the main thread: its blocking calls must see SIGINT/SIGTERM */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&t->collector, NULL, collector, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		t->collecting = 0;
		t->stats = NULL;
		return -err;
	}
	return 0;
}

void fence_trace_collect_stop(struct fence_trace *t)
{
	if (!t || !t->stats)
		return;
	t->collecting = 0;
	pthread_join(t->collector, NULL);
	t->stats = NULL;
}

void fence_trace_stop(struct fence_trace *t)
{
	if (!t)
		return;
	fence_trace_collect_stop(t);
	ring_buffer__free(t->rb);
	fence_bpf__destroy(t->skel);
	free(t);
}
