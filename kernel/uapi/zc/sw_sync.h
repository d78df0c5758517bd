/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sw_sync (debugfs: /sys/kernel/debug/sync/sw_sync, CONFIG_SW_SYNC), a software fence timeline
 * for tests. Its ABI lives in drivers/dma-buf/sw_sync.c, not in the exported headers.
 */
#ifndef ZC_UAPI_SW_SYNC_H
#define ZC_UAPI_SW_SYNC_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* A fence at seqno `value`; `fence` returns the fd of a sync_file holding it. */
struct sw_sync_create_fence_data {
	__u32 value;
	char name[32];
	__s32 fence;
};

#define SW_SYNC_IOC_MAGIC	'W'
#define SW_SYNC_IOC_CREATE_FENCE	_IOWR(SW_SYNC_IOC_MAGIC, 0, struct sw_sync_create_fence_data)
/* Advance the timeline by the __u32 given, signalling every fence up to the new value. */
#define SW_SYNC_IOC_INC			_IOW(SW_SYNC_IOC_MAGIC, 1, __u32)

#endif
