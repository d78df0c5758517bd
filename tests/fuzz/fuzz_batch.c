// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_batch: batch input (zcioctl -b FILE). The first input byte picks the options (-j, -p,
 * --force) and how many words a line may have for the direct check; the rest is the file.
 * Each line goes through args_split_line() directly (words stay within the line, the count
 * within the limit), then the whole file through main() as `zcioctl [OPTIONS] -b -`, the lines
 * read from memory: line splitting, quotes, escapes, comments, long lines, NUL bytes, and every
 * command the lines name, with cli_sandbox.c's recorder in place of the kernel.
 */
#include "config.h"

#include <errno.h>

#include "cli/args.h"
#include "cli_sandbox.h"
#include "fuzz.h"

#define MAX_INPUT 65536

static void check_split(const uint8_t *line, size_t len, int max_words)
{
	char *copy = malloc(len + 1), **argv = malloc(max_words * sizeof(*argv));
	int argc, i;

	if (!copy || !argv)
		abort();
	memcpy(copy, line, len);
	copy[len] = '\0';
	argc = args_split_line(copy, argv, max_words);
	FUZZ_CHECK(argc == -E2BIG || argc == -EINVAL || (argc >= 0 && argc <= max_words));
	for (i = 0; i < argc; i++)
		FUZZ_CHECK(argv[i] >= copy && argv[i] + strlen(argv[i]) <= copy + len);
	free(argv);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[8];
	const uint8_t *line, *end;
	uint8_t opts;
	int argc = 0, status;

	if (!size || size > MAX_INPUT)
		return -1;
	opts = data[0];
	data++;
	size--;
	for (line = data; line < data + size; line = end + 1) {
		end = memchr(line, '\n', data + size - line);
		if (!end)
			end = data + size;
		check_split(line, end - line, 1 + (opts >> 3) % 16);
	}

	argv[argc++] = "zcioctl";
	if (opts & 1)
		argv[argc++] = "-j";
	if (opts & 2)
		argv[argc++] = "-p";
	if (opts & 4)
		argv[argc++] = "--force";
	argv[argc++] = "-b";
	argv[argc++] = "-";
	argv[argc] = NULL;
	/* fmemopen wants at least a byte: an empty file is a lone newline */
	zc_fuzz_stdin = size ? fmemopen((void *)data, size, "r") : fmemopen("\n", 1, "r");
	if (!zc_fuzz_stdin)
		abort();
	status = zc_fuzz_cli_run(argc, argv);
	FUZZ_CHECK(status >= 0 && status <= 3);
	fclose(zc_fuzz_stdin);
	zc_fuzz_stdin = NULL;
	return 0;
}
