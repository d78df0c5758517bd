// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The blk engine of vduse_serve(): virtio-blk requests handled by a group of I/O threads as
 * they arrive, and completed in the order they were taken (a reorder window per queue).
 *
 * Each thread takes one request, handles it (preadv/pwritev on the backend) and completes it.
 * A thread that takes a large request (LARGE bytes or more: it will take a while) hands the
 * ring over: an idle thread of its group is woken if more requests wait, or is kicked when the
 * next one arrives, so that one starts at once instead of waiting behind the large one. Small
 * requests are not worth a second thread's wakeup (measured in a 2-CPU guest, tests/bench/vduse-blk:
 * 4K reads ran 14-21% slower handed around than taken in turn by one thread): the thread that has the ring
 * keeps it, kicks off, until it is empty. A request done before an earlier one waits in the
 * window: the used ring only ever grows in the order of the available ring, which keeps a
 * restart exact (the used index says which requests were completed; serve.h).
 *
 * Idle threads wait in one epoll of the group on its kick eventfds, edge-triggered: a kick wakes
 * one thread (epoll's waiters are exclusive), and the eventfd is never read. (An epoll per
 * thread with EPOLLEXCLUSIVE also queued a kick that came while its thread was busy, for that
 * thread to find when it next went idle.) The stop eventfd is level-triggered: a thread that
 * harvests it leaves it ready, and epoll wakes the next waiter. Notifications are
 * on while a thread is idle and nobody has the ring; a thread looks at the ring before it
 * goes idle, so nothing the driver added meanwhile waits for a kick that does not come.
 *
 * Groups (the workers option) split the queues: group g serves queues g, g + n, g + 2n...
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "stats.h"
#include "vduse/server.h"
#include "virtio/iov.h"
#include "why.h"

#define LARGE (64 * 1024)	/* bytes of a request worth a second thread */

/* A taken request's place in its queue's completion order. */
struct slot {
	uint16_t head;
	bool done;
	uint32_t written;
};

/* The reorder window of one queue: slots oldest..oldest + count - 1 (mod num) are taken, in order. */
struct window {
	struct served_vq *q;
	struct slot *slots;	/* num: the driver cannot have more requests out */
	unsigned num, oldest, count;
	unsigned unpublished;	/* used entries pushed, not yet visible to the driver */
};

struct group;

struct io_thread {
	pthread_t thread;
	bool started;
	struct group *g;
	struct request r;	/* the request in hand */
	struct vblk_counters blk;
	uint64_t kicks, polled;
};

struct group {
	struct server *s;
	const bool *stop;
	int ep;			/* the idle threads' epoll: the kick eventfds, the stop eventfd */
	pthread_mutex_t lock;	/* the windows, their rings, idle, polling */
	bool lock_ready;
	struct window *win;
	unsigned nwin;
	unsigned next_win;	/* where the next look for requests starts: no queue starves */
	struct io_thread *t;
	unsigned nt;
	unsigned idle;		/* threads waiting for a kick: notifications are on while there are any */
	bool polling;		/* one idle thread at a time looks at the rings instead of sleeping */
	uint64_t irqs, held;
	unsigned peak;		/* the fullest any window was */
};

struct blk_engine {
	struct group *groups;
	unsigned ngroups;
	unsigned nthreads;	/* started, across the groups: the next one's index for its CPU */
	int stopfd;		/* readable once the engine stops: wakes every thread */
	bool stop;
};

/* ---- in the I/O threads ---- */

/* One request from the first queue with some, its slot reserved; the window, or NULL. Under the lock. */
static struct window *take(struct group *g, struct request *r, unsigned *slot)
{
	unsigned i;

	for (i = 0; i < g->nwin; i++) {
		struct window *w = &g->win[(g->next_win + i) % g->nwin];
		int got;

		if (w->count == w->num || !(got = virtq_pop(w->q->vq, &r->elem)))
			continue;
		__atomic_store_n(&w->q->rec->taken, virtq_next_avail(w->q->vq), __ATOMIC_RELEASE);
		r->ok = got > 0;
		*slot = (w->oldest + w->count++) % w->num;
		w->slots[*slot] = (struct slot){ .head = r->elem.head };
		if (w->count > g->peak)
			g->peak = w->count;
		g->next_win = (g->next_win + i + 1) % g->nwin;
		return w;
	}
	return NULL;
}

static bool any_pending(const struct group *g)
{
	unsigned i;

	for (i = 0; i < g->nwin; i++)
		if (virtq_pending(g->win[i].q->vq))
			return true;
	return false;
}

static void publish(struct group *g, struct window *w)
{
	if (w->unpublished)
		serve_publish(g->s, w->q, &g->irqs);
	w->unpublished = 0;
}

/*
 * The request in a slot is done: everything done from the oldest on goes to the used ring. It
 * is published (and the driver interrupted) when no request waits; while some do, a thread is
 * about to take the next one, and one interrupt will tell the driver of both. Under the lock.
 */
static void complete(struct group *g, struct window *w, unsigned slot, uint32_t written)
{
	w->slots[slot].written = written;
	w->slots[slot].done = true;
	g->held += slot != w->oldest;
	while (w->count && w->slots[w->oldest].done) {
		virtq_push(w->q->vq, w->slots[w->oldest].head, w->slots[w->oldest].written);
		w->oldest = (w->oldest + 1) % w->num;
		w->count--;
		w->unpublished++;
	}
	if (!virtq_pending(w->q->vq) || w->unpublished >= BATCH)
		publish(g, w);
}

/*
 * Notifications on for every queue, from the next request on; true if requests are waiting
 * already (no kick will come for them). With EVENT_IDX the driver kicks once when it passes the
 * index we name, so this is done again after every take while a thread is idle. Under the lock.
 */
static bool listen_all(struct group *g)
{
	bool waiting = false;
	unsigned i;

	for (i = 0; i < g->nwin; i++)
		waiting |= virtq_kicks_on(g->win[i].q->vq);
	return waiting;
}

static void quiet_all(struct group *g)
{
	unsigned i;

	for (i = 0; i < g->nwin; i++)
		virtq_kicks_off(g->win[i].q->vq);
}

/*
 * After a take: should an idle thread have the ring while this one is busy? For a large request,
 * yes: it is kicked for the next request, or (true) to be woken now for one that is there.
 * Otherwise this thread keeps the ring, and the driver need not kick. Under the lock.
 */
static bool hand_over(struct group *g, struct window *w, const struct request *r)
{
	bool large = iov_length(r->elem.iov, r->elem.n_out + r->elem.n_in) >= LARGE;

	if (large)
		publish(g, w);	/* what is done must not wait for a large request */
	if (!g->idle)
		return false;
	if (large)
		return listen_all(g);
	quiet_all(g);
	return false;
}

/* Wake one idle thread of the group: the edge on a kick eventfd that every idle thread waits for. */
static void wake_one(struct group *g)
{
	eventfd_write(g->win[0].q->kickfd, 1);
}

/* Take, handle and complete requests while there are any (the driver's memory held shared). */
static void work(struct io_thread *t)
{
	struct group *g = t->g;
	const struct vblk_backend *b = g->s->o->backend;

	for (;;) {
		struct window *w;
		unsigned slot;
		bool more;

		if (__atomic_load_n(g->stop, __ATOMIC_ACQUIRE))
			return;	/* what is still available waits for the next server */
		pthread_rwlock_rdlock(&g->s->maps);
		pthread_mutex_lock(&g->lock);
		w = take(g, &t->r, &slot);
		more = w && hand_over(g, w, &t->r);
		pthread_mutex_unlock(&g->lock);
		if (!w) {
			pthread_rwlock_unlock(&g->s->maps);
			return;
		}
		if (more)
			wake_one(g);
		t->r.written = vblk_handle(b, &t->r.elem, t->r.ok, t->r.scratch, &t->blk);
		pthread_mutex_lock(&g->lock);
		complete(g, w, slot, t->r.written);
		pthread_mutex_unlock(&g->lock);
		pthread_rwlock_unlock(&g->s->maps);
	}
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* With poll_us, one idle thread looks at the rings this long before it sleeps: true if a request came. */
static bool poll_for_more(struct io_thread *t)
{
	struct group *g = t->g;
	unsigned us = g->s->o->poll_us;
	bool mine, found = false;
	uint64_t end;

	if (!us)
		return false;
	pthread_mutex_lock(&g->lock);
	mine = !g->polling;
	g->polling = true;
	pthread_mutex_unlock(&g->lock);
	if (!mine)
		return false;
	/* the rings' indexes only, without the lock: a request seen is taken under it */
	pthread_rwlock_rdlock(&g->s->maps);
	end = now_ns() + us * 1000ULL;
	while (!(found = any_pending(g)) && now_ns() < end && !__atomic_load_n(g->stop, __ATOMIC_RELAXED))
		cpu_relax();
	pthread_rwlock_unlock(&g->s->maps);
	pthread_mutex_lock(&g->lock);
	g->polling = false;
	pthread_mutex_unlock(&g->lock);
	t->polled += found;
	return found;
}

/* Become idle with notifications on; false if a request came in meanwhile (no sleep then). */
static bool go_idle(struct group *g)
{
	bool waiting;

	pthread_mutex_lock(&g->lock);
	g->idle++;
	if ((waiting = listen_all(g)) && --g->idle == 0)
		quiet_all(g);
	pthread_mutex_unlock(&g->lock);
	return !waiting;
}

static void wake_up(struct group *g)
{
	pthread_mutex_lock(&g->lock);
	if (--g->idle == 0)
		quiet_all(g);	/* nobody left to take a kick: the busy threads look before they sleep */
	pthread_mutex_unlock(&g->lock);
}

/* Sleep until a kick (true) or the engine stops (false). */
static bool wait_kick(struct io_thread *t)
{
	struct epoll_event ev[8];
	bool kicked = false, stop = false;
	int n, i;

	do
		n = epoll_wait(t->g->ep, ev, 8, -1);
	while (n < 0 && errno == EINTR);
	for (i = 0; i < n; i++) {
		if (ev[i].data.ptr)
			kicked = true;
		else
			stop = true;
	}
	t->kicks += kicked;
	return !stop;
}

static void *io_main(void *arg)
{
	struct io_thread *t = arg;
	struct group *g = t->g;
	bool running = true;

	while (running) {
		work(t);
		if (__atomic_load_n(g->stop, __ATOMIC_ACQUIRE))
			break;
		if (poll_for_more(t) || !go_idle(g))
			continue;
		running = wait_kick(t);
		wake_up(g);
	}
	return NULL;
}

/* ---- starting and stopping, in the control thread ---- */

static int watch(int ep, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* The group's epoll: its queues' kicks edge-triggered, the stop eventfd level-triggered (every thread sees it). */
static int group_epoll(struct blk_engine *e, struct group *g)
{
	struct server *s = g->s;
	unsigned i;
	int err;

	g->ep = epoll_create1(EPOLL_CLOEXEC);
	if (g->ep < 0)
		return fail(s, -errno, "creating an I/O group's epoll");
	for (i = 0; i < g->nwin; i++)
		if ((err = watch(g->ep, g->win[i].q->kickfd, EPOLLIN | EPOLLET, &g->win[i])))
			return fail(s, err, "epoll_ctl of queue %u's kick", g->win[i].q->index);
	if ((err = watch(g->ep, e->stopfd, EPOLLIN, NULL)))
		return fail(s, err, "epoll_ctl");
	return 0;
}

/* Thread n of all the groups' threads, in the order they start (what its CPU is chosen by). */
static int start_thread(struct group *g, struct io_thread *t, unsigned n, unsigned max_num)
{
	struct server *s = g->s;
	int err;

	t->g = g;
	if ((err = request_init(&t->r, max_num)))
		return fail(s, err, "an I/O thread's request");
	if ((err = serve_thread_start(s, n, &t->thread, io_main, t)))
		return fail(s, err, "starting an I/O thread");
	t->started = true;
	return 0;
}

/* I/O threads of a group, as asked, else one per CPU (of those asked for, or online) up to 4. */
static unsigned io_threads(const struct vduse_serve_opts *o)
{
	long cpus = o->cpus ? CPU_COUNT(o->cpus) : sysconf(_SC_NPROCESSORS_ONLN);

	if (o->io_threads)
		return o->io_threads;
	return cpus < 1 ? 1 : cpus > 4 ? 4 : cpus;
}

/* The windows of group k's enabled queues, then its threads. */
static int start_group(struct server *s, struct blk_engine *e, struct group *g, unsigned k)
{
	unsigned i, max_num = 0, nt = io_threads(s->o);
	int err;

	g->s = s;
	g->stop = &e->stop;
	g->win = calloc(s->nvq, sizeof(*g->win));
	g->t = calloc(nt, sizeof(*g->t));
	if (!g->win || !g->t)
		return fail(s, -ENOMEM, "I/O threads");
	pthread_mutex_init(&g->lock, NULL);
	g->lock_ready = true;
	for (i = k; i < s->nvq; i += e->ngroups) {
		struct served_vq *q = &s->vqs[i];
		struct window *w = &g->win[g->nwin];

		if (!q->enabled)
			continue;
		w->q = q;
		w->num = q->num;
		w->slots = calloc(q->num, sizeof(*w->slots));
		if (!w->slots)
			return fail(s, -ENOMEM, "queue %u's window", i);
		g->nwin++;
		if (q->num > max_num)
			max_num = q->num;
	}
	if (!g->nwin)
		return 0;	/* more groups than enabled queues: this one has nothing to do */
	if ((err = group_epoll(e, g)))
		return err;
	for (i = 0; i < nt; i++) {
		g->nt++;
		if ((err = start_thread(g, &g->t[i], e->nthreads++, max_num)))
			return err;
	}
	/* look at the rings once: requests may be waiting that no kick will announce */
	wake_one(g);
	return 0;
}

static void stop_group(struct server *s, struct group *g)
{
	unsigned i;

	for (i = 0; i < g->nt; i++) {
		struct io_thread *t = &g->t[i];

		if (t->started)
			pthread_join(t->thread, NULL);
		request_free(&t->r);
		vblk_counters_add(&s->st->blk, &t->blk);
		s->st->kicks += t->kicks;
		s->st->polled += t->polled;
	}
	/* the threads are gone: nothing they completed stays invisible to the driver */
	for (i = 0; i < g->nwin; i++)
		publish(g, &g->win[i]);
	if (g->ep >= 0)
		close(g->ep);
	s->st->irqs += g->irqs;
	s->st->held += g->held;
	if (g->peak > s->st->in_flight_peak)
		s->st->in_flight_peak = g->peak;
	for (i = 0; i < g->nwin; i++)
		free(g->win[i].slots);
	if (g->lock_ready)
		pthread_mutex_destroy(&g->lock);
	free(g->win);
	free(g->t);
}

static int blk_start(struct server *s, bool resume)
{
	struct blk_engine *e = calloc(1, sizeof(*e));
	unsigned i;
	int err = 0;

	(void)resume;	/* in-order completion: the queues pick up at the used index either way */
	if (!e)
		return fail(s, -ENOMEM, "blk engine");
	s->engine_data = e;
	e->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->stopfd < 0)
		return fail(s, -errno, "eventfd");
	e->ngroups = s->o->threads ? s->o->threads : 1;
	if (e->ngroups > s->nvq)
		e->ngroups = s->nvq;
	e->groups = calloc(e->ngroups, sizeof(*e->groups));
	if (!e->groups)
		return fail(s, -ENOMEM, "workers");
	for (i = 0; i < e->ngroups; i++)
		e->groups[i].ep = -1;
	for (i = 0; i < e->ngroups && !err; i++)
		err = start_group(s, e, &e->groups[i], i);
	return err;
}

/* The threads complete the request in hand and exit; what is still available stays for the next server. */
static void blk_stop(struct server *s)
{
	struct blk_engine *e = s->engine_data;
	unsigned i;

	if (!e)
		return;
	__atomic_store_n(&e->stop, true, __ATOMIC_RELEASE);
	if (e->stopfd >= 0)
		eventfd_write(e->stopfd, 1);
	for (i = 0; e->groups && i < e->ngroups; i++)
		stop_group(s, &e->groups[i]);
	if (e->stopfd >= 0)
		close(e->stopfd);
	free(e->groups);
	free(e);
	s->engine_data = NULL;
}

const struct serve_engine serve_blk_engine = { "blk", blk_start, blk_stop };
