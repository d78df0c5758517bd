/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small file helpers for sysfs, procfs, configfs and debugfs: all return 0 or -errno. */
#ifndef ZC_FSUTIL_H
#define ZC_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Read a small file into buf (NUL-terminated, trailing newline removed). */
int read_text(const char *path, char *buf, size_t len);
int read_u64_file(const char *path, uint64_t *value);
int write_text(const char *path, const char *text);
/* The same into a regular file, made (0644) or emptied first. */
int create_text(const char *path, const char *text);
bool path_exists(const char *path);

/* The entries of a directory (no . and ..), sorted; free with free_names(). Returns the count. */
int list_dir(const char *path, char ***names);
void free_names(char **names, int n);
bool dir_is_empty(const char *path);
/* The kernel knows file system type `fs` (/proc/filesystems). */
bool filesystem_known(const char *fs);
/*
 * A name of ours that becomes a directory entry (configfs gadget, /dev/vduse node, functionfs
 * device): 1 to max characters of A-Z a-z 0-9 _ - ., not starting with a dot.
 */
bool dirent_name_valid(const char *name, size_t max);
/* The last component of what the symlink at path points to (sysfs links: drivers, groups). */
int link_basename(const char *path, char *out, size_t len);
/* Whether a line of the text file path has value as its field-th blank-separated word (1 first). */
bool file_has_field(const char *path, int field, const char *value);
/* The number of a file descriptor of process pid that has devpath open, or -errno (-ENOENT: none). */
int proc_fd_of(int pid, const char *devpath);
/* The first process other than us with devpath open: its pid (command name into comm), 0 if none. */
int fd_holder(const char *devpath, char *comm, size_t len);
/* Whether a disk (vda) or one of its partitions is mounted or held by another block device. */
bool block_in_use(const char *disk);

#endif
