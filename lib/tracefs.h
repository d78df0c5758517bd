/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where the kernel's tracepoints show up: tracefs at /sys/kernel/tracing or under debugfs. */
#ifndef ZC_TRACEFS_H
#define ZC_TRACEFS_H

#include <stddef.h>

enum tracefs_lookup {
	TRACEFS_FOUND,
	TRACEFS_NO_ACCESS,	/* tracefs is there but this user may not look */
	TRACEFS_NOT_MOUNTED,
	TRACEFS_NO_EVENTS,	/* mounted, but the kernel has no such event system */
};

/* The directory of an event system ("dma_fence") in dir, or why there is none. */
enum tracefs_lookup tracefs_event_dir(const char *system, char *dir, size_t len);

/* For `zcioctl feature` (lib/feature.h). */
struct feat;
void dma_fence_events_probe(struct feat *f);

#endif
