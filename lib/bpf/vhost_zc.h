/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What lib/bpf/vhost_zc.bpf.c counts, shared with user space. */
#ifndef ZC_VHOST_ZC_H
#define ZC_VHOST_ZC_H

enum vhost_zc_counter {
	VZC_DONE,		/* a zero-copy buffer completed with its pages untouched */
	VZC_FAILED,		/* a zero-copy buffer completed after the stack copied its pages */
	VZC_COPIED,		/* skb_copy_ubufs() on one of our buffers: the copy itself */
	VZC_DEVICE_SEEN,	/* our vhost worker entered the zero-copy transmit path */
	VZC_NR,
};

#define VZC_MAX_STACKS 64
#define VZC_STACK_DEPTH 16

#endif
