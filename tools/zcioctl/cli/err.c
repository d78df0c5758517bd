// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/json.h"

static const char *cur_object;
static const char *cur_command;

void err_set_context(const char *object, const char *command)
{
	cur_object = object;
	cur_command = command;
}

static void report(int err, const char *hint, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
static void report(int err, const char *hint, const char *fmt, va_list ap)
{
	char what[512];
	char message[768];
	int n;

	vsnprintf(what, sizeof(what), fmt, ap);
	n = snprintf(message, sizeof(message), "%s", what);
	if (err && n >= 0 && (size_t)n < sizeof(message))
		snprintf(message + n, sizeof(message) - n, ": %s", strerror(err));

	fputs("zcioctl: ", stderr);
	if (cur_object)
		fprintf(stderr, "%s%s%s: ", cur_object, cur_command ? " " : "", cur_command ? cur_command : "");
	fputs(message, stderr);
	if (hint)
		fprintf(stderr, " (%s)", hint);
	fputc('\n', stderr);
	out_error(cur_object, cur_command, message, err, hint);
}

int zc_err(int err, const char *hint, const char *what_fmt, ...)
{
	va_list ap;

	va_start(ap, what_fmt);
	report(err, hint, what_fmt, ap);
	va_end(ap);
	return err ? -err : -ZC_EFAILED;
}

int zc_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(0, NULL, fmt, ap);
	va_end(ap);
	return -ZC_EUSAGE;
}

int zc_unsupported(int err, const char *hint, const char *what_fmt, ...)
{
	va_list ap;

	va_start(ap, what_fmt);
	report(err, hint, what_fmt, ap);
	va_end(ap);
	return -ZC_EUNSUPP;
}

enum zc_exit zc_exit_code(int ret)
{
	if (ret >= 0)
		return ZC_EXIT_OK;
	if (ret == -ZC_EUSAGE)
		return ZC_EXIT_USAGE;
	if (ret == -ZC_EUNSUPP)
		return ZC_EXIT_UNSUPPORTED;
	return ZC_EXIT_FAILED;
}
