// SPDX-License-Identifier: GPL-2.0-or-later
#include "bpf/vhost_zc_count.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/vhost_zc.h"
#include "bpf/probe.h"
#include "bpf/vhost_zc.skel.h"

struct vhost_zc {
	struct vhost_zc_bpf *skel;
	enum vhost_zc_probe probe;
};

/* Load and attach one set of programs: those of SEC("fentry/...") or of SEC("kprobe/..."). */
static int attach_with(struct vhost_zc *z, pid_t owner, enum vhost_zc_probe probe)
{
	const char *kind = probe == VZC_PROBE_FENTRY ? "fentry/" : "kprobe/";
	struct bpf_program *p;
	int err;

	z->skel = vhost_zc_bpf__open();
	if (!z->skel)
		return -errno;
	bpf_object__for_each_program(p, z->skel->obj)
		bpf_program__set_autoload(p, !strncmp(bpf_program__section_name(p), kind, strlen(kind)));
	z->skel->rodata->owner_tgid = owner;
	err = vhost_zc_bpf__load(z->skel);
	if (!err)
		err = vhost_zc_bpf__attach(z->skel);
	if (err) {
		vhost_zc_bpf__destroy(z->skel);
		z->skel = NULL;
		return err < 0 ? err : -err;
	}
	z->probe = probe;
	return 0;
}

int vhost_zc_start(pid_t owner, enum vhost_zc_probe probe, struct vhost_zc **out, char *why, size_t why_len)
{
	struct vhost_zc *z = calloc(1, sizeof(*z));
	int err;

	why[0] = '\0';
	if (!z)
		return -ENOMEM;
	bpf_quiet();
	err = attach_with(z, owner, probe == VZC_PROBE_KPROBE ? VZC_PROBE_KPROBE : VZC_PROBE_FENTRY);
	/* fentry needs a kernel with FUNCTION_TRACER and BTF trampolines; kprobes do without */
	if (err && probe == VZC_PROBE_AUTO && err != -EPERM && err != -EACCES)
		err = attach_with(z, owner, VZC_PROBE_KPROBE);
	if (!err) {
		*out = z;
		return 0;
	}
	if (err == -EPERM || err == -EACCES)
		snprintf(why, why_len, "loading BPF programs needs root or CAP_BPF+CAP_PERFMON");
	else if (probe == VZC_PROBE_FENTRY)
		snprintf(why, why_len, "fentry on handle_tx_zerocopy, vhost_zerocopy_complete and skb_copy_ubufs "
			 "(a kernel with FUNCTION_TRACER, BTF and vhost_net built in or loaded)");
	else
		snprintf(why, why_len, "kprobes on handle_tx_zerocopy, vhost_zerocopy_complete and skb_copy_ubufs "
			 "(a kernel with KPROBES, BTF and vhost_net built in or loaded)");
	free(z);
	return err;
}

enum vhost_zc_probe vhost_zc_probe_used(const struct vhost_zc *z)
{
	return z->probe;
}

/* ---- naming the kernel functions on a copy's stack ---- */

struct ksym {
	uint64_t addr;
	char name[64];
};

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* /proc/kallsyms' text symbols, sorted by address; the count or -errno. */
static int load_ksyms(struct ksym **out)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	struct ksym *syms = NULL;
	size_t n = 0, cap = 0;
	char line[256], type;
	unsigned long long addr;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char name[64];

		if (sscanf(line, "%llx %c %63s", &addr, &type, name) != 3 || (type != 't' && type != 'T') || !addr)
			continue;
		if (n == cap) {
			struct ksym *bigger = realloc(syms, (cap = cap ? 2 * cap : 4096) * sizeof(*syms));

			if (!bigger) {
				free(syms);
				fclose(f);
				return -ENOMEM;
			}
			syms = bigger;
		}
		syms[n].addr = addr;
		memcpy(syms[n].name, name, sizeof(name));
		n++;
	}
	fclose(f);
	qsort(syms, n, sizeof(*syms), by_addr);
	*out = syms;
	return (int)n;
}

static const char *ksym_name(const struct ksym *syms, int n, uint64_t addr)
{
	int lo = 0, hi = n - 1;

	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;

		if (syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid - 1;
	}
	return n && syms[lo].addr <= addr ? syms[lo].name : "?";
}

/* The copy helpers themselves say nothing about the cause, nor do the BPF program and its
 * trampoline at the top of an fentry program's stack: skip them. */
static bool copy_helper(const char *name)
{
	return !strncmp(name, "bpf_prog_", 9) || !strncmp(name, "bpf_trampoline_", 15) ||
	       !strcmp(name, "skb_copy_ubufs") || !strncmp(name, "skb_orphan_frags", 16) ||
	       !strncmp(name, "skb_zerocopy", 12) || !strcmp(name, "pskb_expand_head");
}

/*
 * The first caller past the copy helpers: the one frame every unwinder gets right (the kernel's
 * "guess" unwinder may add stale addresses further up).
 */
static void describe_stack(const uint64_t *ips, const struct ksym *syms, int nsyms, char *buf, size_t len)
{
	unsigned i;

	snprintf(buf, len, "?");
	for (i = 0; i < VZC_STACK_DEPTH && ips[i]; i++) {
		const char *name = ksym_name(syms, nsyms, ips[i]);

		if (!copy_helper(name)) {
			snprintf(buf, len, "%s", name);
			return;
		}
	}
}

/* Add n copies at `where`, to the cause of that name when there is one already. */
static void add_cause(struct vhost_zc_counts *c, const char *where, uint64_t n)
{
	unsigned i;

	for (i = 0; i < c->ncauses; i++)
		if (!strcmp(c->causes[i].where, where)) {
			c->causes[i].count += n;
			return;
		}
	if (c->ncauses == VZC_MAX_CAUSES)
		return;
	snprintf(c->causes[c->ncauses].where, sizeof(c->causes[c->ncauses].where), "%s", where);
	c->causes[c->ncauses++].count = n;
}

static void read_causes(struct vhost_zc *z, struct vhost_zc_counts *c)
{
	int counts = bpf_map__fd(z->skel->maps.copy_counts), stacks = bpf_map__fd(z->skel->maps.copy_stacks);
	struct ksym *syms = NULL;
	int nsyms = load_ksyms(&syms);
	uint32_t key, next, *prev = NULL;

	while (!bpf_map_get_next_key(counts, prev, &next)) {
		uint64_t ips[VZC_STACK_DEPTH] = { 0 }, n = 0;
		char where[sizeof(c->causes[0].where)];

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(counts, &key, &n) || bpf_map_lookup_elem(stacks, &key, ips))
			continue;
		describe_stack(ips, syms, nsyms > 0 ? nsyms : 0, where, sizeof(where));
		add_cause(c, where, n);
	}
	free(syms);
}

int vhost_zc_read(struct vhost_zc *z, struct vhost_zc_counts *c)
{
	int fd = bpf_map__fd(z->skel->maps.counters);
	uint64_t v[VZC_NR] = { 0 };
	uint32_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < VZC_NR; i++)
		if (bpf_map_lookup_elem(fd, &i, &v[i]))
			return -errno;
	c->zerocopy = v[VZC_DONE];
	c->failed = v[VZC_FAILED];
	c->copies = v[VZC_COPIED];
	c->worker_runs = v[VZC_DEVICE_SEEN];
	read_causes(z, c);
	return 0;
}

void vhost_zc_stop(struct vhost_zc *z)
{
	if (!z)
		return;
	vhost_zc_bpf__destroy(z->skel);
	free(z);
}
