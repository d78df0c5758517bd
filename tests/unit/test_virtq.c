// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The split virtqueue (lib/virtio/virtq_*), its driver face against its device face in memory,
 * and the virtio-blk request handler (lib/virtio/vblk):
 * - chains the driver face makes and the device face takes: order, lengths, indirect tables,
 *   kick and interrupt suppression with and without EVENT_IDX;
 * - what only a broken driver writes (the device face refuses it) and what only a broken device
 *   writes (the driver face refuses it), both written here by hand;
 * - long random runs of both faces (virtq_random.c): thousands of chains of random shapes,
 *   indices wrapping past 65535, completion out of order, every byte checked, every kick and
 *   interrupt compared with a model; TEST_VIRTQ_SEED=N repeats a run;
 * - virtio-blk requests, through the queue and straight against a memory backend.
 */
#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "virtio/vblk.h"
#include "virtq_pair.h"
#include "virtq_random.h"

static uint64_t no_addr(void *ctx, const void *ptr, size_t len)
{
	(void)ctx;
	(void)ptr;
	(void)len;
	return VIRTQ_NO_ADDR;
}

static void test_layout(void)
{
	struct virtq_driver_cfg dc = { .num = 8 };
	struct virtq_device_cfg vc = { .num = 12 };
	struct virtq_part_sizes s;
	struct virtq_driver *d;
	struct virtq_device *v;
	struct pair p;
	size_t align;

	virtq_part_sizes(8, &s);
	ok(s.desc == 128 && s.avail == 22 && s.used == 70,
	   "an 8-entry ring: 128 bytes of descriptors, 22 available, 70 used");
	ok(virtq_driver_mem_size(8, 0, &align) >= 128 + 22 + 70 && align == 16,
	   "a driver queue's memory holds them, 16-byte aligned");
	ok(virtq_driver_mem_size(8, 4, &align) - virtq_driver_mem_size(8, 0, &align) == 8 * 4 * 16,
	   "and with tables, 4 descriptors for each of 8 heads");
	ok(!virtq_driver_mem_size(0, 0, &align) && !virtq_driver_mem_size(12, 0, &align) &&
	   !virtq_driver_mem_size(65536, 0, &align), "no size for 0, 12 or 65536 entries");
	is_int(virtq_device_new(&v, &vc), -EINVAL, "a device queue of 12 entries is refused");
	pair_open(&p, &(struct pair_cfg){ .num = 8 });
	ok((char *)p.vr.avail == (char *)p.vr.desc + 128 && (char *)p.vr.used >= (char *)p.vr.avail + 22 &&
	   (uintptr_t)p.vr.used % 4 == 0, "the driver lays the parts out one after the other, the used ring 4-aligned");
	dc.mem = (char *)p.mem + 2;
	is_int(virtq_driver_new(&d, &dc), -EINVAL, "memory that is not 16-byte aligned is refused");
	dc.mem = p.mem;
	dc.addr_of = no_addr;
	is_int(virtq_driver_new(&d, &dc), -EFAULT, "rings the device has no address for are refused");
	pair_close(&p);
}

static void test_chains(void)
{
	char hdr[16], data[512], status;
	struct iovec out[] = { { hdr, sizeof(hdr) } }, in[] = { { data, sizeof(data) }, { &status, 1 } };
	struct iovec iov[16];
	struct virtq_elem e = { .iov = iov, .max_iov = 16 };
	struct pair p;
	void *token;
	uint32_t len;

	pair_open(&p, &(struct pair_cfg){ .num = 8 });
	is_int(virtq_pop(p.dev, &e), 0, "an empty ring gives nothing");
	is_int(virtq_driver_add(p.drv, out, 1, in, 2, hdr), 0, "the driver adds a three-buffer chain");
	is_int(virtq_pending(p.dev), 0, "the device does not see it before kick_prepare");
	ok(virtq_driver_kick_prepare(p.drv), "kick_prepare: the device wants a kick (no NO_NOTIFY flag)");
	ok(!virtq_driver_kick_prepare(p.drv), "kick_prepare with nothing new: no kick");
	is_int(virtq_pending(p.dev), 1, "one chain pending");
	is_int(virtq_pop(p.dev, &e), 1, "the device takes it");
	ok(e.n_out == 1 && e.n_in == 2 && iov[0].iov_base == hdr && iov[1].iov_base == data && iov[1].iov_len == 512 &&
	   iov[2].iov_base == &status, "one readable, then two writable buffers, in order");
	virtq_push(p.dev, e.head, 513);
	is_int(virtq_driver_get_used(p.drv, &token, &len), 0, "a pushed entry is not visible before publish");
	ok(virtq_publish(p.dev), "publish: the driver wants an interrupt (no NO_INTERRUPT flag)");
	ok(!virtq_publish(p.dev), "publish with nothing pushed: no interrupt");
	ok(virtq_driver_get_used(p.drv, &token, &len) == 1 && token == hdr && len == 513,
	   "the driver gets its token back, 513 bytes written");
	is_int(virtq_driver_in_flight(p.drv), 0, "nothing in flight");

	virtq_driver_interrupts_off(p.drv);
	virtq_driver_add(p.drv, out, 1, in, 2, hdr);
	virtq_driver_kick_prepare(p.drv);
	virtq_pop(p.dev, &e);
	virtq_push(p.dev, e.head, 1);
	ok(!virtq_publish(p.dev), "with interrupts off (NO_INTERRUPT) the driver is not interrupted");
	ok(virtq_driver_interrupts_on(p.drv), "interrupts back on: a chain was used meanwhile");
	virtq_driver_get_used(p.drv, &token, &len);
	virtq_kicks_off(p.dev);
	virtq_driver_add(p.drv, out, 1, in, 2, hdr);
	ok(!virtq_driver_kick_prepare(p.drv), "with kicks off (NO_NOTIFY) the device is not kicked");
	ok(virtq_kicks_on(p.dev), "kicks back on: a chain came meanwhile");
	pair_close(&p);
}

static void test_driver_limits(void)
{
	char buf[9][4], status;
	struct iovec iov[9], big = { buf, (size_t)1 << 32 }, in = { &status, 1 };
	struct iovec viov[16];
	struct virtq_elem e[2] = { { .iov = viov, .max_iov = 8 }, { .iov = viov + 8, .max_iov = 8 } };
	struct pair p;
	void *token;
	uint32_t len;
	int i;

	for (i = 0; i < 9; i++)
		iov[i] = (struct iovec){ buf[i], sizeof(buf[i]) };
	pair_open(&p, &(struct pair_cfg){ .num = 8 });
	is_int(virtq_driver_add(p.drv, &big, 1, NULL, 0, buf[0]), -EINVAL, "a buffer of 4 GiB: -EINVAL");
	ok(!virtq_driver_add(p.drv, iov, 3, NULL, 0, buf[0]) && !virtq_driver_add(p.drv, iov + 3, 3, NULL, 0, buf[3]),
	   "two chains of three descriptors in a ring of 8");
	is_int(virtq_driver_add(p.drv, iov + 6, 3, NULL, 0, buf[6]), -ENOSPC, "a third does not fit: -ENOSPC");
	is_int(virtq_driver_add(p.drv, iov + 6, 1, &in, 1, buf[6]), 0, "a chain of two does");
	is_int(virtq_driver_in_flight(p.drv), 3, "three chains in flight");
	is_int(virtq_driver_add(p.drv, iov, 9, NULL, 0, buf[0]), -EINVAL, "a chain longer than the ring: -EINVAL");
	is_int(virtq_driver_add(p.drv, iov, 0, NULL, 0, buf[0]), -EINVAL, "a chain of no buffer: -EINVAL");
	is_int(virtq_driver_add(p.drv, iov, 1, NULL, 0, NULL), -EINVAL, "a chain without a token: -EINVAL");

	virtq_driver_kick_prepare(p.drv);
	virtq_pop(p.dev, &e[0]);
	virtq_pop(p.dev, &e[1]);
	virtq_push(p.dev, e[1].head, 0);
	virtq_push(p.dev, e[0].head, 0);
	virtq_publish(p.dev);
	ok(virtq_driver_get_used(p.drv, &token, &len) == 1 && token == buf[3] &&
	   virtq_driver_get_used(p.drv, &token, &len) == 1 && token == buf[0],
	   "chains come back in the order used, not added");
	ok(!virtq_driver_add(p.drv, iov, 3, NULL, 0, buf[0]) && !virtq_driver_add(p.drv, iov + 3, 3, NULL, 0, buf[3]),
	   "their descriptors are free again");
	pair_close(&p);

	pair_open(&p, &(struct pair_cfg){ .num = 8 });
	p.fail_addr = buf[1];
	is_int(virtq_driver_add(p.drv, iov, 3, NULL, 0, buf[0]), -EFAULT,
	       "a buffer the device has no address for: -EFAULT");
	p.fail_addr = NULL;
	ok(!virtq_driver_in_flight(p.drv) && !virtq_driver_add(p.drv, iov, 8, NULL, 0, buf[0]),
	   "and it took nothing: a chain of eight fits");
	pair_close(&p);
}

static void test_indirect(void)
{
	char buf[8][3][4], status;
	struct iovec iov[8][3], five[5], in = { &status, 1 };
	struct iovec viov[16];
	struct virtq_elem e = { .iov = viov, .max_iov = 16 };
	uint16_t head;
	struct pair p;
	int i, j, added = 0;

	pair_open(&p, &(struct pair_cfg){ .num = 8, .table_len = 4 });
	for (i = 0; i < 8; i++) {
		for (j = 0; j < 3; j++)
			iov[i][j] = (struct iovec){ buf[i][j], sizeof(buf[i][j]) };
		added += !virtq_driver_add(p.drv, iov[i], 2, iov[i] + 2, 1, buf[i]);
	}
	is_int(added, 8, "eight chains of three buffers in a ring of 8: one descriptor each, in its table");
	head = p.vr.avail->ring[0];
	ok(p.vr.desc[head].flags == VRING_DESC_F_INDIRECT && p.vr.desc[head].len == 3 * sizeof(struct vring_desc),
	   "the head points at a table of three descriptors");
	virtq_driver_kick_prepare(p.drv);
	is_int(virtq_pop(p.dev, &e), 1, "the device follows the table");
	ok(e.n_out == 2 && e.n_in == 1 && viov[0].iov_base == buf[0][0] && viov[2].iov_base == buf[0][2],
	   "its three buffers, in order");
	virtq_push(p.dev, e.head, 0);
	virtq_publish(p.dev);
	virtq_driver_get_used(p.drv, &(void *){ NULL }, &(uint32_t){ 0 });
	for (i = 0; i < 5; i++)
		five[i] = iov[i][0];
	is_int(virtq_driver_add(p.drv, five, 5, NULL, 0, buf[0]), -ENOSPC,
	   "five buffers do not fit a table of 4: they need five free descriptors of the ring");
	is_int(virtq_driver_add(p.drv, &in, 0, &in, 1, buf[0]), 0, "a single buffer goes straight into the ring");
	head = p.vr.avail->ring[8 % 8];
	ok(p.vr.desc[head].flags == VRING_DESC_F_WRITE, "as a plain writable descriptor");
	pair_close(&p);
}

/* ---- what only a broken driver writes: the device face refuses it ---- */

static void raw_desc(struct pair *p, unsigned i, void *addr, uint32_t len, uint16_t flags, uint16_t next)
{
	p->vr.desc[i] = (struct vring_desc){ .addr = (uintptr_t)addr, .len = len, .flags = flags, .next = next };
}

static void raw_avail(struct pair *p, uint16_t head)
{
	p->vr.avail->ring[p->vr.avail->idx % p->vr.num] = head;
	p->vr.avail->idx++;
}

static void test_broken_chains(void)
{
	struct iovec iov[16];
	struct virtq_elem e = { .iov = iov, .max_iov = 16 }, small = { .iov = iov, .max_iov = 2 };
	struct vring_desc table[2];
	char hdr[16], status;
	struct pair p;

	pair_open(&p, &(struct pair_cfg){ .num = 8 });
	raw_desc(&p, 3, hdr, sizeof(hdr), VRING_DESC_F_NEXT, 3);
	raw_avail(&p, 3);
	is_int(virtq_pop(p.dev, &e), -EIO, "a chain that loops is refused");
	raw_desc(&p, 4, hdr, sizeof(hdr), VRING_DESC_F_NEXT, 8 + 5);
	raw_avail(&p, 4);
	is_int(virtq_pop(p.dev, &e), -EIO, "a chain leaving the table is refused");
	raw_desc(&p, 5, &status, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 6);
	raw_desc(&p, 6, hdr, sizeof(hdr), 0, 0);
	raw_avail(&p, 5);
	is_int(virtq_pop(p.dev, &e), -EIO, "a readable buffer after a writable one is refused");
	raw_avail(&p, 8 + 1);
	is_int(virtq_pop(p.dev, &e), -EIO, "a head outside the table is refused");
	p.map.hole = (uintptr_t)hdr;
	raw_desc(&p, 7, hdr, sizeof(hdr), 0, 0);
	raw_avail(&p, 7);
	is_int(virtq_pop(p.dev, &e), -EIO, "an unmapped buffer is refused");
	p.map.hole = UINTPTR_MAX;
	table[0] = (struct vring_desc){ (uintptr_t)hdr, sizeof(hdr), VRING_DESC_F_NEXT, 1 };
	table[1] = (struct vring_desc){ (uintptr_t)table, sizeof(table), VRING_DESC_F_INDIRECT, 0 };
	raw_desc(&p, 0, table, sizeof(table), VRING_DESC_F_INDIRECT, 0);
	raw_avail(&p, 0);
	is_int(virtq_pop(p.dev, &e), -EIO, "an indirect descriptor inside an indirect table is refused");
	raw_desc(&p, 0, table, sizeof(table) - 1, VRING_DESC_F_INDIRECT, 0);
	raw_avail(&p, 0);
	is_int(virtq_pop(p.dev, &e), -EIO, "an indirect table that is not whole descriptors is refused");
	raw_desc(&p, 1, hdr, 4, VRING_DESC_F_NEXT, 2);
	raw_desc(&p, 2, hdr + 4, 4, VRING_DESC_F_NEXT, 3);
	raw_desc(&p, 3, hdr + 8, 4, 0, 0);
	raw_avail(&p, 1);
	is_int(virtq_pop(p.dev, &small), -E2BIG, "three buffers for an element of two: -E2BIG");
	is_int(virtq_pending(p.dev), 0, "and all of them were consumed");
	pair_close(&p);
}

/* ---- what only a broken device writes: the driver face refuses it ---- */

static void raw_used(struct pair *p, uint32_t id, uint32_t len)
{
	p->vr.used->ring[p->vr.used->idx % p->vr.num] = (struct vring_used_elem){ .id = id, .len = len };
	p->vr.used->idx++;
}

/*
 * Two chains in flight: head 0 holds descriptors 0-2 with 9 writable bytes, head 3 holds 4
 * writable bytes. The device then writes the used entries u (and moves its index `extra` further).
 * Returns how many chains the driver took back before get_used said something else (in *last).
 */
static unsigned broken_device(struct pair *p, const struct vring_used_elem *u, unsigned n, uint16_t extra, int *last)
{
	static char hdr[4], data[8], status, reply[4];
	struct iovec a_out = { hdr, 4 }, a_in[] = { { data, 8 }, { &status, 1 } }, b_in = { reply, 4 };
	void *token;
	uint32_t len;
	unsigned i;

	pair_open(p, &(struct pair_cfg){ .num = 8 });
	virtq_driver_add(p->drv, &a_out, 1, a_in, 2, hdr);
	virtq_driver_add(p->drv, NULL, 0, &b_in, 1, reply);
	virtq_driver_kick_prepare(p->drv);
	for (i = 0; i < n; i++)
		raw_used(p, u[i].id, u[i].len);
	p->vr.used->idx += extra;
	for (i = 0; i <= n + extra && (*last = virtq_driver_get_used(p->drv, &token, &len)) == 1; i++)
		;
	return i;
}

static void test_broken_device(void)
{
	static const struct {
		const char *what;
		struct vring_used_elem u[2];
		unsigned n;
		uint16_t extra;
		unsigned taken;		/* chains taken back before the refusal */
	} cases[] = {
		{ "an id never handed out", { { 5, 0 } }, 1, 0, 0 },
		{ "an id outside the table", { { 8 + 100, 0 } }, 1, 0, 0 },
		{ "the id of a descriptor inside a chain, not its head", { { 1, 0 } }, 1, 0, 0 },
		{ "a length past the chain's writable bytes", { { 0, 10 } }, 1, 0, 0 },
		{ "a chain used twice", { { 3, 4 }, { 3, 4 } }, 2, 0, 1 },
		{ "more used entries than chains in flight", { { 0, 9 }, { 3, 4 } }, 2, 1, 0 },
	};
	const struct vring_used_elem fine[] = { { 0, 9 }, { 3, 4 } };
	struct pair p;
	struct iovec iov = { &p, 1 };
	unsigned i, taken;
	int last;

	taken = broken_device(&p, fine, 2, 0, &last);
	ok(taken == 2 && !last && !virtq_driver_broken(p.drv) && !virtq_driver_in_flight(p.drv),
	   "a device that writes each chain's writable bytes is fine: both chains back, the queue sound");
	pair_close(&p);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct virtq_driver *d;

		taken = broken_device(&p, cases[i].u, cases[i].n, cases[i].extra, &last);
		d = p.drv;
		ok(taken == cases[i].taken && last == -EIO && virtq_driver_broken(d) &&
		   virtq_driver_add(d, &iov, 1, NULL, 0, &d) == -EIO &&
		   virtq_driver_get_used(d, &(void *){ NULL }, &(uint32_t){ 0 }) == -EIO,
		   "refused: %s; the queue stays broken", cases[i].what);
		pair_close(&p);
	}
}

static void test_event_idx(void)
{
	char status[8];
	struct iovec in[8];
	struct iovec iov[16];
	struct virtq_elem e = { .iov = iov, .max_iov = 16 };
	struct pair p;
	int i;

	pair_open(&p, &(struct pair_cfg){ .num = 8, .event_idx = true });
	for (i = 0; i < 8; i++)
		in[i] = (struct iovec){ &status[i], 1 };
	for (i = 0; i < 3; i++)
		virtq_driver_add(p.drv, NULL, 0, &in[i], 1, &status[i]);
	ok(virtq_driver_kick_prepare(p.drv), "the first kick: the device asked for entry 0 (avail_event 0)");
	virtq_driver_add(p.drv, NULL, 0, &in[3], 1, &status[3]);
	ok(!virtq_driver_kick_prepare(p.drv), "entries 3 on: avail_event 0 is passed already, no kick");
	virtq_pop(p.dev, &e);
	virtq_push(p.dev, e.head, 1);
	ok(virtq_publish(p.dev), "the first publish interrupts (the driver asked for used entry 0)");
	virtq_pop(p.dev, &e);
	virtq_push(p.dev, e.head, 1);
	ok(!virtq_publish(p.dev), "used index 2: used_event 0 passed before, no interrupt");
	virtq_driver_get_used(p.drv, &(void *){ NULL }, &(uint32_t){ 0 });
	virtq_driver_get_used(p.drv, &(void *){ NULL }, &(uint32_t){ 0 });
	ok(!virtq_driver_interrupts_on(p.drv) && vring_used_event(&p.vr) == 2,
	   "interrupts on: used_event is the driver's next entry (2), nothing used meanwhile");
	virtq_pop(p.dev, &e);
	virtq_push(p.dev, e.head, 1);
	ok(virtq_publish(p.dev), "used index 3 passed used_event 2: interrupt");
	virtq_pop(p.dev, &e);
	ok(!virtq_kicks_on(p.dev) && vring_avail_event(&p.vr) == 4,
	   "kicks on: avail_event is the device's next entry (4), nothing pending");
	virtq_driver_add(p.drv, NULL, 0, &in[4], 1, &status[4]);
	ok(virtq_driver_kick_prepare(p.drv), "available index 5 passed avail_event 4: kick");
	virtq_driver_add(p.drv, NULL, 0, &in[5], 1, &status[5]);
	ok(!virtq_driver_kick_prepare(p.drv), "available index 6: no second kick");
	ok(virtq_kicks_on(p.dev), "a chain that came meanwhile is seen when kicks go back on");
	pair_close(&p);
}

/* Delayed interrupts: used_event n - 1 entries ahead, at most those in flight, one interrupt for n. */
static void test_interrupts_after(void)
{
	struct iovec in[8], iov[16];
	struct virtq_elem e = { .iov = iov, .max_iov = 16 };
	char status[8];
	struct pair p;
	int i;

	for (i = 0; i < 8; i++)
		in[i] = (struct iovec){ &status[i], 1 };
	pair_open(&p, &(struct pair_cfg){ .num = 8, .event_idx = true });
	/* a first round trip: a device's first publish interrupts whatever used_event says */
	virtq_driver_add(p.drv, NULL, 0, &in[7], 1, &status[7]);
	virtq_driver_kick_prepare(p.drv);
	virtq_pop(p.dev, &e);
	virtq_push(p.dev, e.head, 1);
	virtq_publish(p.dev);
	virtq_driver_get_used(p.drv, &(void *){ NULL }, &(uint32_t){ 0 });
	for (i = 0; i < 6; i++)
		virtq_driver_add(p.drv, NULL, 0, &in[i], 1, &status[i]);
	virtq_driver_kick_prepare(p.drv);
	ok(!virtq_driver_interrupts_after(p.drv, 4) && vring_used_event(&p.vr) == 4,
	   "interrupts after 4 of 6 in flight: used_event 4 (used index 1 + 3), nothing used yet");
	for (i = 0; i < 3; i++) {
		virtq_pop(p.dev, &e);
		virtq_push(p.dev, e.head, 1);
		ok(!virtq_publish(p.dev), "used index %d: not yet 5, no interrupt", i + 2);
	}
	virtq_pop(p.dev, &e);
	virtq_push(p.dev, e.head, 1);
	ok(virtq_publish(p.dev), "used index 5 passed used_event 4: one interrupt for the four");
	ok(virtq_driver_interrupts_after(p.drv, 4), "four used and not taken: no need to sleep");
	for (i = 0; i < 4; i++)
		virtq_driver_get_used(p.drv, &(void *){ NULL }, &(uint32_t){ 0 });
	ok(!virtq_driver_interrupts_after(p.drv, 100) && vring_used_event(&p.vr) == 6,
	   "after 100 with 2 in flight: the last of them (used_event 6)");
	virtq_pop(p.dev, &e);
	virtq_push(p.dev, e.head, 1);
	ok(!virtq_publish(p.dev) && !virtq_driver_interrupts_after(p.drv, 2),
	   "one of the two used: no interrupt, and the driver still waits for the second");
	pair_close(&p);

	pair_open(&p, &(struct pair_cfg){ .num = 8, .event_idx = false });
	virtq_driver_add(p.drv, NULL, 0, &in[0], 1, &status[0]);
	virtq_driver_add(p.drv, NULL, 0, &in[1], 1, &status[1]);
	virtq_driver_kick_prepare(p.drv);
	ok(!virtq_driver_interrupts_after(p.drv, 2), "without EVENT_IDX: interrupts on, nothing used");
	virtq_pop(p.dev, &e);
	virtq_push(p.dev, e.head, 1);
	ok(virtq_publish(p.dev) && virtq_driver_interrupts_after(p.drv, 2),
	   "without EVENT_IDX the first used entry interrupts and is enough to take");
	pair_close(&p);
}

/*
 * A device that died with a chain taken and not completed: the next one starts at the used index
 * and takes that chain again, and interrupts on its first publish whatever used_event says.
 */
static void test_resume(void)
{
	char status[3];
	struct iovec in[3], iov[4];
	struct virtq_elem e = { .iov = iov, .max_iov = 4 };
	struct pair p;
	void *token[3];
	uint32_t len;
	int i;

	pair_open(&p, &(struct pair_cfg){ .num = 8, .event_idx = true, .start = 65535 });
	for (i = 0; i < 3; i++) {
		in[i] = (struct iovec){ &status[i], 1 };
		virtq_driver_add(p.drv, NULL, 0, &in[i], 1, &status[i]);
	}
	virtq_driver_kick_prepare(p.drv);
	for (i = 0; i < 3; i++)
		virtq_pop(p.dev, &e);
	virtq_push(p.dev, 0, 1);
	virtq_push(p.dev, 1, 1);
	virtq_publish(p.dev);
	pair_resume_device(&p);
	is_int(virtq_next_avail(p.dev), 1, "a resumed device starts at the used index the ring holds (65535 + 2)");
	ok(virtq_pop(p.dev, &e) == 1 && e.head == 2 && !virtq_pending(p.dev),
	   "it takes the chain in flight again, only that one");
	virtq_push(p.dev, e.head, 1);
	ok(virtq_publish(p.dev), "its first publish interrupts, though used_event (65535) is long passed");
	for (i = 0; i < 3; i++)
		virtq_driver_get_used(p.drv, &token[i], &len);
	ok(token[0] == &status[0] && token[1] == &status[1] && token[2] == &status[2] && !virtq_driver_in_flight(p.drv),
	   "the driver gets each chain back once");
	pair_close(&p);
}

/* ---- virtio-blk ---- */

/* One request through both faces of the queue to vblk_handle and back; returns the used length. */
static uint32_t blk_through_queue(struct pair *p, const struct vblk_backend *b, struct iovec *out, unsigned n_out,
				  struct iovec *in, unsigned n_in, struct vblk_counters *c)
{
	struct iovec iov[8], scratch[8];
	struct virtq_elem e = { .iov = iov, .max_iov = 8 };
	uint32_t len = 0;
	void *token;

	bool ok;

	virtq_driver_add(p->drv, out, n_out, in, n_in, out);
	virtq_driver_kick_prepare(p->drv);
	ok = virtq_pop(p->dev, &e) == 1;
	virtq_push(p->dev, e.head, vblk_handle(b, &e, ok, scratch, c));
	virtq_publish(p->dev);
	virtq_driver_get_used(p->drv, &token, &len);
	return len;
}

static void test_blk_queue(void)
{
	struct virtio_blk_outhdr hdr = { .type = VIRTIO_BLK_T_OUT, .sector = 3 };
	char data[1024], back[1024];
	uint8_t status = 0xff;
	struct iovec out[] = { { &hdr, sizeof(hdr) }, { data, sizeof(data) } };
	struct iovec in[] = { { back, sizeof(back) }, { &status, 1 } };
	struct vblk_counters c = { 0 };
	struct vblk_backend b;
	struct pair p;
	int i;

	for (i = 0; i < 1024; i++)
		data[i] = (char)(i * 5 + 3);
	vblk_backend_memory(&b, 64 * 1024);
	pair_open(&p, &(struct pair_cfg){ .num = 8, .table_len = 4, .event_idx = true });
	ok(blk_through_queue(&p, &b, out, 2, in + 1, 1, &c) == 1 && status == VIRTIO_BLK_S_OK,
	   "virtio-blk OUT through the queue: status OK, used length 1");
	hdr.type = VIRTIO_BLK_T_IN;
	ok(blk_through_queue(&p, &b, out, 1, in, 2, &c) == 1025 && status == VIRTIO_BLK_S_OK &&
	   !memcmp(back, data, 1024),
	   "virtio-blk IN through the queue: the same bytes, used length 1025");
	pair_close(&p);
	vblk_backend_close(&b);
}

/* One virtio-blk request straight to vblk_handle: header, optional data, status. */
static uint8_t blk_request(struct vblk_backend *b, uint32_t type, uint64_t sector, void *data, uint32_t len,
			   bool data_in, uint32_t *written, struct vblk_counters *c)
{
	struct virtio_blk_outhdr hdr = { .type = type, .sector = sector };
	struct iovec iov[3], scratch[3];
	struct virtq_elem e = { .iov = iov, .max_iov = 3 };
	uint8_t status = 0xff;
	unsigned n = 0;

	iov[n++] = (struct iovec){ &hdr, sizeof(hdr) };
	if (len && !data_in)
		iov[n++] = (struct iovec){ data, len };
	e.n_out = n;
	if (len && data_in)
		iov[n++] = (struct iovec){ data, len };
	iov[n++] = (struct iovec){ &status, 1 };
	e.n_in = n - e.n_out;
	*written = vblk_handle(b, &e, true, scratch, c);
	return status;
}

static void test_blk(void)
{
	struct vblk_counters c = { 0 };
	struct virtio_blk_discard_write_zeroes seg = { .sector = 2, .num_sectors = 2 };
	char buf[1024], back[1024], id[20];
	struct vblk_backend b;
	uint32_t written;
	int i;

	ok(!vblk_backend_memory(&b, 64 * 1024), "a 64K memory backend");
	memcpy(b.id, "zc-test", 7);
	for (i = 0; i < 1024; i++)
		buf[i] = (char)(i * 7 + 1);
	is_int(blk_request(&b, VIRTIO_BLK_T_OUT, 1, buf, 1024, false, &written, &c), VIRTIO_BLK_S_OK, "OUT 1K at sector 1");
	is_int(written, 1, "a write's used length is the status byte");
	is_int(blk_request(&b, VIRTIO_BLK_T_IN, 1, back, 1024, true, &written, &c), VIRTIO_BLK_S_OK, "IN 1K at sector 1");
	ok(!memcmp(buf, back, 1024) && written == 1025, "the same bytes, used length 1025");
	is_int(blk_request(&b, VIRTIO_BLK_T_IN, 127, back, 1024, true, &written, &c), VIRTIO_BLK_S_IOERR,
	       "IN past the end: IOERR");
	is_int(blk_request(&b, VIRTIO_BLK_T_IN, UINT64_MAX / 256, back, 512, true, &written, &c), VIRTIO_BLK_S_IOERR,
	       "IN at a sector whose offset overflows: IOERR");
	is_int(blk_request(&b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, false, &written, &c), VIRTIO_BLK_S_OK, "FLUSH");
	is_int(blk_request(&b, VIRTIO_BLK_T_GET_ID, 0, id, sizeof(id), true, &written, &c), VIRTIO_BLK_S_OK, "GET_ID");
	ok(!memcmp(id, "zc-test", 7) && !id[7], "GET_ID: the id, NUL-padded");
	is_int(blk_request(&b, VIRTIO_BLK_T_WRITE_ZEROES, 0, &seg, sizeof(seg), false, &written, &c), VIRTIO_BLK_S_OK,
	       "WRITE_ZEROES sectors 2-3");
	blk_request(&b, VIRTIO_BLK_T_IN, 1, back, 1024, true, &written, &c);
	ok(!memcmp(back, buf, 512) && !back[512] && !memcmp(back + 512, (char[512]){ 0 }, 512),
	   "sector 1 kept, sector 2 zeroed");
	is_int(blk_request(&b, 99, 0, NULL, 0, false, &written, &c), VIRTIO_BLK_S_UNSUPP, "an unknown type: UNSUPP");
	b.readonly = true;
	is_int(blk_request(&b, VIRTIO_BLK_T_OUT, 0, buf, 512, false, &written, &c), VIRTIO_BLK_S_IOERR,
	       "OUT to a read-only backend: IOERR");
	ok(c.reads == 2 && c.writes == 1 && c.flushes == 1 && c.get_ids == 1 && c.write_zeroes == 1 && c.errors == 3 &&
	   c.unsupported == 1 && c.bytes_read == 2048 && c.bytes_written == 1024, "the counters add up");
	vblk_backend_close(&b);
}

/* Each with at least 8 entries: the random chains are up to 8 buffers long on such a ring. */
static const struct run_cfg runs[] = {
	{ "flags, direct", { .num = 64 }, 20000 },
	{ "EVENT_IDX, direct, from 65500", { .num = 64, .event_idx = true, .start = 65500 }, 20000 },
	{ "flags, indirect, buffers in pieces, from 65530",
	  { .num = 16, .table_len = 4, .start = 65530, .granule = 64 }, 20000 },
	{ "EVENT_IDX, indirect, from 65000", { .num = 16, .table_len = 4, .event_idx = true, .start = 65000 }, 20000 },
	{ "EVENT_IDX, 8 entries, from 65535", { .num = 8, .event_idx = true, .start = 65535 }, 20000 },
	{ "flags, 8 entries, indirect of 3, buffers in pieces",
	  { .num = 8, .table_len = 3, .start = 1, .granule = 100 }, 20000 },
	{ "EVENT_IDX, indirect, buffers in pieces, 70000 chains",
	  { .num = 256, .table_len = 8, .event_idx = true, .granule = 128 }, 70000 },
};

static uint64_t random_seed(void)
{
	const char *s = getenv("TEST_VIRTQ_SEED");

	return s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
}

static void report(const struct run_cfg *c, const struct run_result *r)
{
	uint16_t end = c->pair.start + c->chains;

	ok(!r->stalled && !r->errors && r->completed == c->chains, "%s: %lu chains through both faces, none lost",
	   c->name, c->chains);
	if (r->stalled || r->errors)
		printf("#   %s after %lu of them, %lu refused\n", r->stalled ? "stalled" : "stopped", r->completed,
		       r->errors);
	ok(!r->bad_shape && !r->bad_bytes && !r->bad_len,
	   "%s: every buffer whole, every byte and used length as written", c->name);
	ok(!r->kicks.wrong && r->kicks.notified == r->kicks.expected && r->kicks.notified &&
	   r->kicks.notified < r->kicks.calls,
	   "%s: %lu kicks for %lu kick_prepare calls with news, each as the model says", c->name,
	   r->kicks.notified, r->kicks.calls);
	ok(!r->interrupts.wrong && r->interrupts.notified == r->interrupts.expected && r->interrupts.notified &&
	   r->interrupts.notified < r->interrupts.calls,
	   "%s: %lu interrupts for %lu publish calls with news, each as the model says", c->name,
	   r->interrupts.notified, r->interrupts.calls);
	ok(!r->listens.wrong,
	   "%s: kicks_on and interrupts_on saw what came meanwhile (%lu of %lu times), as the model says", c->name,
	   r->listens.notified, r->listens.calls);
	ok(r->next_avail == end && r->next_used == end, "%s: both rings end at index %u", c->name, end);
	ok(r->out_of_order, "%s: %lu chains completed out of order", c->name, r->out_of_order);
	if (c->pair.table_len)
		ok(r->indirect && r->indirect < r->submitted, "%s: %lu chains indirect, the others direct", c->name,
		   r->indirect);
	printf("#   %s: %lu times no room (-ENOSPC)\n", c->name, r->enospc);
}

static void test_random_runs(void)
{
	uint64_t seed = random_seed();
	struct run_result r;
	unsigned i;

	printf("# seed %llu (TEST_VIRTQ_SEED=%llu repeats these runs)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		run_random(&runs[i], seed + i, &r);
		report(&runs[i], &r);
	}
}

int main(void)
{
	test_layout();
	test_chains();
	test_driver_limits();
	test_indirect();
	test_broken_chains();
	test_broken_device();
	test_event_idx();
	test_interrupts_after();
	test_resume();
	test_random_runs();
	test_blk_queue();
	test_blk();
	return done_testing();
}
