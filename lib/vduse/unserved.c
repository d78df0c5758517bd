// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Removing a device nobody serves from the vDPA bus. Its driver resets the device on the way
 * out, and VDUSE turns that into messages for the server (SET_STATUS, IOTLB updates); with
 * nobody to answer, each waits msg-timeout and then the kernel marks the device broken for
 * good. The operator's natural order, stop the server and then detach, needs somebody to
 * answer: with /dev/vduse/NAME free we open it and answer every message for the duration.
 *
 * That is safe only while the driver waits for no request: a request made available and not
 * used would hold a disk's removal (del_gendisk waits for it) forever. So the rings of a blk
 * device are looked at first, and any such request keeps the device as it is.
 */
#include "vduse/unserved.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/vduse.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vduse/iotlb.h"
#include "vduse/vduse.h"

/* idx of a split ring's available or used ring: the second 16-bit word of both */
static int ring_index(struct vduse_iotlb *t, uint64_t iova, uint16_t *idx)
{
	struct iotlb_pin pin;
	const uint16_t *ring = iotlb_pin(t, iova, 4, false, &pin);

	if (!ring)
		return -EIO;
	*idx = le16toh(__atomic_load_n(&ring[1], __ATOMIC_ACQUIRE));
	iotlb_unpin(&pin);
	return 0;
}

/* Requests the driver made available and the device has not used, over every ready queue. */
static int unfinished_requests(int fd, unsigned *pending)
{
	struct vduse_vq_info info;
	struct vduse_iotlb t;
	uint16_t avail, used;
	unsigned i;
	int err = 0;

	*pending = 0;
	iotlb_init(&t, fd);
	for (i = 0; !err; i++) {
		memset(&info, 0, sizeof(info));
		info.index = i;
		if (ioctl(fd, VDUSE_VQ_GET_INFO, &info))
			break;	/* past the last queue */
		if (!info.ready)
			continue;
		if (!(err = ring_index(&t, info.driver_addr, &avail)) && !(err = ring_index(&t, info.device_addr, &used)))
			*pending += (uint16_t)(avail - used);
	}
	iotlb_destroy(&t);
	return err;
}

struct answerer {
	int fd, stopfd;
	uint64_t messages;
};

/* Every message gets OK: the device has no queue running and no mapping to drop. */
static void answer_one(struct answerer *a)
{
	struct vduse_dev_request req;
	struct vduse_dev_response resp;
	struct vduse_vq_info info;

	if (read(a->fd, &req, sizeof(req)) != sizeof(req))
		return;
	memset(&resp, 0, sizeof(resp));
	resp.request_id = req.request_id;
	resp.result = VDUSE_REQ_RESULT_OK;
	if (req.type == VDUSE_GET_VQ_STATE) {
		memset(&info, 0, sizeof(info));
		info.index = req.vq_state.index;
		resp.vq_state.index = req.vq_state.index;
		if (!ioctl(a->fd, VDUSE_VQ_GET_INFO, &info))
			resp.vq_state.split.avail_index = info.split.avail_index;
	} else if (req.type != VDUSE_SET_STATUS && req.type != VDUSE_UPDATE_IOTLB) {
		resp.result = VDUSE_REQ_RESULT_FAILED;
	}
	if (write(a->fd, &resp, sizeof(resp)) == sizeof(resp))
		a->messages++;
}

static void *answer_messages(void *arg)
{
	struct answerer *a = arg;
	struct pollfd p[2] = { { .fd = a->fd, .events = POLLIN }, { .fd = a->stopfd, .events = POLLIN } };

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN)
			answer_one(a);
		else if (p[0].revents)
			break;	/* POLLERR, POLLHUP: the device went */
	}
	return NULL;
}

int vduse_detach_unserved(const char *name, int (*detach)(void *arg), void *arg, struct vduse_unserved *r)
{
	struct answerer a = { .stopfd = -1 };
	pthread_t thread;
	int err;

	memset(r, 0, sizeof(*r));
	a.fd = vduse_open_dev(name, O_NONBLOCK);
	if (a.fd < 0)
		return a.fd;	/* -EBUSY: somebody serves it */
	/*
	 * virtio-net's removal waits for no buffer: its receive buffers are always out, and the
	 * reset takes back every one. A disk's waits for each request in flight.
	 */
	if (vduse_type_of(name) != VDUSE_NET &&
	    ((err = unfinished_requests(a.fd, &r->pending)) || (r->pending && (err = -EBUSY))))
		goto out;
	if ((a.stopfd = eventfd(0, EFD_CLOEXEC)) < 0) {
		err = -errno;
		goto out;
	}
	if ((err = -pthread_create(&thread, NULL, answer_messages, &a)))
		goto out;
	err = detach(arg);
	eventfd_write(a.stopfd, 1);
	pthread_join(thread, NULL);
	r->messages = a.messages;
out:
	if (a.stopfd >= 0)
		close(a.stopfd);
	close(a.fd);
	return err;
}
