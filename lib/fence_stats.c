// SPDX-License-Identifier: GPL-2.0-or-later
#include "fence_stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* An open-addressing table of what is in flight: fences since init, waits since wait_start. */
struct slot {
	uint64_t context, seqno;
	uint32_t pid;		/* waits only */
	uint8_t used, is_wait;
	unsigned group;
	uint64_t init_ns, enable_ns, wait_ns;
};

struct fence_track {
	struct slot *slots;
	size_t cap, used;
};

static uint64_t hash(uint64_t context, uint64_t seqno, uint32_t pid, uint8_t is_wait)
{
	uint64_t h = context * 0x9e3779b97f4a7c15ULL ^ seqno * 0xc2b2ae3d27d4eb4fULL ^ pid ^ ((uint64_t)is_wait << 63);

	return h ^ (h >> 29);
}

static struct slot *find(struct fence_track *t, uint64_t context, uint64_t seqno, uint32_t pid, uint8_t is_wait,
			 int create);

static int grow(struct fence_track *t)
{
	struct fence_track bigger = { .cap = t->cap ? t->cap * 2 : 1024 };
	size_t i;

	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++) {
		struct slot *old = &t->slots[i], *n;

		if (!old->used)
			continue;
		n = find(&bigger, old->context, old->seqno, old->pid, old->is_wait, 1);
		*n = *old;
	}
	free(t->slots);
	*t = bigger;
	return 0;
}

/* create: 0 look up, 1 insert (table has room). Deleted slots are compacted by remove(). */
static struct slot *find(struct fence_track *t, uint64_t context, uint64_t seqno, uint32_t pid, uint8_t is_wait,
			 int create)
{
	size_t i;

	if (!t->cap)
		return NULL;
	for (i = hash(context, seqno, pid, is_wait) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct slot *s = &t->slots[i];

		if (!s->used) {
			if (!create)
				return NULL;
			memset(s, 0, sizeof(*s));
			s->used = 1;
			s->context = context;
			s->seqno = seqno;
			s->pid = pid;
			s->is_wait = is_wait;
			t->used++;
			return s;
		}
		if (s->context == context && s->seqno == seqno && s->pid == pid && s->is_wait == is_wait)
			return s;
	}
}

/* Backward-shift deletion keeps every probe chain unbroken. */
static void remove_slot(struct fence_track *t, struct slot *s)
{
	size_t i = s - t->slots, j = i;

	s->used = 0;
	t->used--;
	for (;;) {
		size_t home;

		j = (j + 1) & (t->cap - 1);
		if (!t->slots[j].used)
			return;
		home = hash(t->slots[j].context, t->slots[j].seqno, t->slots[j].pid, t->slots[j].is_wait) & (t->cap - 1);
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			t->slots[i] = t->slots[j];
			t->slots[j].used = 0;
			i = j;
		}
	}
}

static struct slot *lookup_or_add(struct fence_track *t, const struct fence_event *e, uint8_t is_wait, int *err)
{
	uint32_t pid = is_wait ? e->pid : 0;
	struct slot *s = find(t, e->context, e->seqno, pid, is_wait, 0);

	*err = 0;
	if (s)
		return s;
	if ((t->used + 1) * 2 > t->cap && (*err = grow(t)))
		return NULL;
	return find(t, e->context, e->seqno, pid, is_wait, 1);
}

static int group_of(struct fence_stats *s, const struct fence_event *e, unsigned *out)
{
	struct fence_group *g;
	unsigned i;

	for (i = 0; i < s->ngroups; i++) {
		if (!memcmp(&s->groups[i].names, &e->names, sizeof(e->names))) {
			*out = i;
			return 0;
		}
	}
	g = realloc(s->groups, (s->ngroups + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	s->groups = g;
	g = &s->groups[s->ngroups];
	memset(g, 0, sizeof(*g));
	memcpy(&g->names, &e->names, sizeof(e->names));
	*out = s->ngroups++;
	return 0;
}

unsigned fence_hist_bucket(uint64_t ns)
{
	unsigned b = 0;

	while (ns > 1 && b < FENCE_HIST_BUCKETS - 1) {
		ns >>= 1;
		b++;
	}
	return b;
}

static int on_signaled(struct fence_group *g, struct fence_track *t, const struct fence_event *e)
{
	struct slot *f = find(t, e->context, e->seqno, 0, 0, 0);
	int err = 0;

	if (e->error)
		g->errors++;
	if (!f)		/* created before we looked: counted, not timed */
		return 0;
	g->signaled++;
	if (f->init_ns) {
		err = samples_add(&g->init_to_signaled, e->ts_ns - f->init_ns);
		g->hist[fence_hist_bucket(e->ts_ns - f->init_ns)]++;
	}
	if (!err && f->enable_ns)
		err = samples_add(&g->enable_to_signaled, e->ts_ns - f->enable_ns);
	f->init_ns = 0;	/* signalled once: a second signal event would not be timed again */
	f->enable_ns = 0;
	return err;
}

int fence_stats_add(struct fence_stats *s, const struct fence_event *e)
{
	struct fence_group *g;
	struct slot *f;
	unsigned gi;
	int err;

	if (e->type >= FENCE_NR_EVENTS)
		return 0;
	if (!s->track && !(s->track = calloc(1, sizeof(*s->track))))
		return -ENOMEM;
	if ((err = group_of(s, e, &gi)))
		return err;
	/* a fence we saw created keeps its group, even if its names were lost since */
	if (e->type != FENCE_INIT && (f = find(s->track, e->context, e->seqno, 0, 0, 0)))
		gi = f->group;
	g = &s->groups[gi];
	g->events[e->type]++;
	s->events++;
	switch (e->type) {
	case FENCE_INIT:
		g->fences++;
		f = lookup_or_add(s->track, e, 0, &err);
		if (f) {
			f->group = gi;
			f->init_ns = e->ts_ns;
			f->enable_ns = 0;
		}
		return err;
	case FENCE_ENABLE_SIGNAL:
		f = find(s->track, e->context, e->seqno, 0, 0, 0);
		if (f && f->init_ns && !f->enable_ns)
			f->enable_ns = e->ts_ns;
		return 0;
	case FENCE_SIGNALED:
		return on_signaled(g, s->track, e);
	case FENCE_DESTROY:
		f = find(s->track, e->context, e->seqno, 0, 0, 0);
		if (f)
			remove_slot(s->track, f);
		return 0;
	case FENCE_WAIT_START:
		f = lookup_or_add(s->track, e, 1, &err);
		if (f)
			f->wait_ns = e->ts_ns;
		return err;
	case FENCE_WAIT_END:
		g->waits++;
		f = find(s->track, e->context, e->seqno, e->pid, 1, 0);
		if (f) {
			g->wait_ns += e->ts_ns - f->wait_ns;
			remove_slot(s->track, f);
		}
		return 0;
	default:
		return 0;
	}
}

void fence_stats_free(struct fence_stats *s)
{
	unsigned i;

	for (i = 0; i < s->ngroups; i++) {
		samples_free(&s->groups[i].init_to_signaled);
		samples_free(&s->groups[i].enable_to_signaled);
	}
	free(s->groups);
	if (s->track)
		free(s->track->slots);
	free(s->track);
	memset(s, 0, sizeof(*s));
}
