// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A dma_fence producer the tests control, through sw_sync:
 *   swsync NAME FENCES STEP_MS [ROUNDS]
 * Opens a timeline (the kernel names it after this task, so we rename ourselves NAME first),
 * creates FENCES fences at seqnos 1..FENCES, asks to be told when they signal (poll: this is
 * what enables signalling), then advances the timeline by one every STEP_MS milliseconds (0: all
 * at once), and checks through each sync_file that every fence signalled. ROUNDS repeats it on
 * fresh timelines (for benchmarks). Prints "fences N rounds R seconds S" on success.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "dmabuf.h"
#include "zc/sw_sync.h"

static int round_of(unsigned fences, unsigned step_ms, int *fds)
{
	struct timespec step = { step_ms / 1000, (step_ms % 1000) * 1000000L };
	unsigned i;
	int tl, err = 0;

	for (i = 0; i < fences; i++)
		fds[i] = -1;
	tl = open("/sys/kernel/debug/sync/sw_sync", O_RDWR | O_CLOEXEC);
	if (tl < 0)
		return -errno;
	for (i = 0; i < fences && !err; i++) {
		struct sw_sync_create_fence_data d = { .value = i + 1, .name = "zc" };

		if (ioctl(tl, SW_SYNC_IOC_CREATE_FENCE, &d))
			err = -errno;
		else
			fds[i] = d.fence;
	}
	for (i = 0; i < fences && !err; i++) {	/* a zero-timeout poll arms the callback */
		struct pollfd p = { .fd = fds[i], .events = POLLIN };

		poll(&p, 1, 0);
	}
	for (i = 0; i < fences && !err; i++) {
		__u32 one = 1, all = fences;

		if (step_ms)
			nanosleep(&step, NULL);
		if (ioctl(tl, SW_SYNC_IOC_INC, step_ms ? &one : &all))
			err = -errno;
		if (!step_ms)
			break;
	}
	for (i = 0; i < fences && !err; i++) {
		struct fence_status st;

		err = dmabuf_wait_fd(fds[i], false, 5000);
		if (!err)
			err = sync_file_status(fds[i], &st);
		if (!err && st.status != 1)
			err = -EPROTO;
	}
	for (i = 0; i < fences; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(tl);
	return err;
}

int main(int argc, char **argv)
{
	unsigned fences, step_ms, rounds = 1, r;
	struct timespec t0, t1;
	int *fds, err = 0;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: swsync NAME FENCES STEP_MS [ROUNDS]\n");
		return 2;
	}
	fences = strtoul(argv[2], NULL, 0);
	step_ms = strtoul(argv[3], NULL, 0);
	if (argc == 5)
		rounds = strtoul(argv[4], NULL, 0);
	fds = calloc(fences ? fences : 1, sizeof(*fds));
	if (!fds || !fences)
		return 2;
	prctl(PR_SET_NAME, argv[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (r = 0; r < rounds && !err; r++)
		err = round_of(fences, step_ms, fds);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(fds);
	if (err) {
		fprintf(stderr, "swsync: %s\n", strerror(-err));
		return 1;
	}
	printf("fences %u rounds %u seconds %.6f\n", fences, rounds,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
