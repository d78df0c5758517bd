/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Counting, in the kernel, what became of our vhost-net zero-copy transmit buffers
 * (lib/bpf/vhost_zc.bpf.c): completed untouched, or copied, and who forced the copies.
 * In a build without BPF every call says -EOPNOTSUPP.
 */
#ifndef ZC_VHOST_ZC_COUNT_H
#define ZC_VHOST_ZC_COUNT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VZC_MAX_CAUSES 8

/* how the programs attach: a trampoline where the kernel has them, else kprobes */
enum vhost_zc_probe {
	VZC_PROBE_AUTO,		/* fentry, and kprobe if that fails */
	VZC_PROBE_FENTRY,
	VZC_PROBE_KPROBE,
};

struct vhost_zc_counts {
	uint64_t zerocopy;	/* completed with their pages untouched */
	uint64_t failed;	/* completed after the stack copied them */
	uint64_t copies;	/* the copies themselves (skb_copy_ubufs) */
	uint64_t worker_runs;	/* times our worker entered the zero-copy path */
	unsigned ncauses;
	struct {
		char where[64];	/* the kernel function that asked for the copy */
		uint64_t count;
	} causes[VZC_MAX_CAUSES];
};

struct vhost_zc;

#ifdef HAVE_BPF
/* Attach for the vhost-net device of process `owner`; *why says what was missing on failure. */
int vhost_zc_start(pid_t owner, enum vhost_zc_probe probe, struct vhost_zc **out, char *why, size_t why_len);
/* The probes it attached with: VZC_PROBE_FENTRY or VZC_PROBE_KPROBE. */
enum vhost_zc_probe vhost_zc_probe_used(const struct vhost_zc *z);
int vhost_zc_read(struct vhost_zc *z, struct vhost_zc_counts *c);
void vhost_zc_stop(struct vhost_zc *z);
#else
static inline int vhost_zc_start(pid_t owner, enum vhost_zc_probe probe, struct vhost_zc **out, char *why,
				 size_t why_len)
{
	(void)owner;
	(void)probe;
	*out = NULL;
	if (why_len)
		why[0] = '\0';
	return -EOPNOTSUPP;
}

static inline int vhost_zc_read(struct vhost_zc *z, struct vhost_zc_counts *c)
{
	(void)z;
	(void)c;
	return -EOPNOTSUPP;
}

static inline enum vhost_zc_probe vhost_zc_probe_used(const struct vhost_zc *z)
{
	(void)z;
	return VZC_PROBE_AUTO;
}

static inline void vhost_zc_stop(struct vhost_zc *z)
{
	(void)z;
}
#endif

#endif
