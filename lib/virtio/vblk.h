/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-blk requests (virtio 1.x, 5.2) served from a backend: a file or block device through
 * preadv/pwritev, or anonymous memory. Whatever transport brought the request (VDUSE here) hands
 * us its descriptor chain as iovecs.
 */
#ifndef ZC_VBLK_H
#define ZC_VBLK_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/virtq.h"

struct vblk_backend {
	int fd;			/* file backend, or -1 */
	uint8_t *mem;		/* memory backend, or NULL */
	uint64_t size;		/* bytes */
	bool readonly;
	char id[20];		/* GET_ID answer, not NUL-terminated when 20 long */
};

struct vblk_counters {
	uint64_t reads, writes, flushes, discards, write_zeroes, get_ids;
	uint64_t bytes_read, bytes_written;
	uint64_t errors;	/* requests answered IOERR: out of range, backend error, bad chain */
	uint64_t unsupported;	/* requests answered UNSUPP */
};

/* A file or block device; it must be at least 512 bytes. */
int vblk_backend_file(struct vblk_backend *b, const char *path, bool readonly);
/* Zeroed memory of size bytes (a multiple of 512). */
int vblk_backend_memory(struct vblk_backend *b, uint64_t size);
void vblk_backend_close(struct vblk_backend *b);

/*
 * Serve one request. ok is false when the chain itself was bad (virtq_pop failed): the request
 * is answered IOERR if it has somewhere to put a status. Returns the bytes written into the
 * driver's buffers (the used length). scratch has room for as many iovecs as e holds.
 */
uint32_t vblk_handle(const struct vblk_backend *b, const struct virtq_elem *e, bool ok, struct iovec *scratch,
		     struct vblk_counters *c);

void vblk_counters_add(struct vblk_counters *sum, const struct vblk_counters *c);

#endif
