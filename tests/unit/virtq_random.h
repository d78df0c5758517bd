/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A long random run of one split virtqueue, driver face against device face in one thread: each
 * end sleeps until the other notifies it, chains have random shapes, the device completes them in
 * random order, every byte is checked, and every notification either end asks for is compared
 * with a model of the virtio rules that knows only what the test did to each end.
 */
#ifndef ZC_TEST_VIRTQ_RANDOM_H
#define ZC_TEST_VIRTQ_RANDOM_H

#include <stdbool.h>
#include <stdint.h>

#include "virtq_pair.h"

struct run_cfg {
	const char *name;
	struct pair_cfg pair;
	unsigned long chains;
};

/* One kind of decision to notify (or, for listens, "something arrived meanwhile"), end against model. */
struct tally {
	unsigned long calls;		/* with something new to tell */
	unsigned long notified;		/* what the end said */
	unsigned long expected;		/* what the model said */
	unsigned long wrong;		/* calls where they differ */
};

struct run_result {
	unsigned long submitted, completed;
	uint16_t next_avail, next_used;	/* the device face's, at the end */
	bool stalled;			/* both ends asleep with chains in flight: a notification was lost */
	unsigned long errors;		/* a face refused what it should have taken */
	unsigned long bad_shape;	/* the device got buffers other than the driver's */
	unsigned long bad_bytes;	/* out bytes at the device, in bytes at the driver */
	unsigned long bad_len;		/* a used length other than the device's */
	unsigned long indirect, enospc, out_of_order;
	struct tally kicks, interrupts, listens;
};

void run_random(const struct run_cfg *cfg, uint64_t seed, struct run_result *res);

#endif
