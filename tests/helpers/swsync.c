// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A dma_fence producer the tests control, through sw_sync:
 *   swsync NAME FENCES STEP_MS [ROUNDS [wait]]
 * Opens a timeline (the kernel names it after this task, so we rename ourselves NAME first),
 * creates FENCES fences at seqnos 1..FENCES, asks to be told when they signal (poll: this is
 * what enables signalling), then advances the timeline by one every STEP_MS milliseconds (0: all
 * at once), and checks through each sync_file that every fence signalled. ROUNDS repeats it on
 * fresh timelines (for benchmarks). Prints "fences N rounds R seconds S" on success.
 * With `wait`, this task instead waits for each fence in the kernel (dma_fence_wait: one
 * wait_start and wait_end each) while a second thread advances the timeline: the fence goes
 * into a udmabuf's reservation object, and the CPU-access ioctl waits for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "dmabuf.h"
#include "zc/sw_sync.h"

struct timeline {
	int fd;
	unsigned fences, step_ms;
	int err;	/* of advance() */
};

/* A fresh timeline with fences at seqnos 1..fences in fds (-1 where none). */
static int create_fences(struct timeline *tl, int *fds)
{
	unsigned i;

	for (i = 0; i < tl->fences; i++)
		fds[i] = -1;
	tl->fd = open(SW_SYNC_PATH, O_RDWR | O_CLOEXEC);
	if (tl->fd < 0)
		return -errno;
	for (i = 0; i < tl->fences; i++) {
		struct sw_sync_create_fence_data d = { .value = i + 1, .name = "zc" };

		if (ioctl(tl->fd, SW_SYNC_IOC_CREATE_FENCE, &d))
			return -errno;
		fds[i] = d.fence;
	}
	return 0;
}

/* Signal the fences: one every step_ms, or all at once. */
static int advance(struct timeline *tl)
{
	struct timespec step = { tl->step_ms / 1000, (tl->step_ms % 1000) * 1000000L };
	__u32 one = 1, all = tl->fences;
	unsigned i;

	if (!tl->step_ms)
		return ioctl(tl->fd, SW_SYNC_IOC_INC, &all) ? -errno : 0;
	for (i = 0; i < tl->fences; i++) {
		nanosleep(&step, NULL);
		if (ioctl(tl->fd, SW_SYNC_IOC_INC, &one))
			return -errno;
	}
	return 0;
}

static void *advance_thread(void *arg)
{
	struct timeline *tl = arg;

	tl->err = advance(tl);
	return NULL;
}

static int check_signalled(const struct timeline *tl, const int *fds)
{
	unsigned i;
	int err = 0;

	for (i = 0; i < tl->fences && !err; i++) {
		struct fence_status st;

		err = dmabuf_wait_fd(fds[i], false, 5000);
		if (!err)
			err = sync_file_status(fds[i], &st);
		if (!err && st.status != 1)
			err = -EPROTO;
	}
	return err;
}

static void close_all(struct timeline *tl, int *fds)
{
	unsigned i;

	for (i = 0; i < tl->fences; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (tl->fd >= 0)
		close(tl->fd);
}

static int poll_round(struct timeline *tl, int *fds)
{
	unsigned i;
	int err = create_fences(tl, fds);

	for (i = 0; i < tl->fences && !err; i++) {	/* a zero-timeout poll arms the callback */
		struct pollfd p = { .fd = fds[i], .events = POLLIN };

		poll(&p, 1, 0);
	}
	if (!err)
		err = advance(tl);
	if (!err)
		err = check_signalled(tl, fds);
	close_all(tl, fds);
	return err;
}

/* Each fence in turn into the dmabuf, then a CPU write access that waits until it signals. */
static int wait_each(const struct timeline *tl, const int *fds, const struct dmabuf *b)
{
	unsigned i;
	int err = 0;

	for (i = 0; i < tl->fences && !err; i++) {
		err = dmabuf_import_sync_file(b, fds[i], true);
		if (!err)
			err = dmabuf_cpu_begin(b, false, true);
		if (!err)
			err = dmabuf_cpu_end(b, false, true);
	}
	return err;
}

static int wait_round(struct timeline *tl, int *fds)
{
	struct dmabuf b = { .fd = -1 };
	pthread_t thread;
	int err = create_fences(tl, fds);

	if (!err)
		err = dmabuf_alloc(DMABUF_HEAP_UDMABUF, dmabuf_page_align(1), &b);
	if (!err)
		err = -pthread_create(&thread, NULL, advance_thread, tl);
	if (!err) {
		err = wait_each(tl, fds, &b);
		pthread_join(thread, NULL);
		err = err ? err : tl->err;
	}
	if (!err)
		err = check_signalled(tl, fds);
	dmabuf_free(&b);
	close_all(tl, fds);
	return err;
}

int main(int argc, char **argv)
{
	struct timeline tl = { .fd = -1 };
	unsigned rounds = 1, r;
	struct timespec t0, t1;
	int *fds, err = 0;
	bool wait;

	wait = argc == 6 && !strcmp(argv[5], "wait");
	if (argc < 4 || argc > 6 || (argc == 6 && !wait)) {
		fprintf(stderr, "usage: swsync NAME FENCES STEP_MS [ROUNDS [wait]]\n");
		return 2;
	}
	tl.fences = strtoul(argv[2], NULL, 0);
	tl.step_ms = strtoul(argv[3], NULL, 0);
	if (argc >= 5)
		rounds = strtoul(argv[4], NULL, 0);
	fds = calloc(tl.fences ? tl.fences : 1, sizeof(*fds));
	if (!fds || !tl.fences)
		return 2;
	prctl(PR_SET_NAME, argv[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (r = 0; r < rounds && !err; r++)
		err = wait ? wait_round(&tl, fds) : poll_round(&tl, fds);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(fds);
	if (err) {
		fprintf(stderr, "swsync: %s\n", strerror(-err));
		return 1;
	}
	printf("fences %u rounds %u seconds %.6f\n", tl.fences, rounds,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
