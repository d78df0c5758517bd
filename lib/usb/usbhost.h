/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The USB host side of a gadget, through libusb-1.0: find the device, claim an interface and
 * stream bulk transfers with several in flight, so that the far side is never starved.
 */
#ifndef ZC_USBHOST_H
#define ZC_USBHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct usbhost_match {
	int vid, pid;		/* -1: any */
	int bus, dev;		/* -1: any */
};

struct usbhost {
	void *ctx;		/* libusb_context */
	void *handle;		/* libusb_device_handle */
	int interface;
	uint8_t ep;		/* endpoint address, bit 7 set for IN */
	unsigned max_packet;
	char dev_desc[64];	/* "bus 1 dev 2 1d6b:0104" */
};

/*
 * Open the first device matching m and claim `interface`. ep: an endpoint address, or -1 for
 * the first bulk endpoint of the interface in direction `in`.
 */
int usbhost_open(struct usbhost *u, const struct usbhost_match *m, int interface, int ep, bool in);
void usbhost_close(struct usbhost *u);

/*
 * usbfs caps the memory of URBs in flight (usbfs_memory_mb, 16 MiB by default), so a transfer
 * larger than USBHOST_URB_MAX that it divides goes as URBs of that size, back to back: the
 * device cannot tell them from one transfer, as no short packet ends one between them.
 * The number of URBs a transfer of `size` bytes goes as (1 when it is not split).
 */
#define USBHOST_URB_MAX (1U << 20)
uint64_t usbhost_urbs_per_transfer(uint64_t size);

/*
 * Stream `count` transfers of `size` bytes with up to `depth` in flight. on_chunk is called in
 * order for each: before submission of an OUT transfer (before = true) to fill its buffer, and
 * after every completion (actual is the bytes moved). A non-zero return stops the stream with
 * that error; SIGINT/SIGTERM (lib/sig.h) stops it cleanly, cancelling what is in flight.
 */
typedef int (*usbhost_chunk_fn)(void *arg, uint64_t index, uint8_t *buf, size_t actual, bool before);
int usbhost_stream(struct usbhost *u, size_t size, uint64_t count, unsigned depth, unsigned timeout_ms,
		   usbhost_chunk_fn on_chunk, void *arg, uint64_t *bytes);

#endif
