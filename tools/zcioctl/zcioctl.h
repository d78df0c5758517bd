/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the object files of the zcioctl binary share: global options and their object tables. */
#ifndef ZCIOCTL_H
#define ZCIOCTL_H

#include <stdbool.h>

#include "cli/cmd.h"

struct globals {
	bool json;
	bool pretty;
	bool force;
	bool quiet;
	int verbose;
};

extern struct globals g_opts;

extern const struct object feature_object;
extern const struct object ffs_object;
extern const struct object mm_object;
extern const struct object trace_object;
extern const struct object vduse_object;
extern const struct object vhost_object;
extern const struct object vfio_object;
extern const struct object version_object;

#endif
