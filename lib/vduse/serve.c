// SPDX-License-Identifier: GPL-2.0-or-later
#include "vduse/serve.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vduse.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sig.h"
#include "state.h"
#include "stats.h"
#include "vduse/vduse.h"
#include "vduse/iotlb.h"
#include "vduse/server.h"
#include "virtio/virtq.h"
#include "why.h"

#define INFLIGHT_MAGIC "ZCVDUSE1"

/* A thread that takes a share of a batch: request i goes to helper i % parts - 1. */
struct helper {
	pthread_t thread;
	struct worker *w;
	unsigned k;		/* its share */
	unsigned done_gen;	/* the last batch it finished */
	struct vblk_counters blk;
};

/* The blk engine: worker threads, each serving every nworkers-th queue, with its helpers. */
struct blk_engine {
	struct worker *workers;
	unsigned nworkers;
	unsigned nhelpers;	/* per worker */
};

struct worker {
	pthread_t thread;
	int ep;
	bool stop;
	/* the batch the helpers work on, under lock */
	pthread_mutex_t lock;
	pthread_cond_t go, done;
	unsigned gen;
	bool quit;
	struct served_vq *bq;
	unsigned bn;
	struct helper *helpers;
	unsigned nhelpers;	/* running */
	bool sync_ready;	/* lock and conditions initialised */
	struct served_vq *only;	/* its one queue, if it has one */
	unsigned nq;
	struct server *s;
	struct vblk_counters blk;
	uint64_t kicks, irqs, polled;
};

/* ---- the queues, in the worker threads ---- */

static void inject_irq(struct server *s, unsigned index, uint64_t *irqs)
{
	/* it fails only for a bad index or a device without a driver: nothing to tell then */
	if (!ioctl(s->fd, VDUSE_VQ_INJECT_IRQ, &(uint32_t){ index }))
		(*irqs)++;
}

void serve_publish(struct server *s, struct served_vq *q, uint64_t *irqs)
{
	if (virtq_publish(q->vq))
		inject_irq(s, q->index, irqs);
	/* after the ring: a record ahead of the ring would hide a request from the next server */
	__atomic_store_n(&q->rec->completed, virtq_next_used(q->vq), __ATOMIC_RELEASE);
}

/* Requests k, k + parts, k + 2 parts... of a batch of n. */
static void handle_share(struct served_vq *q, unsigned n, unsigned k, unsigned parts, struct vblk_counters *blk)
{
	const struct vblk_backend *b = q->w->s->o->backend;
	unsigned i;

	for (i = k; i < n; i += parts) {
		struct request *r = &q->req[i];

		r->written = vblk_handle(b, &r->elem, r->ok, r->scratch, blk);
	}
}

static bool batch_done(const struct worker *w)
{
	unsigned i;

	for (i = 0; i < w->nhelpers; i++)
		if (w->helpers[i].done_gen != w->gen)
			return false;
	return true;
}

/* Several requests at once: the helpers take their shares while the worker takes its own. */
static void run_batch(struct worker *w, struct served_vq *q, unsigned n)
{
	pthread_mutex_lock(&w->lock);
	w->bq = q;
	w->bn = n;
	w->gen++;
	pthread_cond_broadcast(&w->go);
	pthread_mutex_unlock(&w->lock);
	handle_share(q, n, 0, w->nhelpers + 1, &w->blk);
	pthread_mutex_lock(&w->lock);
	while (!batch_done(w))
		pthread_cond_wait(&w->done, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

static void *helper_main(void *arg)
{
	struct helper *h = arg;
	struct worker *w = h->w;
	unsigned seen = 0;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct served_vq *q;
		unsigned n;

		while (w->gen == seen && !w->quit)
			pthread_cond_wait(&w->go, &w->lock);
		if (w->quit)
			break;
		seen = w->gen;
		q = w->bq;
		n = w->bn;
		pthread_mutex_unlock(&w->lock);
		handle_share(q, n, h->k, w->nhelpers + 1, &h->blk);
		pthread_mutex_lock(&w->lock);
		h->done_gen = seen;
		pthread_cond_signal(&w->done);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/*
 * Take and complete everything available, a batch at a time. Completion stays in the order
 * requests were taken (what makes a restart exact), however many threads did the work.
 */
static unsigned drain(struct served_vq *q)
{
	struct worker *w = q->w;
	unsigned total = 0;

	for (;;) {
		unsigned n = 0, i;
		int r;

		while (n < BATCH && (r = virtq_pop(q->vq, &q->req[n].elem)) != 0)
			q->req[n++].ok = r > 0;
		if (!n)
			return total;
		__atomic_store_n(&q->rec->taken, virtq_next_avail(q->vq), __ATOMIC_RELEASE);
		if (n == 1 || !w->nhelpers)
			handle_share(q, n, 0, 1, &w->blk);	/* nobody to wake for one request */
		else
			run_batch(w, q, n);
		for (i = 0; i < n; i++)
			virtq_push(q->vq, q->req[i].elem.head, q->req[i].written);
		serve_publish(w->s, q, &w->irqs);
		total += n;
	}
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* With poll_us: wait a little for the driver's next request rather than sleep and be kicked. */
static bool poll_for_more(struct served_vq *q, unsigned poll_us)
{
	uint64_t end;

	if (!poll_us)
		return false;
	end = now_ns() + poll_us * 1000ULL;
	do {
		if (virtq_pending(q->vq))
			return true;
		cpu_relax();
	} while (now_ns() < end);
	return false;
}

static void serve_queue(struct served_vq *q)
{
	struct server *s = q->w->s;

	pthread_rwlock_rdlock(&s->maps);
	virtq_kicks_off(q->vq);
	for (;;) {
		drain(q);
		if (poll_for_more(q, s->o->poll_us)) {
			q->w->polled++;
			continue;
		}
		if (!virtq_kicks_on(q->vq))
			break;
		virtq_kicks_off(q->vq);
	}
	pthread_rwlock_unlock(&s->maps);
}

/* A worker with one queue sleeps in read() on its kick eventfd: one system call a wakeup. */
static void serve_one(struct worker *w, struct served_vq *q)
{
	uint64_t v;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		if (read(q->kickfd, &v, sizeof(v)) != sizeof(v))
			continue;	/* EINTR */
		w->kicks++;
		serve_queue(q);
	}
}

static void serve_many(struct worker *w)
{
	struct epoll_event ev[16];

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		int n = epoll_wait(w->ep, ev, 16, -1), i;

		for (i = 0; i < n; i++) {
			struct served_vq *q = ev[i].data.ptr;
			uint64_t v;

			if (read(q->kickfd, &v, sizeof(v)) == sizeof(v))
				w->kicks++;
			serve_queue(q);
		}
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	if (w->only)
		serve_one(w, w->only);
	else
		serve_many(w);
	return NULL;
}

/* ---- starting and stopping the queues, in the control thread ---- */

/*
 * The rings get mappings of their own: a driver may remap any other range while they run (each
 * map through vhost-vdpa invalidates our whole table), and the workers hold ring pointers.
 */
static void *map_ring(struct server *s, uint64_t iova, uint64_t len, bool write, struct iotlb_pin *pin)
{
	return iotlb_pin(&s->iotlb, iova, len, write, pin);
}

static size_t rec_size(unsigned nvq)
{
	return sizeof(struct inflight) + nvq * sizeof(struct inflight_vq);
}

/* The record of the previous server of this device, or a new one. */
static int open_record(struct server *s)
{
	char path[160];
	int fd, err = 0;

	if ((err = state_mkdir("vduse")))
		return fail(s, err, "creating " STATE_DIR "/vduse");
	vduse_record_path(s->o->name, path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(s, -errno, "opening %s", path);
	s->rec_size = rec_size(s->nvq);
	if (ftruncate(fd, s->rec_size))
		err = fail(s, -errno, "sizing %s", path);
	s->rec = err ? MAP_FAILED : mmap(NULL, s->rec_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (err)
		return err;
	if (s->rec == MAP_FAILED) {
		s->rec = NULL;
		return fail(s, -errno, "mapping %s", path);
	}
	if (memcmp(s->rec->magic, INFLIGHT_MAGIC, 8) || s->rec->nvq != s->nvq) {
		memset(s->rec, 0, s->rec_size);
		memcpy(s->rec->magic, INFLIGHT_MAGIC, 8);
		s->rec->nvq = s->nvq;
	}
	return 0;
}

/* Rings, kick eventfd, record of one queue the driver enabled. */
static int start_vq(struct server *s, struct served_vq *q, bool resume)
{
	struct vduse_vq_info info = { .index = q->index };
	struct vduse_vq_eventfd kick = { .index = q->index };
	/* resume: in-order completion, the used index is where the dead server's work ends */
	struct virtq_device_cfg cfg = { .resume = resume, .translate = iotlb_translate, .ctx = &s->iotlb };
	struct virtq_part_sizes size;
	uint16_t start;
	unsigned i;
	int err;

	if (ioctl(s->fd, VDUSE_VQ_GET_INFO, &info))
		return fail(s, -errno, "VDUSE_VQ_GET_INFO of queue %u", q->index);
	if (!info.ready)
		return 0;
	virtq_part_sizes(info.num, &size);
	/* the device only reads the descriptors and the available ring (a driver may map them read-only) */
	cfg.desc = map_ring(s, info.desc_addr, size.desc, false, &q->rings[0]);
	cfg.avail = map_ring(s, info.driver_addr, size.avail, false, &q->rings[1]);
	cfg.used = map_ring(s, info.device_addr, size.used, true, &q->rings[2]);
	if (!cfg.desc || !cfg.avail || !cfg.used)
		return fail(s, -EIO, "queue %u: its rings are not in the device's IOTLB", q->index);
	cfg.num = info.num;
	cfg.event_idx = s->features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
	cfg.start = info.split.avail_index;
	if ((err = virtq_device_new(&q->vq, &cfg)))
		return fail(s, err, "queue %u of %u entries, rings at 0x%llx, 0x%llx, 0x%llx (aligned to 16, 2, 4?)",
			    q->index, info.num, (unsigned long long)info.desc_addr, (unsigned long long)info.driver_addr,
			    (unsigned long long)info.device_addr);
	start = virtq_next_avail(q->vq);
	q->rec = &s->rec->vq[q->index];
	if (resume && q->rec->desc_addr == info.desc_addr) {
		q->orphans = q->rec->taken - start;
		s->st->resubmitted += q->orphans;
	}
	q->rec->desc_addr = info.desc_addr;
	q->rec->taken = q->rec->completed = start;
	for (i = 0; i < BATCH; i++) {
		struct request *r = &q->req[i];

		/* a chain has at most num descriptors, each of which may straddle two of our mappings */
		r->elem.max_iov = info.num * 2;
		r->elem.iov = calloc(r->elem.max_iov, sizeof(struct iovec));
		r->scratch = calloc(r->elem.max_iov, sizeof(struct iovec));
		if (!r->elem.iov || !r->scratch)
			return fail(s, -ENOMEM, "queue %u", q->index);
	}
	q->kickfd = eventfd(0, EFD_CLOEXEC);	/* blocking: see serve_one() */
	if (q->kickfd < 0)
		return fail(s, -errno, "queue %u: eventfd", q->index);
	kick.fd = q->kickfd;
	if (ioctl(s->fd, VDUSE_VQ_SETUP_KICKFD, &kick))
		return fail(s, -errno, "VDUSE_VQ_SETUP_KICKFD of queue %u", q->index);
	q->enabled = true;
	s->st->served_vqs++;
	return 0;
}

static void stop_vq(struct server *s, struct served_vq *q)
{
	struct vduse_vq_eventfd kick = { .index = q->index, .fd = VDUSE_EVENTFD_DEASSIGN };
	unsigned i;

	if (q->kickfd >= 0) {
		/* kicks from now on are remembered by the kernel for the next server */
		ioctl(s->fd, VDUSE_VQ_SETUP_KICKFD, &kick);
		close(q->kickfd);
	}

	for (i = 0; i < BATCH; i++) {
		free(q->req[i].elem.iov);
		free(q->req[i].scratch);
	}
	virtq_device_free(q->vq);
	for (i = 0; i < 3; i++)
		iotlb_unpin(&q->rings[i]);
	i = q->index;	/* which queue this is outlives the stop */
	memset(q, 0, sizeof(*q));
	q->index = i;
	q->kickfd = -1;
}

/* The threads that share a worker's batches; they sleep until the first one. */
static int start_helpers(struct server *s, struct blk_engine *e, struct worker *w)
{
	unsigned i;

	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->go, NULL);
	pthread_cond_init(&w->done, NULL);
	w->sync_ready = true;
	w->helpers = calloc(e->nhelpers, sizeof(*w->helpers));
	if (e->nhelpers && !w->helpers)
		return fail(s, -ENOMEM, "helpers");
	for (i = 0; i < e->nhelpers; i++) {
		struct helper *h = &w->helpers[i];

		h->w = w;
		h->k = i + 1;
		errno = pthread_create(&h->thread, NULL, helper_main, h);
		if (errno)
			return fail(s, -errno, "starting an I/O thread");
		w->nhelpers++;
	}
	return 0;
}

static void stop_helpers(struct worker *w)
{
	unsigned i;

	if (!w->sync_ready)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_cond_broadcast(&w->go);
	pthread_mutex_unlock(&w->lock);
	for (i = 0; i < w->nhelpers; i++)
		pthread_join(w->helpers[i].thread, NULL);
	free(w->helpers);
	pthread_cond_destroy(&w->go);
	pthread_cond_destroy(&w->done);
	pthread_mutex_destroy(&w->lock);
}

static int start_worker(struct server *s, struct blk_engine *e, struct worker *w)
{
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned i;
	int err;

	w->s = s;
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	if (w->ep < 0)
		return fail(s, -errno, "creating a worker's epoll");
	for (i = w - e->workers; i < s->nvq; i += e->nworkers) {
		struct served_vq *q = &s->vqs[i];

		if (!q->enabled)
			continue;
		q->w = w;
		w->only = w->nq++ ? NULL : q;
		ev.data.ptr = q;
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, q->kickfd, &ev))
			return fail(s, -errno, "epoll_ctl");
		/* look at the ring once: requests may be waiting that no kick will announce */
		eventfd_write(q->kickfd, 1);
	}
	if (!w->nq)
		return 0;	/* more workers than enabled queues: this one has nothing to do */
	if ((err = start_helpers(s, e, w)))
		return err;
	errno = pthread_create(&w->thread, NULL, worker_main, w);
	if (errno) {
		w->thread = 0;
		return fail(s, -errno, "starting a worker thread");
	}
	return 0;
}

static void collect(struct server *s, struct worker *w)
{
	unsigned i;

	for (i = 0; i < w->nhelpers; i++)
		vblk_counters_add(&s->st->blk, &w->helpers[i].blk);
	vblk_counters_add(&s->st->blk, &w->blk);
	s->st->kicks += w->kicks;
	s->st->irqs += w->irqs;
	s->st->polled += w->polled;
}

/* Threads per worker for batches, the worker included: as asked, else one per CPU up to 4. */
static unsigned io_threads(const struct vduse_serve_opts *o)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (o->io_threads)
		return o->io_threads;
	return cpus < 1 ? 1 : cpus > 4 ? 4 : cpus;
}

static int blk_start(struct server *s, bool resume)
{
	struct blk_engine *e = calloc(1, sizeof(*e));
	unsigned i;
	int err = 0;

	(void)resume;	/* in-order completion: the queues pick up at the used index either way */
	if (!e)
		return fail(s, -ENOMEM, "workers");
	s->engine_data = e;
	e->nworkers = s->o->threads ? s->o->threads : 1;
	if (e->nworkers > s->nvq)
		e->nworkers = s->nvq;
	e->nhelpers = io_threads(s->o) - 1;
	e->workers = calloc(e->nworkers, sizeof(*e->workers));
	if (!e->workers)
		return fail(s, -ENOMEM, "workers");
	for (i = 0; i < e->nworkers; i++)
		e->workers[i].ep = -1;
	for (i = 0; i < e->nworkers && !err; i++)
		err = start_worker(s, e, &e->workers[i]);
	return err;
}

/* Workers finish the request in hand, publish, and exit. */
static void blk_stop(struct server *s)
{
	struct blk_engine *e = s->engine_data;
	unsigned i;

	if (!e)
		return;
	for (i = 0; i < e->nworkers; i++)
		__atomic_store_n(&e->workers[i].stop, true, __ATOMIC_RELEASE);
	/* a worker sleeps on its queues' kick eventfds: wake it there */
	for (i = 0; i < s->nvq; i++)
		if (s->vqs[i].kickfd >= 0)
			eventfd_write(s->vqs[i].kickfd, 1);
	for (i = 0; i < e->nworkers; i++) {
		struct worker *w = &e->workers[i];

		if (w->thread)
			pthread_join(w->thread, NULL);
		collect(s, w);
		stop_helpers(w);
		if (w->ep >= 0)
			close(w->ep);
	}
	free(e->workers);
	free(e);
	s->engine_data = NULL;
}

const struct serve_engine serve_blk_engine = { "blk", blk_start, blk_stop };

/* The engine's threads finish what they hold and exit; then the queues are let go. */
static void stop_queues(struct server *s)
{
	unsigned i;

	s->engine->stop(s);
	for (i = 0; i < s->nvq; i++)
		stop_vq(s, &s->vqs[i]);
	iotlb_invalidate(&s->iotlb, 0, UINT64_MAX);
	s->st->served_vqs = 0;
	s->running = false;
}

static int start_queues(struct server *s, bool resume)
{
	unsigned i;
	int err = 0;

	if (ioctl(s->fd, VDUSE_DEV_GET_FEATURES, &s->features))
		return fail(s, -errno, "VDUSE_DEV_GET_FEATURES");
	s->st->features = s->features;
	for (i = 0; i < s->nvq && !err; i++)
		err = start_vq(s, &s->vqs[i], resume);
	if (!err)
		err = s->engine->start(s, resume);
	/*
	 * A server killed between publishing used entries and injecting their interrupt leaves
	 * the driver waiting for completions it will never hear of: one interrupt a queue on
	 * resume tells it to look (a spurious one costs the driver a glance at the ring).
	 */
	for (i = 0; i < s->nvq && !err && resume; i++)
		if (s->vqs[i].enabled)
			inject_irq(s, i, &s->st->irqs);
	s->running = true;
	if (err)
		stop_queues(s);
	return err;
}

/* ---- control messages ---- */

static bool driver_running(struct server *s)
{
	struct vduse_vq_info info = { .index = 0 };

	return !ioctl(s->fd, VDUSE_VQ_GET_INFO, &info) && info.ready;
}

static void event(struct server *s, enum vduse_serve_event ev)
{
	if (s->o->on_event) {
		s->st->iotlb_maps = s->iotlb.maps;
		s->o->on_event(s->o->arg, ev, s->st);
	}
}

static int on_status(struct server *s, uint8_t status)
{
	int err = 0;

	if ((status & VIRTIO_CONFIG_S_DRIVER_OK) && !s->running) {
		err = start_queues(s, false);
		if (!err)
			event(s, VDUSE_SERVE_STARTED);
	} else if (!(status & VIRTIO_CONFIG_S_DRIVER_OK) && s->running) {
		stop_queues(s);
		s->st->resets++;
		event(s, VDUSE_SERVE_RESET);
	}
	return err;
}

static void on_iotlb_update(struct server *s, uint64_t start, uint64_t last)
{
	/* the workers must not hold a pointer into what goes away */
	pthread_rwlock_wrlock(&s->maps);
	iotlb_invalidate(&s->iotlb, start, last);
	pthread_rwlock_unlock(&s->maps);
	s->st->iotlb_updates++;
}

static uint16_t vq_state(struct server *s, unsigned index)
{
	struct vduse_vq_info info = { .index = index };

	if (index < s->nvq && s->vqs[index].enabled)
		return virtq_next_avail(s->vqs[index].vq);
	return ioctl(s->fd, VDUSE_VQ_GET_INFO, &info) ? 0 : info.split.avail_index;
}

static int handle_message(struct server *s)
{
	struct vduse_dev_request req;
	struct vduse_dev_response resp;
	ssize_t n = read(s->fd, &req, sizeof(req));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : fail(s, -errno, "reading a message");
	if (n != sizeof(req))
		return fail(s, -EIO, "short message (%zd bytes)", n);
	memset(&resp, 0, sizeof(resp));
	resp.request_id = req.request_id;
	resp.result = VDUSE_REQ_RESULT_OK;
	switch (req.type) {
	case VDUSE_GET_VQ_STATE:
		resp.vq_state.index = req.vq_state.index;
		resp.vq_state.split.avail_index = vq_state(s, req.vq_state.index);
		break;
	case VDUSE_SET_STATUS:
		if (on_status(s, req.s.status))
			resp.result = VDUSE_REQ_RESULT_FAILED;
		break;
	case VDUSE_UPDATE_IOTLB:
		on_iotlb_update(s, req.iova.start, req.iova.last);
		break;
	default:
		resp.result = VDUSE_REQ_RESULT_FAILED;
		break;
	}
	s->st->messages++;
	if (write(s->fd, &resp, sizeof(resp)) != sizeof(resp))
		return fail(s, -errno, "answering message %u", req.request_id);
	return 0;
}

static int on_message(void *s)
{
	return handle_message(s);
}

/* Messages until SIGINT/SIGTERM, none of which is missed (lib/sig.h). */
static int message_loop(struct server *s, const struct sig_stop_mask *stop)
{
	bool poll_failed;
	int err = sig_poll_until_stop(s->fd, stop, on_message, s, &poll_failed);

	return poll_failed ? fail(s, err, "ppoll") : err;
}

static unsigned count_vqs(int fd)
{
	struct vduse_vq_info info;
	unsigned n = 0;

	for (;; n++) {
		memset(&info, 0, sizeof(info));
		info.index = n;
		if (ioctl(fd, VDUSE_VQ_GET_INFO, &info))
			return n;
	}
}

/* The device's type, recorded at create, against what we were given to serve it with. */
static int choose_engine(struct server *s)
{
	int type = vduse_type_of(s->o->name);

	if (type < 0)
		return fail(s, -EMEDIUMTYPE, "%s was not created by zcioctl: its type (blk or net) is unknown", s->o->name);
	if (type == VDUSE_NET && s->o->tap_fd < 0)
		return fail(s, -EMEDIUMTYPE, "%s is a virtio-net device: serve it with 'tap IFNAME|auto'", s->o->name);
	if (type == VDUSE_BLK && !s->o->backend)
		return fail(s, -EMEDIUMTYPE, "%s is a virtio-blk device: serve it with 'backend FILE' or 'memory SIZE'",
			    s->o->name);
	s->engine = type == VDUSE_NET ? &serve_net_engine : &serve_blk_engine;
	return 0;
}

static int open_device(struct server *s)
{
	char path[128];
	unsigned i;
	int err;

	s->fd = vduse_open_dev(s->o->name, O_NONBLOCK);
	if (s->fd == -EINVAL)
		return fail(s, -EINVAL, "bad device name");
	if (s->fd < 0) {
		vduse_dev_path(s->o->name, path, sizeof(path));
		return fail(s, s->fd, "opening %s", path);
	}
	if ((err = choose_engine(s)))
		return err;
	s->nvq = count_vqs(s->fd);
	s->st->vqs = s->nvq;
	s->vqs = calloc(s->nvq, sizeof(*s->vqs));
	if (!s->nvq || !s->vqs)
		return fail(s, s->nvq ? -ENOMEM : -EIO, "device %s", s->o->name);
	for (i = 0; i < s->nvq; i++) {
		s->vqs[i].index = i;
		s->vqs[i].kickfd = -1;
	}
	iotlb_init(&s->iotlb, s->fd);
	return open_record(s);
}

static void close_device(struct server *s)
{
	if (s->running)
		stop_queues(s);
	if (s->rec)
		munmap(s->rec, s->rec_size);
	if (s->fd >= 0) {
		iotlb_destroy(&s->iotlb);
		close(s->fd);
	}
	free(s->vqs);
}

int vduse_serve(const struct vduse_serve_opts *o, struct vduse_serve_stats *stats, char *why, size_t why_len)
{
	struct server s = { .o = o, .fd = -1, .st = stats, .why = why, .why_len = why_len };
	pthread_rwlockattr_t attr;
	struct sig_stop_mask stop;
	int err;

	memset(stats, 0, sizeof(*stats));
	why[0] = '\0';
	/* the control thread must get to the lock for an IOTLB update while workers are busy */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s.maps, &attr);
	pthread_rwlockattr_destroy(&attr);
	/* workers inherit the blocked set: SIGINT and SIGTERM only ever reach the message loop */
	sig_block_stop(&stop);

	err = open_device(&s);
	if (!err && driver_running(&s)) {
		stats->resumed = true;
		err = start_queues(&s, true);
		if (!err)
			event(&s, VDUSE_SERVE_RESUMED);
	} else if (!err) {
		event(&s, VDUSE_SERVE_READY);
	}
	if (!err)
		err = message_loop(&s, &stop);
	if (!err)
		event(&s, VDUSE_SERVE_STOPPING);
	close_device(&s);
	stats->iotlb_maps = s.iotlb.maps;
	pthread_rwlock_destroy(&s.maps);
	sig_unblock_stop(&stop);
	return err;
}
