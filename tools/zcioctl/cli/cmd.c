// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/cmd.h"

#include <stdio.h>
#include <string.h>

#include "cli/err.h"
#include "cli/json.h"
#include "failnth.h"

/* Print the commands of one object (text or JSON). */
static void cmd_print_help(const struct object *obj)
{
	const struct cmd *c;

	out_open_object(NULL);
	json_string("object", obj->name);
	print_string(PRINT_TEXT, NULL, "Usage: zcioctl [OPTIONS] %s", obj->name);
	print_text(" { COMMAND | help }\n");
	if (obj->default_cmd)
		print_string(PRINT_ANY, "default_command", "Without COMMAND: %s\n", obj->default_cmd);
	print_text("Commands:\n");
	out_open_array("commands");
	for (c = obj->cmds; c->name; c++) {
		out_open_object(NULL);
		print_string(PRINT_ANY, "name", "  %s", c->name);
		print_string(PRINT_TEXT, NULL, "%s", c->synopsis && *c->synopsis ? " " : "");
		print_string(PRINT_ANY, "synopsis", "%s\n", c->synopsis ? c->synopsis : "");
		print_string(PRINT_ANY, "summary", "      %s\n", c->summary);
		out_close_object();
	}
	out_close_array();
	out_close_object();
}

static const struct cmd *find_cmd(const struct object *obj, const char *name)
{
	const struct cmd *c;

	for (c = obj->cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* The command; under ZCIOCTL_FAIL_NTH (lib/failnth.h), with that kernel call of its made to fail. */
static int run_cmd(const struct cmd *c, struct args *a)
{
	long made;
	int err;

	if (!fail_nth_arm_from_env())
		return c->func(a);
	err = c->func(a);
	/* the test's cue to stop counting up: the command made fewer fault-injectable calls */
	if (fail_nth_unreached(&made))
		fprintf(stderr, "zcioctl: " FAIL_NTH_ENV ": not reached (%ld calls)\n", made);
	return err;
}

int cmd_select(const struct object *obj, struct args *a)
{
	const char *word = args_peek(a);
	const struct cmd *c;

	if (!word) {
		if (!obj->default_cmd) {
			err_set_context(obj->name, NULL);
			return zc_usage("missing command (try 'zcioctl %s help')", obj->name);
		}
		word = obj->default_cmd;
	} else {
		args_next(a);
	}
	if (!strcmp(word, "help")) {
		cmd_print_help(obj);
		return 0;
	}
	c = find_cmd(obj, word);
	if (!c) {
		err_set_context(obj->name, NULL);
		return zc_usage("unknown command \"%s\" (try 'zcioctl %s help')", word, obj->name);
	}
	err_set_context(obj->name, c->name);
	return run_cmd(c, a);
}
