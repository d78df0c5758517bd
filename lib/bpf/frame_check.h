/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checking the test frames a network device receives, in place and without a copy: a tc
 * program on its ingress (lib/bpf/frame_hash.bpf.c) reports each frame's sequence number,
 * length and hash (lib/bpf/frame_hash.h). In a build without BPF, -EOPNOTSUPP.
 */
#ifndef ZC_FRAME_CHECK_H
#define ZC_FRAME_CHECK_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "bpf/frame_hash.h"	/* frame_hash_of(): what each report should say */

struct frame_check;
typedef void (*frame_check_fn)(void *arg, uint64_t seq, uint32_t len, uint64_t hash);

#ifdef HAVE_BPF
/* Attach ahead of every other ingress filter of ifindex (priority 1); *why says what failed. */
int frame_check_start(int ifindex, struct frame_check **out, char *why, size_t why_len);
/* Hand every report so far to fn; the count, or -errno. */
int frame_check_take(struct frame_check *fc, frame_check_fn fn, void *arg);
/* Reports the ring buffer had no room for. */
uint64_t frame_check_lost(const struct frame_check *fc);
void frame_check_stop(struct frame_check *fc);
#else
static inline int frame_check_start(int ifindex, struct frame_check **out, char *why, size_t why_len)
{
	(void)ifindex;
	*out = NULL;
	if (why_len)
		why[0] = '\0';
	return -EOPNOTSUPP;
}

static inline int frame_check_take(struct frame_check *fc, frame_check_fn fn, void *arg)
{
	(void)fc;
	(void)fn;
	(void)arg;
	return -EOPNOTSUPP;
}

static inline uint64_t frame_check_lost(const struct frame_check *fc)
{
	(void)fc;
	return 0;
}

static inline void frame_check_stop(struct frame_check *fc)
{
	(void)fc;
}
#endif

#endif
