// SPDX-License-Identifier: GPL-2.0-or-later
#include "vduse/serve.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vduse.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
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
#include "units.h"
#include "vduse/vduse.h"
#include "vduse/iotlb.h"
#include "vduse/server.h"
#include "virtio/virtq.h"
#include "why.h"

#define INFLIGHT_MAGIC "ZCVDUSE1"

/* ---- what the engines share ---- */

int serve_thread_start(struct server *s, unsigned n, pthread_t *thread, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	cpu_set_t one;
	int err;

	if (!s->o->cpus)
		return -pthread_create(thread, NULL, fn, arg);
	/* set before it starts: the thread never runs elsewhere, not even for its first instructions */
	CPU_ZERO(&one);
	CPU_SET(cpulist_nth(s->o->cpus, n), &one);
	pthread_attr_init(&attr);
	err = pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
	if (!err)
		err = pthread_create(thread, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -err;
}

static void inject_irq(struct server *s, unsigned index, uint64_t *irqs)
{
	/* it fails only for a bad index or a device without a driver: nothing to tell then */
	if (!ioctl(s->fd, VDUSE_VQ_INJECT_IRQ, &(uint32_t){ index }))
		(*irqs)++;
}

int request_init(struct request *r, unsigned num)
{
	/* a chain has at most num descriptors, each of which may straddle two of our mappings */
	r->elem.max_iov = num * 2;
	r->elem.iov = calloc(r->elem.max_iov, sizeof(struct iovec));
	r->scratch = calloc(r->elem.max_iov, sizeof(struct iovec));
	return r->elem.iov && r->scratch ? 0 : -ENOMEM;
}

void request_free(struct request *r)
{
	free(r->elem.iov);
	free(r->scratch);
	r->elem.iov = r->scratch = NULL;
}

void serve_publish(struct server *s, struct served_vq *q, uint64_t *irqs)
{
	if (virtq_publish(q->vq))
		inject_irq(s, q->index, irqs);
	/* after the ring: a record ahead of the ring would hide a request from the next server */
	__atomic_store_n(&q->rec->completed, virtq_next_used(q->vq), __ATOMIC_RELEASE);
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
	q->num = info.num;
	q->kickfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
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
	virtq_device_free(q->vq);
	for (i = 0; i < 3; i++)
		iotlb_unpin(&q->rings[i]);
	i = q->index;	/* which queue this is outlives the stop */
	memset(q, 0, sizeof(*q));
	q->index = i;
	q->kickfd = -1;
}

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

/*
 * The control thread onto the CPUs asked for (the old mask kept for the end), after checking that
 * each is one we may run on: the kernel would take a mask with any allowed CPU in it, and pin a
 * thread meant for an offline one nowhere useful.
 */
static int enter_cpus(struct server *s, cpu_set_t *old)
{
	int err, bad;

	if (!CPU_COUNT(s->o->cpus))
		return fail(s, -EINVAL, "an empty set of CPUs");
	err = cpulist_allowed(s->o->cpus, &bad, old);
	if (err && bad >= 0)
		return fail(s, err, "CPU %d is offline or outside the server's affinity", bad);
	if (err)
		return fail(s, err, "sched_getaffinity");
	if ((err = pthread_setaffinity_np(pthread_self(), sizeof(*s->o->cpus), s->o->cpus)))
		return fail(s, -err, "pthread_setaffinity_np");
	return 0;
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
	cpu_set_t old_cpus;
	bool moved;
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

	err = o->cpus ? enter_cpus(&s, &old_cpus) : 0;
	moved = o->cpus && !err;
	if (!err)
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
	if (moved)
		pthread_setaffinity_np(pthread_self(), sizeof(old_cpus), &old_cpus);
	sig_unblock_stop(&stop);
	return err;
}
