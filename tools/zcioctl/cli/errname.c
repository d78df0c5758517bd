// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/errname.h"

#include <stdio.h>
#include <string.h>

#define MAX_ERRNO 4095

const char *errno_name(int err, char buf[16])
{
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	if (err == 0)
		return "ok";
	if (name)
		return name;
	snprintf(buf, 16, "E%d", err);
	return buf;
}

int errno_from_name(const char *name)
{
	int err;

	if (!strcmp(name, "ok") || !strcmp(name, "0"))
		return 0;
	for (err = 1; err < 200; err++) {
		const char *n = strerrorname_np(err);

		if (n && !strcmp(n, name))
			return err;
	}
	if (name[0] == 'E' && sscanf(name + 1, "%d", &err) == 1 && err > 0 && err <= MAX_ERRNO)
		return err;
	return -1;
}
