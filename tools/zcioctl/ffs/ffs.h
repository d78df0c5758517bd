/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The commands of zcioctl ffs, a file for each family; ffs.c has their table and help. */
#ifndef ZCIOCTL_FFS_H
#define ZCIOCTL_FFS_H

#include "cli/args.h"

/* gadget.c: the configfs gadget and its ep0 */
int ffs_cmd_up(struct args *a);
int ffs_cmd_down(struct args *a);
int ffs_cmd_list(struct args *a);
/* transfer.c: data through an endpoint file, with DMABUFs or read/write */
int ffs_cmd_transfer(struct args *a);
/* peer.c: the USB host side */
int ffs_cmd_peer(struct args *a);
/* dmabuf.c: the DMABUF ioctls step by step */
int ffs_cmd_dmabuf(struct args *a);

#endif
