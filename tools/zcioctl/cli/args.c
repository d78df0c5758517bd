// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/args.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/err.h"

static int bad_value(const struct kw *k, const char *value, int err)
{
	char lo[32], hi[32];

	if (k->type == KW_SIZE) {
		format_size(k->min, lo, sizeof(lo));
		format_size(k->max, hi, sizeof(hi));
		if (err == -ERANGE)
			return zc_usage("argument \"%s\" of \"%s\" is out of range: expected a size from %s to %s",
					value, k->name, lo, hi);
		return zc_usage("argument \"%s\" of \"%s\" is wrong: expected a size like 64K, 1M or 4096", value,
				k->name);
	}
	if (err == -ERANGE)
		return zc_usage("argument \"%s\" of \"%s\" is out of range: expected %" PRIu64 " to %" PRIu64,
				value, k->name, k->min, k->max);
	return zc_usage("argument \"%s\" of \"%s\" is wrong: expected a number", value, k->name);
}

static int bad_choice(const struct kw *k, const char *value)
{
	char list[256] = "";
	size_t i;

	for (i = 0; k->choices[i]; i++) {
		if (i)
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, k->choices[i], sizeof(list) - strlen(list) - 1);
	}
	return zc_usage("argument \"%s\" of \"%s\" is wrong: expected one of %s", value, k->name, list);
}

static int take_value(const struct kw *k, const char *value)
{
	uint64_t v;
	size_t i;
	int err;

	switch (k->type) {
	case KW_U64:
	case KW_SIZE:
		err = k->type == KW_SIZE ? parse_size(value, k->min, k->max, &v) : parse_u64(value, k->min, k->max, &v);
		if (err)
			return bad_value(k, value, err);
		*(uint64_t *)k->dest = v;
		return 0;
	case KW_STR:
		if (!*value || (k->max && strlen(value) > k->max))
			return zc_usage("argument \"%.64s%s\" of \"%s\" is wrong: expected 1 to %" PRIu64 " characters",
					value, strlen(value) > 64 ? "..." : "", k->name, k->max);
		*(const char **)k->dest = value;
		return 0;
	case KW_CHOICE:
		for (i = 0; k->choices[i]; i++) {
			if (!strcmp(value, k->choices[i])) {
				*(int *)k->dest = (int)i;
				return 0;
			}
		}
		return bad_choice(k, value);
	case KW_CPUS:
		err = parse_cpulist(value, k->dest);
		if (err == -ERANGE)
			return zc_usage("argument \"%s\" of \"%s\" is out of range: expected CPUs 0 to %d", value,
					k->name, CPU_SETSIZE - 1);
		if (err)
			return zc_usage("argument \"%s\" of \"%s\" is wrong: expected a CPU list like 1 or 0-3,8 "
					"(ranges low-high)", value, k->name);
		return 0;
	case KW_FLAG:
		break;
	}
	return 0;
}

static const struct kw *find_kw(const struct kw *table, const char *word)
{
	for (; table->name; table++)
		if (!strcmp(table->name, word))
			return table;
	return NULL;
}

int args_parse_kw(struct args *a, const struct kw *table)
{
	uint64_t given = 0;	/* bit i: table[i] seen, to refuse a keyword given twice */

	while (!args_empty(a)) {
		const char *word = args_next(a);
		const struct kw *k = find_kw(table, word);
		int err;

		if (!k)
			return zc_usage("unknown argument \"%s\"", word);
		if (given & (1ULL << (k - table)))
			return zc_usage("argument \"%s\" is given twice", word);
		given |= 1ULL << (k - table);
		if (k->seen)
			*k->seen = true;
		if (k->type == KW_FLAG) {
			*(bool *)k->dest = true;
			continue;
		}
		if (args_empty(a))
			return zc_usage("argument \"%s\" needs a value", word);
		err = take_value(k, args_next(a));
		if (err)
			return err;
	}
	return 0;
}

int args_take(struct args *a, const char *what, size_t maxlen, const char **out)
{
	const char *word = args_next(a);

	if (!word)
		return zc_usage("missing %s", what);
	if (!*word)
		return zc_usage("%s is empty", what);
	if (maxlen && strlen(word) > maxlen)
		return zc_usage("%s \"%.32s...\" is too long: at most %zu characters", what, word, maxlen);
	*out = word;
	return 0;
}

int args_take_name(struct args *a, const struct name_rule *rule, const char **out)
{
	int err = args_take(a, "NAME", 0, out);

	if (!err && !rule->valid(*out))
		return zc_usage("%s name \"%.64s%s\" is wrong: expected 1 to %zu characters of A-Z a-z 0-9 _ - .%s",
				rule->what, *out, strlen(*out) > 64 ? "..." : "", rule->max, rule->note ? rule->note : "");
	return err;
}

int args_done(const struct args *a)
{
	if (!args_empty(a))
		return zc_usage("unexpected argument \"%s\"", args_peek(a));
	return 0;
}

int args_split_line(char *line, char **argv, int max_words)
{
	char *in = line, *outp = line;
	int argc = 0;

	for (;;) {
		char quote = 0;

		while (isspace((unsigned char)*in))
			in++;
		if (!*in || *in == '#')
			break;
		if (argc == max_words)
			return -E2BIG;
		argv[argc++] = outp;
		for (; *in; in++) {
			if (quote) {
				if (*in == quote)
					quote = 0;
				else if (quote == '"' && *in == '\\' && (in[1] == '"' || in[1] == '\\'))
					*outp++ = *++in;
				else
					*outp++ = *in;
			} else if (*in == '"' || *in == '\'') {
				quote = *in;
			} else if (*in == '\\' && in[1]) {
				*outp++ = *++in;
			} else if (isspace((unsigned char)*in)) {
				in++;
				break;
			} else {
				*outp++ = *in;
			}
		}
		if (quote)
			return -EINVAL;
		*outp++ = '\0';
	}
	return argc;
}
