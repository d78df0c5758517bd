// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl version: the version, the JSON schema version and the features built in. */
#include "config.h"

#include "cli/err.h"
#include "cli/json.h"
#include "notify.h"
#include "zcioctl.h"

/*
 * The version of doc/json, the schemas of the JSON output: it goes up with every change there
 * (a key added, renamed, retyped or gone), so that a consumer can tell which schemas describe
 * this binary. Below, the sha256 of the .json files of doc/json at each version, as
 * tests/cli/schema.sh computes it; that test fails when the last line does not match the files
 * and this number. A change to the schemas needs a new line, and a new line a new version.
 *
 * json-schema-sum 2 db2b135684ba383331518beb2dcce667b0d8a72a4d8928dc18c0ab3036423216
 * json-schema-sum 3 df092de827b8b19113bcbbe03c62cb85c27c89c8985418f4e876f3a72508fbb3
 * json-schema-sum 4 82c824f75e17802909c6e6e64008076c43647666ff205123d540150480862970
 * json-schema-sum 5 698499e600f6d6452f6f25bed728e00d2f5be38bc036786c1acd176faa04083d
 * json-schema-sum 6 d37b41fe7f3cf54d87ada601f492f71001ad39aab2e140c742bcaf064fc36e62
 * json-schema-sum 7 2743a9d290146e2c62e3e72d6c40fca3b5e4d2009fb562766e5c65fd7eea22bc
 * json-schema-sum 8 77f9ccb515a43dbfc4bc9de7ce39e10fe95974d61bdd452040ce9873259ea381
 * json-schema-sum 9 8488cf89419248ad18190d435002dec1585870082521475171f93552053c5e97
 */
#define JSON_SCHEMA_VERSION 9

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
