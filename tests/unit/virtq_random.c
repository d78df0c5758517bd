// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtq_random.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/iov.h"

#define MAX_BUFS 12
#define MAX_LEN 700
#define SLOT (MAX_BUFS * (MAX_LEN + 16))	/* one chain's buffers, with gaps so no two touch */
#define CANARY 0xa5

/* A chain the driver made; its buffers are in the arena, one slot for each record. */
struct rec {
	uint64_t seq;
	unsigned n_out, n_in;
	struct iovec buf[MAX_BUFS];	/* out, then in */
	size_t out_len, in_len;
	uint32_t written;		/* what the device wrote */
	unsigned long popped;		/* when the device took it */
};

/*
 * What the virtio rules (2.7.7, 2.7.10, 2.7.13) say each end must ask for, kept from what the test
 * did to each end, never from what the faces report.
 */
struct model {
	bool event_idx;
	uint16_t added, kicked;		/* driver: available index, and what kick_prepare last showed */
	uint16_t taken;			/* device: the next available entry it takes */
	uint16_t pushed, published;	/* device: used index, and what publish last showed */
	bool published_once;
	uint16_t reaped;		/* driver: the next used entry it takes */
	uint16_t avail_event, used_event;	/* with EVENT_IDX: the entry each end last asked to hear of */
	bool no_notify, no_interrupt;	/* without: the flags */
};

struct run {
	const struct run_cfg *cfg;
	struct run_result *res;
	uint64_t rng;
	struct pair p;
	struct model m;
	struct rec *recs;
	uint8_t *arena;
	unsigned *free_recs, n_free;
	struct virtq_elem *held;	/* taken by the device, not pushed yet */
	unsigned n_held;
	struct iovec *held_iov;		/* what the held elements' iovec arrays are cut from */
	unsigned long pops, latest_pushed;
	uint64_t next_seq;
	bool dev_awake, drv_awake;
	bool drv_blocked;		/* no room for the next chain until some come back */
	uint8_t want[MAX_BUFS * MAX_LEN], got[MAX_BUFS * MAX_LEN];
};

/* splitmix64: a seed, any seed, and a well-mixed sequence from it */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rnd(struct run *r, unsigned n)
{
	return rng_next(&r->rng) % n;
}

/* ---- the model ---- */

/* Whether the index, moving from old to now, passed entry event. Counted, not computed. */
static bool passed(uint16_t event, uint16_t old, uint16_t now)
{
	uint16_t i;

	for (i = old; i != now; i++)
		if (i == event)
			return true;
	return false;
}

static bool model_kick(struct model *m)
{
	uint16_t old = m->kicked;

	m->kicked = m->added;
	if (old == m->added)
		return false;
	return m->event_idx ? passed(m->avail_event, old, m->added) : !m->no_notify;
}

/*
 * With EVENT_IDX the device also interrupts the first time: it cannot know what the driver saw
 * before it started (vhost does the same).
 */
static bool model_interrupt(struct model *m)
{
	uint16_t old = m->published;
	bool first = !m->published_once;

	m->published = m->pushed;
	if (old == m->pushed)
		return false;
	m->published_once = true;
	return m->event_idx ? first || passed(m->used_event, old, m->pushed) : !m->no_interrupt;
}

/* Kicks back on: the device asks to hear of its next entry; true if the driver showed it already. */
static bool model_kicks_on(struct model *m)
{
	m->avail_event = m->taken;
	m->no_notify = false;
	return m->kicked != m->taken;
}

/* Kicks off: with EVENT_IDX the event goes just behind what the driver showed, which it has passed. */
static void model_kicks_off(struct model *m)
{
	m->no_notify = true;
	if (m->event_idx)
		m->avail_event = m->kicked - 1;
}

static void model_interrupts_off(struct model *m)
{
	m->no_interrupt = true;
	if (m->event_idx)
		m->used_event = m->published - 1;
}

static bool model_interrupts_on(struct model *m)
{
	m->used_event = m->reaped;
	m->no_interrupt = false;
	return m->published != m->reaped;
}

static bool tally(struct tally *t, bool news, bool got, bool want)
{
	t->calls += news;
	t->notified += got;
	t->expected += want;
	t->wrong += got != want;
	return got;
}

/* ---- the bytes ---- */

typedef uint8_t (*pattern_fn)(uint64_t seq, size_t i);

static uint8_t out_byte(uint64_t seq, size_t i)
{
	return (uint8_t)(seq * 131 + i * 7 + 1);
}

static uint8_t in_byte(uint64_t seq, size_t i)
{
	return (uint8_t)(seq * 29 + i * 13 + 5);
}

/* In r->want, the first total bytes a chain's buffers should hold: the pattern up to len, then the canary. */
static void expect(struct run *r, uint64_t seq, pattern_fn byte, size_t len, size_t total)
{
	size_t i;

	for (i = 0; i < total; i++)
		r->want[i] = i < len ? byte(seq, i) : CANARY;
}

static void fill(struct run *r, const struct iovec *iov, unsigned n, uint64_t seq, pattern_fn byte, size_t len,
		 size_t total)
{
	expect(r, seq, byte, len, total);
	iov_copy_in(iov, n, 0, r->want, total);
}

static bool holds(struct run *r, const struct iovec *iov, unsigned n, uint64_t seq, pattern_fn byte, size_t len,
		  size_t total)
{
	expect(r, seq, byte, len, total);
	return iov_copy_out(iov, n, 0, r->got, total) == total && !memcmp(r->got, r->want, total);
}

/* got is want, each buffer perhaps in pieces where the device's mappings end. */
static bool iov_covers(const struct iovec *got, unsigned n_got, const struct iovec *want, unsigned n_want)
{
	unsigned g = 0, w;

	for (w = 0; w < n_want; w++) {
		size_t off = 0;

		while (off < want[w].iov_len) {
			if (g == n_got || got[g].iov_base != (char *)want[w].iov_base + off ||
			    got[g].iov_len > want[w].iov_len - off)
				return false;
			off += got[g++].iov_len;
		}
	}
	return g == n_got;
}

/* ---- the driver ---- */

/* Mostly short chains, now and then one as long as the ring allows; buffers of 1 to MAX_LEN bytes. */
static void make_chain(struct run *r, struct rec *c)
{
	unsigned most = r->cfg->pair.num < MAX_BUFS ? r->cfg->pair.num : MAX_BUFS, n, k;
	uint8_t *at = r->arena + (size_t)(c - r->recs) * SLOT;

	if (rnd(r, 16)) {
		c->n_out = rnd(r, 4);
		c->n_in = rnd(r, 4) ?: !c->n_out;
	} else {
		n = 1 + rnd(r, most);
		c->n_out = rnd(r, n + 1);
		c->n_in = n - c->n_out;
	}
	n = c->n_out + c->n_in;
	for (k = 0; k < n; k++) {
		size_t len = 1 + rnd(r, rnd(r, 8) ? 64 : MAX_LEN);

		c->buf[k] = (struct iovec){ at, len };
		at += len + 1 + rnd(r, 16);
	}
	c->seq = r->next_seq++;
	c->out_len = iov_length(c->buf, c->n_out);
	c->in_len = iov_length(c->buf + c->n_out, c->n_in);
	fill(r, c->buf, c->n_out, c->seq, out_byte, c->out_len, c->out_len);
	fill(r, c->buf + c->n_out, c->n_in, c->seq, in_byte, 0, c->in_len);
}

static bool drv_add(struct run *r)
{
	struct rec *c;
	uint16_t head;
	int err;

	if (!r->n_free) {
		r->drv_blocked = true;
		return false;
	}
	c = &r->recs[r->free_recs[r->n_free - 1]];
	make_chain(r, c);
	err = virtq_driver_add(r->p.drv, c->buf, c->n_out, c->buf + c->n_out, c->n_in, c);
	if (err == -ENOSPC) {
		r->res->enospc++;
		r->drv_blocked = true;
		return false;
	}
	if (err) {
		r->res->errors++;
		return false;
	}
	r->n_free--;
	r->res->submitted++;
	head = r->p.vr.avail->ring[r->m.added & (r->p.vr.num - 1)];
	r->res->indirect += !!(r->p.vr.desc[head].flags & VRING_DESC_F_INDIRECT);
	r->m.added++;
	return true;
}

/* A few chains, then kick_prepare: kick the device if it says so. */
static void drv_submit(struct run *r)
{
	unsigned k, batch = 1 + rnd(r, 4);
	bool news;

	for (k = 0; k < batch && r->res->submitted < r->cfg->chains; k++)
		if (!drv_add(r))
			break;
	news = r->m.added != r->m.kicked;
	if (tally(&r->res->kicks, news, virtq_driver_kick_prepare(r->p.drv), model_kick(&r->m)))
		r->dev_awake = true;
}

static void drv_check(struct run *r, struct rec *c, uint32_t len)
{
	r->m.reaped++;
	if (len != c->written)
		r->res->bad_len++;
	else if (!holds(r, c->buf + c->n_out, c->n_in, c->seq, in_byte, len, c->in_len))
		r->res->bad_bytes++;
	r->free_recs[r->n_free++] = c - r->recs;
	r->res->completed++;
	r->drv_blocked = false;
}

/* Interrupts off, take a few used chains, and now and then interrupts on and sleep unless more came. */
static void drv_reap(struct run *r)
{
	unsigned budget = 1 + rnd(r, 8);
	void *token;
	uint32_t len;
	int got = 0;

	virtq_driver_interrupts_off(r->p.drv);
	model_interrupts_off(&r->m);
	while (budget-- && (got = virtq_driver_get_used(r->p.drv, &token, &len)) == 1)
		drv_check(r, token, len);
	r->res->errors += got < 0;
	if (rnd(r, 3))
		r->drv_awake = tally(&r->res->listens, true, virtq_driver_interrupts_on(r->p.drv),
				     model_interrupts_on(&r->m));
}

/* ---- the device ---- */

static struct rec *rec_of(struct run *r, const struct virtq_elem *e)
{
	uintptr_t off = (uintptr_t)e->iov[0].iov_base - (uintptr_t)r->arena;

	must(e->n_out + e->n_in && off < (uintptr_t)r->cfg->pair.num * SLOT, "the device got a buffer of no chain");
	return &r->recs[off / SLOT];
}

/* Check what the driver wrote, write some of what it may read. */
static void dev_serve(struct run *r, struct virtq_elem *e)
{
	struct rec *c = rec_of(r, e);

	if (!iov_covers(e->iov, e->n_out, c->buf, c->n_out) ||
	    !iov_covers(e->iov + e->n_out, e->n_in, c->buf + c->n_out, c->n_in))
		r->res->bad_shape++;
	else if (!holds(r, e->iov, e->n_out, c->seq, out_byte, c->out_len, c->out_len))
		r->res->bad_bytes++;
	c->written = rnd(r, c->in_len + 1);
	fill(r, e->iov + e->n_out, e->n_in, c->seq, in_byte, c->written, c->written);
	c->popped = r->pops++;
}

static void dev_take(struct run *r, unsigned most)
{
	while (most-- && r->n_held < r->cfg->pair.num) {
		struct virtq_elem *e = &r->held[r->n_held];
		int got = virtq_pop(r->p.dev, e);

		if (got <= 0) {
			r->res->errors += got < 0;
			return;
		}
		r->m.taken++;
		dev_serve(r, e);
		r->n_held++;
	}
}

/* Push n of the held chains, each picked at random, then publish: interrupt the driver if it says so. */
static void dev_complete(struct run *r, unsigned n)
{
	bool news;

	while (n--) {
		unsigned i = rnd(r, r->n_held);
		struct virtq_elem e = r->held[i];
		struct rec *c = rec_of(r, &e);

		/* swapped, not copied: each slot keeps an iovec array of its own */
		r->held[i] = r->held[--r->n_held];
		r->held[r->n_held] = e;
		if (c->popped < r->latest_pushed)
			r->res->out_of_order++;
		else
			r->latest_pushed = c->popped;
		virtq_push(r->p.dev, e.head, c->written);
		r->m.pushed++;
	}
	news = r->m.pushed != r->m.published;
	if (tally(&r->res->interrupts, news, virtq_publish(r->p.dev), model_interrupt(&r->m)))
		r->drv_awake = true;
}

/* Kicks off, take a few chains, complete some of what it holds; with nothing held, now and then sleep. */
static void dev_work(struct run *r)
{
	virtq_kicks_off(r->p.dev);
	model_kicks_off(&r->m);
	dev_take(r, 1 + rnd(r, 8));
	dev_complete(r, r->n_held ? rnd(r, r->n_held + 1) : 0);
	if (!r->n_held && rnd(r, 2))
		r->dev_awake = tally(&r->res->listens, true, virtq_kicks_on(r->p.dev), model_kicks_on(&r->m));
}

/* ---- the run ---- */

/* Chains in flight, yet both ends asleep and the driver unable to add: someone missed a notification. */
static bool stalled(const struct run *r)
{
	bool can_add = r->res->submitted < r->cfg->chains && !r->drv_blocked;

	return r->res->completed < r->cfg->chains && !r->dev_awake && !r->drv_awake && !can_add;
}

static void run_alloc(struct run *r)
{
	unsigned num = r->cfg->pair.num, i;
	uint64_t granule = r->cfg->pair.granule;
	unsigned max_iov = granule ? MAX_BUFS * (MAX_LEN / granule + 2) : MAX_BUFS;

	r->recs = calloc(num, sizeof(*r->recs));
	r->arena = malloc((size_t)num * SLOT);
	r->free_recs = calloc(num, sizeof(*r->free_recs));
	r->held = calloc(num, sizeof(*r->held));
	r->held_iov = calloc((size_t)num * max_iov, sizeof(*r->held_iov));
	must(r->recs && r->arena && r->free_recs && r->held && r->held_iov, "memory for a random run");
	for (i = 0; i < num; i++) {
		r->free_recs[i] = i;
		r->held[i] = (struct virtq_elem){ .iov = r->held_iov + (size_t)i * max_iov, .max_iov = max_iov };
	}
	r->n_free = num;
}

static void run_free(struct run *r)
{
	free(r->held_iov);
	free(r->held);
	free(r->free_recs);
	free(r->arena);
	free(r->recs);
}

void run_random(const struct run_cfg *cfg, uint64_t seed, struct run_result *res)
{
	struct run *r = calloc(1, sizeof(*r));
	uint16_t start = cfg->pair.start;

	must(r, "memory for a random run");
	memset(res, 0, sizeof(*res));
	*r = (struct run){ .cfg = cfg, .res = res, .rng = seed };
	r->m = (struct model){ .event_idx = cfg->pair.event_idx, .added = start, .kicked = start, .taken = start,
			       .pushed = start, .published = start, .reaped = start, .avail_event = start,
			       .used_event = start };
	pair_open(&r->p, &cfg->pair);
	run_alloc(r);
	while (res->completed < cfg->chains && !res->errors && !res->stalled) {
		switch (rnd(r, 3)) {
		case 0:
			if (res->submitted < cfg->chains)
				drv_submit(r);
			break;
		case 1:
			if (r->dev_awake)
				dev_work(r);
			break;
		default:
			if (r->drv_awake)
				drv_reap(r);
			break;
		}
		res->stalled = stalled(r);
	}
	res->next_avail = virtq_next_avail(r->p.dev);
	res->next_used = virtq_next_used(r->p.dev);
	run_free(r);
	pair_close(&r->p);
	free(r);
}
