/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Figures several objects report the same way: latency percentiles, throughput and CPU cost. */
#ifndef ZC_REPORT_H
#define ZC_REPORT_H

#include <stdint.h>

#include "stats.h"

/* "LABEL: p50 X us, p99 Y us, max Z us" / {"p50_us", "p99_us", "max_us", "count"} under key */
void print_latency(const char *key, const char *label, struct samples *s);
void print_latency_figures(const char *key, const char *label, const struct latency_figures *f);
/* bytes, seconds, MiB/s, CPU seconds and CPU seconds per GiB */
void print_throughput(uint64_t bytes, uint64_t wall_ns, uint64_t cpu_ns);

#endif
