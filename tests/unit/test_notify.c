// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/notify: what a service manager listening on NOTIFY_SOCKET receives. Built with libsystemd,
 * each call is one datagram with the state as given, from our own pid; built without it, a
 * listening manager is told nothing and the caller learns so (-ENOTSUP). No manager: 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"
#include "tap.h"

/* A datagram socket at path, as systemd makes for a Type=notify service; with SO_PASSCRED. */
static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int one = 1, fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)))
		return -1;
	return fd;
}

/* One datagram into buf (NUL-terminated); its sender's pid, or -1 when nothing waits. */
static pid_t receive(int fd, char *buf, size_t len)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(struct ucred))];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof(control) };
	struct cmsghdr *c;
	struct ucred cred = { .pid = 0 };
	ssize_t n = recvmsg(fd, &m, 0);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
	return cred.pid;
}

int main(void)
{
	char dir[] = "/tmp/zc-notify-XXXXXX", path[128], buf[256];
	int fd, err;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listen_at(path);
	ok(fd >= 0, "a notification socket at %s", path);

	unsetenv("NOTIFY_SOCKET");
	is_int(svc_notify("READY=1"), 0, "no NOTIFY_SOCKET: nobody to tell, 0");

	setenv("NOTIFY_SOCKET", path, 1);
	err = svc_notify("READY=1\nSTATUS=serving d0");
	if (svc_notify_built()) {
		is_int(err, 1, "with libsystemd: sent (1)");
		is_int(receive(fd, buf, sizeof(buf)), getpid(), "one datagram, from our pid");
		is_str(buf, "READY=1\nSTATUS=serving d0", "carrying the state as given");
		ok(getenv("NOTIFY_SOCKET"), "NOTIFY_SOCKET stays set for the next notification");
	} else {
		is_int(err, -ENOTSUP, "without libsystemd: a listening manager is not told, -ENOTSUP");
		is_int(receive(fd, buf, sizeof(buf)), -1, "and nothing arrives");
	}

	setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
	err = svc_notify("STOPPING=1");
	ok(svc_notify_built() ? err < 0 && err != -ENOTSUP : err == -ENOTSUP,
	   "a socket that is not there: an error (%d)", err);

	close(fd);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
