/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * FunctionFS: the descriptors and strings written to ep0, the events read from it, and the
 * DMABUF import of data endpoints (FUNCTIONFS_DMABUF_ATTACH/DETACH/TRANSFER, Linux 6.9).
 */
#ifndef ZC_FFS_H
#define ZC_FFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/usb/functionfs.h>

#define FFS_MAX_EPS 15

/* One vendor-specific interface with n_in bulk IN then n_out bulk OUT endpoints: ep1..epN. */
int ffs_write_descriptors(int ep0, unsigned n_in, unsigned n_out, const char *interface_name);

struct ffs_event {
	unsigned type;		/* FUNCTIONFS_BIND ... */
	uint8_t request_type;	/* for SETUP */
	uint8_t request;
	uint16_t value, index, length;
};

/* One event from ep0 (blocking unless ep0 is O_NONBLOCK: -EAGAIN). */
int ffs_read_event(int ep0, struct ffs_event *ev);
/*
 * The first event record (struct usb_functionfs_event) of the len bytes at buf, as read from ep0:
 * the bytes it took, or -EIO for fewer bytes than a record. ffs_read_event() and the fuzzer
 * (tests/fuzz/fuzz_ffs_ep0.c) both parse through it.
 */
int ffs_parse_event(const void *buf, size_t len, struct ffs_event *ev);
const char *ffs_event_name(unsigned type);
/* Refuse a control request we do not serve: a transfer in the wrong direction stalls it. */
int ffs_stall(int ep0, const struct ffs_event *setup);

/* The endpoint's direction and max packet size; -EAGAIN (O_NONBLOCK) until the host enabled the function. */
int ffs_ep_info(int ep, bool *in, unsigned *max_packet, uint8_t *address);
/* Wait up to timeout_ms for the function to be enabled (the host configured the device);
 * -ETIMEDOUT, or -EINTR on a signal. */
int ffs_ep_wait_enabled(int ep, int timeout_ms);

int ffs_dmabuf_attach(int ep, int dmabuf_fd);
int ffs_dmabuf_detach(int ep, int dmabuf_fd);
/* Queue a transfer of length bytes from the start of the dmabuf; completion signals its fence. */
int ffs_dmabuf_transfer(int ep, int dmabuf_fd, uint64_t length);

#endif
