// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/args: numbers, sizes, CPU lists, keyword tables and batch line splitting. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "cli/args.h"
#include "cli/err.h"
#include "tap.h"

static void test_numbers(void)
{
	uint64_t v = 0;

	is_int(parse_u64("42", 0, 100, &v), 0, "42 parses");
	is_int(v, 42, "42 is 42");
	is_int(parse_u64("0x10", 0, 100, &v), 0, "hex parses");
	is_int(v, 16, "0x10 is 16");
	is_int(parse_u64("010", 0, 100, &v), 0, "010 parses");
	is_int(v, 10, "010 is ten, not octal eight");
	is_int(parse_u64("08", 0, 100, &v), 0, "08 parses");
	is_int(parse_u64("0x", 0, 100, &v), -EINVAL, "a bare 0x is refused");
	is_int(parse_u64("0xg", 0, 100, &v), -EINVAL, "0xg is refused");
	is_int(parse_u64("-5", 0, 100, &v), -EINVAL, "-5 is refused");
	is_int(parse_u64(" 5", 0, 100, &v), -EINVAL, "leading blank is refused");
	is_int(parse_u64("5x", 0, 100, &v), -EINVAL, "trailing junk is refused");
	is_int(parse_u64("", 0, 100, &v), -EINVAL, "empty is refused");
	is_int(parse_u64("101", 0, 100, &v), -ERANGE, "above max is out of range");
	is_int(parse_u64("0", 1, 100, &v), -ERANGE, "below min is out of range");
	is_int(parse_u64("99999999999999999999", 0, UINT64_MAX, &v), -ERANGE, "2^64+ overflows");
	is_int(parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0, "UINT64_MAX parses");
}

static void test_sizes(void)
{
	uint64_t v = 0;
	char buf[32];

	is_int(parse_size("64K", 0, UINT64_MAX, &v), 0, "64K parses");
	is_int(v, 65536, "64K is 65536");
	is_int(parse_size("1M", 0, UINT64_MAX, &v), 0, "1M parses");
	is_int(v, 1 << 20, "1M is 2^20");
	is_int(parse_size("16MiB", 0, UINT64_MAX, &v), 0, "16MiB parses");
	is_int(v, 16 << 20, "16MiB is 16 * 2^20");
	is_int(parse_size("4096", 0, UINT64_MAX, &v), 0, "plain bytes parse");
	is_int(parse_size("1Q", 0, UINT64_MAX, &v), -EINVAL, "1Q is refused");
	is_int(parse_size("-5", 0, UINT64_MAX, &v), -EINVAL, "-5 is refused");
	is_int(parse_size("1.5M", 0, UINT64_MAX, &v), -EINVAL, "fractions are refused");
	is_int(parse_size("99999999999999999999", 0, UINT64_MAX, &v), -ERANGE, "20 digits overflow");
	is_int(parse_size("17179869184T", 0, UINT64_MAX, &v), -ERANGE, "suffix overflow is caught");
	is_int(parse_size("0", 1, 100, &v), -ERANGE, "size below min");
	format_size(1 << 20, buf, sizeof(buf));
	is_str(buf, "1M", "1 MiB formats as 1M");
	format_size(1536, buf, sizeof(buf));
	is_str(buf, "1536", "1536 has no exact unit");
	format_size(3ULL << 30, buf, sizeof(buf));
	is_str(buf, "3G", "3 GiB formats as 3G");
}

static void test_cpulists(void)
{
	cpu_set_t set, ranged;
	int bad = 0, cpu;
	char buf[64];

	is_int(parse_cpulist("3", &set), 0, "one CPU parses");
	ok(CPU_COUNT(&set) == 1 && CPU_ISSET(3, &set), "3 is CPU 3 alone");
	is_int(parse_cpulist("0-3,8,10-11", &set), 0, "ranges and singles parse");
	is_int(CPU_COUNT(&set), 7, "0-3,8,10-11 is seven CPUs");
	format_cpulist(&set, buf, sizeof(buf));
	is_str(buf, "0-3,8,10-11", "it formats back the same");
	is_int(parse_cpulist("5,1,2-3,2", &set), 0, "out of order and repeated CPUs parse");
	format_cpulist(&set, buf, sizeof(buf));
	is_str(buf, "1-3,5", "they format sorted, ranges joined");
	is_int(cpulist_nth(&set, 0), 1, "the first CPU is the lowest");
	is_int(cpulist_nth(&set, 3), 5, "the fourth is 5");
	is_int(cpulist_nth(&set, 4), 1, "the fifth goes round to the first");
	is_int(parse_cpulist("1023", &set), 0, "CPU_SETSIZE - 1 parses");
	is_int(format_cpulist(&set, buf, 3), 4, "a short buffer: the length it needed");
	is_str(buf, "10", "and what fits");
	is_int(parse_cpulist("0-1023", &set), 0, "every CPU parses");
	is_int(format_cpulist(&set, buf, sizeof(buf)), 6, "as one range");
	CPU_ZERO(&ranged);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu += 2)
		CPU_SET(cpu, &ranged);
	ok(format_cpulist(&ranged, NULL, 0) < CPULIST_MAX, "every other CPU fits CPULIST_MAX");
	CPU_ZERO(&ranged);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (cpu % 3 != 2)
			CPU_SET(cpu, &ranged);
	is_int(format_cpulist(&ranged, NULL, 0), 2673, "pairs with gaps, the longest list, need 2673 characters");
	ok(2673 < CPULIST_MAX, "and fit CPULIST_MAX with the NUL");
	is_int(parse_cpulist("1024", &set), -ERANGE, "CPU_SETSIZE is out of range");
	is_int(parse_cpulist("3-1", &set), -EINVAL, "a backwards range is refused");
	is_int(parse_cpulist("99999999999999999999", &set), -ERANGE, "a huge number is out of range");
	is_int(parse_cpulist("", &set), -EINVAL, "empty is refused");
	is_int(parse_cpulist("1,", &set), -EINVAL, "a trailing comma is refused");
	is_int(parse_cpulist(",1", &set), -EINVAL, "a leading comma is refused");
	is_int(parse_cpulist("1-", &set), -EINVAL, "an open range is refused");
	is_int(parse_cpulist("-1", &set), -EINVAL, "a sign is refused");
	is_int(parse_cpulist("1 2", &set), -EINVAL, "a blank is refused");
	is_int(parse_cpulist("0x1", &set), -EINVAL, "hex is refused (the kernel writes decimal)");
	is_int(parse_cpulist("0-2:2", &set), -EINVAL, "strides are refused");
	sched_getaffinity(0, sizeof(set), &set);
	is_int(cpulist_allowed(&set, &bad, &ranged), 0, "this thread's own affinity is allowed");
	ok(CPU_EQUAL(&set, &ranged), "and it is what it may run on");
	CPU_ZERO(&set);
	CPU_SET(CPU_SETSIZE - 1, &set);
	is_int(cpulist_allowed(&set, &bad, &ranged), -EINVAL, "CPU 1023 (no such CPU here) is not");
	is_int(bad, CPU_SETSIZE - 1, "and it is named");
	CPU_ZERO(&ranged);
	format_cpulist(&ranged, buf, sizeof(buf));
	is_str(buf, "", "an empty set formats empty");
	is_int(cpulist_nth(&ranged, 0), -1, "an empty set has no n-th CPU");
}

static void test_keywords(void)
{
	static const char *const modes[] = { "dmabuf", "copy", NULL };
	uint64_t size = 0, count = 0;
	const char *name = NULL;
	bool verify = false, size_seen = false;
	cpu_set_t cpus;
	int mode = -1;
	const struct kw table[] = {
		{ "size", KW_SIZE, &size, 1, 1 << 30, .seen = &size_seen },
		{ "count", KW_U64, &count, 1, 1000 },
		{ "name", KW_STR, &name, 0, 8 },
		{ "mode", KW_CHOICE, &mode, .choices = modes },
		{ "verify", KW_FLAG, &verify },
		{ "cpus", KW_CPUS, &cpus },
		{ 0 },
	};
	char *good[] = { "size", "1M", "count", "10", "name", "disk0", "mode", "copy", "verify", "cpus", "0,2" };
	char *badcpus[] = { "cpus", "0-" };
	char *twice[] = { "count", "1", "count", "2" };
	char *unknown[] = { "colour", "red" };
	char *noval[] = { "size" };
	char *badchoice[] = { "mode", "zero" };
	char *toolong[] = { "name", "123456789" };
	char *range[] = { "count", "1001" };
	struct args a;

	a = (struct args){ 11, good };
	is_int(args_parse_kw(&a, table), 0, "a full keyword line parses");
	ok(size == 1 << 20 && count == 10 && verify && mode == 1 && size_seen && !strcmp(name, "disk0") &&
	   CPU_COUNT(&cpus) == 2 && CPU_ISSET(2, &cpus), "every keyword landed in its place");
	a = (struct args){ 2, badcpus };
	is_int(args_parse_kw(&a, table), -ZC_EUSAGE, "a malformed CPU list is a usage error");
	a = (struct args){ 4, twice };
	is_int(args_parse_kw(&a, table), -ZC_EUSAGE, "a keyword given twice is a usage error");
	a = (struct args){ 2, unknown };
	is_int(args_parse_kw(&a, table), -ZC_EUSAGE, "an unknown keyword is a usage error");
	a = (struct args){ 1, noval };
	is_int(args_parse_kw(&a, table), -ZC_EUSAGE, "a keyword without its value is a usage error");
	a = (struct args){ 2, badchoice };
	is_int(args_parse_kw(&a, table), -ZC_EUSAGE, "a value outside the choices is a usage error");
	a = (struct args){ 2, toolong };
	is_int(args_parse_kw(&a, table), -ZC_EUSAGE, "a string over its length is a usage error");
	a = (struct args){ 2, range };
	is_int(args_parse_kw(&a, table), -ZC_EUSAGE, "a number over its range is a usage error");
}

static void test_split(void)
{
	char line[] = "vduse create  \"disk 0\" type\\ blk 'a\"b' # comment";
	char empty[] = "   # only a comment";
	char open[] = "ffs up \"unterminated";
	char escaped[] = "say \"a \\\"quoted\\\" word\" 'back\\slash'";
	char *argv[8];
	int n;

	n = args_split_line(line, argv, 8);
	is_int(n, 5, "five words");
	is_str(argv[2], "disk 0", "double quotes keep blanks");
	is_str(argv[3], "type blk", "backslash escapes a blank");
	is_str(argv[4], "a\"b", "single quotes keep a double quote");
	is_int(args_split_line(empty, argv, 8), 0, "a comment line has no words");
	is_int(args_split_line(open, argv, 8), -EINVAL, "an open quote is refused");
	is_int(args_split_line(escaped, argv, 8), 3, "escaped quotes stay inside the word");
	is_str(argv[1], "a \"quoted\" word", "\\\" inside double quotes is a quote");
	is_str(argv[2], "back\\slash", "single quotes keep a backslash as it is");
}

int main(void)
{
	/* the usage errors print to stderr: keep the TAP stream on stdout clean */
	test_numbers();
	test_sizes();
	test_cpulists();
	test_keywords();
	test_split();
	return done_testing();
}
