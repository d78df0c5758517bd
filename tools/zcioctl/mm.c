// SPDX-License-Identifier: GPL-2.0-or-later
/* zcioctl mm: device-exclusive memory access through the test_hmm mirror devices. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/err.h"
#include "cli/errname.h"
#include "cli/json.h"
#include "cli/report.h"
#include "fsutil.h"
#include "hmm.h"
#include "zcioctl.h"

#define DEFAULT_DEVICE HMM_DMIRROR_DEV "0"

/* Why a mirror device cannot be used: missing (exit 3 when the kernel has none at all), not one, other numbers. */
static int device_error(int err, const char *path, const char *why)
{
	if (err == -ENOENT && !path_exists(DEFAULT_DEVICE))
		return zc_unsupported(ENOENT, "the kernel needs TEST_HMM (modprobe test_hmm)", "no %s", path);
	if (err == -ENOTTY)
		return zc_err(ENOTTY, "a test_hmm mirror device is /dev/hmm_dmirrorN", "%s is not a mirror device",
			      path);
	if (err == -EPROTO)
		return zc_unsupported(EPROTO, "this kernel's lib/test_hmm_uapi.h differs from 6.12's; nothing else was sent",
				      "%s does not answer the 6.12 test_hmm numbers", path);
	if (err == -EACCES || err == -EPERM)
		return zc_err(-err, "run as root", "opening %s", path);
	return zc_err(-err, NULL, "%s", why[0] ? why : path);
}

static int do_show(struct args *a)
{
	struct hmm_device_info d[HMM_MAX_DEVICES];
	int err = args_done(a), n, i;

	if (err)
		return err;
	n = hmm_list(d, HMM_MAX_DEVICES);
	if (n < 0)
		return zc_err(-n, NULL, "listing /dev");
	if (n == 0)
		return device_error(-ENOENT, DEFAULT_DEVICE, "");
	out_open_array(NULL);
	for (i = 0; i < n; i++) {
		out_open_object(NULL);
		print_string(PRINT_ANY, "device", "%s:", d[i].path);
		print_uint(PRINT_ANY, "minor", " minor %llu", d[i].minor);
		print_string(PRINT_ANY, "kind", ", %s", hmm_kind_name(d[i].kind));
		print_string(PRINT_ANY, "abi", ", numbers %s", d[i].abi == 0 ? "6.12" : d[i].abi == -EPROTO ? "differ" : "unknown");
		if (d[i].abi && d[i].abi != -EPROTO)
			print_string(PRINT_ANY, "abi_error", " (%s)", strerror(-d[i].abi));
		print_nl();
		out_close_object();
	}
	out_close_array();
	return 0;
}

static const char *const accesses[] = { "none", "read", "write", NULL };
static const char *const on_off[] = { "on", "off", NULL };

/* The size must be whole pages: the device works on pages, and a part page is a user's mistake. */
static int check_page_multiple(uint64_t size)
{
	long ps = sysconf(_SC_PAGESIZE);

	if (size % ps)
		return zc_usage("argument \"%" PRIu64 "\" of \"size\" is wrong: expected a multiple of the page size (%ld)",
				size, ps);
	return 0;
}

static void print_exclusive(const struct hmm_exclusive_opts *o, const struct hmm_exclusive_result *r)
{
	out_open_object(NULL);
	print_string(PRINT_ANY, "device", "%s:", o->device);
	print_uint(PRINT_ANY, "pages", " %llu pages", r->pages);
	print_uint(PRINT_ANY, "rounds", " x %llu rounds", r->rounds);
	print_uint(PRINT_ANY, "thp_bytes", ", huge pages %llu bytes\n", r->thp_bytes);
	print_uint(PRINT_ANY, "exclusive_pages", "  made exclusive %llu", r->exclusive_pages);
	print_uint(PRINT_ANY, "busy", ", EBUSY rounds %llu", r->busy);
	print_uint(PRINT_ANY, "mirror_mismatch", ", device copy wrong on %llu pages", r->mirror_mismatch);
	print_uint(PRINT_ANY, "held", ", still exclusive before the access %llu", r->held);
	print_uint(PRINT_ANY, "revoked", ", taken back by the CPU %llu", r->revoked);
	print_uint(PRINT_ANY, "data_errors", ", wrong data %llu\n", r->data_errors);
	if (o->mprotect) {
		char name[16];

		print_string(PRINT_ANY, "device_write", "  device write after mprotect(PROT_READ): %s (EPERM expected)\n",
			     r->device_write ? errno_name(-r->device_write, name) : "ok");
	}
	if (o->fork)
		print_int(PRINT_ANY, "child_status", "  fork: the child's copy %lld (0: right)\n", r->child_status);
	print_latency_figures("exclusive_latency", "  make exclusive, per page", &r->exclusive_ns);
	if (r->fault_ns.count) {
		print_latency_figures("fault_latency", "  CPU access that takes a page back", &r->fault_ns);
		print_latency_figures("normal_latency", "  the same access to an ordinary page", &r->normal_ns);
	}
	out_close_object();
}

/* The scenario's checks, as a failure the exit status shows. */
static int exclusive_verdict(const struct hmm_exclusive_opts *o, const struct hmm_exclusive_result *r)
{
	if (r->busy)
		return zc_err(EBUSY, o->thp ? "transparent huge pages can make pages impossible to take in 6.12" : NULL,
			      "%llu rounds could not make every page exclusive", (unsigned long long)r->busy);
	if (r->exclusive_pages != r->pages || r->held != r->pages * r->rounds)
		return zc_err(0, NULL, "%llu of %llu pages exclusive, %llu held", (unsigned long long)r->exclusive_pages,
			      (unsigned long long)r->pages, (unsigned long long)r->held);
	if (r->mirror_mismatch || r->data_errors)
		return zc_err(0, NULL, "wrong data: device copy on %llu pages, memory on %llu",
			      (unsigned long long)r->mirror_mismatch, (unsigned long long)r->data_errors);
	if (o->mprotect && r->device_write != -EPERM)
		return zc_err(0, NULL, "a device write to read-only memory answered %d, not -EPERM", r->device_write);
	if (o->fork && r->child_status)
		return zc_err(0, NULL, "the forked child saw wrong data (status %d)", r->child_status);
	if ((o->fork || o->access != HMM_ACCESS_NONE) && r->revoked != r->held)
		return zc_err(0, NULL, "the CPU access took back %llu of %llu exclusive pages",
			      (unsigned long long)r->revoked, (unsigned long long)r->held);
	return 0;
}

static int do_exclusive(struct args *a)
{
	uint64_t size = 4 << 20, repeat = 1;
	int access = HMM_ACCESS_WRITE, thp = 1, err;
	bool fork = false, mprot = false;
	const char *device = DEFAULT_DEVICE;
	struct hmm_exclusive_result r;
	char why[256];
	const struct kw kws[] = {
		{ "size", KW_SIZE, &size, 1, 1ULL << 30 },
		{ "device", KW_STR, &device, 0, 4095 },
		{ "access", KW_CHOICE, &access, .choices = accesses },
		{ "fork", KW_FLAG, &fork },
		{ "mprotect", KW_FLAG, &mprot },
		{ "thp", KW_CHOICE, &thp, .choices = on_off },
		{ "repeat", KW_U64, &repeat, 1, 1000000 },
		{ 0 },
	};

	if ((err = args_parse_kw(a, kws)) || (err = check_page_multiple(size)))
		return err;
	if (fork && mprot)
		return zc_usage("\"fork\" and \"mprotect\" are separate scenarios");
	const struct hmm_exclusive_opts o = {
		.device = device, .size = size, .access = access, .fork = fork, .mprotect = mprot, .thp = thp == 0,
		.repeat = repeat,
	};
	err = hmm_exclusive(&o, &r, why, sizeof(why));
	if (err)
		return device_error(err, device, why);
	print_exclusive(&o, &r);
	return exclusive_verdict(&o, &r);
}

static int do_race(struct args *a)
{
	uint64_t size = 1 << 20, threads = 2, rounds = 0, duration = 2000;
	const char *device = DEFAULT_DEVICE;
	struct hmm_race_result r;
	char why[256];
	int err;
	const struct kw kws[] = {
		{ "size", KW_SIZE, &size, 1, 1ULL << 30 },
		{ "device", KW_STR, &device, 0, 4095 },
		{ "threads", KW_U64, &threads, 1, 64 },
		{ "rounds", KW_U64, &rounds, 1, 1ULL << 32 },
		{ "duration", KW_U64, &duration, 1, 3600000 },
		{ 0 },
	};

	if ((err = args_parse_kw(a, kws)) || (err = check_page_multiple(size)))
		return err;
	const struct hmm_race_opts o = {
		.device = device, .size = size, .threads = threads, .rounds = rounds, .duration_ms = duration,
	};
	err = hmm_race(&o, &r, why, sizeof(why));
	if (err)
		return device_error(err, device, why);
	out_open_object(NULL);
	print_string(PRINT_ANY, "device", "%s:", device);
	print_uint(PRINT_ANY, "rounds", " %llu device passes", r.rounds);
	print_float(PRINT_ANY, "seconds", " in %.3f s", r.elapsed_ns / 1e9);
	print_uint(PRINT_ANY, "held", ": held %llu", r.held);
	print_uint(PRINT_ANY, "revoked", ", revoked by a CPU write %llu", r.revoked);
	print_uint(PRINT_ANY, "busy", ", EBUSY %llu", r.busy);
	print_uint(PRINT_ANY, "lost_before_read", ", taken back before the device read it %llu\n", r.raced);
	print_uint(PRINT_ANY, "increments", "  %llu CPU increments", r.increments);
	print_uint(PRINT_ANY, "lost", ", lost %llu\n", r.lost);
	out_close_object();
	if (r.lost)
		return zc_err(0, "a write made while the page was exclusive did not survive", "%llu increments lost",
			      (unsigned long long)r.lost);
	return 0;
}

static const char *const fills[] = { "none", "read", "write", "mixed", NULL };

/* The map as runs: "w x256 z x256 - x512" in text, [{"prot": "w", "pages": 256}, ...] in JSON. */
static void print_runs(const uint8_t *perm, size_t n)
{
	size_t i = 0;

	out_open_array("runs");
	print_text("  ");
	while (i < n) {
		size_t j = i;
		char one[2] = { hmm_prot_letter(perm[i]), 0 };

		while (j < n && hmm_prot_letter(perm[j]) == one[0])
			j++;
		out_open_object(NULL);
		print_string(PRINT_ANY, "prot", " %s", one);
		print_uint(PRINT_ANY, "pages", "x%llu", j - i);
		out_close_object();
		i = j;
	}
	out_close_array();
	print_nl();
}

static int do_snapshot(struct args *a)
{
	uint64_t size = 1 << 20;
	int fill = HMM_FILL_MIXED, thp = 1, err;
	bool exclusive = false;
	const char *device = DEFAULT_DEVICE;
	uint8_t *perm;
	char why[256], *map;
	size_t n, i;
	const struct kw kws[] = {
		{ "size", KW_SIZE, &size, 1, 1ULL << 30 },
		{ "device", KW_STR, &device, 0, 4095 },
		{ "fill", KW_CHOICE, &fill, .choices = fills },
		{ "thp", KW_CHOICE, &thp, .choices = on_off },
		{ "exclusive", KW_FLAG, &exclusive },
		{ 0 },
	};

	if ((err = args_parse_kw(a, kws)) || (err = check_page_multiple(size)))
		return err;
	const struct hmm_snapshot_opts o = {
		.device = device, .size = size, .fill = fill, .thp = thp == 0, .exclusive = exclusive,
	};
	n = size / sysconf(_SC_PAGESIZE);
	perm = calloc(n, 1);
	map = calloc(n + 1, 1);
	if (!perm || !map) {
		free(perm);
		free(map);
		return zc_err(ENOMEM, NULL, "the map of %zu pages", n);
	}
	err = hmm_snapshot(&o, perm, why, sizeof(why));
	if (err) {
		err = device_error(err, device, why);
	} else {
		for (i = 0; i < n; i++)
			map[i] = hmm_prot_letter(perm[i]);
		out_open_object(NULL);
		print_string(PRINT_ANY, "device", "%s:", device);
		print_uint(PRINT_ANY, "pages", " %llu pages", n);
		print_string(PRINT_ANY, "fill", ", filled %s", fills[fill]);
		print_bool(PRINT_ANY, "exclusive", ", exclusive %s\n", exclusive);
		print_runs(perm, n);
		json_string("map", map);
		out_close_object();
	}
	free(perm);
	free(map);
	return err;
}

static const struct cmd mm_cmds[] = {
	{ "show", do_show, "", "the test_hmm mirror devices, their kind and whether they answer our numbers" },
	{ "exclusive", do_exclusive, "[size SIZE] [device PATH] [access none|read|write] [fork | mprotect] [thp on|off] "
				     "[repeat N]",
	  "make memory device-exclusive, check every page and the data, then take it back with the CPU" },
	{ "snapshot", do_snapshot, "[size SIZE] [device PATH] [fill none|read|write|mixed] [thp on|off] [exclusive]",
	  "the protection of each page as the mirror sees it (SNAPSHOT), as runs and a map" },
	{ "race", do_race, "[size SIZE] [device PATH] [threads N] [rounds N | duration MS]",
	  "CPU writers against repeated exclusive passes: no write may be lost" },
	{ 0 },
};

const struct object mm_object = { "mm", mm_cmds, NULL, "device-exclusive memory access (test_hmm)" };
