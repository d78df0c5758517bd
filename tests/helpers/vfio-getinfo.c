// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-getinfo GROUP COUNT: VFIO_IOMMU_GET_INFO on a new type1 container holding /dev/vfio/GROUP,
 * once with each of the ioctl's first COUNT allocations failed in turn (/proc/thread-self/fail-nth,
 * armed right before the ioctl so that only its own allocations count). Prints "N: ok" or
 * "N: strerror" per run. For the KASAN kernel's kmemleak to judge what a failed GET_INFO leaves
 * behind (kernel patch 0014). Exit 0 once the container was set up, 1 if it could not be.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

static int type1_container(const char *group)
{
	char path[64];
	int c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC), g;

	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	g = open(path, O_RDWR | O_CLOEXEC);
	if (c < 0 || g < 0 || ioctl(g, VFIO_GROUP_SET_CONTAINER, &c) ||
	    ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		perror("vfio-getinfo: a type1 container");
		return -1;
	}
	return c;	/* the group stays open with it until we exit */
}

static int arm(int fail_nth, unsigned n)
{
	char num[16];
	int len = snprintf(num, sizeof(num), "%u", n);

	return pwrite(fail_nth, num, len, 0) == len ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned n, count;
	int c, fail_nth;

	if (argc != 3 || !(count = strtoul(argv[2], NULL, 10))) {
		fprintf(stderr, "usage: vfio-getinfo GROUP COUNT\n");
		return 2;
	}
	c = type1_container(argv[1]);
	fail_nth = open("/proc/thread-self/fail-nth", O_WRONLY | O_CLOEXEC);
	if (c < 0 || fail_nth < 0)
		return 1;
	for (n = 1; n <= count; n++) {
		char buf[4096] = { 0 };	/* room for every capability */
		struct vfio_iommu_type1_info *info = (void *)buf;
		int r;

		info->argsz = sizeof(buf);
		if (arm(fail_nth, n))
			return 1;
		r = ioctl(c, VFIO_IOMMU_GET_INFO, info);
		printf("%u: %s\n", n, r ? strerror(errno) : "ok");
		if (arm(fail_nth, 0))	/* disarmed, should the ioctl not have reached the Nth */
			return 1;
	}
	return 0;
}
