// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/fence_stats: adding per-CPU figures up, and percentiles from log2 buckets. */
#include <string.h>

#include "bpf/fence_stats.h"
#include "tap.h"

/* one sample of ns in the bucket the BPF programs would put it in */
static void add_sample(struct fence_latency *l, unsigned long long ns)
{
	unsigned b = 0;

	while (ns >> (b + 1) && b < FENCE_HIST_BUCKETS - 1)
		b++;
	l->hist[b]++;
	if (ns > l->max_ns)
		l->max_ns = ns;
}

static void test_add(void)
{
	struct fence_agg sum = { 0 }, cpu0 = { 0 }, cpu1 = { 0 };

	ok(fence_agg_empty(&sum), "nothing counted: empty");
	cpu0.events[FENCE_INIT] = 3;
	cpu0.fences = 3;
	cpu0.signaled = 2;
	cpu0.untracked = 1;
	add_sample(&cpu0.init_to_signaled, 1000);
	add_sample(&cpu0.init_to_signaled, 5000);
	cpu1.events[FENCE_SIGNALED] = 2;
	cpu1.errors = 1;
	cpu1.waits = 1;
	cpu1.wait_ns = 700;
	add_sample(&cpu1.init_to_signaled, 3000);
	fence_agg_add(&sum, &cpu0);
	fence_agg_add(&sum, &cpu1);
	ok(!fence_agg_empty(&sum), "events counted: not empty");
	is_int(sum.events[FENCE_INIT], 3, "init events add up");
	is_int(sum.events[FENCE_SIGNALED], 2, "signaled events add up");
	is_int(sum.fences, 3, "fences add up");
	is_int(sum.signaled, 2, "signaled add up");
	is_int(sum.errors, 1, "errors add up");
	is_int(sum.untracked, 1, "untracked add up");
	is_int(sum.wait_ns, 700, "wait time adds up");
	is_int(fence_latency_count(&sum.init_to_signaled), 3, "three latencies");
	is_int(sum.init_to_signaled.max_ns, 5000, "the max is the larger CPU's");
}

static void test_percentiles(void)
{
	struct fence_latency l = { 0 };
	struct latency_figures f;
	unsigned i;

	is_int(fence_latency_percentile(&l, 50), 0, "no samples: 0");
	/* 50, 100, ..., 500 ms: the trace-fence guest test's ten fences */
	for (i = 1; i <= 10; i++)
		add_sample(&l, i * 50000000ULL);
	/* the 5th value, 250 ms, is in [2^27, 2^28) ns: the upper edge is 268435456 */
	is_int(fence_latency_percentile(&l, 50), 1ULL << 28, "p50: the upper edge of the 5th value's bucket");
	is_int(fence_latency_percentile(&l, 99), 500000000, "p99: capped at the exact max");
	is_int(fence_latency_percentile(&l, 0), 1ULL << 26, "p0: the first value's bucket");
	fence_latency_figures(&l, &f);
	is_int(f.count, 10, "figures: count");
	is_int(f.max_ns, 500000000, "figures: exact max");
	memset(&l, 0, sizeof(l));
	add_sample(&l, 0);
	is_int(fence_latency_percentile(&l, 50), 0, "a zero latency stays 0");
	add_sample(&l, 1ULL << 45);
	is_int(l.hist[FENCE_HIST_BUCKETS - 1], 1, "beyond the last bucket: counted in the last");
	is_int(fence_latency_percentile(&l, 100), 1ULL << 40, "p100 there: the last bucket's edge");
}

static void test_groups(void)
{
	struct fence_stats s = { 0 };
	struct fence_names n = { "sw_sync", "zc" };
	struct fence_agg a = { 0 };

	a.events[FENCE_INIT] = 4;
	a.events[FENCE_SIGNALED] = 4;
	a.untracked = 2;
	is_int(fence_stats_add_group(&s, &n, &a), 0, "a group goes in");
	is_int(fence_stats_add_group(&s, &n, &a), 0, "and another");
	is_int(s.ngroups, 2, "two groups");
	is_str(s.groups[1].names.timeline, "zc", "with its names");
	is_int(s.events, 16, "events of all groups");
	is_int(s.untracked, 4, "untracked of all groups");
	fence_stats_free(&s);
	is_int(s.ngroups, 0, "freed");
}

int main(void)
{
	test_add();
	test_percentiles();
	test_groups();
	return done_testing();
}
