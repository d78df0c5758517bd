// SPDX-License-Identifier: GPL-2.0-or-later
#include "usb/usbhost.h"

#include <errno.h>
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"

static int errno_of_libusb(int e)
{
	switch (e) {
	case LIBUSB_ERROR_IO: return -EIO;
	case LIBUSB_ERROR_INVALID_PARAM: return -EINVAL;
	case LIBUSB_ERROR_ACCESS: return -EACCES;
	case LIBUSB_ERROR_NO_DEVICE: return -ENODEV;
	case LIBUSB_ERROR_NOT_FOUND: return -ENOENT;
	case LIBUSB_ERROR_BUSY: return -EBUSY;
	case LIBUSB_ERROR_TIMEOUT: return -ETIMEDOUT;
	case LIBUSB_ERROR_OVERFLOW: return -EOVERFLOW;
	case LIBUSB_ERROR_PIPE: return -EPIPE;
	case LIBUSB_ERROR_INTERRUPTED: return -EINTR;
	case LIBUSB_ERROR_NO_MEM: return -ENOMEM;
	case LIBUSB_ERROR_NOT_SUPPORTED: return -EOPNOTSUPP;
	default: return -EIO;
	}
}

static bool matches(libusb_device *d, const struct usbhost_match *m)
{
	struct libusb_device_descriptor desc;

	if (libusb_get_device_descriptor(d, &desc))
		return false;
	return (m->vid < 0 || desc.idVendor == m->vid) && (m->pid < 0 || desc.idProduct == m->pid) &&
	       (m->bus < 0 || libusb_get_bus_number(d) == m->bus) &&
	       (m->dev < 0 || libusb_get_device_address(d) == m->dev);
}

/* The first bulk endpoint of the interface in the wanted direction. */
static int find_bulk_ep(libusb_device *d, int interface, bool in, uint8_t *ep, unsigned *mps)
{
	struct libusb_config_descriptor *cfg;
	const struct libusb_interface_descriptor *alt;
	int i, err = -ENOENT;

	if (libusb_get_active_config_descriptor(d, &cfg))
		return -EIO;
	if (interface >= cfg->bNumInterfaces || cfg->interface[interface].num_altsetting < 1) {
		libusb_free_config_descriptor(cfg);
		return -ENOENT;
	}
	alt = &cfg->interface[interface].altsetting[0];
	for (i = 0; i < alt->bNumEndpoints; i++) {
		const struct libusb_endpoint_descriptor *e = &alt->endpoint[i];
		bool is_in = e->bEndpointAddress & LIBUSB_ENDPOINT_IN;

		if ((e->bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_BULK && is_in == in && (*ep == 0 || e->bEndpointAddress == *ep)) {
			*ep = e->bEndpointAddress;
			*mps = e->wMaxPacketSize;
			err = 0;
			break;
		}
	}
	libusb_free_config_descriptor(cfg);
	return err;
}

int usbhost_open(struct usbhost *u, const struct usbhost_match *m, int interface, int ep, bool in)
{
	libusb_context *ctx = NULL;
	libusb_device **list = NULL, *found = NULL;
	libusb_device_handle *h = NULL;
	ssize_t n, i;
	int err;

	memset(u, 0, sizeof(*u));
	err = libusb_init(&ctx);
	if (err)
		return errno_of_libusb(err);
	n = libusb_get_device_list(ctx, &list);
	for (i = 0; i < n && !found; i++)
		if (matches(list[i], m))
			found = list[i];
	if (!found) {
		err = -ENODEV;
		goto out;
	}
	u->ep = ep < 0 ? 0 : (uint8_t)ep;
	err = find_bulk_ep(found, interface, ep < 0 ? in : (ep & LIBUSB_ENDPOINT_IN), &u->ep, &u->max_packet);
	if (err)
		goto out;
	err = libusb_open(found, &h);
	if (err) {
		err = errno_of_libusb(err);
		h = NULL;
		goto out;
	}
	libusb_set_auto_detach_kernel_driver(h, 1);
	err = libusb_claim_interface(h, interface);
	if (err) {
		err = errno_of_libusb(err);
		libusb_close(h);
		h = NULL;
		goto out;
	}
	{
		struct libusb_device_descriptor desc;

		libusb_get_device_descriptor(found, &desc);
		snprintf(u->dev_desc, sizeof(u->dev_desc), "bus %d dev %d %04x:%04x", libusb_get_bus_number(found),
			 libusb_get_device_address(found), desc.idVendor, desc.idProduct);
	}
	u->ctx = ctx;
	u->handle = h;
	u->interface = interface;
out:
	if (list)
		libusb_free_device_list(list, 1);
	if (!u->handle)
		libusb_exit(ctx);
	return u->handle ? 0 : (err ? err : -ENODEV);
}

void usbhost_close(struct usbhost *u)
{
	if (u->handle) {
		libusb_release_interface(u->handle, u->interface);
		libusb_close(u->handle);
	}
	if (u->ctx)
		libusb_exit(u->ctx);
	memset(u, 0, sizeof(*u));
}

uint64_t usbhost_urbs_per_transfer(uint64_t size)
{
	return size > USBHOST_URB_MAX && size % USBHOST_URB_MAX == 0 ? size / USBHOST_URB_MAX : 1;
}

struct stream {
	struct usbhost *u;
	size_t size;
	uint64_t count, submitted, completed, bytes;
	usbhost_chunk_fn on_chunk;
	void *arg;
	int err;
	unsigned in_flight;
	bool cancelled;
};

struct slot {
	struct stream *s;
	uint64_t index;
	struct libusb_transfer *xfer;
};

static int submit(struct slot *slot)
{
	struct stream *s = slot->s;
	int err;

	slot->index = s->submitted;
	if (!(s->u->ep & LIBUSB_ENDPOINT_IN)) {
		err = s->on_chunk(s->arg, slot->index, slot->xfer->buffer, s->size, true);
		if (err)
			return err;
	}
	err = libusb_submit_transfer(slot->xfer);
	if (err)
		return errno_of_libusb(err);
	s->submitted++;
	s->in_flight++;
	return 0;
}

static void LIBUSB_CALL on_done(struct libusb_transfer *xfer)
{
	struct slot *slot = xfer->user_data;
	struct stream *s = slot->s;
	int err = 0;

	s->in_flight--;
	if (xfer->status != LIBUSB_TRANSFER_COMPLETED) {
		static const int errs[] = {
			[LIBUSB_TRANSFER_ERROR] = -EIO, [LIBUSB_TRANSFER_TIMED_OUT] = -ETIMEDOUT,
			[LIBUSB_TRANSFER_CANCELLED] = -ECANCELED, [LIBUSB_TRANSFER_STALL] = -EPIPE,
			[LIBUSB_TRANSFER_NO_DEVICE] = -ENODEV, [LIBUSB_TRANSFER_OVERFLOW] = -EOVERFLOW,
		};

		if (!s->err)
			s->err = xfer->status < sizeof(errs) / sizeof(errs[0]) ? errs[xfer->status] : -EIO;
		return;
	}
	s->bytes += xfer->actual_length;
	s->completed++;
	err = s->on_chunk(s->arg, slot->index, xfer->buffer, xfer->actual_length, false);
	if (!err && !s->err && !stop_requested() && s->submitted < s->count)
		err = submit(slot);
	if (err && !s->err)
		s->err = err;
}

int usbhost_stream(struct usbhost *u, size_t size, uint64_t count, unsigned depth, unsigned timeout_ms,
		   usbhost_chunk_fn on_chunk, void *arg, uint64_t *bytes)
{
	struct stream s = { .u = u, .size = size, .count = count, .on_chunk = on_chunk, .arg = arg };
	struct slot *slots;
	unsigned i;
	int err = 0;

	if (depth == 0)
		depth = 1;
	slots = calloc(depth, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < depth; i++) {
		uint8_t *buf = malloc(size);

		slots[i].s = &s;
		slots[i].xfer = libusb_alloc_transfer(0);
		if (!slots[i].xfer || !buf) {
			free(buf);
			err = -ENOMEM;
			goto out;
		}
		libusb_fill_bulk_transfer(slots[i].xfer, u->handle, u->ep, buf, (int)size, on_done, &slots[i], timeout_ms);
	}
	for (i = 0; i < depth && s.submitted < count && !err; i++)
		err = submit(&slots[i]);
	if (err)
		s.err = err;
	while (s.in_flight) {
		int e = libusb_handle_events(u->ctx);
		bool cancel;

		if (e && e != LIBUSB_ERROR_INTERRUPTED && !s.err)
			s.err = errno_of_libusb(e);
		/* on an error or SIGINT/SIGTERM, cancel what is in flight; completions still drain */
		cancel = (s.err || stop_requested()) && !s.cancelled;
		if (cancel && s.in_flight) {
			s.cancelled = true;
			for (i = 0; i < depth; i++)
				libusb_cancel_transfer(slots[i].xfer);
		}
	}
	err = s.err == -ECANCELED && stop_requested() ? 0 : s.err;
out:
	for (i = 0; i < depth; i++) {
		if (!slots[i].xfer)
			continue;
		free(slots[i].xfer->buffer);
		libusb_free_transfer(slots[i].xfer);
	}
	free(slots);
	*bytes = s.bytes;
	return err;
}
