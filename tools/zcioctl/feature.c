// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl feature: what the running kernel provides of the interfaces zcioctl drives. */
#include "config.h"

#include <string.h>

#include "cli/err.h"
#include "feature.h"
#include "cli/json.h"
#include "zcioctl.h"

static void print_attr(const struct feat_attr *a)
{
	const char *item;
	unsigned i;

	print_string(PRINT_TEXT, NULL, "\t%s:", a->key);
	switch (a->type) {
	case FA_NUM:
		print_uint(PRINT_ANY, a->key, " %llu", a->num);
		break;
	case FA_HEX:
		print_hex(PRINT_ANY, a->key, " 0x%llx", a->num);
		break;
	case FA_BOOL:
		print_bool(PRINT_ANY, a->key, " %s", a->num != 0);
		break;
	case FA_STR:
		print_string(PRINT_ANY, a->key, " %s", a->str);
		break;
	case FA_LIST:
		out_open_array(a->key);
		for (i = 0, item = a->str; i < a->nitems; i++, item += strlen(item) + 1)
			print_string(PRINT_ANY, NULL, " %s", item);
		if (!a->nitems)
			print_text(" (none)");
		out_close_array();
		break;
	}
	print_nl();
}

static void print_feat(const struct feat *f)
{
	unsigned i;

	out_open_object(NULL);
	print_string(PRINT_ANY, "name", "%s: ", f->name);
	print_string(PRINT_ANY, "state", "%s", feat_state_name(f->state));
	json_bool("present", f->state == FEAT_PRESENT || f->state == FEAT_NO_ACCESS);
	json_bool("usable", f->state == FEAT_PRESENT);
	json_string("description", f->desc);
	if (f->why[0])
		print_string(PRINT_ANY, "reason", " (%s)", f->why);
	else
		json_null("reason");
	print_nl();
	if (g_opts.verbose)
		print_string(PRINT_TEXT, NULL, "\t%s\n", f->desc);
	for (i = 0; i < f->nattrs; i++)
		print_attr(&f->attrs[i]);
	out_close_object();
}

/* feature [probe] [NAME...]: with names, exit 3 unless each named interface is usable. */
static int do_probe(struct args *a)
{
	const struct feat_probe *only[64];
	unsigned n = 0, i;
	int ret = 0;

	while (!args_empty(a)) {
		const char *name = args_next(a);

		if (n == 64)
			return zc_usage("too many interface names");
		only[n] = feat_find(name);
		if (!only[n])
			return zc_usage("unknown interface \"%s\" (try 'zcioctl feature list')", name);
		n++;
	}
	out_open_object(NULL);
	out_open_array("features");
	for (i = 0; i < (n ? n : feat_probe_count); i++) {
		struct feat f;

		feat_run(n ? only[i] : &feat_probes[i], &f);
		print_feat(&f);
		if (n && f.state != FEAT_PRESENT)
			ret = -ZC_EUNSUPP;
		feat_release(&f);
	}
	out_close_array();
	out_close_object();
	return ret;
}

static int do_list(struct args *a)
{
	unsigned i;
	int err = args_done(a);

	if (err)
		return err;
	out_open_array(NULL);
	for (i = 0; i < feat_probe_count; i++) {
		out_open_object(NULL);
		print_string(PRINT_ANY, "name", "%-18s", feat_probes[i].name);
		print_string(PRINT_ANY, "description", " %s\n", feat_probes[i].desc);
		out_close_object();
	}
	out_close_array();
	return 0;
}

static const struct cmd feature_cmds[] = {
	{ "probe", do_probe, "[INTERFACE...]", "probe every interface, or the named ones (exit 3 if one is unusable)" },
	{ "list", do_list, "", "list the interfaces that can be probed" },
	{ 0 },
};

const struct object feature_object = { "feature", feature_cmds, "probe", "what the running kernel provides" };
