// SPDX-License-Identifier: GPL-2.0-or-later
#include "usb/gadget.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

#define LANG_DIR "strings/0x409"
#define CONFIG_DIR "configs/c.1"

bool gadget_name_valid(const char *name)
{
	return dirent_name_valid(name, GADGET_NAME_MAX);
}

static void gpath(char *buf, size_t len, const char *name, const char *rel)
{
	snprintf(buf, len, GADGET_ROOT "/%s%s%s", name, rel ? "/" : "", rel ? rel : "");
}

static int ffs_mountpoint(const char *name, char *buf, size_t len);

bool gadget_exists(const char *name)
{
	char p[256], dir[4096];

	gpath(p, sizeof(p), name, NULL);
	/* a functionfs mount whose configfs function is gone is left of it too */
	return path_exists(p) || ffs_mountpoint(name, dir, sizeof(dir)) == 0;
}

static int gmkdir(const char *name, const char *rel)
{
	char p[256];

	gpath(p, sizeof(p), name, rel);
	return mkdir(p, 0755) ? -errno : 0;
}

static int gwrite(const char *name, const char *rel, const char *value)
{
	char p[256];

	gpath(p, sizeof(p), name, rel);
	return write_text(p, value);
}

static int gwrite_hex(const char *name, const char *rel, unsigned v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%04x", v);
	return gwrite(name, rel, buf);
}

int gadget_create(const struct gadget_config *c)
{
	char func[256], link[256];
	int err;

	if (!path_exists(GADGET_ROOT))
		return -ENOENT;
	err = gmkdir(c->name, NULL);
	if (err)
		return err;	/* EEXIST: the name is taken; nothing of ours to undo */
	if ((err = gwrite_hex(c->name, "idVendor", c->vid)) ||
	    (err = gwrite_hex(c->name, "idProduct", c->pid)) ||
	    (err = gwrite_hex(c->name, "bcdUSB", 0x0200)) ||
	    (err = gwrite(c->name, "max_speed", c->max_speed)) ||
	    (err = gmkdir(c->name, LANG_DIR)) ||
	    (err = gwrite(c->name, LANG_DIR "/manufacturer", c->manufacturer)) ||
	    (err = gwrite(c->name, LANG_DIR "/product", c->product)) ||
	    (err = gwrite(c->name, LANG_DIR "/serialnumber", c->serial)) ||
	    (err = gmkdir(c->name, CONFIG_DIR)) ||
	    (err = gmkdir(c->name, CONFIG_DIR "/" LANG_DIR)) ||
	    (err = gwrite(c->name, CONFIG_DIR "/" LANG_DIR "/configuration", "zcioctl")) ||
	    (err = gwrite(c->name, CONFIG_DIR "/MaxPower", "100")))
		goto undo;
	snprintf(func, sizeof(func), "functions/ffs.%s", c->name);
	err = gmkdir(c->name, func);
	if (err)
		goto undo;
	gpath(func, sizeof(func), c->name, "functions/ffs.");
	strncat(func, c->name, sizeof(func) - strlen(func) - 1);
	gpath(link, sizeof(link), c->name, CONFIG_DIR "/ffs.");
	strncat(link, c->name, sizeof(link) - strlen(link) - 1);
	if (symlink(func, link)) {
		err = -errno;
		goto undo;
	}
	return 0;
undo:
	gadget_teardown(c->name);
	return err;
}

int gadget_mount_ffs(const char *name, const char *dir)
{
	char def[256];

	if (!dir) {
		if (mkdir("/run/zcioctl", 0755) && errno != EEXIST)
			return -errno;
		if (mkdir(GADGET_MOUNT_BASE, 0755) && errno != EEXIST)
			return -errno;
		snprintf(def, sizeof(def), GADGET_MOUNT_BASE "/%s", name);
		dir = def;
	}
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	if (mount(name, dir, "functionfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return -errno;
	return 0;
}

int gadget_udc(const char *name, char *buf, size_t len)
{
	char p[256];

	gpath(p, sizeof(p), name, "UDC");
	return read_text(p, buf, len);
}

/* A UDC is free when no gadget lists it in its UDC file. */
static bool udc_in_use(const char *udc)
{
	char **gadgets, cur[64];
	int n, i;
	bool used = false;

	n = list_dir(GADGET_ROOT, &gadgets);
	for (i = 0; i < n && !used; i++)
		used = !gadget_udc(gadgets[i], cur, sizeof(cur)) && !strcmp(cur, udc);
	if (n > 0)
		free_names(gadgets, n);
	return used;
}

/* A UDC no gadget is bound to. */
static int free_udc(char *buf, size_t len)
{
	char **udcs;
	int n, i, err = -ENODEV;

	n = list_dir(UDC_CLASS, &udcs);
	if (n < 0)
		return n == -ENOENT ? -ENODEV : n;
	for (i = 0; i < n; i++) {
		if (!udc_in_use(udcs[i])) {
			snprintf(buf, len, "%s", udcs[i]);
			err = 0;
			break;
		}
	}
	free_names(udcs, n);
	return err;
}

int gadget_bind(const char *name, const char *udc)
{
	char chosen[64];
	int err;

	if (!udc || !*udc) {
		err = free_udc(chosen, sizeof(chosen));
		if (err)
			return err;
		udc = chosen;
	}
	return gwrite(name, "UDC", udc);
}

int gadget_unbind(const char *name)
{
	char cur[64];

	if (gadget_udc(name, cur, sizeof(cur)) || !cur[0])
		return 0;
	/* writing a lone newline unbinds; the kernel refuses "" as a zero-length write */
	return gwrite(name, "UDC", "\n");
}

/*
 * Where functionfs instance NAME is mounted: 0 and the directory, -ENOENT when nowhere, or the
 * error that kept the mount table from being read (which must not pass for "nowhere": the
 * teardown would then remove the function and leave its mount behind).
 */
static int ffs_mountpoint(const char *name, char *buf, size_t len)
{
	char dev[128], dir[4096], type[64];
	FILE *m = fopen("/proc/self/mounts", "re");
	int err = -ENOENT;

	buf[0] = '\0';
	if (!m)
		return -errno;
	errno = 0;
	while (fscanf(m, "%127s %4095s %63s %*[^\n]", dev, dir, type) == 3) {
		if (!strcmp(type, "functionfs") && !strcmp(dev, name)) {
			snprintf(buf, len, "%s", dir);
			err = 0;
			break;
		}
	}
	if (err && ferror(m))
		err = errno ? -errno : -EIO;
	fclose(m);
	return err;
}

int gadget_list(char ***names)
{
	return list_dir(GADGET_ROOT, names);
}

static int gread_id(const char *name, const char *rel)
{
	char p[256];
	uint64_t v;

	gpath(p, sizeof(p), name, rel);
	return read_u64_file(p, &v) || v > 0xffff ? -1 : (int)v;
}

int gadget_info(const char *name, struct gadget_info *info)
{
	char p[256];
	int n;

	memset(info, 0, sizeof(*info));
	if (!*name || strchr(name, '/'))
		return -EINVAL;	/* any tool's gadget, but within GADGET_ROOT */
	gpath(p, sizeof(p), name, "functions");
	n = list_dir(p, &info->functions);
	if (n < 0)
		return n;
	info->nfunctions = n;
	info->vid = gread_id(name, "idVendor");
	info->pid = gread_id(name, "idProduct");
	if (gadget_udc(name, info->udc, sizeof(info->udc)))
		info->udc[0] = '\0';
	ffs_mountpoint(name, info->mount, sizeof(info->mount));
	return 0;
}

void gadget_info_free(struct gadget_info *info)
{
	if (info->nfunctions > 0)
		free_names(info->functions, info->nfunctions);
	info->functions = NULL;
	info->nfunctions = 0;
}

static int grm(const char *name, const char *rel, bool is_link)
{
	char p[256];

	gpath(p, sizeof(p), name, rel);
	if ((is_link ? unlink(p) : rmdir(p)) && errno != ENOENT)
		return -errno;
	return 0;
}

int gadget_teardown(const char *name)
{
	char rel[128], dir[4096];
	int err, first = 0, tries;

	if (!gadget_name_valid(name))
		return -EINVAL;
	err = gadget_unbind(name);
	if (err)
		first = err;
	/*
	 * Every mount of this functionfs instance, then the function can go. The kernel lets the
	 * function go while it is mounted, and then nothing in configfs leads to the mount: when a
	 * mount cannot be found out or undone, stop here and leave the rest for the next teardown.
	 */
	for (tries = 0; (err = ffs_mountpoint(name, dir, sizeof(dir))) != -ENOENT; tries++) {
		if (!err && tries == 64)
			err = -EBUSY;	/* unmounted each time, and still there: not ours to fix */
		if (!err && umount2(dir, 0) && umount2(dir, MNT_DETACH))
			err = -errno;
		if (err)
			return first ? first : err;
	}
	snprintf(rel, sizeof(rel), CONFIG_DIR "/ffs.%s", name);
	err = grm(name, rel, true);
	first = first ? first : err;
	snprintf(rel, sizeof(rel), "functions/ffs.%s", name);
	err = grm(name, rel, false);
	first = first ? first : err;
	err = grm(name, CONFIG_DIR "/" LANG_DIR, false);
	first = first ? first : err;
	err = grm(name, CONFIG_DIR, false);
	first = first ? first : err;
	err = grm(name, LANG_DIR, false);
	first = first ? first : err;
	err = grm(name, NULL, false);
	snprintf(dir, sizeof(dir), GADGET_MOUNT_BASE "/%s", name);
	rmdir(dir);	/* ours when `ffs up` chose it; left alone if not empty */
	return first ? first : err;
}
