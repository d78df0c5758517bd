// SPDX-License-Identifier: GPL-2.0-or-later
#include "why.h"

#include <stdarg.h>
#include <stdio.h>

int why_fail(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return err;
}
