// SPDX-License-Identifier: GPL-2.0-or-later
#include "vhost/vhost.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "feature.h"
#include "fsutil.h"

static int vhost_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg) < 0 ? -errno : 0;
}

int vhost_guest_memory(const char *name, size_t size, bool anonymous, uint8_t **mem)
{
	int fd = -1, err = 0;
	void *p;

	if (anonymous) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	} else {
		if ((fd = memfd_create(name, MFD_CLOEXEC)) < 0)
			return -errno;
		if (ftruncate(fd, size) < 0)
			err = -errno;
		p = err ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	}
	if (!err && p == MAP_FAILED)
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (!err)
		*mem = p;
	return err;
}

int vhost_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = vhost_ioctl(fd, VHOST_SET_OWNER, NULL);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int vhost_get_features(int fd, uint64_t *features)
{
	return vhost_ioctl(fd, VHOST_GET_FEATURES, features);
}

int vhost_set_features(int fd, uint64_t features)
{
	return vhost_ioctl(fd, VHOST_SET_FEATURES, &features);
}

int vhost_get_backend_features(int fd, uint64_t *features)
{
	return vhost_ioctl(fd, VHOST_GET_BACKEND_FEATURES, features);
}

int vhost_set_mem(int fd, uint64_t guest, void *host, uint64_t size)
{
	struct vhost_memory *mem = calloc(1, sizeof(*mem) + sizeof(mem->regions[0]));
	int err;

	if (!mem)
		return -ENOMEM;
	mem->nregions = 1;
	mem->regions[0].guest_phys_addr = guest;
	mem->regions[0].memory_size = size;
	mem->regions[0].userspace_addr = (uintptr_t)host;
	err = vhost_ioctl(fd, VHOST_SET_MEM_TABLE, mem);
	free(mem);
	return err;
}

int vhost_setup_vring(int fd, unsigned index, unsigned num, uint16_t base, const struct vhost_ring_addrs *addrs,
		      int kick_fd, int call_fd)
{
	struct vhost_vring_state size = { .index = index, .num = num }, first = { .index = index, .num = base };
	struct vhost_vring_addr where = {
		.index = index,
		.desc_user_addr = addrs->desc,
		.avail_user_addr = addrs->avail,
		.used_user_addr = addrs->used,
	};
	struct vhost_vring_file kick = { .index = index, .fd = kick_fd }, call = { .index = index, .fd = call_fd };
	int err;

	if ((err = vhost_ioctl(fd, VHOST_SET_VRING_NUM, &size)) || (err = vhost_ioctl(fd, VHOST_SET_VRING_BASE, &first)) ||
	    (err = vhost_ioctl(fd, VHOST_SET_VRING_ADDR, &where)) || (err = vhost_ioctl(fd, VHOST_SET_VRING_CALL, &call)))
		return err;
	/* the kick last: vhost starts looking at the ring as soon as it can be kicked */
	return vhost_ioctl(fd, VHOST_SET_VRING_KICK, &kick);
}

int vhost_get_vring_base(int fd, unsigned index, uint16_t *base)
{
	struct vhost_vring_state s = { .index = index };
	int err = vhost_ioctl(fd, VHOST_GET_VRING_BASE, &s);

	if (!err)
		*base = s.num;
	return err;
}

int vhost_net_set_backend(int fd, unsigned index, int sock_fd)
{
	struct vhost_vring_file backend = { .index = index, .fd = sock_fd };

	return vhost_ioctl(fd, VHOST_NET_SET_BACKEND, &backend);
}

int vhost_net_zcopytx(void)
{
	uint64_t v;
	int err = read_u64_file(VHOST_NET_ZCOPYTX_PARAM, &v);

	return err ? err : (int)(v != 0);
}

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
