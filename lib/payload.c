// SPDX-License-Identifier: GPL-2.0-or-later
#include "payload.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pattern.h"

int payload_open(struct payload *p, const char *path, bool send)
{
	p->fd = -1;
	p->mismatch = false;
	p->first_bad = 0;
	if (!path)
		return 0;
	p->fd = open(path, send ? O_RDONLY | O_CLOEXEC : O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	return p->fd < 0 ? -errno : 0;
}

void payload_close(struct payload *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

int payload_fill(struct payload *p, void *buf, size_t len, uint64_t off)
{
	ssize_t n;

	if (p->none)
		return 0;
	if (p->fd < 0) {
		pattern_fill(buf, len, p->seed, off);
		return 0;
	}
	n = pread(p->fd, buf, len, (off_t)off);
	if (n < 0)
		return -errno;
	/* past the end of the file: zeros, so every transfer has its full length */
	memset((char *)buf + n, 0, len - (size_t)n);
	return 0;
}

static void mismatch_at(struct payload *p, uint64_t off)
{
	if (p->mismatch)
		return;
	p->mismatch = true;
	p->first_bad = off;
}

int payload_take(struct payload *p, const void *buf, size_t len, size_t want, uint64_t off)
{
	ssize_t n;

	if (p->none)
		return 0;
	if (p->fd >= 0) {
		n = pwrite(p->fd, buf, len, (off_t)off);
		if (n < 0)
			return -errno;
		return (size_t)n == len ? 0 : -EIO;
	}
	if (p->verify && !p->mismatch) {
		size_t bad = pattern_check(buf, len, p->seed, off);

		if (bad < len)
			mismatch_at(p, off + bad);
	}
	if (len != want)
		mismatch_at(p, off + len);
	return 0;
}
