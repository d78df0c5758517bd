// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl version: the version, the JSON schema version and the features built in. */
#include "config.h"

#include "cli/err.h"
#include "cli/json.h"
#include "notify.h"
#include "zcioctl.h"

/* Bumped when a JSON key changes meaning or goes away (adding keys does not bump it). */
#define JSON_SCHEMA_VERSION 1

#ifdef HAVE_BPF
#define BUILT_WITH_BPF true
#else
#define BUILT_WITH_BPF false
#endif

static int do_version(struct args *a)
{
	int err = args_done(a);

	if (err)
		return err;
	out_open_object(NULL);
	print_string(PRINT_ANY, "version", "zcioctl %s\n", PACKAGE_VERSION);
	print_uint(PRINT_ANY, "json_schema", "json schema: %llu\n", JSON_SCHEMA_VERSION);
	out_open_object("features");
	print_bool(PRINT_ANY, "bpf", "features: bpf %s", BUILT_WITH_BPF);
#if defined(__SANITIZE_ADDRESS__)
	print_bool(PRINT_ANY, "sanitizers", ", sanitizers %s", true);
#else
	print_bool(PRINT_ANY, "sanitizers", ", sanitizers %s", false);
#endif
	print_bool(PRINT_ANY, "systemd", ", systemd %s", svc_notify_built());
	print_nl();
	out_close_object();
	out_close_object();
	return 0;
}

static const struct cmd version_cmds[] = {
	{ "show", do_version, "", "print the version and the features built in" },
	{ 0 },
};

const struct object version_object = { "version", version_cmds, "show", "version and build features" };
