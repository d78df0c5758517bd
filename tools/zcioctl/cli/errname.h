/* SPDX-License-Identifier: GPL-2.0-or-later */
/* errno values by name ("EINVAL"), both ways, for scripts that state what they expect. */
#ifndef ZC_ERRNAME_H
#define ZC_ERRNAME_H

/* "EINVAL" for 22; "E<number>" for one without a name. */
const char *errno_name(int err, char buf[16]);
/* 22 for "EINVAL", 0 for "ok" or "0"; -1 when unknown. */
int errno_from_name(const char *name);

#endif
