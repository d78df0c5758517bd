/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DMABUFs for zero-copy I/O: allocation from udmabuf (a sealed memfd) or a DMA-BUF heap, CPU
 * access through mmap bracketed by DMA_BUF_IOCTL_SYNC, and waiting for the fences a device
 * attaches, either by poll() on the dmabuf or on a sync_file exported from it.
 */
#ifndef ZC_DMABUF_H
#define ZC_DMABUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UDMABUF_DEV "/dev/udmabuf"
#define DMA_HEAP_DIR "/dev/dma_heap"
#define DMA_HEAP_SYSTEM DMA_HEAP_DIR "/system"
/* the software fence timeline tests use: debugfs, root only */
#define SW_SYNC_PATH "/sys/kernel/debug/sync/sw_sync"

enum dmabuf_heap {
	DMABUF_HEAP_UDMABUF,
	DMABUF_HEAP_SYSTEM,
};

struct dmabuf {
	int fd;
	size_t size;
	void *map;		/* CPU mapping, or NULL */
	enum dmabuf_heap heap;
};

/* Allocate `size` bytes (a multiple of the page size) and map them. */
int dmabuf_alloc(enum dmabuf_heap heap, size_t size, struct dmabuf *b);
void dmabuf_free(struct dmabuf *b);

/* Bracket CPU access to the mapping: the device's writes are visible after begin(read). */
int dmabuf_cpu_begin(const struct dmabuf *b, bool read, bool write);
int dmabuf_cpu_end(const struct dmabuf *b, bool read, bool write);

/* A sync_file of the fences a CPU `write` (or read) would wait for; *fd on success. */
int dmabuf_export_sync_file(const struct dmabuf *b, bool write, int *fd);
/* Add a sync_file's fences to the dmabuf, as a device's `write` (or read) would. */
int dmabuf_import_sync_file(const struct dmabuf *b, int sync_fd, bool write);

/*
 * Wait up to timeout_ms (-1: forever) until the fences that a CPU write (or read) would wait
 * for have signalled: poll() on a dmabuf fd, or on a sync_file fd. -ETIMEDOUT on time out,
 * -EINTR when a signal arrived.
 */
int dmabuf_wait_fd(int fd, bool write, int timeout_ms);

/* Page-align a size upwards. */
size_t dmabuf_page_align(size_t size);

struct fence_status {
	int status;		/* 1 signalled, 0 pending, < 0 the error it signalled with */
	uint64_t timestamp_ns;	/* CLOCK_MONOTONIC time of the latest status change */
	char driver[32];	/* of the first fence: "functionfs", "sw_sync", ... */
	unsigned num_fences;
};

/* The state of a sync_file's fences (SYNC_IOC_FILE_INFO). */
int sync_file_status(int sync_fd, struct fence_status *st);

/* Probes for `zcioctl feature` (lib/feature.h). */
struct feat;
void udmabuf_probe(struct feat *f);
void dma_heap_probe(struct feat *f);
void sync_file_probe(struct feat *f);

#endif
