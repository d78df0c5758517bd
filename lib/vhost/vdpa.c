// SPDX-License-Identifier: GPL-2.0-or-later
#include "vhost/vdpa.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "feature.h"
#include "fsutil.h"
#include "vhost/vhost.h"

#define VDPA_BUS_DIR "/sys/bus/vdpa"
#define VDPA_BUS VDPA_BUS_DIR "/devices"

static int vdpa_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg) < 0 ? -errno : 0;
}

/* "vhost-vdpa-N" exactly: the names the kernel gives the char devices. */
static bool chardev_name(const char *s)
{
	size_t n = strlen(VHOST_VDPA_DEV_PREFIX);

	if (strncmp(s, VHOST_VDPA_DEV_PREFIX, n) || !s[n])
		return false;
	for (s += n; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int vhost_vdpa_chardev(const char *vdpa_name, char *dev, size_t len)
{
	char path[160], **entries;
	int n, i, err = -ENOENT;

	if (strchr(vdpa_name, '/') || !strcmp(vdpa_name, ".") || !strcmp(vdpa_name, ".."))
		return -ENOENT;
	/* vhost_vdpa's device is a child of the vDPA device: .../devices/NAME/vhost-vdpa-N */
	snprintf(path, sizeof(path), VDPA_BUS "/%s", vdpa_name);
	n = list_dir(path, &entries);
	if (n < 0)
		return n;
	for (i = 0; i < n && err; i++)
		if (chardev_name(entries[i])) {
			snprintf(dev, len, "%s", entries[i]);
			err = 0;
		}
	free_names(entries, n);
	return err;
}

int vhost_vdpa_parent(const char *path, char *name, size_t len)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char **devs, dev[64];
	int n, i, err = -ENOENT;

	n = list_dir(VDPA_BUS, &devs);
	if (n < 0)
		return n == -ENOENT ? -ENOENT : n;
	for (i = 0; i < n && err; i++)
		if (!vhost_vdpa_chardev(devs[i], dev, sizeof(dev)) && !strcmp(dev, base)) {
			snprintf(name, len, "%s", devs[i]);
			err = 0;
		}
	free_names(devs, n);
	return err;
}

int vhost_vdpa_resolve(const char *name, char *path, size_t len)
{
	char dev[64], vdpa[64];
	struct stat st;
	int err;

	if (chardev_name(name)) {
		snprintf(path, len, "/dev/%s", name);
		return path_exists(path) ? 0 : -ENOENT;
	}
	if (strchr(name, '/')) {
		const char *base = strrchr(name, '/') + 1;

		if (stat(name, &st))
			return -errno;
		/* a path: it must be a vhost-vdpa char device, which the vDPA bus knows */
		if (!S_ISCHR(st.st_mode) || !chardev_name(base) || vhost_vdpa_parent(base, vdpa, sizeof(vdpa)))
			return -ENOTTY;
		snprintf(path, len, "%s", name);
		return 0;
	}
	snprintf(path, len, VDPA_BUS "/%s", name);
	if (!path_exists(path))
		return -ENOENT;
	if ((err = vhost_vdpa_chardev(name, dev, sizeof(dev))))
		return err == -ENOENT ? -ENODEV : err;
	snprintf(path, len, "/dev/%s", dev);
	return 0;
}

int vhost_vdpa_holder(const char *chardev, char *comm, size_t len)
{
	char devpath[96];

	snprintf(devpath, sizeof(devpath), "/dev/%s", chardev);
	return fd_holder(devpath, comm, len);
}

static int read_info(struct vhost_vdpa *v, struct vhost_vdpa_info *info)
{
	struct vhost_vdpa_iova_range range;
	int err;

	memset(info, 0, sizeof(*info));
	if ((err = vdpa_ioctl(v->fd, VHOST_VDPA_GET_DEVICE_ID, &info->device_id)) ||
	    (err = vdpa_ioctl(v->fd, VHOST_VDPA_GET_VQS_COUNT, &info->vqs)) ||
	    (err = vdpa_ioctl(v->fd, VHOST_VDPA_GET_VRING_NUM, &info->max_queue_size)) ||
	    (err = vdpa_ioctl(v->fd, VHOST_GET_FEATURES, &info->features)) ||
	    (err = vdpa_ioctl(v->fd, VHOST_VDPA_GET_IOVA_RANGE, &range)) ||
	    (err = vdpa_ioctl(v->fd, VHOST_VDPA_GET_CONFIG_SIZE, &info->config_size)))
		return err;
	info->iova_first = range.first;
	info->iova_last = range.last;
	return 0;
}

int vhost_vdpa_open(struct vhost_vdpa *v, const char *path, struct vhost_vdpa_info *info)
{
	uint64_t offered, want;
	int err;

	memset(v, 0, sizeof(*v));
	v->fd = vhost_open(path);
	if (v->fd < 0)
		return v->fd;
	/* messages in the v2 layout (with an address space id) are what the IOTLB path requires */
	want = 1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2;
	if ((err = vhost_get_backend_features(v->fd, &offered)))
		goto fail;
	if (!(offered & want)) {
		err = -EOPNOTSUPP;
		goto fail;
	}
	want |= offered & (1ULL << VHOST_BACKEND_F_IOTLB_BATCH);
	if ((err = vdpa_ioctl(v->fd, VHOST_SET_BACKEND_FEATURES, &want)) || (err = read_info(v, info)))
		goto fail;
	info->backend_features = want;
	v->batching = want & (1ULL << VHOST_BACKEND_F_IOTLB_BATCH);
	return 0;
fail:
	close(v->fd);
	v->fd = -1;
	return err;
}

void vhost_vdpa_close(struct vhost_vdpa *v)
{
	/* the kernel resets the device and drops every mapping when the owner lets go */
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
}

int vhost_vdpa_get_status(struct vhost_vdpa *v, uint8_t *status)
{
	return vdpa_ioctl(v->fd, VHOST_VDPA_GET_STATUS, status);
}

int vhost_vdpa_set_status(struct vhost_vdpa *v, uint8_t status)
{
	return vdpa_ioctl(v->fd, VHOST_VDPA_SET_STATUS, &status);
}

int vhost_vdpa_get_config(struct vhost_vdpa *v, unsigned offset, void *buf, unsigned len)
{
	struct vhost_vdpa_config *c = calloc(1, sizeof(*c) + len);
	int err;

	if (!c)
		return -ENOMEM;
	c->off = offset;
	c->len = len;
	err = vdpa_ioctl(v->fd, VHOST_VDPA_GET_CONFIG, c);
	if (!err)
		memcpy(buf, c->buf, len);
	free(c);
	return err;
}

int vhost_vdpa_vring_enable(struct vhost_vdpa *v, unsigned index, bool enable)
{
	struct vhost_vring_state s = { .index = index, .num = enable };

	return vdpa_ioctl(v->fd, VHOST_VDPA_SET_VRING_ENABLE, &s);
}

static int send_msg(struct vhost_vdpa *v, const struct vhost_iotlb_msg *m)
{
	struct vhost_msg_v2 msg;
	ssize_t n;

	/*
	 * Every byte goes to the kernel, the padding inside iotlb and after it in the union too:
	 * zeroed, and the fields copied one by one (a copy of *m would bring its padding, which
	 * an initialiser leaves undefined; valgrind saw it).
	 */
	memset(&msg, 0, sizeof(msg));
	msg.type = VHOST_IOTLB_MSG_V2;
	msg.iotlb.iova = m->iova;
	msg.iotlb.size = m->size;
	msg.iotlb.uaddr = m->uaddr;
	msg.iotlb.perm = m->perm;
	msg.iotlb.type = m->type;
	n = write(v->fd, &msg, sizeof(msg));

	if (n < 0)
		return -errno;
	return n == sizeof(msg) ? 0 : -EIO;
}

int vhost_vdpa_map(struct vhost_vdpa *v, uint64_t iova, uint64_t size, void *uaddr, uint8_t perm)
{
	struct vhost_iotlb_msg m = {
		.iova = iova, .size = size, .uaddr = (uintptr_t)uaddr, .perm = perm, .type = VHOST_IOTLB_UPDATE,
	};
	int err = send_msg(v, &m);

	if (!err)
		v->sent.updates++;
	return err;
}

int vhost_vdpa_unmap(struct vhost_vdpa *v, uint64_t iova, uint64_t size)
{
	struct vhost_iotlb_msg m = { .iova = iova, .size = size, .type = VHOST_IOTLB_INVALIDATE };
	int err = send_msg(v, &m);

	if (!err)
		v->sent.invalidates++;
	return err;
}

int vhost_vdpa_batch(struct vhost_vdpa *v, bool begin)
{
	struct vhost_iotlb_msg m = { .type = begin ? VHOST_IOTLB_BATCH_BEGIN : VHOST_IOTLB_BATCH_END };
	int err;

	if (!v->batching)
		return 0;
	err = send_msg(v, &m);
	if (!err && !begin)
		v->sent.batches++;
	return err;
}

/* ---- what the kernel provides ---- */

void vhost_vdpa_probe(struct feat *f)
{
	if (!path_exists(VDPA_BUS_DIR "/drivers/vhost_vdpa")) {
		feat_set_absent(f, VDPA_BUS_DIR "/drivers/vhost_vdpa", "VHOST_VDPA", "vhost_vdpa", 5, 7);
		return;
	}
	feat_set(f, FEAT_PRESENT, "%s", "");
	/* the drivers a vDPA device can be attached to ('zcioctl vduse attach NAME driver D') */
	feat_attr_dir_list(f, "bus_drivers", VDPA_BUS_DIR "/drivers");
}
