/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Errors in one style: "zcioctl: OBJECT COMMAND: what failed: strerror (hint)" on stderr, and in
 * JSON mode also an error object in place of the command's output. Each helper returns the
 * negative code the handler passes up, so that the exit status follows from it.
 */
#ifndef ZC_ERR_H
#define ZC_ERR_H

/* Private codes beyond every errno: a usage error (exit 2), an interface the kernel lacks (exit 3). */
#define ZC_EUSAGE	4096
#define ZC_EUNSUPP	4097
/* A failure that has no errno (bad data, a check that did not hold): exit 1. */
#define ZC_EFAILED	4098

enum zc_exit {
	ZC_EXIT_OK = 0,
	ZC_EXIT_FAILED = 1,
	ZC_EXIT_USAGE = 2,
	ZC_EXIT_UNSUPPORTED = 3,
};

void err_set_context(const char *object, const char *command);

/* A call failed with errno err: "what: strerror(err) (hint)". Returns -err. */
int zc_err(int err, const char *hint, const char *what_fmt, ...) __attribute__((format(printf, 3, 4)));
/* Bad command line. Returns -ZC_EUSAGE. */
int zc_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The running kernel or hardware lacks the interface (err says how we found out). Returns -ZC_EUNSUPP. */
int zc_unsupported(int err, const char *hint, const char *what_fmt, ...) __attribute__((format(printf, 3, 4)));

enum zc_exit zc_exit_code(int ret);

#endif
