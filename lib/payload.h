/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bytes a test transfer carries, at stream offsets: produced from the pattern (pattern.h)
 * or read from a file on the sending side; on the receiving side stored to a file, or checked
 * against the pattern. Both ends of a link (ffs transfer on the gadget, ffs peer on the host)
 * use it, so they agree on every byte whatever the transfer sizes.
 */
#ifndef ZC_PAYLOAD_H
#define ZC_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct payload {
	/* set by the caller before payload_open() */
	uint64_t seed;		/* of the pattern */
	bool verify;		/* receiving from the pattern: check the bytes */
	bool none;		/* move the bytes without producing or looking at them */
	/* payload_open() */
	int fd;			/* the data file, or -1: the pattern */
	/* what the receiving side found */
	bool mismatch;
	uint64_t first_bad;	/* stream offset of the first wrong (or missing) byte */
};

/*
 * Open path (NULL: the pattern) to send from (read it) or to receive into (replace it), and
 * forget earlier findings. Returns 0 or -errno.
 */
int payload_open(struct payload *p, const char *path, bool send);
void payload_close(struct payload *p);

/* Sending: the len bytes at stream offset off, from the file (zeros past its end) or the pattern. */
int payload_fill(struct payload *p, void *buf, size_t len, uint64_t off);
/*
 * Receiving: len bytes arrived at stream offset off where want were expected. Store them in the
 * file, or else check them against the pattern (with verify); a short arrival against the
 * pattern is a mismatch at its end, verify or not. Only the first mismatch is kept.
 */
int payload_take(struct payload *p, const void *buf, size_t len, size_t want, uint64_t off);

#endif
