// SPDX-License-Identifier: GPL-2.0-or-later
#include "fsutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "units.h"

int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err = 0;

	if (len == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		err = -errno;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int read_u64_file(const char *path, uint64_t *value)
{
	char buf[64];
	int err = read_text(path, buf, sizeof(buf));

	if (err)
		return err;
	return parse_u64(buf, 0, UINT64_MAX, value);
}

static int write_text_flags(const char *path, const char *text, int flags)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int write_text(const char *path, const char *text)
{
	return write_text_flags(path, text, 0);
}

int create_text(const char *path, const char *text)
{
	return write_text_flags(path, text, O_CREAT | O_TRUNC);
}

bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int list_dir(const char *path, char ***names)
{
	struct dirent *de;
	char **v = NULL;
	int n = 0, cap = 0;
	DIR *d;

	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			char **nv;

			cap = cap ? cap * 2 : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto nomem;
			v = nv;
		}
		v[n] = strdup(de->d_name);
		if (!v[n])
			goto nomem;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), compare_names);
	*names = v;
	return n;
nomem:
	closedir(d);
	free_names(v, n);
	return -ENOMEM;
}

void free_names(char **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int link_basename(const char *path, char *out, size_t len)
{
	char target[256];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n < 0)
		return -errno;
	target[n] = 0;
	snprintf(out, len, "%s", strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
	return 0;
}

bool file_has_field(const char *path, int field, const char *value)
{
	char line[4096], *word, *save;
	bool found = false;
	FILE *f = fopen(path, "re");
	int i;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		word = strtok_r(line, " \t\n", &save);
		for (i = 1; word && i < field; i++)
			word = strtok_r(NULL, " \t\n", &save);
		found = word && !strcmp(word, value);
	}
	fclose(f);
	return found;
}

/* Whether major:minor "dev" is the device of a mount point in mountinfo (its third field). */
static bool dev_mounted(const char *dev)
{
	return file_has_field("/proc/self/mountinfo", 3, dev);
}

bool block_in_use(const char *disk)
{
	char path[256], dev[32], **parts;
	int n, i;
	bool used = false;

	snprintf(path, sizeof(path), "/sys/class/block/%s/holders", disk);
	n = list_dir(path, &parts);
	if (n > 0)
		used = true;
	if (n >= 0)
		free_names(parts, n);
	snprintf(path, sizeof(path), "/sys/class/block/%s/dev", disk);
	if (!used && !read_text(path, dev, sizeof(dev)))
		used = dev_mounted(dev);
	/* and its partitions: vda1... are directories of vda with a dev file */
	snprintf(path, sizeof(path), "/sys/class/block/%s", disk);
	n = list_dir(path, &parts);
	for (i = 0; i < n && !used; i++) {
		if (strncmp(parts[i], disk, strlen(disk)))
			continue;
		snprintf(path, sizeof(path), "/sys/class/block/%s/%s/dev", disk, parts[i]);
		used = !read_text(path, dev, sizeof(dev)) && dev_mounted(dev);
	}
	if (n >= 0)
		free_names(parts, n);
	return used;
}

bool dir_is_empty(const char *path)
{
	char **names;
	int n = list_dir(path, &names);

	if (n > 0)
		free_names(names, n);
	return n == 0;
}

bool filesystem_known(const char *fs)
{
	char line[128];
	bool found = false;
	FILE *p = fopen("/proc/filesystems", "re");

	if (!p)
		return false;
	while (!found && fgets(line, sizeof(line), p)) {
		char *name = strrchr(line, '\t');

		name = name ? name + 1 : line;
		name[strcspn(name, "\n")] = '\0';
		found = !strcmp(name, fs);
	}
	fclose(p);
	return found;
}

bool dirent_name_valid(const char *name, size_t max)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > max || name[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-' && name[i] != '.')
			return false;
	return true;
}

int proc_fd_of(int pid, const char *devpath)
{
	char dir[64], link[300], target[300], **fds;
	int n, i, fd = -ENOENT;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	n = list_dir(dir, &fds);
	if (n < 0)
		return n;
	for (i = 0; i < n && fd < 0; i++) {
		ssize_t k;

		snprintf(link, sizeof(link), "%s/%s", dir, fds[i]);
		k = readlink(link, target, sizeof(target) - 1);
		if (k > 0) {
			target[k] = 0;
			if (!strcmp(target, devpath))
				fd = atoi(fds[i]);
		}
	}
	free_names(fds, n);
	return fd;
}

/* Whether /proc/PID/fd holds the device; its command name into comm. */
static bool holds(const char *pid, const char *devpath, char *comm, size_t len)
{
	char link[300];
	bool found = proc_fd_of(atoi(pid), devpath) >= 0;

	if (found) {
		snprintf(link, sizeof(link), "/proc/%s/comm", pid);
		if (read_text(link, comm, len))
			snprintf(comm, len, "?");
	}
	return found;
}

int fd_holder(const char *devpath, char *comm, size_t len)
{
	char self[16], **pids;
	int n, i, pid = 0;

	snprintf(self, sizeof(self), "%d", (int)getpid());
	n = list_dir("/proc", &pids);
	if (n < 0)
		return n;
	for (i = 0; i < n && !pid; i++)
		if (isdigit((unsigned char)pids[i][0]) && strcmp(pids[i], self) && holds(pids[i], devpath, comm, len))
			pid = atoi(pids[i]);
	free_names(pids, n);
	return pid;
}
