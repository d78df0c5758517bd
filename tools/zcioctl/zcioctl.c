// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zcioctl: set up, drive, test and watch Linux zero-copy I/O interfaces.
 *   zcioctl [OPTIONS] OBJECT { COMMAND | help } [ARGS]
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/err.h"
#include "cli/json.h"
#include "zcioctl.h"

struct globals g_opts;

static int do_help(struct args *a);

static const struct cmd help_cmds[] = {
	{ "show", do_help, "", "list the objects and global options" },
	{ 0 },
};
static const struct object help_object = { "help", help_cmds, "show", "this text" };

/* Exact names only: the objects share prefixes (vduse, vfio, vhost), so no abbreviations. */
static const struct object *const objects[] = {
	&feature_object,
	&ffs_object,
	&mm_object,
#ifdef HAVE_BPF
	&trace_object,
#endif
	&vduse_object,
	&vhost_object,
	&vfio_object,
	&version_object,
	&help_object,
};
#define N_OBJECTS (sizeof(objects) / sizeof(objects[0]))

static int do_help(struct args *a)
{
	unsigned i;
	int err = args_done(a);

	if (err)
		return err;
	print_text("Usage: zcioctl [OPTIONS] OBJECT { COMMAND | help } [ARGS]\n"
		   "       zcioctl help | zcioctl OBJECT help\n"
		   "Objects:\n");
	out_open_object(NULL);
	out_open_array("objects");
	for (i = 0; i < N_OBJECTS; i++) {
		out_open_object(NULL);
		print_string(PRINT_ANY, "name", "  %-10s", objects[i]->name);
		print_string(PRINT_ANY, "summary", " %s\n", objects[i]->summary);
		out_close_object();
	}
	out_close_array();
	out_close_object();
	print_text("Options:\n"
		   "  -j, --json         JSON output\n"
		   "  -p, --pretty       indented JSON (implies -j)\n"
		   "  -b, --batch FILE   run one command a line from FILE (- for stdin)\n"
		   "  -f, --force        with -b: go on after a failing line\n"
		   "  -v, --verbose      more detail (library and kernel messages)\n"
		   "  -q, --quiet        print only errors\n"
		   "  -V, --version      print the version\n"
		   "  -h, --help         this text\n"
		   "Exit status: 0 ok, 1 failed, 2 usage error, 3 interface missing from this kernel or hardware\n");
	return 0;
}

static const struct object *find_object(const char *name)
{
	unsigned i;

	for (i = 0; i < N_OBJECTS; i++)
		if (!strcmp(objects[i]->name, name))
			return objects[i];
	return NULL;
}

/* Run one command line (argv after the global options); returns the handler's code. */
static int run_command(int argc, char **argv)
{
	struct args a = { argc, argv };
	const struct object *obj;
	const char *name;
	int ret;

	err_set_context(NULL, NULL);
	out_begin();
	name = args_next(&a);
	if (!name)
		ret = zc_usage("missing OBJECT (try 'zcioctl help')");
	else if (!(obj = find_object(name)))
		ret = zc_usage("unknown object \"%s\" (try 'zcioctl help')", name);
	else
		ret = cmd_select(obj, &a);
	out_end();
	return ret;
}

/* A usage error before any object: through the one error path, so -j gets a JSON error object. */
static int global_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int global_usage(const char *fmt, ...)
{
	char message[512];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	err_set_context(NULL, NULL);
	out_begin();
	ret = zc_usage("%s", message);
	out_end();
	return ret;
}

#define MAX_BATCH_WORDS 128

/* A line that does not split into words: a usage error of its own, naming no command. */
static int bad_batch_line(unsigned lineno, int why)
{
	int ret;

	err_set_context(NULL, NULL);
	out_begin();
	ret = zc_usage("batch line %u: %s", lineno,
		       why == -E2BIG ? "too many words" : why == -EILSEQ ? "a NUL byte" : "unterminated quote");
	out_end();
	return ret;
}

/* In JSON mode the caller brackets this with out_batch_begin() and out_batch_end(). */
static int run_batch(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char *line = NULL, *argv[MAX_BATCH_WORDS];
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	int first_failure = 0;

	if (!f) {
		int err;

		out_begin();
		err = zc_err(errno, NULL, "opening batch file %s", path);
		out_end();
		return err;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		int argc, ret;

		lineno++;
		/* a NUL would end the line early: the words after it would be dropped without a word */
		argc = memchr(line, '\0', len) ? -EILSEQ : args_split_line(line, argv, MAX_BATCH_WORDS);
		if (argc == 0)
			continue;
		ret = argc < 0 ? bad_batch_line(lineno, argc) : run_command(argc, argv);
		if (ret < 0 && !first_failure)
			first_failure = ret;
		if (ret < 0 && !g_opts.force) {
			fprintf(stderr, "zcioctl: batch stopped at line %u of %s (use --force to go on)\n", lineno, path);
			break;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return first_failure;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "batch", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *batch = NULL, *bad_option = NULL, *bad_kind = NULL;
	char *version_argv[] = { "version", NULL };
	char *help_argv[] = { "help", NULL };
	char bad_short[3] = "-?";
	int opt, ret;

	/* '+': options end at the object, so command arguments may start with '-'; ':': we report */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:jpb:fvqVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j': g_opts.json = true; break;
		case 'p': g_opts.json = g_opts.pretty = true; break;
		case 'b': batch = optarg; break;
		case 'f': g_opts.force = true; break;
		case 'v': g_opts.verbose++; break;
		case 'q': g_opts.quiet = true; break;
		case 'V': argc = 1; argv = version_argv; optind = 0; goto run;
		case 'h': argc = 1; argv = help_argv; optind = 0; goto run;
		default:
			/* go on: a -j after the bad option still asks for a JSON error */
			bad_short[1] = (char)optopt;
			if (!bad_option) {
				bad_option = strncmp(argv[optind - 1], "--", 2) ? bad_short : argv[optind - 1];
				bad_kind = opt == ':' ? "missing argument of" : "unknown";
			}
			break;
		}
	}
run:
	out_setup(g_opts.json, g_opts.pretty, g_opts.quiet ? NULL : stdout);
	/* with -b, JSON is one array whatever fails, even the batch file or the options around it */
	if (batch)
		out_batch_begin();
	if (bad_option)
		ret = global_usage("%s option \"%s\" (see 'zcioctl help' for the options)", bad_kind, bad_option);
	else if (batch && optind < argc)
		ret = global_usage("-b takes its commands from %s: unexpected \"%s\"", batch, argv[optind]);
	else if (batch)
		ret = run_batch(batch);
	else
		ret = run_command(argc - optind, argv + optind);
	out_batch_end();
	if (fflush(stdout) == EOF && ret == 0)
		ret = -errno;
	return zc_exit_code(ret);
}
