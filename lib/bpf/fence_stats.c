// SPDX-License-Identifier: GPL-2.0-or-later
#include "bpf/fence_stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void latency_add(struct fence_latency *sum, const struct fence_latency *cpu)
{
	unsigned b;

	for (b = 0; b < FENCE_HIST_BUCKETS; b++)
		sum->hist[b] += cpu->hist[b];
	if (cpu->max_ns > sum->max_ns)
		sum->max_ns = cpu->max_ns;
}

void fence_agg_add(struct fence_agg *sum, const struct fence_agg *cpu)
{
	unsigned i;

	for (i = 0; i < FENCE_NR_EVENTS; i++)
		sum->events[i] += cpu->events[i];
	sum->fences += cpu->fences;
	sum->signaled += cpu->signaled;
	sum->errors += cpu->errors;
	sum->waits += cpu->waits;
	sum->wait_ns += cpu->wait_ns;
	sum->untracked += cpu->untracked;
	latency_add(&sum->init_to_signaled, &cpu->init_to_signaled);
	latency_add(&sum->enable_to_signaled, &cpu->enable_to_signaled);
	latency_add(&sum->wait, &cpu->wait);
}

bool fence_agg_empty(const struct fence_agg *a)
{
	unsigned i;

	for (i = 0; i < FENCE_NR_EVENTS; i++)
		if (a->events[i])
			return false;
	return true;
}

int fence_stats_add_group(struct fence_stats *s, const struct fence_names *names, const struct fence_agg *agg)
{
	struct fence_group *g = realloc(s->groups, (s->ngroups + 1) * sizeof(*g));
	unsigned i;

	if (!g)
		return -ENOMEM;
	s->groups = g;
	g = &s->groups[s->ngroups++];
	g->names = *names;
	g->agg = *agg;
	for (i = 0; i < FENCE_NR_EVENTS; i++)
		s->events += agg->events[i];
	s->untracked += agg->untracked;
	return 0;
}

void fence_stats_free(struct fence_stats *s)
{
	free(s->groups);
	memset(s, 0, sizeof(*s));
}

uint64_t fence_latency_count(const struct fence_latency *l)
{
	uint64_t n = 0;
	unsigned b;

	for (b = 0; b < FENCE_HIST_BUCKETS; b++)
		n += l->hist[b];
	return n;
}

uint64_t fence_latency_percentile(const struct fence_latency *l, double p)
{
	uint64_t n = fence_latency_count(l), rank, seen = 0;
	unsigned b;

	if (!n)
		return 0;
	rank = (uint64_t)(p / 100.0 * (double)n + 0.999999);
	rank = rank ? rank : 1;
	for (b = 0; b < FENCE_HIST_BUCKETS - 1; b++) {
		seen += l->hist[b];
		if (seen >= rank)
			break;
	}
	return (2ULL << b) < l->max_ns ? 2ULL << b : l->max_ns;
}

void fence_latency_figures(const struct fence_latency *l, struct latency_figures *out)
{
	out->p50_ns = fence_latency_percentile(l, 50);
	out->p99_ns = fence_latency_percentile(l, 99);
	out->max_ns = l->max_ns;
	out->count = fence_latency_count(l);
}
