/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Probes of BPF and BTF for `zcioctl feature` (lib/feature.h); absent in a build without BPF. */
#ifndef ZC_BPF_PROBE_H
#define ZC_BPF_PROBE_H

#define KERNEL_BTF "/sys/kernel/btf/vmlinux"

struct feat;

#ifdef HAVE_BPF
/* libbpf says nothing on stderr (the library never prints; failures come back as -errno and why) */
void bpf_quiet(void);
void bpf_probe(struct feat *f);
void btf_probe(struct feat *f);
#else
#include "feature.h"

static inline void bpf_probe(struct feat *f)
{
	feat_set(f, FEAT_UNKNOWN, "zcioctl was built without BPF (configure --disable-bpf)");
}

static inline void btf_probe(struct feat *f)
{
	bpf_probe(f);
}
#endif

#endif
