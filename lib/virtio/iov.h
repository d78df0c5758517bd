/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Byte-level access to an array of iovecs: what a virtqueue chain looks like to the code serving it. */
#ifndef ZC_VIRTIO_IOV_H
#define ZC_VIRTIO_IOV_H

#include <stddef.h>
#include <sys/uio.h>

size_t iov_length(const struct iovec *iov, unsigned n);
/* Copy len bytes starting at byte off of an iovec array out of it (to dst) or into it (from src). */
size_t iov_copy_out(const struct iovec *iov, unsigned n, size_t off, void *dst, size_t len);
size_t iov_copy_in(const struct iovec *iov, unsigned n, size_t off, const void *src, size_t len);

#endif
