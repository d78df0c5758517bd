// SPDX-License-Identifier: GPL-2.0-or-later
#include "bpf/fence_trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/fence.skel.h"
#include "bpf/fence_stats.h"
#include "bpf/probe.h"
#include "fsutil.h"
#include "tracefs.h"

struct fence_trace {
	struct fence_bpf *skel;
	struct ring_buffer *rb;
	enum fence_trace_mode mode;
	unsigned events;	/* mask of the events attached */
	int (*cb)(void *arg, const struct fence_event *e);
	void *arg;
	int seen;
};

static int (*log_fn)(int level, const char *fmt, va_list ap);

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return log_fn ? log_fn(level, fmt, ap) : 0;
}

/* The event a program attaches to, from its section name ("tp_btf/dma_fence_init"); -1: none. */
static int event_of(const struct bpf_program *p)
{
	const char *sec = bpf_program__section_name(p), *ev = strrchr(sec, '/');
	unsigned i;

	if (!ev || strncmp(ev + 1, "dma_fence_", 10))
		return -1;
	for (i = 0; i < FENCE_NR_EVENTS; i++)
		if (!strcmp(ev + 11, fence_event_name(i)))
			return i;
	return -1;
}

/*
 * Whether p belongs to this run. Events output: names_init and one flavour of the ev programs.
 * Aggregate output: agg_init (the classic init program learns names and starts the fence in one
 * hit) and one flavour of the agg programs (enable_signal, signaled, the waits).
 */
static bool wanted_program(const struct fence_bpf *s, const struct bpf_program *p, const struct fence_trace_opts *o,
			   enum fence_trace_mode m)
{
	const char *name = bpf_program__name(p);
	bool agg = o->output == FENCE_OUTPUT_AGGREGATE;
	bool typed = !strncmp(bpf_program__section_name(p), "tp_btf/", 7);

	if (p == s->progs.names_init)
		return !agg;
	if (p == s->progs.agg_init)
		return agg;
	if (agg != !strncmp(name, "agg_", 4))
		return false;
	return typed == (m == FENCE_TRACE_BTF);
}

static void choose_programs(struct fence_bpf *s, const struct fence_trace_opts *o, enum fence_trace_mode m,
			    unsigned *events)
{
	struct bpf_program *p;

	*events = 0;
	bpf_object__for_each_program(p, s->obj) {
		bool on = wanted_program(s, p, o, m);
		int ev = event_of(p);

		bpf_program__set_autoload(p, on);
		if (on && ev >= 0 && p != s->progs.names_init)	/* it only learns names */
			*events |= 1u << ev;
	}
}

/* Create only the maps the output uses: the ring buffer, or the start tables and aggregates. */
static int choose_maps(struct fence_bpf *s, const struct fence_trace_opts *o)
{
	bool agg = o->output == FENCE_OUTPUT_AGGREGATE;
	int err;

	if ((err = bpf_map__set_autocreate(s->maps.events, !agg)) ||
	    (err = bpf_map__set_autocreate(s->maps.lost, !agg)) ||
	    (err = bpf_map__set_autocreate(s->maps.aggs, agg)) ||
	    (err = bpf_map__set_autocreate(s->maps.last_init, agg)) ||
	    (err = bpf_map__set_autocreate(s->maps.starts, agg)) ||
	    (err = bpf_map__set_autocreate(s->maps.waits, agg)))
		return err;
	if (agg)
		return 0;
	return bpf_map__set_max_entries(s->maps.events, o->ringbuf_kib * 1024);
}

static int open_and_attach(const struct fence_trace_opts *o, enum fence_trace_mode m, struct fence_bpf **out,
			   unsigned *events)
{
	struct fence_bpf *s = fence_bpf__open();
	int err;

	if (!s)
		return errno ? -errno : -EINVAL;
	s->rodata->filter = o->filter;
	s->rodata->wakeup_bytes = (uint64_t)o->ringbuf_kib * 1024 / 4;
	if (o->output == FENCE_OUTPUT_AGGREGATE)
		s->rodata->max_events = o->max_events;
	err = choose_maps(s, o);
	if (!err) {
		choose_programs(s, o, m, events);
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

/* tracefs tells whether the tracepoints exist and whether we may look; only root is sure of a "no" */
static int tracepoints_usable(char *why, size_t why_len)
{
	char dir[128];

	switch (tracefs_event_dir("dma_fence", dir, sizeof(dir))) {
	case TRACEFS_FOUND:
		return 0;
	case TRACEFS_NO_ACCESS:
		if (geteuid() == 0)
			return 0;
		snprintf(why, why_len, "tracing needs root or CAP_BPF+CAP_PERFMON");
		return -EPERM;
	case TRACEFS_NOT_MOUNTED:
		if (geteuid() != 0)
			return 0;
		snprintf(why, why_len, "tracefs is not mounted: mount -t tracefs nodev /sys/kernel/tracing");
		return -ENOENT;
	case TRACEFS_NO_EVENTS:
		if (geteuid() != 0)
			return 0;
		snprintf(why, why_len, "the kernel has no dma_fence tracepoints (CONFIG_DMA_SHARED_BUFFER)");
		return -ENOENT;
	}
	return 0;
}

int fence_trace_start(const struct fence_trace_opts *o, struct fence_trace **out, char *why, size_t why_len)
{
	struct fence_trace *t;
	int err;

	why[0] = '\0';
	if (!path_exists(KERNEL_BTF)) {
		snprintf(why, why_len, "the kernel has no BTF (" KERNEL_BTF "): CONFIG_DEBUG_INFO_BTF");
		return -ENOENT;
	}
	err = tracepoints_usable(why, why_len);
	if (err)
		return err;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	log_fn = o->libbpf_log;
	libbpf_set_print(libbpf_log);
	t->mode = o->mode == FENCE_TRACE_AUTO ? FENCE_TRACE_BTF : o->mode;
	err = open_and_attach(o, t->mode, &t->skel, &t->events);
	/* tp_btf needs BTF trampolines ("tracing" programs); older or restricted kernels lack them */
	if (err && o->mode == FENCE_TRACE_AUTO && err != -EPERM) {
		t->mode = FENCE_TRACE_CLASSIC;
		err = open_and_attach(o, t->mode, &t->skel, &t->events);
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

unsigned fence_trace_events(const struct fence_trace *t)
{
	return t->events;
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

/* Add up a per-CPU array element (values of elem_size bytes) over the possible CPUs. */
static int read_per_cpu(const struct bpf_map *map, uint32_t key, size_t elem_size,
			void (*add)(void *sum, const void *cpu), void *sum)
{
	int ncpu = libbpf_num_possible_cpus(), i, err = 0;
	char *per_cpu;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per_cpu = calloc(ncpu, elem_size);
	if (!per_cpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &key, per_cpu))
		err = -errno;
	for (i = 0; !err && i < ncpu; i++)
		add(sum, per_cpu + (size_t)i * elem_size);
	free(per_cpu);
	return err;
}

static void add_u64(void *sum, const void *cpu)
{
	*(uint64_t *)sum += *(const uint64_t *)cpu;
}

uint64_t fence_trace_lost(struct fence_trace *t)
{
	uint64_t sum = 0;

	if (bpf_map__fd(t->skel->maps.lost) < 0)	/* aggregate output: no ring buffer */
		return 0;
	read_per_cpu(t->skel->maps.lost, 0, sizeof(sum), add_u64, &sum);
	return sum;
}

uint64_t fence_trace_taken(const struct fence_trace *t)
{
	uint64_t n = __atomic_load_n(&t->skel->bss->taken, __ATOMIC_RELAXED);

	return n < t->skel->rodata->max_events ? n : t->skel->rodata->max_events;
}

/* names[id] for each group id the programs gave out */
static int read_group_names(struct fence_trace *t, struct fence_names *names)
{
	int fd = bpf_map__fd(t->skel->maps.group_ids);
	struct fence_names key, next;
	void *prev = NULL;
	uint32_t id;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &id) && id < FENCE_MAX_GROUPS)
			names[id] = next;
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

static void add_agg(void *sum, const void *cpu)
{
	fence_agg_add(sum, cpu);
}

int fence_trace_read(struct fence_trace *t, struct fence_stats *out)
{
	uint32_t id, ngroups = __atomic_load_n(&t->skel->data->next_group, __ATOMIC_RELAXED);
	struct fence_names *names = calloc(FENCE_MAX_GROUPS, sizeof(*names));
	int err;

	memset(out, 0, sizeof(*out));
	if (!names)
		return -ENOMEM;
	err = read_group_names(t, names);
	/* next_group runs past FENCE_MAX_GROUPS once the ids are all given out */
	for (id = 0; !err && id < ngroups && id < FENCE_MAX_GROUPS; id++) {
		struct fence_agg sum = { 0 };

		err = read_per_cpu(t->skel->maps.aggs, id, sizeof(sum), add_agg, &sum);
		if (!err && !fence_agg_empty(&sum))
			err = fence_stats_add_group(out, &names[id], &sum);
	}
	free(names);
	if (err)
		fence_stats_free(out);
	return err;
}

void fence_trace_stop(struct fence_trace *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	fence_bpf__destroy(t->skel);
	free(t);
}
