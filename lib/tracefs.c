// SPDX-License-Identifier: GPL-2.0-or-later
#include "tracefs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "feature.h"
#include "fsutil.h"

static const char *const tracefs_mounts[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
#define N_MOUNTS (sizeof(tracefs_mounts) / sizeof(tracefs_mounts[0]))

enum tracefs_lookup tracefs_event_dir(const char *system, char *dir, size_t len)
{
	bool denied = false, mounted = false;
	char events[64];
	unsigned i;

	for (i = 0; i < N_MOUNTS; i++) {
		snprintf(dir, len, "%s/events/%s", tracefs_mounts[i], system);
		if (path_exists(dir))
			return TRACEFS_FOUND;
		denied |= errno == EACCES;
		snprintf(events, sizeof(events), "%s/events", tracefs_mounts[i]);
		mounted |= path_exists(events);
	}
	dir[0] = '\0';
	if (denied)
		return TRACEFS_NO_ACCESS;
	return mounted ? TRACEFS_NO_EVENTS : TRACEFS_NOT_MOUNTED;
}

void dma_fence_events_probe(struct feat *f)
{
	char dir[128];

	switch (tracefs_event_dir("dma_fence", dir, sizeof(dir))) {
	case TRACEFS_FOUND:
		feat_set(f, FEAT_PRESENT, "%s", "");
		feat_attr_str(f, "tracefs", dir);
		feat_attr_dir_list(f, "events", dir);
		break;
	case TRACEFS_NO_ACCESS:
		feat_set(f, FEAT_NO_ACCESS, "tracefs needs root (the BTF probe lists the tracepoints)");
		break;
	case TRACEFS_NOT_MOUNTED:
		feat_set(f, FEAT_ABSENT, "tracefs is not mounted (mount -t tracefs none /sys/kernel/tracing)");
		break;
	case TRACEFS_NO_EVENTS:
		feat_set_absent(f, "/sys/kernel/tracing/events/dma_fence", "DMA_SHARED_BUFFER", "dma-buf", 3, 17);
		break;
	}
}
