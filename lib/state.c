// SPDX-License-Identifier: GPL-2.0-or-later
#include "state.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "fsutil.h"

static void state_path(char *buf, size_t len, const char *kind, const char *name)
{
	snprintf(buf, len, STATE_DIR "/%s/%s", kind, name);
}

static bool pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

pid_t state_owner(const char *kind, const char *name)
{
	char path[256];
	uint64_t pid;

	state_path(path, sizeof(path), kind, name);
	if (read_u64_file(path, &pid) || pid > INT32_MAX || !pid_alive((pid_t)pid))
		return 0;
	return (pid_t)pid;
}

int state_claim(const char *kind, const char *name)
{
	char path[256], pid[32];

	if (state_owner(kind, name))
		return -EEXIST;
	snprintf(path, sizeof(path), STATE_DIR "/%s", kind);
	if ((mkdir(STATE_DIR, 0755) && errno != EEXIST) || (mkdir(path, 0755) && errno != EEXIST))
		return -errno;
	state_path(path, sizeof(path), kind, name);
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	{
		FILE *f = fopen(path, "we");
		int err = 0;

		if (!f)
			return -errno;
		if (fputs(pid, f) == EOF)
			err = -EIO;
		if (fclose(f) && !err)
			err = -errno;
		return err;
	}
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
		if (!pid_alive(pid))
			return 0;
		nanosleep(&tick, NULL);
	}
	return -ETIMEDOUT;
}
