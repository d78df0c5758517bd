/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Moving data through a FunctionFS data endpoint: pipelined DMABUF transfers (zero copy,
 * fence-aware) or read()/write() through a user buffer, with the same data source and checks,
 * so the two can be compared.
 */
#ifndef ZC_FFS_XFER_H
#define ZC_FFS_XFER_H

#include <stdbool.h>
#include <stdint.h>

#include "dmabuf.h"
#include "payload.h"
#include "stats.h"

enum ffs_xfer_mode { FFS_XFER_DMABUF, FFS_XFER_COPY };
enum ffs_xfer_wait { FFS_WAIT_POLL, FFS_WAIT_SYNC_FILE };

struct ffs_xfer_opts {
	uint64_t size;			/* bytes per transfer */
	uint64_t count;			/* transfers */
	unsigned buffers;		/* DMABUFs in flight */
	enum dmabuf_heap heap;
	enum ffs_xfer_mode mode;
	enum ffs_xfer_wait wait;
	uint64_t seed;			/* pattern seed, when there is no data_path */
	const char *data_path;		/* IN: read the data from it; OUT: write it there; NULL: pattern */
	bool verify;			/* OUT: check the received bytes against the pattern */
	bool no_data;			/* move the bytes without producing or looking at them */
	int timeout_ms;			/* per fence, and for the host to enable the function */
	void (*progress)(void *arg, uint64_t done, uint64_t bytes);
	void *progress_arg;
};

struct ffs_xfer_result {
	bool in;			/* IN endpoint: the gadget sends */
	uint8_t address;
	unsigned max_packet;
	uint64_t transfers, bytes;
	uint64_t setup_ns;		/* allocating, mapping and attaching the buffers */
	uint64_t wall_ns, cpu_ns;	/* of the transfers alone */
	struct samples latency_ns;	/* queue -> fence signalled (dmabuf), or per call (copy) */
	struct payload data;		/* the source or sink; afterwards, what verify found */
	bool stopped;			/* SIGINT/SIGTERM */
	int fence_error;		/* the first error a fence signalled with, 0 if none */
	char failed[96];		/* the call that failed, for the message */
};

/* Run the transfers on an open endpoint file; 0, or -errno with r->failed naming the call. */
int ffs_xfer_run(int ep, const struct ffs_xfer_opts *o, struct ffs_xfer_result *r);
void ffs_xfer_result_free(struct ffs_xfer_result *r);

#endif
