/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the running kernel was built with and its version: to say why an interface is absent. */
#ifndef ZC_KCONFIG_H
#define ZC_KCONFIG_H

#include <stdbool.h>

enum kconfig_state {
	KCONFIG_UNKNOWN,	/* no /proc/config.gz nor /boot/config-RELEASE to read */
	KCONFIG_NOT_SET,
	KCONFIG_BUILTIN,
	KCONFIG_MODULE,
};

/* sym without the CONFIG_ prefix, e.g. "UDMABUF" */
enum kconfig_state kconfig_get(const char *sym);
/* The running kernel is at least major.minor. */
bool kernel_at_least(unsigned major, unsigned minor);
/* "6.12.117" from uname, for messages. */
const char *kernel_release(void);

#endif
