// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The device side of the split virtqueue (lib/virtq) and the virtio-blk request handler
 * (lib/vblk), driven by a driver written here against the virtio 1.x layout: chains taken in
 * order, used entries and lengths, EVENT_IDX interrupt and kick suppression, chains a broken
 * driver could make, and every request type against a memory backend.
 */
#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "virtio/vblk.h"
#include "virtio/virtq.h"

#define NUM 8

static struct vring_desc desc[NUM];
static struct {
	struct vring_avail a;
	uint16_t ring[NUM + 1];	/* + used_event */
} avail;
static struct {
	struct vring_used u;
	struct vring_used_elem ring[NUM];
	uint16_t avail_event;
} used;

/* Addresses are pointers; anything at or above `hole` is "unmapped". */
static uintptr_t hole = UINTPTR_MAX;

static void *identity(void *ctx, uint64_t iova, uint64_t len, bool write, uint64_t *n)
{
	(void)ctx;
	(void)write;
	if (iova >= hole)
		return NULL;
	*n = len;
	return (void *)(uintptr_t)iova;
}

static struct virtq_device *reset_rings(bool event_idx)
{
	struct virtq_device_cfg cfg = { .num = NUM, .desc = desc, .avail = &avail, .used = &used,
					.event_idx = event_idx, .translate = identity };
	struct virtq_device *vq;

	memset(desc, 0, sizeof(desc));
	memset(&avail, 0, sizeof(avail));
	memset(&used, 0, sizeof(used));
	hole = UINTPTR_MAX;
	if (virtq_device_new(&vq, &cfg))
		abort();
	return vq;
}

static void set_desc(unsigned i, void *addr, uint32_t len, uint16_t flags, uint16_t next)
{
	desc[i].addr = (uintptr_t)addr;
	desc[i].len = len;
	desc[i].flags = flags;
	desc[i].next = next;
}

static void make_available(uint16_t head)
{
	avail.a.ring[avail.a.idx % NUM] = head;
	avail.a.idx++;
}

static void test_chains(void)
{
	struct iovec iov[2 * NUM];
	struct virtq_elem e = { .iov = iov, .max_iov = 2 * NUM };
	char hdr[16], data[512], status;
	struct virtq_device *vq;

	vq = reset_rings(false);
	is_int(virtq_pop(vq, &e), 0, "an empty ring gives nothing");
	set_desc(0, hdr, sizeof(hdr), VRING_DESC_F_NEXT, 1);
	set_desc(1, data, sizeof(data), VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	set_desc(2, &status, 1, VRING_DESC_F_WRITE, 0);
	make_available(0);
	is_int(virtq_pending(vq), 1, "one chain pending");
	is_int(virtq_pop(vq, &e), 1, "a three-descriptor chain is taken");
	ok(e.head == 0 && e.n_out == 1 && e.n_in == 2 && e.iov[0].iov_base == hdr && e.iov[1].iov_len == 512 &&
	   e.iov[2].iov_base == &status, "one readable, then two writable buffers, in order");
	virtq_push(vq, e.head, 513);
	ok(used.u.idx == 0, "a pushed entry is not visible before publish");
	ok(virtq_publish(vq), "publish: the driver wants an interrupt (no NO_INTERRUPT flag)");
	ok(used.u.idx == 1 && used.ring[0].id == 0 && used.ring[0].len == 513, "used entry: head 0, 513 bytes");
	avail.a.flags = VRING_AVAIL_F_NO_INTERRUPT;
	make_available(0);
	virtq_pop(vq, &e);
	virtq_push(vq, e.head, 1);
	ok(!virtq_publish(vq), "with NO_INTERRUPT the driver is not interrupted");

	/* what a broken driver can hand us: each consumed, each an error */
	set_desc(3, hdr, sizeof(hdr), VRING_DESC_F_NEXT, 3);
	make_available(3);
	is_int(virtq_pop(vq, &e), -EIO, "a chain that loops is refused");
	set_desc(4, hdr, sizeof(hdr), VRING_DESC_F_NEXT, NUM + 5);
	make_available(4);
	is_int(virtq_pop(vq, &e), -EIO, "a chain leaving the table is refused");
	set_desc(5, &status, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 6);
	set_desc(6, hdr, sizeof(hdr), 0, 0);
	make_available(5);
	is_int(virtq_pop(vq, &e), -EIO, "a readable buffer after a writable one is refused");
	make_available(NUM + 1);
	is_int(virtq_pop(vq, &e), -EIO, "a head outside the table is refused");
	hole = (uintptr_t)hdr;
	set_desc(7, hdr, sizeof(hdr), 0, 0);
	make_available(7);
	is_int(virtq_pop(vq, &e), -EIO, "an unmapped buffer is refused");
	hole = UINTPTR_MAX;
	is_int(virtq_pending(vq), 0, "and all of them were consumed");
	virtq_device_free(vq);
}

static void test_indirect(void)
{
	struct iovec iov[2 * NUM];
	struct virtq_elem e = { .iov = iov, .max_iov = 2 * NUM };
	struct vring_desc table[3];
	char hdr[16], data[64], status;
	struct virtq_device *vq;

	vq = reset_rings(false);
	table[0] = (struct vring_desc){ (uintptr_t)hdr, sizeof(hdr), VRING_DESC_F_NEXT, 1 };
	table[1] = (struct vring_desc){ (uintptr_t)data, sizeof(data), VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2 };
	table[2] = (struct vring_desc){ (uintptr_t)&status, 1, VRING_DESC_F_WRITE, 0 };
	set_desc(0, table, sizeof(table), VRING_DESC_F_INDIRECT, 0);
	make_available(0);
	is_int(virtq_pop(vq, &e), 1, "an indirect table is followed");
	ok(e.n_out == 1 && e.n_in == 2 && e.iov[1].iov_base == data, "its three buffers, in order");
	table[2].flags |= VRING_DESC_F_INDIRECT;
	make_available(0);
	is_int(virtq_pop(vq, &e), -EIO, "an indirect descriptor inside an indirect table is refused");
	virtq_device_free(vq);
}

static void test_event_idx(void)
{
	struct iovec iov[2 * NUM];
	struct virtq_elem e = { .iov = iov, .max_iov = 2 * NUM };
	char status;
	struct virtq_device *vq;
	int i;

	vq = reset_rings(true);
	set_desc(0, &status, 1, VRING_DESC_F_WRITE, 0);
	for (i = 0; i < 3; i++)
		make_available(0);
	avail.ring[NUM] = 2;	/* used_event: interrupt me when entry 2 is used */
	virtq_pop(vq, &e);
	virtq_push(vq, 0, 1);
	ok(virtq_publish(vq), "the first publish interrupts (nothing signalled yet)");
	virtq_pop(vq, &e);
	virtq_push(vq, 0, 1);
	ok(!virtq_publish(vq), "used index 2 has not passed used_event 2: no interrupt");
	virtq_pop(vq, &e);
	virtq_push(vq, 0, 1);
	ok(virtq_publish(vq), "used index 3 passed it: interrupt");
	ok(!virtq_kicks_on(vq) && used.avail_event == 3, "kicks on: avail_event is our next entry, nothing pending");
	make_available(0);
	ok(virtq_kicks_on(vq), "a buffer that came meanwhile is seen when kicks go back on");
	virtq_device_free(vq);
}

/* One virtio-blk request through vblk_handle: header, optional data, status. */
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

int main(void)
{
	test_chains();
	test_indirect();
	test_event_idx();
	test_blk();
	return done_testing();
}
