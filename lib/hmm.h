/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device-exclusive memory access through the test_hmm mirror devices (/dev/hmm_dmirrorN): the
 * device makes pages of this process exclusive to itself (make_device_exclusive_range()), a CPU
 * access faults and takes them back, and the MMU notifier tells the device. The ioctl numbers
 * are those of the test kernel's lib/test_hmm_uapi.h (kernel/uapi/zc/test_hmm.h), not a stable
 * ABI: hmm_open() checks them on the device before anything else is sent.
 */
#ifndef ZC_HMM_H
#define ZC_HMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"

#define HMM_DMIRROR_NAME "hmm_dmirror"
#define HMM_DMIRROR_DEV "/dev/" HMM_DMIRROR_NAME	/* followed by the device number */
#define HMM_MAX_DEVICES 8

enum hmm_kind {
	HMM_DEVICE_PRIVATE,	/* minors 0 and 1 */
	HMM_DEVICE_COHERENT,	/* minors 2 and 3, with spm_addr_dev0/1 set */
};

struct hmm_device_info {
	char path[32];
	unsigned minor;
	enum hmm_kind kind;
	int abi;		/* 0: the numbers answer as in 6.12; else -errno of the check */
};

/* The mirror devices present, sorted; the count or -errno. */
int hmm_list(struct hmm_device_info *out, unsigned max);
/*
 * Open a mirror device and check that it is one (a character device the kernel calls
 * hmm_dmirrorN: -ENOTTY otherwise) and that it answers our numbers (-EPROTO otherwise).
 */
int hmm_open(const char *path);
const char *hmm_kind_name(enum hmm_kind kind);

enum hmm_access {
	HMM_ACCESS_NONE,
	HMM_ACCESS_READ,
	HMM_ACCESS_WRITE,
};

struct hmm_exclusive_opts {
	const char *device;
	size_t size;			/* bytes, a multiple of the page size */
	enum hmm_access access;		/* what the CPU does afterwards, page by page */
	bool fork;			/* copy on write: a child and this process both write */
	bool mprotect;			/* read-only first: a device write must then fail with EPERM */
	bool thp;			/* ask for transparent huge pages (MADV_HUGEPAGE), else forbid them */
	unsigned repeat;		/* rounds, each on fresh memory */
};

struct hmm_exclusive_result {
	uint64_t pages;			/* per round */
	uint64_t rounds;
	uint64_t exclusive_pages;	/* cpages of the last round */
	uint64_t busy;			/* rounds where EXCLUSIVE answered EBUSY (a page could not be taken) */
	uint64_t mirror_mismatch;	/* pages whose device copy differed from memory */
	uint64_t held;			/* pages still exclusive right before the CPU access (CHECK per page) */
	uint64_t revoked;		/* of those, pages the CPU access took back */
	uint64_t data_errors;		/* pages whose contents were wrong after the access */
	uint64_t thp_bytes;		/* AnonHugePages of the range when it was made exclusive */
	int device_write;		/* mprotect: what the device write answered (-EPERM expected) */
	int child_status;		/* fork: the child's exit status (0: its copy was right) */
	struct latency_figures exclusive_ns;	/* EXCLUSIVE, per page */
	struct latency_figures fault_ns;	/* the CPU access that revokes, per page */
	struct latency_figures normal_ns;	/* the same access again, to the pages once they are ordinary */
};

/* Run the scenario; 0 with the result (checks may still have failed: see the counts), or -errno and why. */
int hmm_exclusive(const struct hmm_exclusive_opts *o, struct hmm_exclusive_result *r, char *why, size_t why_len);

struct hmm_race_opts {
	const char *device;
	size_t size;
	unsigned threads;		/* CPU writers */
	uint64_t rounds;		/* device passes; 0: until duration_ms */
	unsigned duration_ms;
};

struct hmm_race_result {
	uint64_t rounds;		/* EXCLUSIVE passes */
	uint64_t busy;			/* of which a page could not be taken */
	uint64_t held;			/* CHECK right after found the range still exclusive */
	uint64_t revoked;		/* CHECK found a CPU write had taken some page back */
	uint64_t raced;			/* a CPU write took a page back before the device read it (ENOENT) */
	uint64_t increments;		/* the writers' increments, all threads */
	uint64_t lost;			/* counters short of the increments their writer made */
	uint64_t elapsed_ns;
};

/*
 * CPU threads increment counters of their own in every page of the range while this thread makes
 * the range exclusive again and again and checks it: no increment may be lost.
 */
int hmm_race(const struct hmm_race_opts *o, struct hmm_race_result *r, char *why, size_t why_len);

enum hmm_fill {
	HMM_FILL_NONE,		/* untouched: no page mapped */
	HMM_FILL_READ,		/* read: the zero page */
	HMM_FILL_WRITE,		/* written: a page of our own */
	HMM_FILL_MIXED,		/* quarters: written, read, written then read-only, untouched */
};

struct hmm_snapshot_opts {
	const char *device;
	size_t size;
	enum hmm_fill fill;
	bool thp;
	bool exclusive;		/* make it device-exclusive before the snapshot */
};

/* What the mirror sees of each page (HMM_DMIRROR_SNAPSHOT): one HMM_DMIRROR_PROT_* byte per page in perm. */
/*
 * A snapshot byte as one letter: - nothing mapped, r read-only, w writable, z the zero page,
 * d a device page, E an error; upper case when a PMD or PUD maps the page.
 */
char hmm_prot_letter(uint8_t prot);
int hmm_snapshot(const struct hmm_snapshot_opts *o, uint8_t *perm, char *why, size_t why_len);

/* For `zcioctl feature` (lib/feature.h). */
struct feat;
void hmm_probe(struct feat *f);

#endif
