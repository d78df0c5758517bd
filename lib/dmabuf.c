// SPDX-License-Identifier: GPL-2.0-or-later
#include "dmabuf.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/sync_file.h>
#include <linux/udmabuf.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "feature.h"
#include "fsutil.h"
#include "kconfig.h"

size_t dmabuf_page_align(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (size + page - 1) & ~(page - 1);
}

/*
 * udmabuf wants a memfd that cannot shrink under it (F_SEAL_SHRINK) and may still be written
 * (no F_SEAL_WRITE); offset and size page-aligned, size within its size_limit_mb.
 */
static int alloc_udmabuf(size_t size, int *out_fd)
{
	struct udmabuf_create create = { 0 };
	int memfd, dev, fd, err = 0;

	dev = open(UDMABUF_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	memfd = memfd_create("zcioctl-udmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0) {
		err = -errno;
		goto out_dev;
	}
	if (ftruncate(memfd, size) || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		err = -errno;
		goto out_memfd;
	}
	create.memfd = memfd;
	create.flags = UDMABUF_FLAGS_CLOEXEC;
	create.offset = 0;
	create.size = size;
	fd = ioctl(dev, UDMABUF_CREATE, &create);
	if (fd < 0)
		err = -errno;
	else
		*out_fd = fd;
out_memfd:
	close(memfd);	/* the dmabuf holds the pages */
out_dev:
	close(dev);
	return err;
}

static int alloc_system_heap(size_t size, int *out_fd)
{
	struct dma_heap_allocation_data alloc = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap, err = 0;

	heap = open(DMA_HEAP_SYSTEM, O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		return -errno;
	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &alloc))
		err = -errno;
	else
		*out_fd = (int)alloc.fd;
	close(heap);
	return err;
}

int dmabuf_alloc(enum dmabuf_heap heap, size_t size, struct dmabuf *b)
{
	int err, fd = -1;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	if (size == 0 || size != dmabuf_page_align(size))
		return -EINVAL;
	err = heap == DMABUF_HEAP_UDMABUF ? alloc_udmabuf(size, &fd) : alloc_system_heap(size, &fd);
	if (err)
		return err;
	b->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (b->map == MAP_FAILED) {
		err = -errno;
		close(fd);
		b->map = NULL;
		return err;
	}
	b->fd = fd;
	b->size = size;
	b->heap = heap;
	return 0;
}

void dmabuf_free(struct dmabuf *b)
{
	if (b->map)
		munmap(b->map, b->size);
	if (b->fd >= 0)
		close(b->fd);
	b->map = NULL;
	b->fd = -1;
}

static int cpu_sync(const struct dmabuf *b, __u64 when, bool read, bool write)
{
	struct dma_buf_sync sync = { .flags = when };

	sync.flags |= (read ? DMA_BUF_SYNC_READ : 0) | (write ? DMA_BUF_SYNC_WRITE : 0);
	/* the kernel may ask us to retry when interrupted */
	while (ioctl(b->fd, DMA_BUF_IOCTL_SYNC, &sync))
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	return 0;
}

int dmabuf_cpu_begin(const struct dmabuf *b, bool read, bool write)
{
	return cpu_sync(b, DMA_BUF_SYNC_START, read, write);
}

int dmabuf_cpu_end(const struct dmabuf *b, bool read, bool write)
{
	return cpu_sync(b, DMA_BUF_SYNC_END, read, write);
}

int dmabuf_import_sync_file(const struct dmabuf *b, int sync_fd, bool write)
{
	struct dma_buf_import_sync_file imp = {
		.flags = write ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ,
		.fd = sync_fd,
	};

	return ioctl(b->fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp) ? -errno : 0;
}

int dmabuf_export_sync_file(const struct dmabuf *b, bool write, int *fd)
{
	struct dma_buf_export_sync_file exp = {
		.flags = write ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ,
		.fd = -1,
	};

	if (ioctl(b->fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp))
		return -errno;
	*fd = exp.fd;
	return 0;
}

/*
 * On a dmabuf, POLLOUT waits for every fence (as a writer must), POLLIN for the writers only.
 * A signal ends the wait with -EINTR, so that a caller can stop.
 */
int dmabuf_wait_fd(int fd, bool write, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = write ? POLLOUT : POLLIN };
	int n = poll(&p, 1, timeout_ms);

	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (p.revents & (POLLERR | POLLNVAL))
		return -EIO;
	return 0;
}

int sync_file_status(int sync_fd, struct fence_status *st)
{
	struct sync_file_info info = { 0 };
	struct sync_fence_info *fences;
	unsigned i;
	int err = 0;

	memset(st, 0, sizeof(*st));
	/* first how many fences, then their details: the kernel refuses a short array */
	if (ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info))
		return -errno;
	st->status = info.status;
	st->num_fences = info.num_fences;
	if (!info.num_fences)
		return 0;
	fences = calloc(info.num_fences, sizeof(*fences));
	if (!fences)
		return -ENOMEM;
	info.sync_fence_info = (uintptr_t)fences;
	if (ioctl(sync_fd, SYNC_IOC_FILE_INFO, &info)) {
		err = -errno;
		goto out;
	}
	st->status = info.status;
	for (i = 0; i < info.num_fences; i++) {
		if (fences[i].timestamp_ns > st->timestamp_ns)
			st->timestamp_ns = fences[i].timestamp_ns;
		if (fences[i].status < 0)
			st->status = fences[i].status;
	}
	snprintf(st->driver, sizeof(st->driver), "%s", fences[0].driver_name);
out:
	free(fences);
	return err;
}

/* ---- what the kernel provides ---- */

void udmabuf_probe(struct feat *f)
{
	int fd = feat_open_dev(f, UDMABUF_DEV, O_RDWR, "UDMABUF", "udmabuf", 5, 2);

	if (fd >= 0)
		close(fd);
	if (f->state == FEAT_PRESENT || f->state == FEAT_NO_ACCESS)
		feat_attr_u64_file(f, "size_limit_mb", "/sys/module/udmabuf/parameters/size_limit_mb");
}

void dma_heap_probe(struct feat *f)
{
	int fd = feat_open_dev(f, DMA_HEAP_SYSTEM, O_RDONLY, "DMABUF_HEAPS_SYSTEM", "system_heap", 5, 6);

	if (fd >= 0)
		close(fd);
	feat_attr_dir_list(f, "heaps", DMA_HEAP_DIR);
}

void sync_file_probe(struct feat *f)
{
	enum kconfig_state k = kconfig_get("SYNC_FILE");
	bool sw_sync = path_exists(SW_SYNC_PATH);

	if (k == KCONFIG_BUILTIN || k == KCONFIG_MODULE || sw_sync)
		feat_set(f, FEAT_PRESENT, "%s", "");
	else if (k == KCONFIG_NOT_SET)
		feat_set(f, FEAT_ABSENT, "kernel built without CONFIG_SYNC_FILE");
	else
		feat_set(f, FEAT_UNKNOWN, "no kernel config to read (/proc/config.gz or /boot/config-%s)",
			  kernel_release());
	/* sw_sync is the fence producer tests use; it lives in debugfs, which only root can see */
	if (sw_sync)
		feat_attr_num(f, "sw_sync", FA_BOOL, 1);
	else if (access("/sys/kernel/debug/sync", F_OK) && errno == EACCES)
		feat_attr_str(f, "sw_sync", "unknown (debugfs needs root)");
	else if (dir_is_empty("/sys/kernel/debug"))
		feat_attr_str(f, "sw_sync", "unknown (debugfs is not mounted)");
	else
		feat_attr_num(f, "sw_sync", FA_BOOL, 0);
}
