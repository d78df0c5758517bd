/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The test_hmm mirror device (/dev/hmm_dmirrorN). Not a stable ABI: these numbers are those of
 * lib/test_hmm_uapi.h in the test kernel (6.12), and `zcioctl feature` checks the device exists.
 */
#ifndef ZC_UAPI_TEST_HMM_H
#define ZC_UAPI_TEST_HMM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* addr/ptr/npages in; cpages (pages done) and faults (device faults seen) out */
struct hmm_dmirror_cmd {
	__u64 addr;
	__u64 ptr;
	__u64 npages;
	__u64 cpages;
	__u64 faults;
};

#define HMM_DMIRROR_READ		_IOWR('H', 0x00, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_WRITE		_IOWR('H', 0x01, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_MIGRATE_TO_DEV	_IOWR('H', 0x02, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_MIGRATE_TO_SYS	_IOWR('H', 0x03, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_SNAPSHOT		_IOWR('H', 0x04, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_EXCLUSIVE		_IOWR('H', 0x05, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_CHECK_EXCLUSIVE	_IOWR('H', 0x06, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_RELEASE		_IOWR('H', 0x07, struct hmm_dmirror_cmd)

/* SNAPSHOT: one byte per page in ptr; the low nibble and the high one are separate fields */
#define HMM_DMIRROR_PROT_ERROR			0xFF
#define HMM_DMIRROR_PROT_NONE			0x00
#define HMM_DMIRROR_PROT_READ			0x01
#define HMM_DMIRROR_PROT_WRITE			0x02
#define HMM_DMIRROR_PROT_PMD			0x04
#define HMM_DMIRROR_PROT_PUD			0x08
#define HMM_DMIRROR_PROT_ZERO			0x10
#define HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL	0x20
#define HMM_DMIRROR_PROT_DEV_PRIVATE_REMOTE	0x30
#define HMM_DMIRROR_PROT_DEV_COHERENT_LOCAL	0x40
#define HMM_DMIRROR_PROT_DEV_COHERENT_REMOTE	0x50

#endif
