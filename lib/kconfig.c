// SPDX-License-Identifier: GPL-2.0-or-later
#include "kconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>

static struct utsname uts;
static char *config_text;	/* the whole config, read once; "" when none is readable */

/* gzopen reads plain files too, so one reader serves /proc/config.gz and /boot/config-R. */
static char *slurp_gz(const char *path)
{
	size_t len = 0, cap = 1 << 16;
	char *buf;
	gzFile f;
	int n;

	f = gzopen(path, "rb");
	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf && (n = gzread(f, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	gzclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

static const char *release(void)
{
	if (!uts.release[0])
		uname(&uts);
	return uts.release;
}

static void load_config(void)
{
	char path[256];

	if (config_text)
		return;
	config_text = slurp_gz("/proc/config.gz");
	if (!config_text) {
		snprintf(path, sizeof(path), "/boot/config-%s", release());
		config_text = slurp_gz(path);
	}
	if (!config_text)
		config_text = strdup("");
}

static void free_config(void) __attribute__((destructor));
static void free_config(void)
{
	free(config_text);
	config_text = NULL;
}

enum kconfig_state kconfig_get(const char *sym)
{
	char needle[128];
	const char *p;
	size_t n;

	load_config();
	if (!config_text || !*config_text)
		return KCONFIG_UNKNOWN;
	n = (size_t)snprintf(needle, sizeof(needle), "\nCONFIG_%s=", sym);
	p = strstr(config_text, needle);
	if (!p)
		return KCONFIG_NOT_SET;
	p += n;
	return *p == 'm' ? KCONFIG_MODULE : *p == 'n' ? KCONFIG_NOT_SET : KCONFIG_BUILTIN;
}

bool kernel_at_least(unsigned major, unsigned minor)
{
	unsigned maj = 0, min = 0;

	sscanf(release(), "%u.%u", &maj, &min);
	return maj > major || (maj == major && min >= minor);
}

const char *kernel_release(void)
{
	return release();
}
