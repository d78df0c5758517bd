/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device-exclusive memory access through the test_hmm mirror devices. */
#ifndef ZC_HMM_H
#define ZC_HMM_H

#define HMM_DMIRROR_NAME "hmm_dmirror"
#define HMM_DMIRROR_DEV "/dev/" HMM_DMIRROR_NAME	/* followed by the device number */

/* For `zcioctl feature` (lib/feature.h). */
struct feat;
void hmm_probe(struct feat *f);

#endif
