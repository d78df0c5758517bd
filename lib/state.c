// SPDX-License-Identifier: GPL-2.0-or-later
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"

static void state_path(char *buf, size_t len, const char *kind, const char *name)
{
	snprintf(buf, len, STATE_DIR "/%s/%s", kind, name);
}

int state_mkdir(const char *kind)
{
	char path[256];

	snprintf(path, sizeof(path), STATE_DIR "/%s", kind);
	if ((mkdir(STATE_DIR, 0755) && errno != EEXIST) || (mkdir(path, 0755) && errno != EEXIST))
		return -errno;
	return 0;
}

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_text(path, buf, sizeof(buf)))
		return 0;
	/* the command name may hold blanks and parentheses: count fields after its last ')' */
	p = strrchr(buf, ')');
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		sscanf(p + 1, "%llu", &t);
	return t;
}

/* The file holds "PID STARTTIME": a pid reused by another process does not match. */
pid_t state_owner(const char *kind, const char *name)
{
	unsigned long long started;
	char path[256], buf[64];
	int pid;

	state_path(path, sizeof(path), kind, name);
	if (read_text(path, buf, sizeof(buf)) || sscanf(buf, "%d %llu", &pid, &started) != 2 || pid <= 0)
		return 0;
	return start_time(pid) == started ? (pid_t)pid : 0;
}

int state_claim(const char *kind, const char *name)
{
	char path[256], line[64];
	int fd, n, err = 0;

	if (state_owner(kind, name))
		return -EEXIST;
	if ((err = state_mkdir(kind)))
		return err;
	state_path(path, sizeof(path), kind, name);
	unlink(path);	/* a dead owner's */
	/* O_EXCL: of two processes claiming at once, one gets EEXIST */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = snprintf(line, sizeof(line), "%d %llu\n", (int)getpid(), start_time(getpid()));
	if (write(fd, line, n) != n)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	if (err)
		unlink(path);
	return err;
}

void state_release(const char *kind, const char *name)
{
	char path[256];

	state_path(path, sizeof(path), kind, name);
	unlink(path);
}

int state_stop_owner(const char *kind, const char *name, int timeout_ms)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	pid_t pid = state_owner(kind, name);
	int waited;

	if (!pid)
		return 0;
	if (kill(pid, SIGTERM))
		return -errno;
	for (waited = 0; waited < timeout_ms; waited += 20) {
		if (!state_owner(kind, name))
			return 0;
		nanosleep(&tick, NULL);
	}
	return -ETIMEDOUT;
}
