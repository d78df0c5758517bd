// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtio/vblk.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/virtio_blk.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio/iov.h"

#define SECTOR 512ULL

/* The size of a regular file or block device; -EINVAL for anything else. */
static int fd_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) ? -errno : 0;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	*size = st.st_size;
	return 0;
}

int vblk_backend_file(struct vblk_backend *b, const char *path, bool readonly)
{
	int fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC), err;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	if (fd < 0)
		return -errno;
	err = fd_size(fd, &b->size);
	if (!err && b->size < SECTOR)
		err = -EINVAL;
	if (err) {
		close(fd);
		return err;
	}
	b->fd = fd;
	b->readonly = readonly;
	return 0;
}

int vblk_backend_memory(struct vblk_backend *b, uint64_t size)
{
	void *p;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	if (!size || size % SECTOR)
		return -EINVAL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	b->mem = p;
	b->size = size;
	return 0;
}

void vblk_backend_close(struct vblk_backend *b)
{
	if (b->mem)
		munmap(b->mem, b->size);
	if (b->fd >= 0)
		close(b->fd);
	b->mem = NULL;
	b->fd = -1;
}

/* Full preadv/pwritev at off: short transfers continued, at most IOV_MAX buffers a call. */
static int file_rw(int fd, struct iovec *iov, unsigned n, uint64_t off, bool write)
{
	while (n) {
		unsigned batch = n > IOV_MAX ? IOV_MAX : n;
		ssize_t done = write ? pwritev(fd, iov, batch, off) : preadv(fd, iov, batch, off);

		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			return -errno;
		if (done == 0)
			return -EIO;	/* the file shrank under us */
		off += done;
		while (n && (size_t)done >= iov->iov_len) {
			done -= iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (char *)iov->iov_base + done;
			iov->iov_len -= done;
		}
	}
	return 0;
}

/* Data moved between the backend at off and the buffers iov (scratch copies: file_rw edits them). */
static int backend_rw(const struct vblk_backend *b, struct iovec *iov, unsigned n, uint64_t off, bool write)
{
	size_t len = iov_length(iov, n);

	if (write && b->readonly)
		return -EROFS;
	if (off > b->size || len > b->size - off)
		return -ERANGE;
	if (b->mem) {
		if (write)
			iov_copy_out(iov, n, 0, b->mem + off, len);
		else
			iov_copy_in(iov, n, 0, b->mem + off, len);
		return 0;
	}
	return file_rw(b->fd, iov, n, off, write);
}

/* Zero (and, for discard or with unmap, deallocate) len bytes at off. */
static int backend_zero(const struct vblk_backend *b, uint64_t off, uint64_t len)
{
	if (b->readonly)
		return -EROFS;
	if (off > b->size || len > b->size - off)
		return -ERANGE;
	if (b->mem) {
		memset(b->mem + off, 0, len);
		return 0;
	}
	/* a hole reads as zeroes on every file system that has them (tmpfs and ext4 do) */
	if (!fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len))
		return 0;
	return -errno;
}

static int backend_flush(const struct vblk_backend *b)
{
	if (b->fd >= 0 && fdatasync(b->fd))
		return -errno;
	return 0;
}

/*
 * Copy the iovecs from byte `from` up to `len` bytes into scratch (an array as long as iov);
 * returns how many entries it took.
 */
static unsigned iov_slice(const struct iovec *iov, unsigned n, size_t from, size_t len, struct iovec *scratch)
{
	unsigned i, k = 0;

	for (i = 0; i < n && len; i++) {
		size_t take;

		if (from >= iov[i].iov_len) {
			from -= iov[i].iov_len;
			continue;
		}
		take = iov[i].iov_len - from;
		if (take > len)
			take = len;
		scratch[k].iov_base = (char *)iov[i].iov_base + from;
		scratch[k++].iov_len = take;
		len -= take;
		from = 0;
	}
	return k;
}

static uint8_t errno_status(int err)
{
	return err == -EOPNOTSUPP ? VIRTIO_BLK_S_UNSUPP : err ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

/* DISCARD and WRITE_ZEROES: one segment (max_discard_seg and max_write_zeroes_seg are 1). */
static int zero_segments(const struct vblk_backend *b, const struct virtq_elem *e, size_t out_len)
{
	struct virtio_blk_discard_write_zeroes seg;

	if (out_len != sizeof(struct virtio_blk_outhdr) + sizeof(seg))
		return -EIO;
	iov_copy_out(e->iov, e->n_out, sizeof(struct virtio_blk_outhdr), &seg, sizeof(seg));
	if (seg.sector > UINT64_MAX / SECTOR)
		return -ERANGE;
	return backend_zero(b, seg.sector * SECTOR, (uint64_t)seg.num_sectors * SECTOR);
}

uint32_t vblk_handle(const struct vblk_backend *b, const struct virtq_elem *e, bool ok, struct iovec *scratch,
		    struct vblk_counters *c)
{
	const struct iovec *in = e->iov + e->n_out;
	size_t out_len = iov_length(e->iov, e->n_out), in_len = iov_length(in, e->n_in), data_len;
	struct virtio_blk_outhdr hdr;
	uint32_t written = 0;
	uint8_t status;
	unsigned k;
	int err;

	if (!in_len) {
		c->errors++;	/* nowhere to put a status: the driver is broken, say nothing */
		return 0;
	}
	data_len = in_len - 1;
	if (!ok || out_len < sizeof(hdr)) {
		err = -EIO;
		goto done;
	}
	iov_copy_out(e->iov, e->n_out, 0, &hdr, sizeof(hdr));
	if (hdr.sector > UINT64_MAX / SECTOR) {
		err = -ERANGE;
		goto done;
	}
	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
		k = iov_slice(in, e->n_in, 0, data_len, scratch);
		err = backend_rw(b, scratch, k, hdr.sector * SECTOR, false);
		if (!err) {
			c->reads++;
			c->bytes_read += data_len;
			written = data_len;
		}
		break;
	case VIRTIO_BLK_T_OUT:
		k = iov_slice(e->iov, e->n_out, sizeof(hdr), out_len - sizeof(hdr), scratch);
		err = backend_rw(b, scratch, k, hdr.sector * SECTOR, true);
		if (!err) {
			c->writes++;
			c->bytes_written += out_len - sizeof(hdr);
		}
		break;
	case VIRTIO_BLK_T_FLUSH:
		err = backend_flush(b);
		c->flushes += !err;
		break;
	case VIRTIO_BLK_T_GET_ID:
		written = iov_copy_in(in, e->n_in, 0, b->id, data_len < sizeof(b->id) ? data_len : sizeof(b->id));
		c->get_ids++;
		err = 0;
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		err = zero_segments(b, e, out_len);
		if (!err && hdr.type == VIRTIO_BLK_T_DISCARD)
			c->discards++;
		else if (!err)
			c->write_zeroes++;
		break;
	default:
		err = -EOPNOTSUPP;
		break;
	}
done:
	status = errno_status(err);
	if (status == VIRTIO_BLK_S_UNSUPP)
		c->unsupported++;
	else if (status != VIRTIO_BLK_S_OK)
		c->errors++;
	iov_copy_in(in, e->n_in, data_len, &status, 1);
	return written + 1;
}

void vblk_counters_add(struct vblk_counters *sum, const struct vblk_counters *c)
{
	sum->reads += c->reads;
	sum->writes += c->writes;
	sum->flushes += c->flushes;
	sum->discards += c->discards;
	sum->write_zeroes += c->write_zeroes;
	sum->get_ids += c->get_ids;
	sum->bytes_read += c->bytes_read;
	sum->bytes_written += c->bytes_written;
	sum->errors += c->errors;
	sum->unsupported += c->unsupported;
}
