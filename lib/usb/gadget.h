/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * configfs USB gadgets with one FunctionFS function: the tree under
 * /sys/kernel/config/usb_gadget/NAME, the functionfs mount, and the binding to a UDC.
 * Every step has its undo, and gadget_teardown() undoes whatever exists, so a gadget left by
 * a killed process can still be removed.
 */
#ifndef ZC_GADGET_H
#define ZC_GADGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GADGET_NAME_MAX 32
#define GADGET_ROOT "/sys/kernel/config/usb_gadget"
#define UDC_CLASS "/sys/class/udc"
/* where `ffs up` mounts functionfs unless told otherwise: GADGET_MOUNT_BASE/NAME */
#define GADGET_MOUNT_BASE "/run/zcioctl/mnt"

struct gadget_config {
	const char *name;
	uint16_t vid;
	uint16_t pid;
	const char *manufacturer;
	const char *product;
	const char *serial;
	const char *max_speed;	/* "full-speed", "high-speed", "super-speed" */
};

/* Gadget names become configfs directories and functionfs device names. */
bool gadget_name_valid(const char *name);
bool gadget_exists(const char *name);

/* The configfs tree with function ffs.NAME linked into configuration c.1. */
int gadget_create(const struct gadget_config *c);
/* Mount functionfs instance NAME on dir (created if missing; NULL: GADGET_MOUNT_BASE/NAME). */
int gadget_mount_ffs(const char *name, const char *dir);
/* Bind to udc ("" or NULL: the first UDC that is free). */
int gadget_bind(const char *name, const char *udc);
int gadget_unbind(const char *name);
/* The UDC the gadget is bound to ("" when unbound). */
int gadget_udc(const char *name, char *buf, size_t len);
/* Unbind, unmount every functionfs mount of NAME, remove the configfs tree and the default mount
 * directory; absent parts are fine. */
int gadget_teardown(const char *name);

/* The gadgets in configfs, any tool's; names malloc'ed, free with free_names(). Returns the count. */
int gadget_list(char ***names);

/* What configfs and the mount table say of a gadget. */
struct gadget_info {
	int vid, pid;		/* idVendor, idProduct; -1 where unreadable */
	char udc[64];		/* the UDC it is bound to, "" when unbound */
	char **functions;	/* its functions ("ffs.NAME", ...), sorted */
	int nfunctions;
	char mount[256];	/* where functionfs instance NAME is mounted, "" if nowhere */
};

/* -ENOENT when there is no such gadget (any more). Free with gadget_info_free(). */
int gadget_info(const char *name, struct gadget_info *info);
void gadget_info_free(struct gadget_info *info);

#endif
