/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU's "edu" PCI device (1234:11e8) as a DMA engine behind VFIO: BAR0 registers, a 4 KiB
 * buffer in the device at 0x40000, transfers between it and an IOVA, completion by MSI.
 *
 * QEMU 7.2 (Debian 12) aborts the whole machine for a transfer of 0 bytes or one that reaches
 * the end of the device buffer (its range check wants the end strictly inside), and clamps
 * addresses to a 28-bit DMA mask without a word. So a transfer is 1 to 4095 bytes ending
 * before 0x41000, at an IOVA below 256 MiB, checked before a register is touched; larger
 * transfers are split.
 */
#ifndef ZC_VFIO_EDU_H
#define ZC_VFIO_EDU_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"
#include "vfio/dev.h"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_BUF_SIZE 4096
#define EDU_MAX_XFER (EDU_BUF_SIZE - 1)
#define EDU_DMA_LIMIT (1ULL << 28)	/* IOVAs the device can reach */

/* Whether QEMU 7.2's edu can do this transfer without aborting (or clamping the address). */
bool edu_xfer_safe(uint64_t iova, uint32_t dev_off, uint32_t len);

struct edu_dma_opts {
	const char *dev;		/* 0000:00:04.0, bound to vfio-pci */
	enum vfio_path path;
	uint64_t size;			/* bytes to move each way */
	uint64_t iova;			/* where our buffer goes; 0: the first page the IOMMU accepts past 1 MiB */
	uint64_t map_size;		/* bytes mapped (and timed) around the buffer; 0: just the buffer */
	uint64_t seed;			/* of the pattern sent */
	bool verify;
	bool fault;			/* then one transfer to an IOVA nothing is mapped at */
	unsigned timeout_ms;		/* for one transfer */
};

/* What the device did. */
struct edu_counts {
	uint64_t dmas, bytes;		/* transfers, bytes both ways */
	uint64_t interrupts;
};

struct edu_dma_result {
	bool noiommu;
	struct zc_iova_range ranges[VFIO_MAX_RANGES];
	int nranges;
	uint64_t iova, mapped;
	uint64_t map_ns, unmap_ns;	/* of the whole mapping */
	struct edu_counts n;
	uint64_t elapsed_ns;
	bool verified, mismatch;
	uint64_t first_bad;
	/* the fault test */
	bool fault_tried, fault_blocked;
	char fault_log[200];		/* the kernel's line about it */
};

int edu_dma_run(const struct edu_dma_opts *o, struct edu_dma_result *r, char *why, size_t why_len);

/*
 * Process binding driven end to end: a type1 container, VFIO_IOMMU_BIND of process pid (0:
 * ours, with a buffer of our own at va), then edu copies the SIZE bytes at va into its window
 * and out to va + SIZE, by virtual address, with no MAP_DMA. Checked by reading the process's
 * memory back (process_vm_readv) and by the kernel log (a DMA remapping fault means the IOMMU
 * blocked it). hold_ms later, a second round: in between the process may have unmapped the
 * buffer or exited. Then UNBIND, twice (the second must fail). With no dev, the group alone in
 * a container: the bind, a second bind, UNBIND, and no DMA.
 */
struct edu_bind_result;
struct edu_bind_opts {
	const char *dev;		/* edu, for the DMA rounds; NULL: group alone, no DMA */
	unsigned group;			/* the group, when dev is NULL */
	int pid;			/* 0: this process, with a buffer it maps at va */
	uint64_t va;			/* SIZE bytes of the pattern of seed, then SIZE bytes for the device */
	uint64_t size;
	uint64_t seed;
	unsigned hold_ms;		/* 0: one round */
	unsigned timeout_ms;
	/*
	 * Called with the bond in place and the rounds done, before the unbind: keep it (wait for
	 * a stop signal, or for the process to exit) and return 0, or -errno to fail the run.
	 */
	int (*held)(void *arg, const struct edu_bind_result *r);
	void *held_arg;
};

struct edu_round {
	bool done;
	bool landed;			/* the bytes are where they should be */
	bool blocked;			/* the IOMMU faulted the transfers */
	char fault_log[200];
	struct edu_counts n;
};

struct edu_bind_result {
	int unbind_unbound;		/* UNBIND before any bind: -errno */
	int bind_over_map_dma;		/* BIND while a MAP_DMA range covers the buffer: -errno */
	int map_dma_while_bound;	/* MAP_DMA of a user address while bound: -errno */
	uint32_t pasid, pasid_again;	/* the bind and a second bind of the same process */
	struct edu_round round[2];
	bool dma;			/* the rounds ran (a device, not a group alone) */
	int unbind, unbind_again;	/* -errno of each */
};

int edu_bind_run(const struct edu_bind_opts *o, struct edu_bind_result *r, char *why, size_t why_len);

#endif
