// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtio/iov.h"

#include <stdbool.h>
#include <string.h>

size_t iov_length(const struct iovec *iov, unsigned n)
{
	size_t len = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

/* Copy between a flat buffer and the iovecs from byte off; to_iov says which way. */
static size_t iov_copy(const struct iovec *iov, unsigned n, size_t off, void *buf, size_t len, bool to_iov)
{
	size_t done = 0;
	unsigned i;

	for (i = 0; i < n && done < len; i++) {
		size_t chunk;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		chunk = iov[i].iov_len - off;
		if (chunk > len - done)
			chunk = len - done;
		if (to_iov)
			memcpy((char *)iov[i].iov_base + off, (char *)buf + done, chunk);
		else
			memcpy((char *)buf + done, (char *)iov[i].iov_base + off, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t iov_copy_out(const struct iovec *iov, unsigned n, size_t off, void *dst, size_t len)
{
	return iov_copy(iov, n, off, dst, len, false);
}

size_t iov_copy_in(const struct iovec *iov, unsigned n, size_t off, const void *src, size_t len)
{
	return iov_copy(iov, n, off, (void *)src, len, true);
}
