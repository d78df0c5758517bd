/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI devices and their IOMMU groups as VFIO sees them, from sysfs: members, drivers, whether a
 * group is viable (no member bound to a kernel driver that does DMA of its own), the nodes VFIO
 * made; and binding a device to vfio-pci and back, with the driver it had recorded under
 * STATE_DIR/vfio so that `unbind ... restore` can give it back.
 */
#ifndef ZC_VFIO_PCI_H
#define ZC_VFIO_PCI_H

#include <stdbool.h>
#include <stddef.h>

#define PCI_DEVICES "/sys/bus/pci/devices"
#define IOMMU_GROUPS "/sys/kernel/iommu_groups"
#define VFIO_PCI_DRIVER "vfio-pci"

struct vfio_member {
	char dev[16];		/* 0000:00:04.0 */
	char driver[64];	/* "" when none */
	char override[64];	/* driver_override, "" when none */
	bool dma_safe;		/* its driver (or none) leaves the group to VFIO */
	char cdev[16];		/* vfioN under /dev/vfio/devices, "" when none */
	unsigned vendor, device;
};

struct vfio_group {
	unsigned id;
	char type[32];		/* DMA, DMA-FQ, identity, blocked... "" when unknown */
	bool noiommu;		/* made by vfio for the unsafe no-IOMMU mode */
	char node[32];		/* /dev/vfio/N or /dev/vfio/noiommu-N, "" when none */
	bool viable;
	int blocker;		/* the member that makes it not viable, -1 */
	struct vfio_member *m;
	unsigned n;
};

/* A device address as given (0000:00:04.0 or 00:04.0) into its sysfs name; -ENOENT if no such device. */
int vfio_pci_name(const char *in, char *dev, size_t len);
/* One member's state. */
int vfio_member_read(const char *dev, struct vfio_member *m);
/* The group of a device; -ENOENT when it has none (no IOMMU, and not in no-IOMMU mode). */
int vfio_device_group(const char *dev, unsigned *group);
/* Every IOMMU group, by number; free with vfio_groups_free. Returns the count or -errno. */
int vfio_groups(struct vfio_group **groups);
int vfio_group_read(unsigned id, struct vfio_group *g);
void vfio_group_free(struct vfio_group *g);
/* The first process other than us holding group id's VFIO node open: its pid, 0 if none. */
int vfio_group_holder(unsigned id);
void vfio_groups_free(struct vfio_group *groups, int n);

/* Why a machine has no IOMMU group: a sentence, or NULL when it has groups or can make them. */
const char *vfio_no_groups_reason(void);
/* The no-IOMMU mode's switch: 1, 0, or -errno without vfio. */
int vfio_noiommu_enabled(void);
/* The taint VFIO's no-IOMMU mode leaves (TAINT_USER): whether the kernel carries it. */
bool kernel_tainted_user(void);

/*
 * Bind dev to vfio-pci: driver_override, unbind from its driver, probe. The old driver goes
 * into *old ("" for none) and into the state record. -ENODEV without a group (no IOMMU and no
 * no-IOMMU mode), -EBUSY when it is bound to vfio-pci already, -EIO when vfio-pci did not take
 * it (the override is cleared and the old driver probed again).
 */
int vfio_pci_bind(const char *dev, char *old, size_t len);
/*
 * Unbind dev from vfio-pci and clear its override; with restore, probe it again so that its
 * recorded driver (or whichever driver matches) takes it, into *now. -EBUSY when a process holds
 * its VFIO group or device open (the kernel would wait for it), with *holder its pid.
 */
int vfio_pci_unbind(const char *dev, bool restore, char *now, size_t len, int *holder);
/* The driver recorded when dev was bound, "" when none was recorded. */
void vfio_pci_recorded(const char *dev, char *driver, size_t len);

#endif
