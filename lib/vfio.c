// SPDX-License-Identifier: GPL-2.0-or-later
#include "vfio.h"

#include <fcntl.h>
#include <stdio.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "feature.h"
#include "fsutil.h"
#include "kconfig.h"

/* /dev/vfio/N (and noiommu-N) nodes, not the container or the cdev directory */
static int count_group_nodes(void)
{
	char **names;
	int n = list_dir(VFIO_DEV_DIR, &names), i, groups = 0;

	for (i = 0; i < n; i++)
		groups += strcmp(names[i], "vfio") != 0 && strcmp(names[i], "devices") != 0;
	if (n >= 0)
		free_names(names, n);
	return groups;
}

void vfio_probe(struct feat *f)
{
	int fd = feat_open_dev(f, VFIO_CONTAINER_DEV, O_RDWR, "VFIO", "vfio", 3, 6);

	feat_attr_bool_file(f, "noiommu_mode", VFIO_NOIOMMU_PARAM);
	if (fd < 0)
		return;
	feat_attr_num(f, "api_version", FA_NUM, (uint64_t)ioctl(fd, VFIO_GET_API_VERSION, 0));
	feat_attr_num(f, "type1", FA_BOOL, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0);
	feat_attr_num(f, "type1v2", FA_BOOL, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0);
	feat_attr_num(f, "noiommu", FA_BOOL, ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU) > 0);
	close(fd);
	feat_attr_num(f, "groups", FA_NUM, count_group_nodes());
}

void iommufd_probe(struct feat *f)
{
	int fd = feat_open_dev(f, IOMMUFD_DEV, O_RDWR, "IOMMUFD", "iommufd", 6, 2);

	if (fd >= 0)
		close(fd);
	/* PASID attach through VFIO_DEVICE_ATTACH_IOMMUFD_PT is the mainline form of process binding */
	feat_attr_num(f, "pasid_attach", FA_BOOL, kernel_at_least(6, 15));
}

/*
 * Whether the kernel carries zcioctl's patch 0003 (VFIO_IOMMU_BIND by mirroring): asking
 * VFIO_IOMMU_BIND needs a container with an IOMMU set, so a group bound to vfio-pci; the
 * patch's notifier callback in kallsyms says it without one.
 */
static bool kernel_has_symbol(const char *name)
{
	return file_has_field("/proc/kallsyms", 3, name);
}

void vfio_bind_process_probe(struct feat *f)
{
	if (kernel_has_symbol("vfio_mirror_invalidate")) {
		feat_set(f, FEAT_PRESENT, "the test kernel's patch: a mirror at IOVA == VA, not PASID-tagged DMA");
		return;
	}
	/* The 2018 SVA series never merged; no mainline kernel answers VFIO_IOMMU_BIND. */
	feat_set(f, FEAT_ABSENT, "VFIO_IOMMU_BIND is not in mainline: the SVA series was not merged, "
		  "iommufd PASID attach replaces it");
}
