/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A split virtqueue (virtio 1.x, 2.7), from either end.
 *
 * Device face (struct virtq_device): take the descriptor chains the driver made available, give
 * them back as used, and decide when the driver needs an interrupt and when it should kick us.
 * Ring addresses are the driver's (IOVAs); a translate callback turns them into our pointers.
 *
 * Driver face (struct virtq_driver): lay out the rings in memory we allocated, make chains of
 * our buffers available (directly or through an indirect table), decide when the device needs a
 * kick, and take back what it used, trusting nothing it wrote. Addresses the device sees come
 * from an addr_of callback (a user virtual address for vhost, an IOVA behind an IOMMU).
 *
 * Both are the same ring (virtq_ring.h): same layout, same notification rules, same ordering.
 * The structures are private: callers use the functions. One thread owns a queue; the other end
 * may run anywhere (another thread, another process, the kernel, a guest).
 */
#ifndef ZC_VIRTQ_H
#define ZC_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* The bytes each part of a ring of num entries takes, the event fields included. */
struct virtq_part_sizes {
	size_t desc, avail, used;
};

void virtq_part_sizes(unsigned num, struct virtq_part_sizes *sizes);

/* ---- device face ---- */

/*
 * Map [iova, iova + len) for reading (write false) or writing by the device: a pointer and, in
 * *avail, how many bytes from there are contiguous (at most len); NULL if unmapped.
 */
typedef void *(*virtq_translate_fn)(void *ctx, uint64_t iova, uint64_t len, bool write, uint64_t *avail);

struct virtq_device;

struct virtq_device_cfg {
	unsigned num;			/* entries, a power of two up to 32768 */
	void *desc, *avail, *used;	/* the three parts, translated already */
	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX negotiated */
	/*
	 * Where to begin: the available entry taken first, which is also the used entry filled
	 * first. With resume, start is ignored for the used index the ring holds: a device that
	 * completes in order and died had completed exactly the entries before it, so the next one
	 * picks up there.
	 */
	uint16_t start;
	bool resume;
	virtq_translate_fn translate;
	void *ctx;
};

/* A chain as virtq_pop() fills it: the device-readable buffers first (n_out), then the writable ones (n_in). */
struct virtq_elem {
	uint16_t head;
	unsigned n_out, n_in;
	unsigned max_iov;		/* set by the caller: how many entries iov has */
	struct iovec *iov;
};

/*
 * 0, -EINVAL for a size that is not a power of two up to 32768 or a ring part the driver did not
 * align (descriptors to 16 bytes, the available ring to 2, the used ring to 4), -ENOMEM.
 */
int virtq_device_new(struct virtq_device **vq, const struct virtq_device_cfg *cfg);
void virtq_device_free(struct virtq_device *vq);

/* How many entries the driver made available that we have not taken. */
uint16_t virtq_pending(const struct virtq_device *vq);
/*
 * Take the next chain: 1 and elem filled, 0 when there is none, -EIO for a chain the driver got
 * wrong (loop, out of the table, readable after writable, indirect in indirect, unmapped), -E2BIG
 * for more buffers than elem holds. A chain that fails is consumed; the caller completes it with
 * an error.
 */
int virtq_pop(struct virtq_device *vq, struct virtq_elem *elem);
/*
 * Give back the last n chains taken and not pushed: the next virtq_pop() takes them again. For
 * a device that takes chains before it knows how many it needs (a merged receive buffer).
 */
void virtq_unpop(struct virtq_device *vq, uint16_t n);
/* Put a used entry (head, bytes written) into the ring; the driver sees it after virtq_publish(). */
void virtq_push(struct virtq_device *vq, uint16_t head, uint32_t written);
/*
 * Make the pushed entries visible. Returns whether the driver wants an interrupt for them
 * (false when nothing was pushed since the last call).
 */
bool virtq_publish(struct virtq_device *vq);
/*
 * Kicks: off while we are busy with the queue anyway, back on before we sleep. virtq_kicks_on()
 * returns true if buffers arrived meanwhile (process them, no kick will come for them).
 */
void virtq_kicks_off(struct virtq_device *vq);
bool virtq_kicks_on(struct virtq_device *vq);
/* The index of the next available entry we take; any thread may ask (VDUSE_GET_VQ_STATE does). */
uint16_t virtq_next_avail(const struct virtq_device *vq);
/* The index of the next used entry we fill: after virtq_publish(), the used index the driver sees. */
uint16_t virtq_next_used(const struct virtq_device *vq);

/* ---- driver face ---- */

/* The address the device uses for [ptr, ptr + len) of our memory; VIRTQ_NO_ADDR if it has none. */
typedef uint64_t (*virtq_addr_fn)(void *ctx, const void *ptr, size_t len);
#define VIRTQ_NO_ADDR UINT64_MAX

struct virtq_driver;

struct virtq_driver_cfg {
	unsigned num;			/* entries, a power of two up to 32768 */
	void *mem;			/* virtq_driver_mem_size() bytes at its alignment: rings, then tables */
	/* VIRTIO_RING_F_INDIRECT_DESC: descriptors in each head's indirect table; 0 for none */
	unsigned table_len;
	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX negotiated */
	uint16_t start;			/* first index of both rings: 0 for a device just reset */
	virtq_addr_fn addr_of;		/* NULL: the device uses our pointers */
	void *ctx;
};

/* Where the device finds the three parts (VHOST_SET_VRING_ADDR, a transport's queue registers). */
struct virtq_ring_addrs {
	uint64_t desc, avail, used;
};

/*
 * The memory a driver queue of num entries needs, indirect tables of table_len descriptors
 * included: the bytes, and in *align the alignment of its start. 0 for a size it cannot have.
 */
size_t virtq_driver_mem_size(unsigned num, unsigned table_len, size_t *align);
/*
 * Lay out the rings in cfg->mem (zeroed, then both indices at start) and every descriptor free.
 * 0, -EINVAL (size, table length, memory misaligned), -ENOMEM, -EFAULT (no address for the rings).
 */
int virtq_driver_new(struct virtq_driver **d, const struct virtq_driver_cfg *cfg);
void virtq_driver_free(struct virtq_driver *d);
void virtq_driver_ring_addrs(const struct virtq_driver *d, struct virtq_ring_addrs *addrs);

/*
 * Make a chain available: the device-readable buffers out, then the writable ones in. token
 * (not NULL) comes back from virtq_driver_get_used(). With tables, a chain of two buffers or more
 * that fits one goes indirect and takes one descriptor of the ring. The device sees it after
 * virtq_driver_kick_prepare(). 0; -ENOSPC while there are not enough free descriptors; -EINVAL
 * for a chain that can never fit, no buffer, no token or a buffer of 4 GiB or more; -EFAULT for a
 * buffer addr_of has no address for; -EIO once the queue is broken.
 */
int virtq_driver_add(struct virtq_driver *d, const struct iovec *out, unsigned n_out, const struct iovec *in,
		     unsigned n_in, void *token);
/* Publish the added chains. Returns whether the device must be kicked for them. */
bool virtq_driver_kick_prepare(struct virtq_driver *d);
/*
 * Take back the next used chain: 1 with its token and the bytes the device wrote, 0 when there is
 * none. -EIO when the device wrote nonsense (an id that is not the head of a chain in flight, a
 * length past the chain's writable bytes, more used entries than chains in flight): the queue is
 * broken from then on, reset the device.
 */
int virtq_driver_get_used(struct virtq_driver *d, void **token, uint32_t *len);
/*
 * Interrupts: off while we take used chains anyway, back on before we wait.
 * virtq_driver_interrupts_on() returns true if chains were used meanwhile (take them, no
 * interrupt will come for them).
 */
void virtq_driver_interrupts_off(struct virtq_driver *d);
bool virtq_driver_interrupts_on(struct virtq_driver *d);
/*
 * The same, delayed (as Linux's virtqueue_enable_cb_delayed): interrupted once n more chains
 * were used (at most the chains the last kick_prepare showed the device), true if they were
 * already. With EVENT_IDX only; without it, as virtq_driver_interrupts_on(). Fewer wakeups
 * for a driver that refills in bulk.
 */
bool virtq_driver_interrupts_after(struct virtq_driver *d, unsigned n);
/* Chains added and not yet taken back. */
unsigned virtq_driver_in_flight(const struct virtq_driver *d);
bool virtq_driver_broken(const struct virtq_driver *d);

#endif
