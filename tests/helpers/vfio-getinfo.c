// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-getinfo GROUP COUNT: the IOVA ranges of a new type1 container holding VFIO group GROUP
 * (lib/vfio's vfio_dev_iova_ranges: VFIO_IOMMU_GET_INFO, its capability chain), asked once with
 * each of the first COUNT kernel allocations failed in turn (lib/failnth's fail-nth, armed
 * right before the call so that only its own allocations count). Prints "N: ranges" or
 * "N: strerror" per try. For the KASAN kernel's kmemleak to judge what a failed GET_INFO leaves
 * behind (kernel patch 0014). Exit 0 once the container was set up, 1 if it could not be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failnth.h"
#include "vfio/dev.h"

int main(int argc, char **argv)
{
	struct zc_iova_range r[VFIO_MAX_RANGES];
	struct vfio_dev d;
	unsigned n, count;
	const char *why;
	int err;

	if (argc != 3 || !(count = strtoul(argv[2], NULL, 10))) {
		fprintf(stderr, "usage: vfio-getinfo GROUP COUNT\n");
		return 2;
	}
	if ((err = vfio_group_open(&d, strtoul(argv[1], NULL, 10), &why))) {
		fprintf(stderr, "vfio-getinfo: group %s: %s: %s\n", argv[1], why, strerror(-err));
		return 1;
	}
	for (n = 1; n <= count; n++) {
		if ((err = fail_nth_arm(n)))
			break;
		err = vfio_dev_iova_ranges(&d, r, VFIO_MAX_RANGES);
		fail_nth_arm(0);	/* disarmed, should the call not have reached the Nth */
		if (err < 0)
			printf("%u: %s\n", n, strerror(-err));
		else
			printf("%u: %d ranges\n", n, err);
		err = 0;
	}
	vfio_dev_close(&d);
	if (err)
		fprintf(stderr, "vfio-getinfo: arming /proc/thread-self/fail-nth: %s\n", strerror(-err));
	return err ? 1 : 0;
}
