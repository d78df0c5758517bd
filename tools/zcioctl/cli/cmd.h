/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One table walker for every level of commands, in the manner of bpftool's cmd_select():
 * the object table of zcioctl and each object's command table are walked the same way, and
 * help is generated from the same tables, so `help`, the man pages and the completion can be
 * checked against one list.
 */
#ifndef ZC_CMD_H
#define ZC_CMD_H

#include "cli/args.h"

struct cmd {
	const char *name;
	int (*func)(struct args *a);
	const char *synopsis;	/* arguments after the command word, for help */
	const char *summary;	/* one line */
};

struct object {
	const char *name;
	const struct cmd *cmds;		/* NULL-name terminated */
	const char *default_cmd;	/* run when no command word is given, or NULL */
	const char *summary;
};

/* Run the command of `obj` named by the next word of `a` (exact match; `help` is built in). */
int cmd_select(const struct object *obj, struct args *a);

#endif
