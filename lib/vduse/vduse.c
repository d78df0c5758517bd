// SPDX-License-Identifier: GPL-2.0-or-later
#include "vduse/vduse.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/vduse.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "feature.h"
#include "fsutil.h"
#include "kconfig.h"
#include "state.h"

#define BIT(n) (1ULL << (n))

/* The features a user may leave out or add, by device type; the rest follow from the parameters. */
struct optional_feature {
	const char *name;
	uint64_t bits;
};

static const struct optional_feature blk_optional[] = {
	{ "flush", BIT(VIRTIO_BLK_F_FLUSH) },
	{ "discard", BIT(VIRTIO_BLK_F_DISCARD) },
	{ "write-zeroes", BIT(VIRTIO_BLK_F_WRITE_ZEROES) },
	{ "event-idx", BIT(VIRTIO_RING_F_EVENT_IDX) },
	{ "indirect", BIT(VIRTIO_RING_F_INDIRECT_DESC) },
	{ NULL, 0 },
};

/*
 * Offloads: the tap takes and gives frames with the virtio-net header as they are. Segments for
 * the driver to receive (guest-tso) come with merged receive buffers (mrg-rxbuf): without them
 * virtio-net posts 64K receive buffers and every frame, an ACK too, is charged 64K to its
 * socket, so TCP's receive window shrinks to a few frames (measured: 14 Mbit/s into the device
 * against 150 out of it with tso alone).
 */
#define NET_CSUM (BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM))
#define NET_TSO (BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_NET_F_HOST_TSO6))
#define NET_GUEST_TSO (BIT(VIRTIO_NET_F_GUEST_TSO4) | BIT(VIRTIO_NET_F_GUEST_TSO6))
#define NET_MRG_RXBUF BIT(VIRTIO_NET_F_MRG_RXBUF)

static const struct optional_feature net_optional[] = {
	{ "csum", NET_CSUM },
	{ "tso", NET_TSO },
	{ "guest-tso", NET_GUEST_TSO },
	{ "mrg-rxbuf", NET_MRG_RXBUF },
	{ NULL, 0 },
};

#define BLK_OPTIONAL_DEFAULT \
	(BIT(VIRTIO_BLK_F_FLUSH) | BIT(VIRTIO_BLK_F_DISCARD) | BIT(VIRTIO_BLK_F_WRITE_ZEROES) | \
	 BIT(VIRTIO_RING_F_EVENT_IDX))
#define NET_OPTIONAL_DEFAULT (NET_CSUM | NET_TSO | NET_GUEST_TSO | NET_MRG_RXBUF)

int vduse_parse_features(enum vduse_type type, const char *list, uint64_t *optional)
{
	const struct optional_feature *table = type == VDUSE_NET ? net_optional : blk_optional, *f;
	char buf[256], *tok, *save = NULL;

	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		return -EINVAL;
	*optional = 0;
	if (!strcmp(buf, "none"))
		return 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (f = table; f->name && strcmp(tok, f->name); f++)
			;
		if (!f->name)
			return -EINVAL;
		*optional |= f->bits;
	}
	/* segmentation offloaded needs the checksum offloaded (virtio 1.2, 5.1.3.1) */
	if (type == VDUSE_NET && (*optional & (NET_TSO | NET_GUEST_TSO)) && !(*optional & NET_CSUM))
		return -EINVAL;
	return 0;
}

uint64_t vduse_blk_features(const struct vduse_blk_params *p, bool readonly, const uint64_t *optional)
{
	/* ACCESS_PLATFORM: VDUSE refuses devices without it (their memory goes through its IOTLB) */
	uint64_t f = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_ACCESS_PLATFORM) | BIT(VIRTIO_BLK_F_SEG_MAX) |
		     BIT(VIRTIO_BLK_F_BLK_SIZE);

	f |= optional ? *optional : BLK_OPTIONAL_DEFAULT;
	if (p->queues > 1)
		f |= BIT(VIRTIO_BLK_F_MQ);
	if (readonly)
		f |= BIT(VIRTIO_BLK_F_RO);
	return f;
}

uint64_t vduse_net_features(const struct vduse_net_params *p, const uint64_t *optional)
{
	/* VDUSE net: VERSION_1 required, no control virtqueue */
	/* STATUS: the server says link down when it stops, up when it serves */
	uint64_t f = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_ACCESS_PLATFORM) | BIT(VIRTIO_NET_F_MAC) |
		     BIT(VIRTIO_NET_F_STATUS);

	f |= optional ? *optional : NET_OPTIONAL_DEFAULT;
	if (p->mtu)
		f |= BIT(VIRTIO_NET_F_MTU);
	return f;
}

bool vduse_name_valid(const char *name)
{
	return dirent_name_valid(name, VDUSE_DEV_NAME_MAX) && strcmp(name, "control");
}

void vduse_dev_path(const char *name, char *path, size_t len)
{
	snprintf(path, len, VDUSE_DEV_DIR "/%s", name);
}

int vduse_open_dev(const char *name, int flags)
{
	char path[128];
	int fd;

	if (!vduse_name_valid(name))
		return -EINVAL;
	vduse_dev_path(name, path, sizeof(path));
	fd = open(path, O_RDWR | O_CLOEXEC | flags);
	return fd < 0 ? -errno : fd;
}

bool vduse_exists(const char *name)
{
	char p[128];

	snprintf(p, sizeof(p), VDUSE_CLASS "/%s", name);
	return path_exists(p);
}

static int open_control(void)
{
	uint64_t version = VDUSE_API_VERSION;
	int fd = open(VDUSE_CONTROL, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	/* the kernel speaks version 0 only; saying so pins the ABI we were written against */
	if (ioctl(fd, VDUSE_SET_API_VERSION, &version)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int setup_vqs(const char *name, unsigned n, unsigned size)
{
	unsigned i;
	int fd, err = 0;

	fd = vduse_open_dev(name, 0);
	if (fd < 0)
		return fd;
	for (i = 0; i < n && !err; i++) {
		struct vduse_vq_config vq = { .index = i, .max_size = size };

		if (ioctl(fd, VDUSE_VQ_SETUP, &vq))
			err = -errno;
	}
	close(fd);
	return err;
}

static void type_record_path(const char *name, char *path, size_t len)
{
	snprintf(path, len, STATE_DIR "/vduse/%s.type", name);
}

/*
 * The kernel tells nobody a VDUSE device's type before it is attached: we write it down at
 * create, for `serve` to tell a net device from a blk one. Best effort: without the record,
 * serve says it cannot tell.
 */
static void type_record(const char *name, uint32_t device_id)
{
	char path[160];

	if (state_mkdir("vduse"))
		return;
	type_record_path(name, path, sizeof(path));
	create_text(path, device_id == VIRTIO_ID_NET ? "net\n" : "blk\n");
}

int vduse_type_of(const char *name)
{
	char path[160], type[16];

	if (!vduse_name_valid(name))
		return -EINVAL;
	type_record_path(name, path, sizeof(path));
	if (read_text(path, type, sizeof(type)))
		return -ENODATA;
	return !strcmp(type, "net") ? VDUSE_NET : !strcmp(type, "blk") ? VDUSE_BLK : -ENODATA;
}

static int create(const char *name, uint32_t device_id, uint64_t features, unsigned vqs, unsigned vq_size,
		  const void *config, size_t config_size)
{
	struct vduse_dev_config *c;
	int ctl, err;

	if (!vduse_name_valid(name))
		return -EINVAL;
	c = calloc(1, sizeof(*c) + config_size);
	if (!c)
		return -ENOMEM;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->device_id = device_id;
	c->vendor_id = 0;
	c->features = features;
	c->vq_num = vqs;
	c->vq_align = 4096;
	c->config_size = config_size;
	memcpy(c->config, config, config_size);
	ctl = open_control();
	if (ctl < 0) {
		free(c);
		return ctl;
	}
	err = ioctl(ctl, VDUSE_CREATE_DEV, c) ? -errno : 0;
	free(c);
	if (!err) {
		err = setup_vqs(name, vqs, vq_size);
		if (err) {
			char n[VDUSE_NAME_MAX] = { 0 };

			snprintf(n, sizeof(n), "%s", name);
			ioctl(ctl, VDUSE_DESTROY_DEV, n);
		}
	}
	if (!err)
		type_record(name, device_id);
	close(ctl);
	return err;
}

int vduse_create_blk(const char *name, const struct vduse_blk_params *p)
{
	struct virtio_blk_config cfg;

	if (!p->capacity || p->capacity % 512 || p->block_size < 512 || p->block_size > 65536 ||
	    (p->block_size & (p->block_size - 1)) || p->capacity % p->block_size || !p->queues ||
	    !p->queue_size || (p->queue_size & (p->queue_size - 1)))
		return -EINVAL;
	/* the device is little-endian (VERSION_1) and so is every machine this runs on */
	memset(&cfg, 0, sizeof(cfg));
	cfg.capacity = p->capacity / 512;
	cfg.seg_max = p->queue_size - 2;	/* room for the header and status descriptors */
	cfg.blk_size = p->block_size;
	cfg.num_queues = p->queues;
	cfg.min_io_size = 1;
	cfg.opt_io_size = 1;
	cfg.max_discard_sectors = UINT32_MAX;
	cfg.max_discard_seg = 1;
	cfg.discard_sector_alignment = p->block_size / 512;
	cfg.max_write_zeroes_sectors = UINT32_MAX;
	cfg.max_write_zeroes_seg = 1;
	return create(name, VIRTIO_ID_BLOCK, p->features, p->queues, p->queue_size, &cfg, sizeof(cfg));
}

int vduse_create_net(const char *name, const struct vduse_net_params *p)
{
	struct virtio_net_config cfg;

	if (!p->queue_size || (p->queue_size & (p->queue_size - 1)))
		return -EINVAL;
	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.mac, p->mac, sizeof(cfg.mac));
	cfg.status = VIRTIO_NET_S_LINK_UP;
	cfg.max_virtqueue_pairs = 1;
	cfg.mtu = p->mtu;
	/* one receive and one transmit queue, no control queue */
	return create(name, VIRTIO_ID_NET, p->features, 2, p->queue_size, &cfg, sizeof(cfg));
}

/* Drop what servers recorded of the device (its in-flight record). */
static void vduse_forget(const char *name)
{
	char path[160];

	vduse_record_path(name, path, sizeof(path));
	unlink(path);
	type_record_path(name, path, sizeof(path));
	unlink(path);
}

int vduse_destroy(const char *name)
{
	char n[VDUSE_NAME_MAX] = { 0 };
	int ctl, err;

	if (!vduse_name_valid(name))
		return -EINVAL;
	if (!vduse_exists(name))
		return -ENOENT;
	ctl = open_control();
	if (ctl < 0)
		return ctl;
	snprintf(n, sizeof(n), "%s", name);
	err = ioctl(ctl, VDUSE_DESTROY_DEV, n) ? -errno : 0;
	close(ctl);
	if (!err)
		vduse_forget(name);
	return err;
}

int vduse_set_attr(const char *name, const char *attr, uint64_t value)
{
	char path[160], text[32];

	snprintf(path, sizeof(path), VDUSE_CLASS "/%s/%s", name, attr);
	snprintf(text, sizeof(text), "%llu", (unsigned long long)value);
	return write_text(path, text);
}

int vduse_get_attr(const char *name, const char *attr, uint64_t *value)
{
	char path[160];

	snprintf(path, sizeof(path), VDUSE_CLASS "/%s/%s", name, attr);
	return read_u64_file(path, value);
}

int vduse_list(char ***names)
{
	char **all;
	int n = list_dir(VDUSE_CLASS, &all), i, kept = 0;

	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (!strcmp(all[i], "control"))
			free(all[i]);
		else
			all[kept++] = all[i];
	}
	*names = all;
	return kept;
}

/* The virtio device (virtioN) virtio_vdpa made of the vDPA device NAME, into dir. */
static int virtio_dir(const char *name, char *dir, size_t len)
{
	char path[160], **entries;
	int n, i, err = -ENOENT;

	snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s", name);
	n = list_dir(path, &entries);
	if (n < 0)
		return n;
	for (i = 0; i < n && err; i++)
		if (!strncmp(entries[i], "virtio", 6) && isdigit((unsigned char)entries[i][6])) {
			snprintf(dir, len, "%s/%s", path, entries[i]);
			err = 0;
		}
	free_names(entries, n);
	return err;
}

/* The first entry of virtioN/CLASS (block/vdX, net/ethX) once the virtio driver is bound. */
static int virtio_child(const char *name, const char *class, char *out, size_t len)
{
	char dir[256], path[300], **children;
	int n, err;

	if ((err = virtio_dir(name, dir, sizeof(dir))))
		return err;
	snprintf(path, sizeof(path), "%s/%s", dir, class);
	n = list_dir(path, &children);
	if (n <= 0)
		return n ? n : -ENOENT;
	snprintf(out, len, "%s", children[0]);
	free_names(children, n);
	return 0;
}

int vduse_disk(const char *name, char *disk, size_t len)
{
	return virtio_child(name, "block", disk, len);
}

int vduse_netdev(const char *name, char *ifname, size_t len)
{
	return virtio_child(name, "net", ifname, len);
}

int vduse_virtio_state(const char *name, uint64_t *status, uint64_t *features)
{
	char dir[256], path[300], text[256];
	size_t i;
	int err;

	if ((err = virtio_dir(name, dir, sizeof(dir))))
		return err;
	snprintf(path, sizeof(path), "%s/status", dir);
	if ((err = read_text(path, text, sizeof(text))))
		return err;
	*status = strtoull(text, NULL, 16);
	/* "features": one character per bit, bit 0 first */
	snprintf(path, sizeof(path), "%s/features", dir);
	if ((err = read_text(path, text, sizeof(text))))
		return err;
	*features = 0;
	for (i = 0; i < strlen(text) && i < 64; i++)
		if (text[i] == '1')
			*features |= 1ULL << i;
	return 0;
}

int vduse_wait_child(const char *name, bool net, char *out, size_t len, unsigned timeout_ms)
{
	unsigned waited;
	int err;

	/* after DEV_NEW the bus binds virtio_vdpa, which probes virtio-blk or virtio-net, which adds the disk or netdev */
	for (waited = 0; (err = virtio_child(name, net ? "net" : "block", out, len)) && waited < timeout_ms; waited += 50)
		usleep(50 * 1000);
	return err;
}

bool vduse_served(const char *name)
{
	int fd;

	/* the kernel lets one process open the device: if we can, nobody serves it */
	fd = vduse_open_dev(name, 0);
	if (fd >= 0)
		close(fd);
	return fd == -EBUSY;
}

void vduse_record_path(const char *name, char *path, size_t len)
{
	snprintf(path, len, STATE_DIR "/vduse/%s.inflight", name);
}


/* ---- what the kernel provides ---- */

void vduse_probe(struct feat *f)
{
	static char *const types[] = { "blk", "net" };
	int fd = feat_open_dev(f, VDUSE_CONTROL, O_RDWR, "VDPA_USER", "vduse", 5, 15);
	uint64_t version;

	if (fd < 0)
		return;
	if (ioctl(fd, VDUSE_GET_API_VERSION, &version) == 0)
		feat_attr_num(f, "api_version", FA_NUM, version);
	close(fd);
	/* no read-only way to ask which device types are allowed: blk since 5.15, net since 6.7 */
	feat_attr_list(f, "device_types", types, kernel_at_least(6, 7) ? 2 : 1);
}
