// SPDX-License-Identifier: GPL-2.0-or-later
/* What the kernel provides of the USB gadget side: FunctionFS, configfs gadgets, UDCs. */
#include "usb/probe.h"

#include <stdio.h>

#include "feature.h"
#include "fsutil.h"
#include "kconfig.h"
#include "usb/gadget.h"

void ffs_probe(struct feat *f)
{
	enum kconfig_state k = kconfig_get("USB_CONFIGFS_F_FS");

	/* f_fs registers its file system with the first function instance, so the kernel config
	 * is the better witness; a module is loaded on demand by configfs */
	if (filesystem_known("functionfs") || k == KCONFIG_BUILTIN || k == KCONFIG_MODULE)
		feat_set(f, FEAT_PRESENT, "%s", "");
	else if (k == KCONFIG_UNKNOWN)
		feat_set(f, FEAT_UNKNOWN, "no functionfs yet and no kernel config to read");
	else
		feat_set_absent(f, "functionfs", "USB_CONFIGFS_F_FS", "usb_f_fs", 3, 3);
	/* DMABUF import has no probe short of a bound gadget: FUNCTIONFS_DMABUF_ATTACH came in 6.9 */
	feat_attr_num(f, "dmabuf", FA_BOOL, kernel_at_least(6, 9));
}

void gadget_probe(struct feat *f)
{
	const char *dir = GADGET_ROOT;

	if (path_exists(dir))
		feat_set(f, FEAT_PRESENT, "%s", "");
	else if (!filesystem_known("configfs"))
		feat_set_absent(f, dir, "CONFIGFS_FS", "configfs", 2, 6);
	else if (!path_exists("/sys/kernel/config/"))
		feat_set(f, FEAT_ABSENT, "configfs is not mounted (mount -t configfs none /sys/kernel/config)");
	else
		feat_set_absent(f, dir, "USB_CONFIGFS", "libcomposite", 3, 11);
	feat_attr_dir_list(f, "udcs", UDC_CLASS);
	if (f->state == FEAT_PRESENT && (!f->nattrs || f->attrs[f->nattrs - 1].nitems == 0))
		snprintf(f->why, sizeof(f->why), "no USB device controller (dummy_hcd or a board's UDC)");
}
