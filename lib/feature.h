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

/* A probe fills a struct feat; each interface's module exports its own (see feat_probes[]). */
typedef void feat_probe_fn(struct feat *f);

struct feat_probe {
	const char *name;
	const char *desc;
	feat_probe_fn *run;
};

extern const struct feat_probe feat_probes[];
extern const unsigned feat_probe_count;

const struct feat_probe *feat_find(const char *name);
void feat_run(const struct feat_probe *p, struct feat *f);
void feat_release(struct feat *f);
const char *feat_state_name(enum feat_state s);

/* ---- for the probes: recording what they found ---- */

void feat_set(struct feat *f, enum feat_state s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Why an interface that should show up at `path` does not: the kernel is too old (needs
 * major.minor), was built without CONFIG_`sym`, or has it as `module`, not loaded.
 */
void feat_set_absent(struct feat *f, const char *path, const char *sym, const char *module, unsigned major,
		     unsigned minor);
/* Open a device node: FEAT_PRESENT and the fd, or -1 and the state that says why not. */
int feat_open_dev(struct feat *f, const char *path, int flags, const char *sym, const char *module, unsigned major,
		  unsigned minor);

void feat_attr_num(struct feat *f, const char *key, enum feat_attr_type t, uint64_t v);
void feat_attr_str(struct feat *f, const char *key, const char *s);
void feat_attr_list(struct feat *f, const char *key, char *const *names, int n);
/* The entries of a directory as a list; a number or a Y/N read from a file. Nothing if unreadable. */
void feat_attr_dir_list(struct feat *f, const char *key, const char *dir);
void feat_attr_u64_file(struct feat *f, const char *key, const char *path);
void feat_attr_bool_file(struct feat *f, const char *key, const char *path);

#endif
