// SPDX-License-Identifier: GPL-2.0-or-later
#include "vhost/net_test.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bpf/frame_check.h"
#include "netdev.h"
#include "pattern.h"
#include "sig.h"
#include "vhost/vhost.h"
#include "virtio/virtq.h"

#define HDR_LEN sizeof(struct virtio_net_hdr_v1)
/* our frames: IEEE's "local experimental" EtherType, the sequence number, then the pattern */
#define ETHERTYPE_ZC FRAME_HASH_ETHERTYPE
#define FRAME_HEAD FRAME_HASH_FROM
#define MAX_MEMORY (1ULL << 30)
#define VERIFY_RCVBUF (64 << 20)
#define RX_WINDOW 256			/* frames injected ahead of those received: below the tap's queue of 500 */
#define BIT(n) (1ULL << (n))

static const uint8_t mac_dst[ETH_ALEN] = { 0x02, 0x7a, 0x63, 0x00, 0x00, 0x02 };
static const uint8_t mac_src[ETH_ALEN] = { 0x02, 0x7a, 0x63, 0x00, 0x00, 0x01 };

struct queue {
	struct virtq_driver *vq;
	uint8_t *bufs;			/* num slots of slot_bytes */
	int kick, call;
	unsigned *free;			/* a stack of free slots */
	unsigned nfree;
};

struct test {
	const struct vhost_net_test_opts *o;
	struct vhost_net_test_result *r;
	char *why;
	size_t why_len;
	int vhost;
	struct tap tap;
	bool sink;
	uint8_t *mem;
	size_t mem_size;
	size_t slot_bytes;
	struct queue q[2];
	int epoll;
	int psock;			/* packet socket on the tap: RX injection, TX verify socket */
	struct frame_check *check;	/* TX verify tc */
	struct vhost_zc *zc;
	struct sig_stop_mask stop;	/* SIGINT/SIGTERM get through only while we wait */
	/* TX bookkeeping, per slot and per sequence number modulo the queue size */
	uint64_t *slot_seq, *slot_avail_ns;
	uint32_t *slot_built;		/* the size of the frame a TX slot holds, 0 before its first */
	bool *seq_done;
	uint64_t oldest;		/* the oldest sequence number not yet completed */
	struct samples latency;
	double inflight_sum;
	uint64_t inflight_adds;
};

static int fail(struct test *t, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct test *t, int err, const char *fmt, ...)
{
	va_list ap;

	if (!t->why[0]) {
		va_start(ap, fmt);
		vsnprintf(t->why, t->why_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* ---- frames: a header of ours with the sequence number, then the pattern ---- */

static void build_frame(uint8_t *f, uint32_t size, uint64_t seq, uint64_t seed)
{
	uint64_t le = htole64(seq);

	memcpy(f, mac_dst, ETH_ALEN);
	memcpy(f + ETH_ALEN, mac_src, ETH_ALEN);
	f[12] = ETHERTYPE_ZC >> 8;
	f[13] = ETHERTYPE_ZC & 0xff;
	memcpy(f + FRAME_HASH_SEQ_AT, &le, sizeof(le));
	pattern_fill(f + FRAME_HEAD, size - FRAME_HEAD, seed, seq * size);
}

static uint32_t frame_size(const struct vhost_net_test_opts *o, uint64_t seq)
{
	return o->sizes[seq % o->nsizes];
}

/* 1: ours and right, 0: ours and wrong, -1: not ours (other traffic) */
static int check_frame(const uint8_t *f, size_t len, const struct vhost_net_test_opts *o)
{
	uint64_t le, seq;
	uint32_t size;

	if (len < FRAME_HEAD || f[12] != ETHERTYPE_ZC >> 8 || f[13] != (ETHERTYPE_ZC & 0xff))
		return -1;
	memcpy(&le, f + FRAME_HASH_SEQ_AT, sizeof(le));
	seq = le64toh(le);
	size = frame_size(o, seq);
	return len == size && pattern_check(f + FRAME_HEAD, size - FRAME_HEAD, o->seed, seq * size) ==
				      size - FRAME_HEAD;
}

/* Check a frame that arrived for direction d; false when it was not one of ours. */
static bool take_frame(struct test *t, struct vhost_net_dir_result *d, const uint8_t *f, size_t len)
{
	int ok = check_frame(f, len, t->o);

	if (ok < 0) {
		t->r->foreign++;
		return false;
	}
	if (ok)
		d->verified++;
	else
		d->bad++;
	return true;
}

/* ---- set-up ---- */

static uint8_t *slot(const struct test *t, struct queue *q, unsigned i)
{
	return q->bufs + (size_t)i * t->slot_bytes;
}

static int negotiate(struct test *t)
{
	uint64_t offered, want = BIT(VIRTIO_F_VERSION_1);
	int err = vhost_get_features(t->vhost, &offered);

	if (err)
		return fail(t, err, "VHOST_GET_FEATURES");
	if (!(offered & BIT(VIRTIO_F_VERSION_1)))
		return fail(t, -EOPNOTSUPP, "the device does not offer VIRTIO_F_VERSION_1");
	want |= offered & BIT(VIRTIO_RING_F_EVENT_IDX);
	/* without the tap's header, vhost writes and strips one of its own */
	if (!t->o->vnet_hdr)
		want |= BIT(VHOST_NET_F_VIRTIO_NET_HDR);
	err = vhost_set_features(t->vhost, want);
	if (err)
		return fail(t, err, "VHOST_SET_FEATURES 0x%llx", (unsigned long long)want);
	t->r->features = want;
	return 0;
}

/* Guest memory, anonymous or a memfd: rings first, then each queue's buffers. */
static int map_memory(struct test *t, size_t ring_bytes, size_t ring_align)
{
	unsigned num = t->o->queue_size;
	size_t rings = 2 * ((ring_bytes + ring_align - 1) / ring_align * ring_align);
	uint64_t bufs = 2ULL * num * t->slot_bytes;
	int err;

	if (rings + bufs > MAX_MEMORY)
		return fail(t, -E2BIG, "%u buffers of %zu bytes on each queue need more than 1 GiB of guest memory",
			    num, t->slot_bytes);
	t->mem_size = (rings + bufs + 4095) & ~(size_t)4095;
	err = vhost_guest_memory("zcioctl-vhost-guest", t->mem_size, !t->o->memfd, &t->mem);
	if (err)
		return fail(t, err, "%zu bytes of guest memory", t->mem_size);
	/* guest addresses are our addresses: the descriptors carry pointers */
	err = vhost_set_mem(t->vhost, (uintptr_t)t->mem, t->mem, t->mem_size);
	return err ? fail(t, err, "VHOST_SET_MEM_TABLE") : 0;
}

static int setup_queue(struct test *t, unsigned index, uint8_t *ring_mem, uint8_t *bufs)
{
	struct queue *q = &t->q[index];
	struct virtq_driver_cfg cfg = {
		.num = t->o->queue_size,
		.mem = ring_mem,
		.event_idx = t->r->features & BIT(VIRTIO_RING_F_EVENT_IDX),
	};
	struct virtq_ring_addrs a;
	struct vhost_ring_addrs va;
	unsigned i;
	int err;

	q->bufs = bufs;
	q->free = calloc(t->o->queue_size, sizeof(*q->free));
	if (!q->free)
		return -ENOMEM;
	for (i = 0; i < t->o->queue_size; i++)
		q->free[q->nfree++] = t->o->queue_size - 1 - i;
	err = virtq_driver_new(&q->vq, &cfg);
	if (err)
		return fail(t, err, "laying out the %s ring", index == VHOST_NET_TX ? "TX" : "RX");
	q->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->call = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->kick < 0 || q->call < 0)
		return fail(t, -errno, "eventfd");
	virtq_driver_ring_addrs(q->vq, &a);
	va = (struct vhost_ring_addrs){ .desc = a.desc, .avail = a.avail, .used = a.used };
	err = vhost_setup_vring(t->vhost, index, t->o->queue_size, 0, &va, q->kick, q->call);
	if (err)
		return fail(t, err, "setting up vring %u (VHOST_SET_VRING_*)", index);
	return 0;
}

static uint32_t largest_size(const struct vhost_net_test_opts *o)
{
	uint32_t max = 0;
	unsigned i;

	for (i = 0; i < o->nsizes; i++)
		if (o->sizes[i] > max)
			max = o->sizes[i];
	return max;
}

static int setup_rings(struct test *t)
{
	size_t align, ring_bytes = virtq_driver_mem_size(t->o->queue_size, 0, &align), stride;
	uint8_t *base;
	int err;

	if (!ring_bytes)
		return fail(t, -EINVAL, "a ring of %u entries", t->o->queue_size);
	t->slot_bytes = (HDR_LEN + largest_size(t->o) + 63) & ~(size_t)63;
	if ((err = map_memory(t, ring_bytes, align)))
		return err;
	stride = (ring_bytes + align - 1) / align * align;
	base = t->mem;
	if ((err = setup_queue(t, VHOST_NET_RX, base, base + 2 * stride)))
		return err;
	return setup_queue(t, VHOST_NET_TX, base + stride, base + 2 * stride + (size_t)t->o->queue_size * t->slot_bytes);
}

static int open_tap(struct test *t)
{
	int err = tap_open(t->o->tap, t->o->vnet_hdr, HDR_LEN, t->o->tap_napi, &t->tap);

	if (err == -EINVAL && t->o->tap)
		return fail(t, err, "%s is not a tap device", t->o->tap);
	if (err == -ENODEV)
		return fail(t, err, "no network device %s (tap auto makes a tap for the run)", t->o->tap);
	if (err)
		return fail(t, err, "opening the tap%s%s", t->o->tap ? " " : "", t->o->tap ? t->o->tap : "");
	snprintf(t->r->tap, sizeof(t->r->tap), "%s", t->tap.name);
	t->r->made_tap = t->tap.created;
	t->r->tap_napi = t->tap.napi;
	if (!t->tap.created)
		return 0;
	/* frames up to VHOST_NET_FRAME_MAX travel whole, without GSO */
	if ((err = netdev_set_mtu(t->tap.name, NETDEV_MTU_MAX)) || (err = netdev_set_up(t->tap.name)))
		return fail(t, err, "bringing %s up with the largest MTU", t->tap.name);
	err = sink_create(t->tap.name, t->o->delay_us, t->why, t->why_len);
	if (err)
		return err;
	t->sink = true;
	return 0;
}

static int open_packet_socket(struct test *t)
{
	/* a socket that only injects must not be a tap on the path: that would copy every TX frame */
	bool reads = t->o->verify == VHOST_VERIFY_SOCKET;
	struct sockaddr_ll where = {
		.sll_family = AF_PACKET, .sll_protocol = reads ? htons(ETH_P_ALL) : 0, .sll_ifindex = t->tap.ifindex,
	};
	int rcvbuf = VERIFY_RCVBUF;

	t->psock = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, where.sll_protocol);
	if (t->psock < 0)
		return fail(t, -errno, "a packet socket on %s", t->tap.name);
	/* room for every frame in flight, so that verify sees them all (the drops are counted anyway) */
	if (reads && setsockopt(t->psock, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(t->psock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(t->psock, (struct sockaddr *)&where, sizeof(where)) < 0)
		return fail(t, -errno, "binding the packet socket to %s", t->tap.name);
	return 0;
}

static int watch(struct test *t, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(t->epoll, EPOLL_CTL_ADD, fd, &ev) < 0 ? fail(t, -errno, "epoll_ctl") : 0;
}

static int set_backend(struct test *t, int fd)
{
	int err = vhost_net_set_backend(t->vhost, VHOST_NET_RX, fd);

	if (!err)
		err = vhost_net_set_backend(t->vhost, VHOST_NET_TX, fd);
	return err;
}

static int setup(struct test *t)
{
	int err;

	t->vhost = vhost_open(t->o->device);
	if (t->vhost < 0)
		return fail(t, t->vhost, "opening %s", t->o->device);
	if ((err = negotiate(t)) || (err = setup_rings(t)) || (err = open_tap(t)))
		return err;
	t->epoll = epoll_create1(EPOLL_CLOEXEC);
	if (t->epoll < 0)
		return fail(t, -errno, "epoll_create1");
	if ((err = watch(t, t->q[VHOST_NET_TX].call)) || (err = watch(t, t->q[VHOST_NET_RX].call)))
		return err;
	if ((t->o->rx || t->o->verify == VHOST_VERIFY_SOCKET) && (err = open_packet_socket(t)))
		return err;
	if (t->o->verify == VHOST_VERIFY_SOCKET && (err = watch(t, t->psock)))
		return err;
	if (t->o->tx && t->o->verify == VHOST_VERIFY_TC &&
	    (err = frame_check_start(t->tap.ifindex, &t->check, t->why, t->why_len)))
		return fail(t, err, "this zcioctl was built without BPF");
	if (t->o->tx && t->o->count_zerocopy &&
	    vhost_zc_start(getpid(), t->o->zc_probe, &t->zc, t->r->zc_why, sizeof(t->r->zc_why)) && !t->r->zc_why[0])
		snprintf(t->r->zc_why, sizeof(t->r->zc_why), "this zcioctl was built without BPF");
	if (!t->o->count_zerocopy)
		snprintf(t->r->zc_why, sizeof(t->r->zc_why), "not asked for (zerocopy-count off)");
	err = set_backend(t, t->tap.fd);
	return err ? fail(t, err, "VHOST_NET_SET_BACKEND %s", t->tap.name) : 0;
}

/* ---- the loops ---- */

static void kick(struct queue *q, struct vhost_net_dir_result *d)
{
	if (virtq_driver_kick_prepare(q->vq) && eventfd_write(q->kick, 1) == 0)
		d->kicks++;
}

/*
 * Sleep until the device calls (or a verify frame arrives); -ETIMEDOUT after timeout_ms, -EINTR
 * on SIGINT/SIGTERM. Interrupts go back on first, for the device's `after`th used chain from now
 * (at most those the device was shown): if it used them meanwhile, no call will come for them, so return at once.
 */
static int wait_for_device(struct test *t, struct queue *q, struct vhost_net_dir_result *d, unsigned after)
{
	struct epoll_event ev[3];
	uint64_t v;
	int n, i;

	if (virtq_driver_interrupts_after(q->vq, after)) {
		virtq_driver_interrupts_off(q->vq);
		return 0;
	}
	n = epoll_pwait(t->epoll, ev, 3, t->o->timeout_ms, &t->stop.wait);
	virtq_driver_interrupts_off(q->vq);
	if (n < 0 && errno == EINTR)
		return stop_requested() ? -EINTR : 0;
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	for (i = 0; i < n; i++)
		if (ev[i].data.fd == q->call && eventfd_read(q->call, &v) == 0)
			d->calls++;
	return 0;
}

/* A report of the tc program: the frame it hashed against the one we sent with that number. */
static void check_report(void *arg, uint64_t seq, uint32_t len, uint64_t hash)
{
	static uint8_t frame[VHOST_NET_FRAME_MAX];
	struct test *t = arg;
	uint32_t size = frame_size(t->o, seq);

	build_frame(frame, size, seq, t->o->seed);
	if (len == size && hash == frame_hash_of(frame, size))
		t->r->tx.verified++;
	else
		t->r->tx.bad++;
}

/* Frames the packet socket saw (TX verify): every one is checked; those it had no room for counted. */
static void drain_packet_socket(struct test *t)
{
	static uint8_t frame[VHOST_NET_FRAME_MAX + 64];
	struct tpacket_stats st;
	socklen_t len = sizeof(st);
	ssize_t n;

	if (t->check) {
		frame_check_take(t->check, check_report, t);
		t->r->verify_dropped = frame_check_lost(t->check);
	}
	if (t->o->verify != VHOST_VERIFY_SOCKET)
		return;
	while ((n = recv(t->psock, frame, sizeof(frame), MSG_DONTWAIT | MSG_TRUNC)) >= 0)
		take_frame(t, &t->r->tx, frame, (size_t)n);
	/* reading the statistics resets them */
	if (!getsockopt(t->psock, SOL_PACKET, PACKET_STATISTICS, &st, &len))
		t->r->verify_dropped += st.tp_drops;
}

static int tx_add(struct test *t, uint64_t seq, unsigned inflight)
{
	struct queue *q = &t->q[VHOST_NET_TX];
	unsigned s = q->free[q->nfree - 1];
	uint8_t *buf = slot(t, q, s);
	uint32_t size = frame_size(t->o, seq);
	struct iovec iov = { buf, HDR_LEN + size };
	int err;

	/* unchecked frames keep the contents they were built with, so a benchmark measures vhost and
	 * not the pattern generator: only the sequence number changes */
	if (t->o->verify == VHOST_VERIFY_NONE && t->slot_built[s] == size) {
		uint64_t le = htole64(seq);

		memcpy(buf + HDR_LEN + FRAME_HASH_SEQ_AT, &le, sizeof(le));
	} else {
		memset(buf, 0, HDR_LEN);
		build_frame(buf + HDR_LEN, size, seq, t->o->seed);
		t->slot_built[s] = size;
	}
	err = virtq_driver_add(q->vq, &iov, 1, NULL, 0, (void *)(uintptr_t)(s + 1));
	if (err)
		return err;
	q->nfree--;
	t->slot_seq[s] = seq;
	t->slot_avail_ns[s] = now_ns();
	t->inflight_sum += inflight + 1;
	t->inflight_adds++;
	return 0;
}

/* A TX buffer came back: latency, order, and the slot for the next frame. */
static void tx_done(struct test *t, unsigned s)
{
	unsigned num = t->o->queue_size;
	uint64_t seq = t->slot_seq[s];

	samples_add(&t->latency, now_ns() - t->slot_avail_ns[s]);
	if (seq != t->oldest)
		t->r->overtaken++;
	t->seq_done[seq % num] = true;
	while (t->seq_done[t->oldest % num]) {
		t->seq_done[t->oldest % num] = false;
		t->oldest++;
	}
	t->q[VHOST_NET_TX].free[t->q[VHOST_NET_TX].nfree++] = s;
}

/* Take back what the device used; the count, or -EIO for a used ring that makes no sense. */
static int reap(struct test *t, struct queue *q, void (*done)(struct test *, unsigned, uint32_t))
{
	void *token;
	uint32_t len;
	int n = 0, r;

	while ((r = virtq_driver_get_used(q->vq, &token, &len)) == 1) {
		done(t, (unsigned)(uintptr_t)token - 1, len);
		n++;
	}
	return r < 0 ? r : n;
}

static void tx_used(struct test *t, unsigned s, uint32_t len)
{
	(void)len;	/* always 0 on TX */
	t->r->tx.bytes += frame_size(t->o, t->slot_seq[s]);
	tx_done(t, s);
	t->r->tx.frames++;
}

/* The time and CPU a direction took, and what its error means. */
static int end_direction(struct test *t, struct vhost_net_dir_result *d, const char *what, uint64_t start,
			 uint64_t cpu, int err)
{
	d->elapsed_ns = now_ns() - start;
	d->cpu_ns = cpu_time_ns() - cpu;
	if (err == -ETIMEDOUT)
		return fail(t, err, "%s: %llu of %llu frames done, then nothing for %u ms", what,
			    (unsigned long long)d->frames, (unsigned long long)t->o->count, t->o->timeout_ms);
	return err ? fail(t, err, "%s", what) : 0;
}

static int run_tx(struct test *t)
{
	struct queue *q = &t->q[VHOST_NET_TX];
	unsigned limit = t->o->inflight ? t->o->inflight : t->o->queue_size;
	uint64_t sent = 0, start = now_ns(), cpu = cpu_time_ns();
	int err = 0, n;

	while (!err && t->r->tx.frames < t->o->count) {
		unsigned inflight;

		while (sent < t->o->count && (inflight = virtq_driver_in_flight(q->vq)) < limit && q->nfree &&
		       !(err = tx_add(t, sent, inflight)))
			sent++;
		if (err == -ENOSPC)
			err = 0;
		if (virtq_driver_in_flight(q->vq) > t->r->peak_inflight)
			t->r->peak_inflight = virtq_driver_in_flight(q->vq);
		kick(q, &t->r->tx);
		n = reap(t, q, tx_used);
		drain_packet_socket(t);
		if (n < 0)
			err = fail(t, n, "the TX used ring makes no sense (an id not in flight, or too many entries)");
		else if (!n && !err)
			err = wait_for_device(t, q, &t->r->tx, t->o->call_after);
	}
	return end_direction(t, &t->r->tx, "TX", start, cpu, err);
}

static int rx_post(struct test *t, unsigned s)
{
	struct queue *q = &t->q[VHOST_NET_RX];
	struct iovec iov = { slot(t, q, s), t->slot_bytes };

	return virtq_driver_add(q->vq, NULL, 0, &iov, 1, (void *)(uintptr_t)(s + 1));
}

static void rx_used(struct test *t, unsigned s, uint32_t len)
{
	struct vhost_net_dir_result *d = &t->r->rx;

	if (len < HDR_LEN) {
		d->bad++;
		d->frames++;
	} else if (take_frame(t, d, slot(t, &t->q[VHOST_NET_RX], s) + HDR_LEN, len - HDR_LEN)) {
		d->frames++;
		d->bytes += len - HDR_LEN;
	}
	/* the same buffer goes straight back: the ring never runs dry */
	rx_post(t, s);
}

static int inject(struct test *t, uint64_t seq)
{
	static uint8_t frame[VHOST_NET_FRAME_MAX];
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = t->tap.ifindex, .sll_halen = ETH_ALEN };
	uint32_t size = frame_size(t->o, seq);

	memcpy(to.sll_addr, mac_dst, ETH_ALEN);
	build_frame(frame, size, seq, t->o->seed);
	if (sendto(t->psock, frame, size, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return errno == EAGAIN || errno == ENOBUFS ? -EAGAIN : -errno;
	return 0;
}

static int run_rx(struct test *t)
{
	struct queue *q = &t->q[VHOST_NET_RX];
	uint64_t injected = 0, start = now_ns(), cpu = cpu_time_ns();
	unsigned s;
	int err = 0, n;

	for (s = 0; s < t->o->queue_size && !err; s++)
		err = rx_post(t, s);
	if (err)
		return fail(t, err, "posting RX buffers");
	kick(q, &t->r->rx);
	while (!err && t->r->rx.frames < t->o->count) {
		while (injected < t->o->count && injected - t->r->rx.frames < RX_WINDOW &&
		       !(err = inject(t, injected)))
			injected++;
		if (err == -EAGAIN)
			err = 0;
		if (err)
			return fail(t, err, "injecting frames into %s", t->tap.name);
		n = reap(t, q, rx_used);
		kick(q, &t->r->rx);
		if (n < 0)
			err = fail(t, n, "the RX used ring makes no sense (an id not in flight, or a length past the buffer)");
		else if (!n)
			err = wait_for_device(t, q, &t->r->rx, 1);
	}
	return end_direction(t, &t->r->rx, "RX", start, cpu, err);
}

/* TX verify: the frames of the last round may still be on their way to the packet socket. */
static void wait_for_verified(struct test *t)
{
	uint64_t deadline = now_ns() + (uint64_t)t->o->timeout_ms * 1000000;

	while (t->o->verify && t->r->tx.verified + t->r->tx.bad + t->r->verify_dropped < t->r->tx.frames &&
	       now_ns() < deadline) {
		usleep(1000);
		drain_packet_socket(t);
	}
}

/* Undo in reverse, whatever got done: the backend first (it waits for the skbs in flight). */
static void teardown(struct test *t)
{
	unsigned i;

	if (t->vhost >= 0 && t->tap.fd >= 0 && !set_backend(t, -1) && t->q[VHOST_NET_TX].vq)
		/* detaching waited for the skbs in flight: their buffers are back, count them */
		reap(t, &t->q[VHOST_NET_TX], tx_used);
	if (t->zc) {
		t->r->zc_counted = !vhost_zc_read(t->zc, &t->r->zc);
		t->r->zc_probe = vhost_zc_probe_used(t->zc);
		vhost_zc_stop(t->zc);
	}
	frame_check_stop(t->check);
	if (t->vhost >= 0)
		close(t->vhost);
	for (i = 0; i < 2; i++) {
		struct queue *q = &t->q[i];

		if (q->kick >= 0)
			close(q->kick);
		if (q->call >= 0)
			close(q->call);
		virtq_driver_free(q->vq);
		free(q->free);
	}
	if (t->epoll >= 0)
		close(t->epoll);
	if (t->psock >= 0)
		close(t->psock);
	tap_close(&t->tap);
	if (t->sink)
		sink_destroy(t->tap.name);
	if (t->mem)
		munmap(t->mem, t->mem_size);
	free(t->slot_seq);
	free(t->slot_avail_ns);
	free(t->seq_done);
	free(t->slot_built);
	samples_free(&t->latency);
}

static bool sizes_valid(const struct vhost_net_test_opts *o)
{
	unsigned i;

	for (i = 0; i < o->nsizes; i++)
		if (o->sizes[i] < VHOST_NET_FRAME_MIN)
			return false;
	return true;
}

static int alloc_tx_books(struct test *t)
{
	unsigned num = t->o->queue_size;

	t->slot_seq = calloc(num, sizeof(*t->slot_seq));
	t->slot_avail_ns = calloc(num, sizeof(*t->slot_avail_ns));
	t->seq_done = calloc(num, sizeof(*t->seq_done));
	t->slot_built = calloc(num, sizeof(*t->slot_built));
	return t->slot_seq && t->slot_avail_ns && t->seq_done && t->slot_built ? 0 : -ENOMEM;
}

int vhost_net_test(const struct vhost_net_test_opts *o, struct vhost_net_test_result *r, char *why, size_t why_len)
{
	struct test t = {
		.o = o, .r = r, .why = why, .why_len = why_len, .vhost = -1, .tap = { .fd = -1 }, .epoll = -1,
		.psock = -1, .q = { { .kick = -1, .call = -1 }, { .kick = -1, .call = -1 } },
	};
	int err;

	memset(r, 0, sizeof(*r));
	why[0] = '\0';
	r->zcopytx = vhost_net_zcopytx();
	if (!o->nsizes || o->nsizes > VHOST_NET_MAX_SIZES || largest_size(o) > VHOST_NET_FRAME_MAX || !o->queue_size ||
	    (o->queue_size & (o->queue_size - 1)) || o->inflight > o->queue_size || !sizes_valid(o))
		return fail(&t, -EINVAL, "bad frame size, queue size or in-flight limit");
	/* SIGINT/SIGTERM only while we sleep, so none is lost between a check and the wait */
	sig_block_stop(&t.stop);
	err = alloc_tx_books(&t);
	if (!err)
		err = setup(&t);
	if (!err && o->tx)
		err = run_tx(&t);
	if (!err && o->tx)
		wait_for_verified(&t);
	if (!err && o->rx)
		err = run_rx(&t);
	samples_figures(&t.latency, &r->tx_latency);
	teardown(&t);
	r->mean_inflight = t.inflight_adds ? t.inflight_sum / t.inflight_adds : 0;
	sig_unblock_stop(&t.stop);
	return err;
}
