/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the running kernel provides of the interfaces zcioctl drives, and why not when it does
 * not. Every probe is read-only: it opens devices and files, asks the kernel, and creates
 * nothing; without root it says what it could not see.
 */
#ifndef ZC_FEATURE_H
#define ZC_FEATURE_H

#include <stdbool.h>
#include <stdint.h>

enum feat_state {
	FEAT_PRESENT,
	FEAT_ABSENT,
	FEAT_NO_ACCESS,		/* there, but this user may not use it */
	FEAT_UNKNOWN,		/* this user cannot tell */
};

enum feat_attr_type {
	FA_NUM,
	FA_HEX,
	FA_BOOL,
	FA_STR,
	FA_LIST,	/* strings: str holds nitems '\0'-separated items */
};

struct feat_attr {
	const char *key;
	enum feat_attr_type type;
	uint64_t num;
	char *str;
	unsigned nitems;
};

#define FEAT_MAX_ATTRS 8

struct feat {
	const char *name;	/* stable key: "vduse" */
	const char *desc;	/* what it is: "VDUSE devices (/dev/vduse/control)" */
	enum feat_state state;
	char why[256];		/* why absent, or a note on a present interface */
	unsigned nattrs;
	struct feat_attr attrs[FEAT_MAX_ATTRS];
};

struct feat_probe {
	const char *name;
	const char *desc;
	void (*run)(struct feat *f);
};

extern const struct feat_probe feat_probes[];
extern const unsigned feat_probe_count;

const struct feat_probe *feat_find(const char *name);
void feat_run(const struct feat_probe *p, struct feat *f);
void feat_release(struct feat *f);
const char *feat_state_name(enum feat_state s);

#endif
