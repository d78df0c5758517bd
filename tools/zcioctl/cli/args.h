/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Walking argv in the iproute2 manner: positional words first, then keyword/value pairs
 * described by a table, so that every command reports bad input the same way and names
 * the argument that was wrong.
 */
#ifndef ZC_ARGS_H
#define ZC_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "units.h"

struct args {
	int argc;
	char **argv;
};

static inline bool args_empty(const struct args *a)
{
	return a->argc <= 0;
}

static inline const char *args_peek(const struct args *a)
{
	return a->argc > 0 ? a->argv[0] : NULL;
}

static inline const char *args_next(struct args *a)
{
	if (a->argc <= 0)
		return NULL;
	a->argc--;
	return *a->argv++;
}

enum kw_type {
	KW_FLAG,	/* keyword alone: sets a bool */
	KW_U64,		/* uint64_t within [min, max] */
	KW_SIZE,	/* uint64_t byte count within [min, max] */
	KW_STR,		/* const char *, 1..max bytes (max 0: any length) */
	KW_CHOICE,	/* int index into choices[] */
	KW_CPUS,	/* cpu_set_t, from a CPU list "0-3,8" (parse_cpulist) */
};

struct kw {
	const char *name;
	enum kw_type type;
	void *dest;
	uint64_t min;
	uint64_t max;
	const char *const *choices;	/* NULL-terminated, for KW_CHOICE */
	bool *seen;			/* optional: set when the keyword was given */
};

/* Consume every remaining word as keyword [value]; on bad input print a usage error. */
int args_parse_kw(struct args *a, const struct kw *table);

/* Take one positional word named `what` (for messages), 1..maxlen bytes. */
int args_take(struct args *a, const char *what, size_t maxlen, const char **out);
/* The names of kernel objects we create (gadgets, VDUSE devices): one rule each, one message. */
struct name_rule {
	const char *what;		/* "gadget", "device" */
	size_t max;
	bool (*valid)(const char *name);
	const char *note;		/* appended to the message, or NULL */
};
/* Take the positional NAME and check it against the rule. */
int args_take_name(struct args *a, const struct name_rule *rule, const char **out);
/* Fail with a usage error if words remain. */
int args_done(const struct args *a);

/* Split a batch line into words: blanks separate, "..." and '...' quote, \ escapes, # comments. */
int args_split_line(char *line, char **argv, int max_words);

#endif
