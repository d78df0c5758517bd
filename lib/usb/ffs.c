// SPDX-License-Identifier: GPL-2.0-or-later
#include "usb/ffs.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "zc/functionfs_dmabuf.h"

/* max packet sizes of bulk endpoints per speed */
#define FS_BULK 64
#define HS_BULK 512
#define SS_BULK 1024

struct ep_with_comp {
	struct usb_endpoint_descriptor_no_audio ep;
	struct usb_ss_ep_comp_descriptor comp;
} __attribute__((packed));

static void put_interface(struct usb_interface_descriptor *d, unsigned n_eps)
{
	memset(d, 0, sizeof(*d));
	d->bLength = sizeof(*d);
	d->bDescriptorType = USB_DT_INTERFACE;
	d->bNumEndpoints = n_eps;
	d->bInterfaceClass = USB_CLASS_VENDOR_SPEC;
	d->iInterface = 1;
}

static void put_endpoint(struct usb_endpoint_descriptor_no_audio *d, unsigned index, bool in, unsigned mps)
{
	memset(d, 0, sizeof(*d));
	d->bLength = sizeof(*d);
	d->bDescriptorType = USB_DT_ENDPOINT;
	d->bEndpointAddress = (in ? USB_DIR_IN : USB_DIR_OUT) | index;
	d->bmAttributes = USB_ENDPOINT_XFER_BULK;
	d->wMaxPacketSize = htole16(mps);
}

/* Append the descriptors of one speed to p; returns the bytes written. */
static size_t put_speed(uint8_t *p, unsigned n_in, unsigned n_out, unsigned mps, bool super)
{
	size_t off = sizeof(struct usb_interface_descriptor);
	unsigned i;

	put_interface((struct usb_interface_descriptor *)p, n_in + n_out);
	for (i = 0; i < n_in + n_out; i++) {
		struct ep_with_comp *e = (struct ep_with_comp *)(p + off);

		put_endpoint(&e->ep, i + 1, i < n_in, mps);
		off += sizeof(e->ep);
		if (super) {
			memset(&e->comp, 0, sizeof(e->comp));
			e->comp.bLength = sizeof(e->comp);
			e->comp.bDescriptorType = USB_DT_SS_ENDPOINT_COMP;
			off += sizeof(e->comp);
		}
	}
	return off;
}

static int write_all(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int ffs_write_descriptors(int ep0, unsigned n_in, unsigned n_out, const char *interface_name)
{
	uint8_t buf[4096];
	struct usb_functionfs_descs_head_v2 *head = (void *)buf;
	size_t off = sizeof(*head) + 3 * sizeof(uint32_t), name_len, len;
	uint32_t counts[3];
	unsigned n = n_in + n_out;
	int err;

	if (n == 0 || n > FFS_MAX_EPS)
		return -EINVAL;
	/* counts: descriptors per speed (interface + endpoints, + companions at super speed) */
	counts[0] = htole32(1 + n);
	counts[1] = htole32(1 + n);
	counts[2] = htole32(1 + 2 * n);
	off += put_speed(buf + off, n_in, n_out, FS_BULK, false);
	off += put_speed(buf + off, n_in, n_out, HS_BULK, false);
	off += put_speed(buf + off, n_in, n_out, SS_BULK, true);
	head->magic = htole32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
	head->flags = htole32(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC | FUNCTIONFS_HAS_SS_DESC);
	head->length = htole32(off);
	memcpy(buf + sizeof(*head), counts, sizeof(counts));
	err = write_all(ep0, buf, off);
	if (err)
		return err;

	/* strings: one language (en-US), one string: the interface name */
	name_len = strlen(interface_name) + 1;
	len = sizeof(struct usb_functionfs_strings_head) + 2 + name_len;
	if (len > sizeof(buf))
		return -ENAMETOOLONG;
	{
		struct usb_functionfs_strings_head *s = (void *)buf;

		s->magic = htole32(FUNCTIONFS_STRINGS_MAGIC);
		s->length = htole32(len);
		s->str_count = htole32(1);
		s->lang_count = htole32(1);
		buf[sizeof(*s)] = 0x09;
		buf[sizeof(*s) + 1] = 0x04;
		memcpy(buf + sizeof(*s) + 2, interface_name, name_len);
	}
	return write_all(ep0, buf, len);
}

int ffs_parse_event(const void *buf, size_t len, struct ffs_event *ev)
{
	struct usb_functionfs_event e;

	if (len < sizeof(e))
		return -EIO;
	memcpy(&e, buf, sizeof(e));	/* buf need not be aligned */
	memset(ev, 0, sizeof(*ev));
	ev->type = e.type;
	if (e.type == FUNCTIONFS_SETUP) {
		ev->request_type = e.u.setup.bRequestType;
		ev->request = e.u.setup.bRequest;
		ev->value = le16toh(e.u.setup.wValue);
		ev->index = le16toh(e.u.setup.wIndex);
		ev->length = le16toh(e.u.setup.wLength);
	}
	return sizeof(e);
}

int ffs_read_event(int ep0, struct ffs_event *ev)
{
	struct usb_functionfs_event e;
	ssize_t n = read(ep0, &e, sizeof(e));

	if (n < 0)
		return -errno;
	return ffs_parse_event(&e, n, ev) < 0 ? -EIO : 0;
}

const char *ffs_event_name(unsigned type)
{
	static const char *const names[] = {
		[FUNCTIONFS_BIND] = "bind",
		[FUNCTIONFS_UNBIND] = "unbind",
		[FUNCTIONFS_ENABLE] = "enable",
		[FUNCTIONFS_DISABLE] = "disable",
		[FUNCTIONFS_SETUP] = "setup",
		[FUNCTIONFS_SUSPEND] = "suspend",
		[FUNCTIONFS_RESUME] = "resume",
	};

	return type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type] : "unknown";
}

int ffs_stall(int ep0, const struct ffs_event *setup)
{
	char byte;
	ssize_t n;

	/* a host waiting for data gets a read, a host sending data gets a write: both stall */
	if (setup->request_type & USB_DIR_IN)
		n = read(ep0, &byte, 0);
	else
		n = write(ep0, &byte, 0);
	return n < 0 && errno != EL2HLT ? -errno : 0;
}

int ffs_ep_info(int ep, bool *in, unsigned *max_packet, uint8_t *address)
{
	struct usb_endpoint_descriptor d;

	if (ioctl(ep, FUNCTIONFS_ENDPOINT_DESC, &d))
		return -errno;
	*in = d.bEndpointAddress & USB_DIR_IN;
	*max_packet = le16toh(d.wMaxPacketSize);
	*address = d.bEndpointAddress;
	return 0;
}

int ffs_ep_wait_enabled(int ep, int timeout_ms)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int flags = fcntl(ep, F_GETFL), waited = 0, err;
	unsigned mps;
	uint8_t addr;
	bool in;

	/* until the host enables the function, f_fs blocks the ioctl, or says EAGAIN when O_NONBLOCK */
	if (flags < 0 || (!(flags & O_NONBLOCK) && fcntl(ep, F_SETFL, flags | O_NONBLOCK)))
		return -errno;
	while ((err = ffs_ep_info(ep, &in, &mps, &addr)) == -EAGAIN && (timeout_ms < 0 || waited < timeout_ms)) {
		if (nanosleep(&tick, NULL) && errno == EINTR) {
			err = -EINTR;
			break;
		}
		waited += 10;
	}
	if (!(flags & O_NONBLOCK))
		fcntl(ep, F_SETFL, flags);
	return err == -EAGAIN ? -ETIMEDOUT : err;
}

int ffs_dmabuf_attach(int ep, int dmabuf_fd)
{
	return ioctl(ep, FUNCTIONFS_DMABUF_ATTACH, &dmabuf_fd) ? -errno : 0;
}

int ffs_dmabuf_detach(int ep, int dmabuf_fd)
{
	return ioctl(ep, FUNCTIONFS_DMABUF_DETACH, &dmabuf_fd) ? -errno : 0;
}

int ffs_dmabuf_transfer(int ep, int dmabuf_fd, uint64_t length)
{
	struct usb_ffs_dmabuf_transfer_req req = {
		.fd = dmabuf_fd,
		.flags = 0,
		.length = length,
	};

	return ioctl(ep, FUNCTIONFS_DMABUF_TRANSFER, &req) ? -errno : 0;
}
