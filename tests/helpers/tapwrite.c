// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The copy baseline of tests/bench/vhost: what an application without vhost does to send frames
 * through a tap, write() each one (a virtio-net header, then the frame) from its own buffer.
 *   tapwrite TAP SIZE COUNT
 * Prints "frames N bytes B seconds S cpu_seconds C".
 */
#include <errno.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netdev.h"
#include "pattern.h"
#include "stats.h"

int main(int argc, char **argv)
{
	struct virtio_net_hdr_v1 *hdr;
	unsigned long size, count, i;
	struct tap t;
	uint64_t start, cpu;
	uint8_t *buf;
	int err;

	if (argc != 4 || !(size = strtoul(argv[2], NULL, 0)) || size < 60 || size > 65000 ||
	    !(count = strtoul(argv[3], NULL, 0))) {
		fprintf(stderr, "usage: tapwrite TAP SIZE(60..65000) COUNT\n");
		return 2;
	}
	err = tap_open(argv[1], true, sizeof(*hdr), false, &t);
	if (err) {
		fprintf(stderr, "tapwrite: opening tap %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	buf = calloc(1, sizeof(*hdr) + size);
	if (!buf)
		return 1;
	memset(buf + sizeof(*hdr), 0xff, 6);	/* broadcast */
	buf[sizeof(*hdr) + 12] = 0x88;
	buf[sizeof(*hdr) + 13] = 0xb5;
	pattern_fill(buf + sizeof(*hdr) + 14, size - 14, 1, 0);
	start = now_ns();
	cpu = cpu_time_ns();
	for (i = 0; i < count; i++)
		if (write(t.fd, buf, sizeof(*hdr) + size) < 0) {
			fprintf(stderr, "tapwrite: write: %s\n", strerror(errno));
			return 1;
		}
	printf("frames %lu bytes %lu seconds %.6f cpu_seconds %.6f\n", count, count * size, (now_ns() - start) / 1e9,
	       (cpu_time_ns() - cpu) / 1e9);
	tap_close(&t);
	free(buf);
	return 0;
}
