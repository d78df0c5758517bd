/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Probes of the USB gadget family for `zcioctl feature` (lib/feature.h). */
#ifndef ZC_USB_PROBE_H
#define ZC_USB_PROBE_H

struct feat;
void ffs_probe(struct feat *f);
void gadget_probe(struct feat *f);

#endif
