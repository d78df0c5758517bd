// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_vdpa_nl: parsing the vDPA generic netlink replies (VDPA_CMD_MGMTDEV_GET dumps and
 * VDPA_CMD_DEV_GET) with the parsers genl_transact() calls, vdpa_mgmtdev_reply() and
 * vdpa_dev_reply(). The input is a sequence of messages, each a 16-bit length and the bytes
 * after the netlink header (the generic netlink header, then attributes, as the kernel would
 * send them or not). Each becomes a struct nl_msg of exactly its size, as libnl makes them
 * from what it receives, with a sane nlmsghdr length.
 */
#include "config.h"

#include <linux/genetlink.h>
#include <netlink/msg.h>

#include "fuzz.h"
#include "vduse/vdpa_nl.h"

#define MAX_MESSAGES 16

/* A string field is NUL-terminated within its array. */
#define CHECK_STR(field) FUZZ_CHECK(memchr(field, '\0', sizeof(field)) != NULL)

static struct nl_msg *message(struct fuzz_in *in)
{
	size_t len = fuzz_u16(in) % 2048, total;
	struct nlmsghdr *h;
	struct nl_msg *msg;

	total = NLMSG_HDRLEN + len;
	h = calloc(1, total);
	if (!h)
		abort();
	h->nlmsg_len = NLMSG_HDRLEN + fuzz_bytes(in, (char *)h + NLMSG_HDRLEN, len);
	h->nlmsg_type = GENL_ID_CTRL + 1;
	h->nlmsg_flags = NLM_F_MULTI;
	msg = nlmsg_convert(h);
	free(h);
	if (!msg)
		abort();
	return msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct vdpa_mgmtdev_dump dump = { 0 };
	unsigned i, n = 0;

	if (size > 16384)
		return -1;
	while (in.n && n++ < MAX_MESSAGES) {
		struct nl_msg *msg = message(&in);
		struct vdpa_dev dev = { 0 };
		int r;

		r = vdpa_mgmtdev_reply(msg, &dump);
		FUZZ_CHECK(r == NL_OK || r == NL_SKIP || r == NL_STOP);
		r = vdpa_dev_reply(msg, &dev);
		FUZZ_CHECK(r == NL_OK || r == NL_SKIP);
		CHECK_STR(dev.name);
		CHECK_STR(dev.mgmtdev);
		nlmsg_free(msg);
	}
	FUZZ_CHECK(dump.n >= 0 && dump.n <= MAX_MESSAGES && dump.err == 0);
	for (i = 0; i < (unsigned)dump.n; i++) {
		CHECK_STR(dump.v[i].bus);
		CHECK_STR(dump.v[i].name);
	}
	free(dump.v);
	return 0;
}
