/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Force-included (-include) into tools/zcioctl/ sources when they are compiled for fuzz_cmdline
 * and fuzz_batch, never into the zcioctl binary. The binary's code runs unchanged from main() on,
 * but what would reach the machine goes to cli_sandbox.c instead:
 *   - main is renamed zcioctl_main, for the fuzzer to call once per input;
 *   - the library calls that act on the kernel are replaced at link time (ld --wrap, the list
 *     is cli_sandbox.c's STUB lines) by a recorder that notes the call and fails it;
 *   - the few system calls the object files make themselves (open an endpoint file, sleep, check
 *     a file) and batch input (fopen, stdin) go to the zc_fuzz_* functions below.
 */
#ifndef ZC_FUZZ_CLI_SANDBOX_H
#define ZC_FUZZ_CLI_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

/* the real declarations first: the macros below must not rename them */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int zc_fuzz_open(const char *path, int flags, ...);
int zc_fuzz_access(const char *path, int mode);
int zc_fuzz_usleep(useconds_t usec);
int zc_fuzz_nanosleep(const struct timespec *req, struct timespec *rem);
FILE *zc_fuzz_fopen(const char *path, const char *mode);
/* What `-b -` reads: NULL (no input) unless the harness set it. */
extern FILE *zc_fuzz_stdin;
int zcioctl_main(int argc, char **argv);

/* For the harnesses (cli_sandbox.c also has their LLVMFuzzerInitialize, which silences the output). */
/* Run zcioctl_main() as a fresh process would (options and call log reset); its exit status. */
int zc_fuzz_cli_run(int argc, char **argv);
/*
 * Split data into words at NUL and newline bytes, after argv[0] "zcioctl": at most max - 1
 * words, each a NUL-terminated copy in buf (size + 1 bytes). Returns argc.
 */
int zc_fuzz_words(const uint8_t *data, size_t size, char *buf, char **argv, int max);

/* Everything below is for tools/zcioctl/ sources only (the Makefile defines ZC_FUZZ_SANDBOXED for them). */
#ifdef ZC_FUZZ_SANDBOXED
#define main zcioctl_main
#define open zc_fuzz_open
#define access zc_fuzz_access
#define usleep zc_fuzz_usleep
#define nanosleep zc_fuzz_nanosleep
#define fopen zc_fuzz_fopen
#undef stdin
#define stdin zc_fuzz_stdin
#endif

#endif
