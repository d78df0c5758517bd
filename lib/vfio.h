/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VFIO groups and containers, and iommufd. */
#ifndef ZC_VFIO_H
#define ZC_VFIO_H

#define VFIO_DEV_DIR "/dev/vfio"
#define VFIO_CONTAINER_DEV VFIO_DEV_DIR "/vfio"
#define VFIO_NOIOMMU_PARAM "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
#define IOMMUFD_DEV "/dev/iommu"

/* For `zcioctl feature` (lib/feature.h). */
struct feat;
void vfio_probe(struct feat *f);
void iommufd_probe(struct feat *f);
void vfio_bind_process_probe(struct feat *f);

#endif
