/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "why" of a failure: library calls that fill a caller's buffer with what went wrong. */
#ifndef ZC_WHY_H
#define ZC_WHY_H

#include <stddef.h>

/* Format into why (len bytes) and return err: `return why_fail(buf, len, -EIO, "...", ...);` */
int why_fail(char *why, size_t len, int err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
