// SPDX-License-Identifier: GPL-2.0-or-later
#include "vhost.h"

#include <fcntl.h>
#include <linux/vhost.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "feature.h"
#include "fsutil.h"

void vhost_net_probe(struct feat *f)
{
	int fd = feat_open_dev(f, VHOST_NET_DEV, O_RDWR, "VHOST_NET", "vhost_net", 2, 6);
	uint64_t features;

	if (fd >= 0) {
		if (ioctl(fd, VHOST_GET_FEATURES, &features) == 0)
			feat_attr_num(f, "features", FA_HEX, features);
		close(fd);
	}
	feat_attr_u64_file(f, "experimental_zcopytx", VHOST_NET_ZCOPYTX_PARAM);
}
