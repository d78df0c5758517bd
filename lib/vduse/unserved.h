/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Detaching a VDUSE device that nobody serves: we answer its driver's messages meanwhile. */
#ifndef ZC_VDUSE_UNSERVED_H
#define ZC_VDUSE_UNSERVED_H

#include <stdint.h>

struct vduse_unserved {
	unsigned pending;	/* requests the driver made available that the device has not used */
	uint64_t messages;	/* the driver's messages answered */
};

/*
 * Run detach(arg), the removal from the vDPA bus, with /dev/vduse/NAME open here and every
 * message answered. -EBUSY when somebody holds the device (its server answers: call detach
 * directly), or when the driver waits for requests (r->pending of them; the removal would
 * wait for them forever): nothing is done then. Otherwise detach's result.
 */
int vduse_detach_unserved(const char *name, int (*detach)(void *arg), void *arg, struct vduse_unserved *r);

#endif
