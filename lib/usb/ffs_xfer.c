// SPDX-License-Identifier: GPL-2.0-or-later
#include "usb/ffs_xfer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usb/ffs.h"
#include "sig.h"

#define failed_at(r, ...) snprintf((r)->failed, sizeof((r)->failed), __VA_ARGS__)

/* IN: the bytes of transfer `index` into buf. */
static int produce(const struct ffs_xfer_opts *o, struct ffs_xfer_result *r, uint64_t index, void *buf)
{
	int err = payload_fill(&r->data, buf, o->size, index * o->size);

	if (err)
		failed_at(r, "reading the data file");
	return err;
}

/* OUT: check or store the bytes of transfer `index`. */
static int consume(const struct ffs_xfer_opts *o, struct ffs_xfer_result *r, uint64_t index, const void *buf)
{
	int err = payload_take(&r->data, buf, o->size, o->size, index * o->size);

	if (err)
		failed_at(r, "writing the data file");
	return err;
}

struct slot {
	struct dmabuf buf;
	bool attached;
	int sync_fd;
	uint64_t queued_ns;
};

/*
 * Wait for the slot's transfer. Either way the transfer's own fence, kept as a sync_file when
 * it was queued, tells how it ended: a signalled fence leaves the reservation object, and its
 * error with it, so a poll on the dmabuf alone cannot tell a failed transfer from a good one.
 */
static int wait_slot(const struct ffs_xfer_opts *o, struct ffs_xfer_result *r, struct slot *s)
{
	int fd = o->wait == FFS_WAIT_SYNC_FILE ? s->sync_fd : s->buf.fd;
	struct fence_status st;
	uint64_t done_ns;
	int err;

	do
		err = dmabuf_wait_fd(fd, o->wait != FFS_WAIT_SYNC_FILE, o->timeout_ms);
	while (err == -EINTR && !stop_requested());
	done_ns = now_ns();
	if (err) {
		if (err != -EINTR)
			failed_at(r, "waiting for the fence (%s)", o->wait == FFS_WAIT_SYNC_FILE ? "sync_file" : "poll on the dmabuf");
		return err;
	}
	err = sync_file_status(s->sync_fd, &st);
	close(s->sync_fd);
	s->sync_fd = -1;
	if (err) {
		failed_at(r, "SYNC_IOC_FILE_INFO");
		return err;
	}
	if (st.status < 0 && !r->fence_error)
		r->fence_error = st.status;
	/* with a sync_file the kernel's own signal time, not when we woke up */
	if (o->wait == FFS_WAIT_SYNC_FILE && st.timestamp_ns > s->queued_ns)
		done_ns = st.timestamp_ns;
	return samples_add(&r->latency_ns, done_ns - s->queued_ns);
}

/*
 * The CPU's turn at a buffer, between DMA_BUF_IOCTL_SYNC start and end: fill it before an IN
 * transfer, check or store it after an OUT one.
 */
static int cpu_access(const struct ffs_xfer_opts *o, struct ffs_xfer_result *r, struct slot *s, uint64_t index)
{
	int err;

	if ((err = dmabuf_cpu_begin(&s->buf, !r->in, r->in)) ||
	    (err = r->in ? produce(o, r, index, s->buf.map) : consume(o, r, index, s->buf.map)) ||
	    (err = dmabuf_cpu_end(&s->buf, !r->in, r->in))) {
		if (!r->failed[0])
			failed_at(r, "DMA_BUF_IOCTL_SYNC");
	}
	return err;
}

static int queue_slot(int ep, const struct ffs_xfer_opts *o, struct ffs_xfer_result *r, struct slot *s,
		      uint64_t index)
{
	int err;

	if (r->in && !o->no_data && (err = cpu_access(o, r, s, index)))
		return err;
	s->queued_ns = now_ns();
	err = ffs_dmabuf_transfer(ep, s->buf.fd, o->size);
	if (err) {
		failed_at(r, "FUNCTIONFS_DMABUF_TRANSFER");
		return err;
	}
	err = dmabuf_export_sync_file(&s->buf, true, &s->sync_fd);
	if (err)
		failed_at(r, "DMA_BUF_IOCTL_EXPORT_SYNC_FILE");
	return err;
}

static int complete_slot(const struct ffs_xfer_opts *o, struct ffs_xfer_result *r, struct slot *s, uint64_t index)
{
	r->transfers++;
	r->bytes += o->size;
	return r->in || o->no_data ? 0 : cpu_access(o, r, s, index);
}

static void release_slots(int ep, struct slot *slots, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		if (slots[i].sync_fd >= 0)
			close(slots[i].sync_fd);
		if (slots[i].attached)
			ffs_dmabuf_detach(ep, slots[i].buf.fd);
		dmabuf_free(&slots[i].buf);
	}
	free(slots);
}

static int run_dmabuf(int ep, const struct ffs_xfer_opts *o, struct ffs_xfer_result *r)
{
	size_t alloc = dmabuf_page_align(o->size);
	uint64_t queued = 0, done = 0, t0 = now_ns(), c0;
	struct slot *slots;
	unsigned i, n = o->buffers ? o->buffers : 1;
	int err = 0;

	slots = calloc(n, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		slots[i].sync_fd = -1;
		slots[i].buf.fd = -1;
	}
	for (i = 0; i < n && !err; i++) {
		err = dmabuf_alloc(o->heap, alloc, &slots[i].buf);
		if (err) {
			failed_at(r, o->heap == DMABUF_HEAP_UDMABUF ? "UDMABUF_CREATE" : "DMA_HEAP_IOCTL_ALLOC");
			break;
		}
		err = ffs_dmabuf_attach(ep, slots[i].buf.fd);
		if (err)
			failed_at(r, "FUNCTIONFS_DMABUF_ATTACH");
		slots[i].attached = !err;
	}
	r->setup_ns = now_ns() - t0;
	t0 = now_ns();
	c0 = cpu_time_ns();
	while (!err && done < o->count) {
		while (!err && queued < o->count && queued - done < n) {
			err = queue_slot(ep, o, r, &slots[queued % n], queued);
			if (!err)
				queued++;
		}
		if (err)
			break;
		err = wait_slot(o, r, &slots[done % n]);
		if (!err)
			err = complete_slot(o, r, &slots[done % n], done);
		if (err)
			break;
		done++;
		if (r->fence_error || stop_requested())
			break;
		if (o->progress)
			o->progress(o->progress_arg, done, r->bytes);
	}
	r->wall_ns = now_ns() - t0;
	r->cpu_ns = cpu_time_ns() - c0;
	if (err == -EINTR && stop_requested())
		err = 0;
	r->stopped = stop_requested();
	/* on an early stop the detach cancels what is still queued (the review's race: tested) */
	release_slots(ep, slots, n);
	return err;
}

static int run_copy(int ep, const struct ffs_xfer_opts *o, struct ffs_xfer_result *r)
{
	uint64_t i, t0 = now_ns(), c0;
	void *buf;
	int err = 0;

	if (posix_memalign(&buf, 4096, o->size))
		return -ENOMEM;
	r->setup_ns = now_ns() - t0;
	t0 = now_ns();
	c0 = cpu_time_ns();
	for (i = 0; i < o->count && !err && !stop_requested(); i++) {
		uint64_t call_start;
		ssize_t n;

		if (r->in && !o->no_data && (err = produce(o, r, i, buf)))
			break;
		call_start = now_ns();
		n = r->in ? write(ep, buf, o->size) : read(ep, buf, o->size);
		if (n < 0) {
			err = errno == EINTR && stop_requested() ? 0 : -errno;
			if (err)
				failed_at(r, r->in ? "write to the endpoint" : "read from the endpoint");
			break;
		}
		if ((uint64_t)n != o->size) {
			failed_at(r, "short %s: %zd of %llu bytes", r->in ? "write" : "read", n,
				  (unsigned long long)o->size);
			err = -EIO;
			break;
		}
		samples_add(&r->latency_ns, now_ns() - call_start);
		r->transfers++;
		r->bytes += (uint64_t)n;
		if (!r->in && !o->no_data)
			err = consume(o, r, i, buf);
		if (o->progress)
			o->progress(o->progress_arg, i + 1, r->bytes);
	}
	r->wall_ns = now_ns() - t0;
	r->cpu_ns = cpu_time_ns() - c0;
	r->stopped = stop_requested();
	free(buf);
	return err;
}

int ffs_xfer_run(int ep, const struct ffs_xfer_opts *o, struct ffs_xfer_result *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->data.fd = -1;
	err = ffs_ep_wait_enabled(ep, o->timeout_ms);
	if (err == -EINTR)
		return 0;	/* stopped before the host came */
	if (!err)
		err = ffs_ep_info(ep, &r->in, &r->max_packet, &r->address);
	if (err) {
		failed_at(r, err == -ETIMEDOUT ? "waiting for the host to enable the function" : "FUNCTIONFS_ENDPOINT_DESC");
		return err;
	}
	r->data.seed = o->seed;
	r->data.verify = o->verify;
	r->data.none = o->no_data;
	/* the data file is read for IN (the gadget sends), replaced for OUT */
	err = payload_open(&r->data, o->data_path, r->in);
	if (err) {
		failed_at(r, "opening %.80s", o->data_path);
		return err;
	}
	err = o->mode == FFS_XFER_DMABUF ? run_dmabuf(ep, o, r) : run_copy(ep, o, r);
	payload_close(&r->data);
	return err;
}

void ffs_xfer_result_free(struct ffs_xfer_result *r)
{
	samples_free(&r->latency_ns);
}
