/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside vduse_serve(): what every VDUSE device server shares (the device fd, the control
 * messages, the IOTLB, the rings of each queue, the in-flight record) and what a device type
 * plugs into it, an engine that moves the queues' buffers: virtio-blk requests to a backend
 * (serve.c) or virtio-net frames to and from a tap (serve_net.c). Private to lib/vduse/.
 */
#ifndef ZC_VDUSE_SERVER_H
#define ZC_VDUSE_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vduse/iotlb.h"
#include "vduse/serve.h"
#include "virtio/virtq.h"

#define BATCH 32	/* chains handled between two publications of the used ring */

/* What one server wrote down of each queue, in a file that outlives it. */
struct inflight_vq {
	uint64_t desc_addr;	/* which ring this is about (a reset driver has new rings) */
	uint16_t taken;		/* chains taken from the available ring */
	uint16_t completed;	/* chains put on the used ring and published */
	uint32_t pad;
};

struct inflight {
	char magic[8];
	uint32_t nvq;
	uint32_t pad;
	struct inflight_vq vq[];
};

struct request {
	struct virtq_elem elem;
	struct iovec *scratch;
	bool ok;		/* the chain was well formed */
	uint32_t written;
};

/* Room for any chain of a queue of num entries; request_free() of a zeroed request is a no-op. */
int request_init(struct request *r, unsigned num);
void request_free(struct request *r);

struct served_vq {
	unsigned index;
	bool enabled;
	unsigned num;			/* entries */
	int kickfd;
	struct virtq_device *vq;
	struct iotlb_pin rings[3];	/* desc, avail, used: ours until the queue stops */
	struct inflight_vq *rec;
	/* on resume: chains the dead server had taken past the used index (its record says) */
	uint16_t orphans;
};

struct server;

struct serve_engine {
	const char *type;		/* "blk", "net" */
	/* The queues the driver enabled are set up (after a crash: from the used index): serve them. */
	int (*start)(struct server *s, bool resume);
	/* Stop serving: finish the chains in hand, publish them, end the threads. Safe after a failed start. */
	void (*stop)(struct server *s);
};

extern const struct serve_engine serve_blk_engine, serve_net_engine;

struct server {
	const struct vduse_serve_opts *o;
	const struct serve_engine *engine;
	int fd;
	unsigned nvq;
	uint64_t features;
	bool running;
	struct vduse_iotlb iotlb;
	pthread_rwlock_t maps;	/* threads hold it shared while they touch the driver's memory */
	struct served_vq *vqs;
	void *engine_data;	/* the engine's threads */
	struct inflight *rec;
	size_t rec_size;
	struct vduse_serve_stats *st;
	char *why;
	size_t why_len;
};

/* the why of a failure into the caller's buffer, and err */
#define fail(s, err, ...) why_fail((s)->why, (s)->why_len, err, __VA_ARGS__)

/* Start thread n of the engine's I/O threads, pinned to the n-th CPU of o->cpus when there is one; -errno. */
int serve_thread_start(struct server *s, unsigned n, pthread_t *thread, void *(*fn)(void *), void *arg);

/* Make the pushed entries visible, interrupt the driver if it asks, then advance the record; count irqs. */
void serve_publish(struct server *s, struct served_vq *q, uint64_t *irqs);

#endif
