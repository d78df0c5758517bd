// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/report.h"

#include "cli/json.h"

void print_latency_figures(const char *key, const char *label, const struct latency_figures *f)
{
	out_open_object(key);
	print_string(PRINT_TEXT, NULL, "%s:", label);
	print_float(PRINT_ANY, "p50_us", " p50 %.1f us", f->p50_ns / 1e3);
	print_float(PRINT_ANY, "p99_us", ", p99 %.1f us", f->p99_ns / 1e3);
	print_float(PRINT_ANY, "max_us", ", max %.1f us", f->max_ns / 1e3);
	print_uint(PRINT_ANY, "count", " (%llu)\n", f->count);
	out_close_object();
}

void print_latency(const char *key, const char *label, struct samples *s)
{
	struct latency_figures f;

	samples_figures(s, &f);
	print_latency_figures(key, label, &f);
}

void print_throughput(uint64_t bytes, uint64_t wall_ns, uint64_t cpu_ns)
{
	double secs = wall_ns / 1e9, gib = bytes / (double)(1ULL << 30);

	print_uint(PRINT_ANY, "bytes", "%llu bytes", bytes);
	print_float(PRINT_ANY, "seconds", " in %.3f s", secs);
	print_float(PRINT_ANY, "mib_per_s", ": %.1f MiB/s\n", secs > 0 ? bytes / (double)(1 << 20) / secs : 0);
	print_float(PRINT_ANY, "cpu_seconds", "cpu: %.3f s", cpu_ns / 1e9);
	print_float(PRINT_ANY, "cpu_s_per_gib", ", %.2f s/GiB\n", gib > 0 ? cpu_ns / 1e9 / gib : 0);
}
