// SPDX-License-Identifier: GPL-2.0-or-later
/* lib/usb/usbhost: how a transfer is split into URBs that fit usbfs_memory_mb. */
#include <stdint.h>

#include "tap.h"
#include "usb/usbhost.h"

#define MiB (1ULL << 20)

int main(void)
{
	static const uint64_t sizes[] = { 1, 512, 64 << 10, MiB - 1, MiB, MiB + 1, 3 * MiB / 2, 2 * MiB, 3 * MiB,
					  16 * MiB, 256 * MiB };
	unsigned i;
	int whole = 1, fits = 1;

	is_int(usbhost_urbs_per_transfer(64 << 10), 1, "64K goes as one URB");
	is_int(usbhost_urbs_per_transfer(MiB), 1, "1M, the largest URB, as one");
	is_int(usbhost_urbs_per_transfer(2 * MiB), 2, "2M as two URBs of 1M");
	is_int(usbhost_urbs_per_transfer(16 * MiB), 16, "16M as sixteen");
	is_int(usbhost_urbs_per_transfer(256 * MiB), 256, "256M, the largest transfer, as 256");
	is_int(usbhost_urbs_per_transfer(3 * MiB / 2), 1, "1.5M, which 1M does not divide, as one");
	is_int(usbhost_urbs_per_transfer(MiB + 1), 1, "nor 1M + 1");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t n = usbhost_urbs_per_transfer(sizes[i]);

		whole &= n >= 1 && sizes[i] % n == 0;
		fits &= n == 1 || sizes[i] / n == USBHOST_URB_MAX;
	}
	ok(whole, "the URBs of a transfer are of equal size and add up to it");
	ok(fits, "a split transfer goes as URBs of USBHOST_URB_MAX");
	return done_testing();
}
