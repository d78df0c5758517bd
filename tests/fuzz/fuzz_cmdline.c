// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_cmdline: the zcioctl command line, through main() as the binary runs it (options, the
 * object table, each object's command table, the keyword tables, names, sizes, numbers, MAC
 * addresses, feature lists), with the library's kernel calls replaced by cli_sandbox.c's
 * recorder. The input is argv after "zcioctl": words separated by NUL or newline bytes.
 * Each word also goes through the number, size and CPU list parsers directly, which must agree
 * with their own rendering of what they parsed.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>

#include "cli_sandbox.h"
#include "fuzz.h"
#include "units.h"
#include "vduse/vduse.h"

#define MAX_WORDS 64
#define MAX_INPUT 4096

/* parse_u64, parse_size and parse_cpulist read back what they print; the formatters fit any buffer. */
static void check_units(const char *word)
{
	char buf[32], list[CPULIST_MAX];
	uint64_t v, again, features;
	cpu_set_t cpus, again_cpus;
	size_t len;

	if (!parse_u64(word, 0, UINT64_MAX, &v)) {
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
		FUZZ_CHECK(!parse_u64(buf, 0, UINT64_MAX, &again) && again == v);
		if (v < UINT64_MAX)
			FUZZ_CHECK(parse_u64(word, v + 1, UINT64_MAX, &again) == -ERANGE);
	}
	if (!parse_size(word, 0, UINT64_MAX, &v)) {
		format_size(v, buf, sizeof(buf));
		FUZZ_CHECK(!parse_size(buf, 0, UINT64_MAX, &again) && again == v);
		for (len = 0; len < sizeof(buf); len++)
			format_size(v, buf, len);	/* ASan: writes stay within len */
	}
	if (!parse_cpulist(word, &cpus)) {
		format_cpulist(&cpus, list, sizeof(list));
		FUZZ_CHECK(!parse_cpulist(list, &again_cpus) && CPU_EQUAL(&cpus, &again_cpus));
		for (len = 0; len < sizeof(buf); len++)
			format_cpulist(&cpus, buf, len);	/* ASan: writes stay within len */
	}
	if (!vduse_parse_features(VDUSE_BLK, word, &features))
		FUZZ_CHECK(strcmp(word, "none") || features == 0);
	if (!vduse_parse_features(VDUSE_NET, word, &features))
		FUZZ_CHECK(strcmp(word, "none") || features == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_WORDS + 1], *buf;
	int argc, i, status;

	if (size > MAX_INPUT)
		return -1;
	buf = malloc(size + 1);	/* exactly: ASan sees a read past any word */
	if (!buf)
		return 0;
	argc = zc_fuzz_words(data, size, buf, argv, MAX_WORDS + 1);
	for (i = 1; i < argc; i++)
		check_units(argv[i]);
	status = zc_fuzz_cli_run(argc, argv);
	FUZZ_CHECK(status >= 0 && status <= 3);
	free(buf);
	return 0;
}
