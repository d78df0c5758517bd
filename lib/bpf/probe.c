// SPDX-License-Identifier: GPL-2.0-or-later
/* What the kernel lets us do with BPF: program types, tp_btf on the fence tracepoints, BTF. */
#include "bpf/probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpf/fence_trace.h"
#include "feature.h"
#include "fsutil.h"

static bool has_capability(unsigned cap)
{
	unsigned long long eff = 0;
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return cap < 64 && (eff >> cap) & 1;
}

#define CAP_SYS_ADMIN_BIT 21
#define CAP_BPF_BIT 39

static int silent_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

void bpf_quiet(void)
{
	libbpf_set_print(silent_libbpf);
}

/*
 * libbpf's generic probe of "tracing" programs has no attach target and says no where tp_btf
 * works: load "return 0" as a tp_btf program on dma_fence_init itself, which is what trace uses.
 */
static int probe_tp_btf(void)
{
	struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);
	struct btf *btf = btf__load_vmlinux_btf();
	int id, fd;

	if (!btf)
		return 0;
	id = btf__find_by_name_kind(btf, "btf_trace_dma_fence_init", BTF_KIND_TYPEDEF);
	btf__free(btf);
	if (id <= 0)
		return 0;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "zc_probe", "GPL", ret0, 2, &opts);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

void bpf_probe(struct feat *f)
{
	libbpf_print_fn_t old = libbpf_set_print(silent_libbpf);
	int tp = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_TRACEPOINT, NULL);
	int raw = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL);
	int tracing = probe_tp_btf();
	int ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);

	libbpf_set_print(old);
	/* without privilege libbpf's probes say "unsupported", not EPERM */
	if (tp == -EPERM || raw == -EPERM || (tp == 0 && !has_capability(CAP_BPF_BIT) && !has_capability(CAP_SYS_ADMIN_BIT)))
		feat_set(f, FEAT_NO_ACCESS, "loading BPF programs needs root or CAP_BPF+CAP_PERFMON");
	else if (tp == 1)
		feat_set(f, FEAT_PRESENT, "%s", "");
	else if (tp == -ENOSYS)
		feat_set_absent(f, "the bpf() system call", "BPF_SYSCALL", "bpf", 4, 7);
	else
		feat_set(f, FEAT_ABSENT, "tracepoint programs do not load: %s", tp < 0 ? strerror(-tp) : "unsupported");
	if (f->state != FEAT_PRESENT)
		return;
	feat_attr_num(f, "tracepoint", FA_BOOL, tp == 1);
	feat_attr_num(f, "raw_tracepoint", FA_BOOL, raw == 1);
	feat_attr_num(f, "tp_btf", FA_BOOL, tracing == 1);
	feat_attr_num(f, "ringbuf", FA_BOOL, ringbuf == 1);
}

/* BTF is world-readable where present, so even without root we learn which tracepoints exist. */
void btf_probe(struct feat *f)
{
	struct btf *btf;
	char found_names[FENCE_NR_EVENTS][48], *found[FENCE_NR_EVENTS];
	char name[64];
	unsigned i, n = 0;

	if (!path_exists(KERNEL_BTF)) {
		feat_set_absent(f, KERNEL_BTF, "DEBUG_INFO_BTF", "btf", 5, 4);
		return;
	}
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		feat_set(f, errno == EACCES ? FEAT_NO_ACCESS : FEAT_ABSENT, "loading vmlinux BTF: %s", strerror(errno));
		return;
	}
	feat_set(f, FEAT_PRESENT, "%s", "");
	for (i = 0; i < FENCE_NR_EVENTS; i++) {
		snprintf(name, sizeof(name), "btf_trace_dma_fence_%s", fence_event_name(i));
		if (btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) <= 0)
			continue;
		snprintf(found_names[n], sizeof(found_names[n]), "dma_fence_%s", fence_event_name(i));
		found[n] = found_names[n];
		n++;
	}
	feat_attr_list(f, "dma_fence_tracepoints", found, n);
	btf__free(btf);
}
