// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_ffs_ep0: FunctionFS ep0 event records (struct usb_functionfs_event) as ffs_read_event()
 * gets them from read(): ffs_parse_event() on buffers of any length, short reads included, and
 * the event names. Input: reads, each a length byte (0 to 31) and that many bytes.
 */
#include "config.h"

#include <errno.h>
#include <linux/usb/functionfs.h>

#include "fuzz.h"
#include "usb/ffs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	if (size > 4096)
		return -1;
	while (in.n) {
		size_t want = fuzz_u8(&in) % 32, len;
		uint8_t *buf = malloc(want ? want : 1);	/* exactly the read: ASan sees a read past it */
		struct ffs_event ev;
		const char *name;
		int r;

		if (!buf)
			abort();
		len = fuzz_bytes(&in, buf, want);
		r = ffs_parse_event(buf, len, &ev);
		if (len < sizeof(struct usb_functionfs_event)) {
			FUZZ_CHECK(r == -EIO);
		} else {
			FUZZ_CHECK(r == (int)sizeof(struct usb_functionfs_event));
			FUZZ_CHECK(ev.type == buf[offsetof(struct usb_functionfs_event, type)]);
			name = ffs_event_name(ev.type);
			FUZZ_CHECK(name && *name);
			if (ev.type != FUNCTIONFS_SETUP)
				FUZZ_CHECK(!ev.request_type && !ev.request && !ev.value && !ev.index && !ev.length);
		}
		free(buf);
	}
	return 0;
}
