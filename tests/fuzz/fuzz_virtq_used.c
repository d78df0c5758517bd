// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_virtq_used: the driver side taking back used chains (virtq_driver_get_used) from a hostile
 * device. The input is a program: add chains of our buffers (directly or through indirect tables),
 * publish them, write used entries and the used index as a device would (ids never handed out,
 * ids of descriptors inside a chain, lengths past the writable bytes, the index jumping ahead or
 * back), and reap. The driver must hand back each token it was given at most once, with a length
 * within what the chain could take, or say -EIO and stay broken; never crash.
 *
 * Input: 4 bytes of configuration (size, indirect table length, EVENT_IDX, first index), then
 * one operation a byte with its operands.
 */
#include "config.h"

#include <errno.h>
#include <linux/virtio_ring.h>

#include "fuzz.h"
#include "virtio/virtq.h"

#define MAX_TOKENS 512
#define MAX_BUFS 8

static uint8_t data_mem[4096 + 256];	/* offsets up to 4080, lengths up to 255 */

struct tokens {
	bool out[MAX_TOKENS];		/* handed to the driver, not yet taken back */
	uint64_t in_bytes[MAX_TOKENS];	/* the chain's writable bytes */
	unsigned n_out;
	unsigned next;
};

static void add_chain(struct virtq_driver *d, struct fuzz_in *in, struct tokens *t)
{
	struct iovec bufs[MAX_BUFS];
	unsigned n_out = fuzz_u8(in) % 5, n_in = fuzz_u8(in) % 5, i, k;
	uint64_t in_bytes = 0;
	int err;

	for (i = 0; i < n_out + n_in; i++) {
		size_t off = fuzz_u8(in) * 16, len = fuzz_u8(in);

		bufs[i] = (struct iovec){ data_mem + off, len };
		if (i >= n_out)
			in_bytes += len;
	}
	for (i = 0; i < MAX_TOKENS && t->out[k = (t->next + i) % MAX_TOKENS]; i++)
		;
	if (i == MAX_TOKENS)
		return;
	err = virtq_driver_add(d, bufs, n_out, bufs + n_out, n_in, &t->out[k]);
	if (virtq_driver_broken(d))
		FUZZ_CHECK(err == -EIO);
	else if (n_out + n_in == 0)
		FUZZ_CHECK(err == -EINVAL);
	else
		FUZZ_CHECK(err == 0 || err == -ENOSPC || err == -EINVAL);
	if (err)
		return;
	t->out[k] = true;
	t->in_bytes[k] = in_bytes;
	t->n_out++;
	t->next = k + 1;
}

/* Take back everything the device says it used. */
static void reap(struct virtq_driver *d, struct tokens *t, unsigned num)
{
	unsigned i;

	for (i = 0; i <= num + 1; i++) {
		void *token = NULL;
		uint32_t len = 0;
		bool was_broken = virtq_driver_broken(d);
		int r = virtq_driver_get_used(d, &token, &len);
		size_t k;

		if (r == 0)
			return;
		if (r == -EIO) {
			FUZZ_CHECK(virtq_driver_broken(d));
			FUZZ_CHECK(virtq_driver_get_used(d, &token, &len) == -EIO);
			return;
		}
		FUZZ_CHECK(r == 1 && !was_broken);
		FUZZ_CHECK((bool *)token >= t->out && (bool *)token < t->out + MAX_TOKENS);
		k = (bool *)token - t->out;
		FUZZ_CHECK(t->out[k]);	/* handed out, and not taken back before */
		FUZZ_CHECK(len <= t->in_bytes[k]);
		t->out[k] = false;
		t->n_out--;
		FUZZ_CHECK(virtq_driver_in_flight(d) == t->n_out);
	}
	/* more used chains than were ever in flight cannot be */
	FUZZ_CHECK(!"reaped more chains than the ring has");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct virtq_driver_cfg cfg = { 0 };
	struct virtq_ring_addrs addrs;
	struct virtq_driver *d;
	struct vring_used *used;
	struct tokens *t;
	size_t align, mem_size;
	unsigned ops = 0;

	if (size > 4096)
		return -1;
	cfg.num = 1u << (fuzz_u8(&in) % 9);
	cfg.table_len = fuzz_u8(&in) % 9;
	cfg.event_idx = fuzz_u8(&in) & 1;
	cfg.start = fuzz_u8(&in) * 257;
	mem_size = virtq_driver_mem_size(cfg.num, cfg.table_len, &align);
	FUZZ_CHECK(mem_size);
	if (posix_memalign(&cfg.mem, align, mem_size) || !(t = calloc(1, sizeof(*t))))
		abort();
	FUZZ_CHECK(virtq_driver_new(&d, &cfg) == 0);
	virtq_driver_ring_addrs(d, &addrs);
	used = (struct vring_used *)(uintptr_t)addrs.used;

	while (in.n && ops++ < 1024) {
		uint8_t op = fuzz_u8(&in);

		switch (op % 6) {
		case 0:
			add_chain(d, &in, t);
			break;
		case 1:
			(void)virtq_driver_kick_prepare(d);
			break;
		case 2: {
			/* a used entry: an id that is likely a head, or any 32 bits */
			struct vring_used_elem *u = &used->ring[fuzz_u8(&in) % cfg.num];

			u->id = op & 0x80 ? fuzz_u32(&in) : fuzz_u8(&in) % cfg.num;
			u->len = op & 0x40 ? fuzz_u32(&in) : fuzz_u8(&in);
			break;
		}
		case 3:
			/* the used index: a step forward, or anywhere */
			used->idx = op & 0x80 ? fuzz_u16(&in) : (uint16_t)(used->idx + fuzz_u8(&in) % 4);
			break;
		case 4:
			reap(d, t, cfg.num);
			break;
		case 5:
			if (op & 0x80)
				virtq_driver_interrupts_off(d);
			else if (op & 0x40)
				(void)virtq_driver_interrupts_after(d, fuzz_u16(&in));
			else
				(void)virtq_driver_interrupts_on(d);
			break;
		}
		if (!virtq_driver_broken(d))
			FUZZ_CHECK(virtq_driver_in_flight(d) == t->n_out);
	}
	reap(d, t, cfg.num);
	virtq_driver_free(d);
	free(cfg.mem);
	free(t);
	return 0;
}
