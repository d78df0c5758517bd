// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The net engine of vduse_serve(): a virtio-net device of one receive queue (0) and one
 * transmit queue (1), no control queue, whose frames go to and come from a tap. The tap carries
 * the 12-byte virtio-net header (IFF_VNET_HDR) the driver puts before every frame, so a frame
 * passes between the driver's buffers and the tap in one writev or readv, header and all.
 *
 * Offloads (create's csum and tso, negotiated): the header carries them, so the tap does the
 * work both ways; the tap is told which ones the driver takes on receive (TUNSETOFFLOAD).
 *
 * Merged receive buffers (MRG_RXBUF): the driver posts small buffers and a frame spans as many
 * as it needs, the first one's header saying how many. A tap cannot say how long its next frame
 * is, so we take buffers for a frame as long as the largest recent one (a TCP stream's frames
 * are alike) and read into them with a spill buffer behind; a frame that spills over gets more
 * buffers and only its spilled tail is copied. When the driver has too few buffers the frame
 * waits in the spill buffer (we hold none of the driver's memory while we wait for more).
 *
 * One thread serves both queues and the tap with epoll: a transmit kick drains the transmit
 * queue into the tap; a readable tap fills receive buffers while there are any, and is left
 * alone (not polled) until the driver adds more and kicks.
 *
 * Restart after a crash, the network's way: no frame goes on the wire twice. The record says
 * how far the transmit queue had been taken *before* each frame was written to the tap; a new
 * server completes the chains a dead one had taken past the used index without sending them
 * (each may or may not have left: in flight, as on a real NIC). Receive buffers it had taken
 * are simply taken again; what it had read into them is lost.
 */
#include <errno.h>
#include <linux/if_tun.h>
#include <linux/vduse.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vduse/server.h"
#include "virtio/iov.h"
#include "why.h"

#define NET_HDR_LEN sizeof(struct virtio_net_hdr_mrg_rxbuf)	/* 12: VERSION_1 always has num_buffers */
#define RXQ 0
#define TXQ 1
/* the longest frame a tap gives: a 64K segment, its Ethernet and VLAN headers, ours */
#define FRAME_MAX (NET_HDR_LEN + 14 + 4 + 65536)
#define FRAME_MIN_GUESS (NET_HDR_LEN + 14 + 4 + 1500)
#define MERGE_IOV 1024	/* readv's limit (IOV_MAX): the buffers' and the spill buffer's */

/* The receive buffers taken for one frame (MRG_RXBUF), one after the other in iov. */
struct merge {
	struct iovec *iov;
	unsigned n_iov;
	uint16_t *head;
	uint32_t *cap;		/* each buffer's bytes */
	unsigned n, max;	/* buffers taken; at most the queue's size */
	size_t capacity;	/* theirs together */
	uint8_t *spill;		/* FRAME_MAX: what did not fit, or a whole frame that waits */
	size_t held;		/* the length of a frame that waits in spill, 0 if none */
	size_t guess;		/* how much to take for the next frame: the largest recent one's length */
};

enum { EV_RX_KICK, EV_TX_KICK, EV_TAP, EV_STOP };

struct net_engine {
	struct server *s;
	pthread_t thread;
	bool started;
	int ep, stopfd;
	struct served_vq *rx, *tx;
	struct request rxr, txr;	/* the chain in hand on each queue */
	bool tap_watched;	/* EPOLLIN on the tap: only while there are receive buffers */
	bool merged;		/* MRG_RXBUF negotiated */
	struct merge m;
	struct vnet_counters c;
	uint64_t kicks, irqs;
};

/* The link status in the config space, and a config interrupt so that the driver reads it. */
static void set_link(struct server *s, bool up)
{
	union {
		struct vduse_config_data d;
		uint8_t bytes[sizeof(struct vduse_config_data) + sizeof(uint16_t)];
	} cfg;
	uint16_t status = up ? VIRTIO_NET_S_LINK_UP : 0;

	if (!(s->features & (1ULL << VIRTIO_NET_F_STATUS)))
		return;
	memset(&cfg, 0, sizeof(cfg));
	cfg.d.offset = offsetof(struct virtio_net_config, status);
	cfg.d.length = sizeof(status);
	memcpy(cfg.d.buffer, &status, sizeof(status));
	/* a driver that is gone or resetting misses nothing it needs */
	if (!ioctl(s->fd, VDUSE_DEV_SET_CONFIG, &cfg))
		ioctl(s->fd, VDUSE_DEV_INJECT_CONFIG_IRQ, 0);
}

/*
 * The offloads the driver accepted on receive, asked of the tap: frames whose checksum is left
 * undone (GUEST_CSUM) and TCP segments of up to 64K (GUEST_TSO4/6) come to us, and so to the
 * driver, as they are. What the driver sends with them (CSUM, HOST_TSO4/6) the tap takes anyway.
 * From the net thread, not while DRIVER_OK is answered: TUNSETOFFLOAD takes the RTNL, which
 * virtio-net holds while it waits for that answer. Until then the tap sends plain frames.
 */
static void tap_offloads(struct net_engine *n)
{
	struct server *s = n->s;
	unsigned f = 0;

	if (s->features & (1ULL << VIRTIO_NET_F_GUEST_CSUM)) {
		f |= TUN_F_CSUM;
		if (s->features & (1ULL << VIRTIO_NET_F_GUEST_TSO4))
			f |= TUN_F_TSO4;
		if (s->features & (1ULL << VIRTIO_NET_F_GUEST_TSO6))
			f |= TUN_F_TSO6;
	}
	if (ioctl(s->o->tap_fd, TUNSETOFFLOAD, f))
		n->c.offload_errors++;	/* the tap keeps sending plain frames: slower, not wrong */
}

static void watch_tap(struct net_engine *n, bool on)
{
	struct epoll_event ev = { .events = on ? EPOLLIN : 0, .data.u32 = EV_TAP };

	if (n->tap_watched != on && !epoll_ctl(n->ep, EPOLL_CTL_MOD, n->s->o->tap_fd, &ev))
		n->tap_watched = on;
}

static void send_frame(struct net_engine *n, const struct virtq_elem *e)
{
	size_t len = iov_length(e->iov, e->n_out);
	ssize_t sent;

	if (e->n_in || len <= NET_HDR_LEN) {
		n->c.tx_errors++;
		return;
	}
	sent = writev(n->s->o->tap_fd, e->iov, (int)e->n_out);
	if (sent < 0) {
		n->c.tx_errors++;	/* the tap refused it (down, too long): dropped, like a NIC would */
		return;
	}
	n->c.tx_frames++;
	n->c.tx_bytes += len - NET_HDR_LEN;
}

/* Everything the driver queued for transmission goes to the tap; its buffers come back at once (used length 0). */
static void tx_drain(struct net_engine *n)
{
	struct served_vq *q = n->tx;
	struct request *r = &n->txr;
	unsigned done = 0;
	int got;

	virtq_kicks_off(q->vq);
	for (;;) {
		while ((got = virtq_pop(q->vq, &r->elem)) != 0) {
			/* before the tap: a frame that may have left is never sent again by the next server */
			__atomic_store_n(&q->rec->taken, virtq_next_avail(q->vq), __ATOMIC_RELEASE);
			if (got > 0)
				send_frame(n, &r->elem);
			else
				n->c.tx_errors++;
			virtq_push(q->vq, r->elem.head, 0);
			if (++done % BATCH == 0)
				serve_publish(n->s, q, &n->irqs);
		}
		serve_publish(n->s, q, &n->irqs);
		if (!virtq_kicks_on(q->vq))
			return;
		virtq_kicks_off(q->vq);
	}
}

static bool tap_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void count_rx(struct net_engine *n, size_t len, unsigned buffers)
{
	n->c.rx_frames++;
	n->c.rx_buffers += buffers;
	n->c.rx_bytes += len - NET_HDR_LEN;
}

/* One frame from the tap into the chain's writable buffers: the used length, 0 if it did not fit. */
static uint32_t receive_frame(struct net_engine *n, const struct virtq_elem *e)
{
	const struct iovec *in = e->iov + e->n_out;
	uint16_t one = 1;	/* num_buffers: without MRG_RXBUF a frame always takes one chain */
	ssize_t len;

	if (e->n_out || iov_length(in, e->n_in) < NET_HDR_LEN) {
		n->c.rx_errors++;
		return 0;
	}
	len = readv(n->s->o->tap_fd, in, (int)e->n_in);
	/* a frame larger than the buffers is cut short by the tap, which still says its whole length */
	if (len < (ssize_t)NET_HDR_LEN || (size_t)len > iov_length(in, e->n_in)) {
		n->c.rx_errors++;
		return 0;
	}
	iov_copy_in(in, e->n_in, offsetof(struct virtio_net_hdr_mrg_rxbuf, num_buffers), &one, sizeof(one));
	count_rx(n, (size_t)len, 1);
	return (uint32_t)len;
}

/*
 * Frames from the tap while it has some and the driver has buffers. A buffer is taken only once
 * a frame is waiting (the one reader of the tap is us), so no chain is held across an IOTLB
 * update; out of buffers, the tap is left alone until the driver adds some and kicks.
 */
static void rx_fill(struct net_engine *n)
{
	struct served_vq *q = n->rx;
	struct request *r = &n->rxr;
	unsigned done = 0;
	int got;

	while (tap_readable(n->s->o->tap_fd)) {
		got = virtq_pop(q->vq, &r->elem);
		if (!got) {
			watch_tap(n, false);
			break;
		}
		__atomic_store_n(&q->rec->taken, virtq_next_avail(q->vq), __ATOMIC_RELEASE);
		if (got < 0)
			n->c.rx_errors++;
		virtq_push(q->vq, r->elem.head, got > 0 ? receive_frame(n, &r->elem) : 0);
		if (++done % BATCH == 0)
			serve_publish(n->s, q, &n->irqs);
	}
	serve_publish(n->s, q, &n->irqs);
}

/* ---- receive into merged buffers (MRG_RXBUF) ---- */

/*
 * One more buffer for the frame: 1, or 0 when there is none, or none fit (out of iovecs, a
 * chain the driver got wrong: given back to be the first of the next frame, which completes it
 * as an error below).
 */
static int merge_take(struct net_engine *n)
{
	struct merge *m = &n->m;
	struct virtq_elem e = { .iov = m->iov + m->n_iov, .max_iov = MERGE_IOV - 1 - m->n_iov };
	int got;

	for (;;) {
		if (m->n == m->max || m->n_iov >= MERGE_IOV - 1 || !(got = virtq_pop(n->rx->vq, &e)))
			return 0;
		if (got > 0 && !e.n_out)
			break;
		if (m->n) {
			virtq_unpop(n->rx->vq, 1);
			return 0;
		}
		n->c.rx_errors++;	/* the driver's mistake, alone on the used ring */
		virtq_push(n->rx->vq, e.head, 0);
	}
	m->head[m->n] = e.head;
	m->cap[m->n] = (uint32_t)iov_length(e.iov, e.n_in);
	m->capacity += m->cap[m->n++];
	m->n_iov += e.n_in;
	return 1;
}

static void merge_take_upto(struct net_engine *n, size_t want)
{
	while (n->m.capacity < want && merge_take(n))
		;
}

/* Give back the buffers from the first unused on: the next frame takes them again. */
static void merge_give_back(struct net_engine *n, unsigned keep)
{
	struct merge *m = &n->m;

	virtq_unpop(n->rx->vq, (uint16_t)(m->n - keep));
	m->n = m->n_iov = 0;
	m->capacity = 0;
}

/* The frame of len bytes is in the first buffers: put them on the used ring, the count in the header. */
static void merge_complete(struct net_engine *n, size_t len)
{
	struct merge *m = &n->m;
	size_t left = len;
	uint16_t used = 0;

	while (left) {
		uint32_t part = left < m->cap[used] ? (uint32_t)left : m->cap[used];

		virtq_push(n->rx->vq, m->head[used++], part);
		left -= part;
	}
	iov_copy_in(m->iov, m->n_iov, offsetof(struct virtio_net_hdr_mrg_rxbuf, num_buffers), &used, sizeof(used));
	merge_give_back(n, used);
	count_rx(n, len, used);
	/* the largest recent frame, slowly forgotten: an ACK amid a stream does not shrink it */
	m->guess = len >= m->guess ? len : m->guess - (m->guess - len) / 8;
	if (m->guess < FRAME_MIN_GUESS)
		m->guess = FRAME_MIN_GUESS;
}

/* spill[from, len) into the buffers from byte `from` on, if the driver has enough. */
static bool merge_place(struct net_engine *n, size_t from, size_t len)
{
	struct merge *m = &n->m;

	merge_take_upto(n, len);
	if (m->capacity < len)
		return false;
	n->c.rx_spilled++;
	iov_copy_in(m->iov, m->n_iov, from, m->spill + from, len - from);
	merge_complete(n, len);
	return true;
}

/* A frame waits in spill: into buffers if there are enough now; false if it still waits. */
static bool merge_place_held(struct net_engine *n)
{
	struct merge *m = &n->m;

	if (!m->held)
		return true;
	if (!merge_place(n, 0, m->held)) {
		merge_give_back(n, 0);
		return false;
	}
	m->held = 0;
	return true;
}

/* One frame from the tap: false when there is none to read. */
static bool merge_receive(struct net_engine *n)
{
	struct merge *m = &n->m;
	size_t cap, spill_from;
	ssize_t len;

	merge_take_upto(n, m->guess);
	cap = m->capacity;
	/*
	 * The spill buffer takes the frame's bytes from cap on. Buffers taken for a guess near
	 * FRAME_MAX can hold more than FRAME_MAX together, and then it takes none: its length was
	 * FRAME_MAX - cap, negative, readv failed with EINVAL every time and the readable tap woke us
	 * again and again, no frame into the device until a restart (CI, twice; test_serve_net).
	 */
	spill_from = cap < FRAME_MAX ? cap : FRAME_MAX;
	m->iov[m->n_iov] = (struct iovec){ m->spill + spill_from, FRAME_MAX - spill_from };
	len = readv(n->s->o->tap_fd, m->iov, (int)m->n_iov + 1);
	if (len < 0) {
		merge_give_back(n, 0);
		if (errno != EAGAIN) {
			/*
			 * Not in a loop: the tap is polled again after the driver's next kick. (A tap,
			 * like a socket, has dropped the frame when the copy into our buffers failed.)
			 */
			n->c.rx_errors++;
			watch_tap(n, false);
		}
		return false;
	}
	if (len < (ssize_t)NET_HDR_LEN || (size_t)len > FRAME_MAX) {
		n->c.rx_errors++;	/* cut short by the tap: longer than any frame a tap should give */
		merge_give_back(n, 0);
		return true;
	}
	if ((size_t)len <= cap) {
		merge_complete(n, (size_t)len);
		return true;
	}
	if (merge_place(n, cap, (size_t)len))
		return true;
	/* too few buffers: the whole frame waits in spill, the buffers go back */
	iov_copy_out(m->iov, m->n_iov, 0, m->spill, cap);
	merge_give_back(n, 0);
	m->held = (size_t)len;
	return true;
}

/* rx_fill() for merged buffers: a frame that waits goes first; none is read while one waits. */
static void merge_fill(struct net_engine *n)
{
	struct served_vq *q = n->rx;
	unsigned done = 0;

	while (merge_place_held(n) && tap_readable(n->s->o->tap_fd) && merge_receive(n)) {
		__atomic_store_n(&q->rec->taken, virtq_next_avail(q->vq), __ATOMIC_RELEASE);
		if (++done % BATCH == 0)
			serve_publish(n->s, q, &n->irqs);
	}
	if (n->m.held)
		watch_tap(n, false);	/* until the driver adds buffers and kicks */
	serve_publish(n->s, q, &n->irqs);
}

static int merge_init(struct merge *m, unsigned num)
{
	m->iov = calloc(MERGE_IOV, sizeof(*m->iov));
	m->head = calloc(num, sizeof(*m->head));
	m->cap = calloc(num, sizeof(*m->cap));
	m->spill = malloc(FRAME_MAX);
	m->max = num;
	m->guess = FRAME_MIN_GUESS;
	return m->iov && m->head && m->cap && m->spill ? 0 : -ENOMEM;
}

static void merge_free(struct merge *m)
{
	free(m->iov);
	free(m->head);
	free(m->cap);
	free(m->spill);
}

static void receive(struct net_engine *n)
{
	if (n->merged)
		merge_fill(n);
	else
		rx_fill(n);
}

static void on_event(struct net_engine *n, uint32_t what, bool *stop)
{
	uint64_t v;

	switch (what) {
	case EV_RX_KICK:
		if (read(n->rx->kickfd, &v, sizeof(v)) == sizeof(v))
			n->kicks++;
		watch_tap(n, true);
		receive(n);
		break;
	case EV_TX_KICK:
		if (read(n->tx->kickfd, &v, sizeof(v)) == sizeof(v))
			n->kicks++;
		tx_drain(n);
		break;
	case EV_TAP:
		/* not when an earlier event of the same batch stopped watching it */
		if (n->tap_watched)
			receive(n);
		break;
	case EV_STOP:
		*stop = true;
		break;
	}
}

static void *net_main(void *arg)
{
	struct net_engine *n = arg;
	struct epoll_event ev[4];
	bool stop = false;

	tap_offloads(n);
	while (!stop) {
		int k = epoll_wait(n->ep, ev, 4, -1), i;

		/* the driver's memory only while no IOTLB update is under way */
		pthread_rwlock_rdlock(&n->s->maps);
		for (i = 0; i < k; i++)
			on_event(n, ev[i].data.u32, &stop);
		pthread_rwlock_unlock(&n->s->maps);
	}
	return NULL;
}

static int watch(struct net_engine *n, int fd, uint32_t what)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = what };

	return epoll_ctl(n->ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* What a killed server had taken from the transmit queue past the used index: completed, not sent. */
static void complete_unsent(struct net_engine *n)
{
	struct served_vq *q = n->tx;
	struct request *r = &n->txr;
	uint16_t left = q->orphans;

	while (left && virtq_pop(q->vq, &r->elem) != 0) {
		virtq_push(q->vq, r->elem.head, 0);
		n->c.tx_unsent++;
		left--;
	}
	serve_publish(n->s, q, &n->irqs);
}

static int net_start(struct server *s, bool resume)
{
	struct net_engine *n = calloc(1, sizeof(*n));
	int err;

	if (!n)
		return fail(s, -ENOMEM, "net engine");
	s->engine_data = n;
	n->s = s;
	n->ep = n->stopfd = -1;
	if (s->nvq < 2 || !s->vqs[RXQ].enabled || !s->vqs[TXQ].enabled)
		return fail(s, -EIO, "a virtio-net device has a receive and a transmit queue: the driver enabled %s",
			    s->nvq < 2 ? "fewer" : "not both");
	n->rx = &s->vqs[RXQ];
	n->tx = &s->vqs[TXQ];
	n->merged = s->features & (1ULL << VIRTIO_NET_F_MRG_RXBUF);
	if (request_init(&n->rxr, n->rx->num) || request_init(&n->txr, n->tx->num) ||
	    (n->merged && merge_init(&n->m, n->rx->num)))
		return fail(s, -ENOMEM, "net engine");
	n->ep = epoll_create1(EPOLL_CLOEXEC);
	n->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (n->ep < 0 || n->stopfd < 0)
		return fail(s, -errno, "epoll, eventfd");
	if ((err = watch(n, n->rx->kickfd, EV_RX_KICK)) || (err = watch(n, n->tx->kickfd, EV_TX_KICK)) ||
	    (err = watch(n, s->o->tap_fd, EV_TAP)) || (err = watch(n, n->stopfd, EV_STOP)))
		return fail(s, err, "epoll_ctl");
	n->tap_watched = true;
	if (resume && n->tx->orphans)
		complete_unsent(n);
	/* look at both rings once: the driver may have queued frames that no kick will announce */
	eventfd_write(n->rx->kickfd, 1);
	eventfd_write(n->tx->kickfd, 1);
	if ((err = serve_thread_start(s, 0, &n->thread, net_main, n)))
		return fail(s, err, "starting the net thread");
	n->started = true;
	set_link(s, true);
	return 0;
}

static void net_stop(struct server *s)
{
	struct net_engine *n = s->engine_data;

	if (!n)
		return;
	if (n->started) {
		/* carrier off: the driver's transmit watchdog does not count the time nobody serves */
		set_link(s, false);
		eventfd_write(n->stopfd, 1);
		pthread_join(n->thread, NULL);
	}
	s->st->net.tx_frames += n->c.tx_frames;
	s->st->net.tx_bytes += n->c.tx_bytes;
	s->st->net.rx_frames += n->c.rx_frames;
	s->st->net.rx_bytes += n->c.rx_bytes;
	s->st->net.tx_errors += n->c.tx_errors;
	s->st->net.rx_errors += n->c.rx_errors;
	s->st->net.rx_buffers += n->c.rx_buffers;
	s->st->net.rx_spilled += n->c.rx_spilled;
	s->st->net.tx_unsent += n->c.tx_unsent;
	s->st->net.offload_errors += n->c.offload_errors;
	s->st->kicks += n->kicks;
	s->st->irqs += n->irqs;
	if (n->ep >= 0)
		close(n->ep);
	if (n->stopfd >= 0)
		close(n->stopfd);
	request_free(&n->rxr);
	request_free(&n->txr);
	merge_free(&n->m);
	free(n);
	s->engine_data = NULL;
}

const struct serve_engine serve_net_engine = { "net", net_start, net_stop };
