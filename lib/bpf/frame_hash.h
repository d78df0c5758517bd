/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hash of a test frame, the same in the tc program (lib/bpf/frame_hash.bpf.c) and in user
 * space: FNV-1a's multiply over the frame's 8-byte little-endian words from FRAME_HASH_FROM on,
 * the last one padded with zeros, seeded with the length. Order-sensitive, so a misplaced chunk
 * shows, unlike an Internet checksum.
 */
#ifndef ZC_FRAME_HASH_H
#define ZC_FRAME_HASH_H

#define FRAME_HASH_ETHERTYPE 0x88b5	/* IEEE "local experimental": our test frames */
#define FRAME_HASH_SEQ_AT 14		/* the frame's sequence number, 8 bytes little-endian */
#define FRAME_HASH_FROM 22		/* what the hash covers: everything past the sequence number */
#define FRAME_HASH_CHUNK 256		/* the tc program reads the frame this much at a time */
#define FRAME_HASH_PRIME 0x100000001b3ULL
#define FRAME_HASH_BASIS 0xcbf29ce484222325ULL

struct frame_hash_record {
	__u64 seq;
	__u64 hash;
	__u32 len;
	__u32 pad;
};

static inline __u64 frame_hash_start(__u32 len)
{
	return (FRAME_HASH_BASIS ^ len) * FRAME_HASH_PRIME;
}

static inline __u64 frame_hash_word(__u64 h, __u64 word)
{
	return (h ^ word) * FRAME_HASH_PRIME;
}

#ifndef __bpf__
#include <string.h>

/* The hash of a whole frame in memory: what user space expects the tc program to report. */
static inline __u64 frame_hash_of(const unsigned char *f, __u32 len)
{
	__u64 h = frame_hash_start(len), w;
	__u32 off;

	for (off = FRAME_HASH_FROM; off < len; off += 8) {
		w = 0;
		memcpy(&w, f + off, len - off < 8 ? len - off : 8);
		h = frame_hash_word(h, w);
	}
	return h;
}
#endif

#endif
