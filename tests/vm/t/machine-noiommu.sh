#!/bin/bash
# The noiommu variant: no IOMMU, VFIO's no-IOMMU mode on, the edu device present.
# vm-variant: noiommu
. "$top_srcdir/tests/lib/tap.sh"

ok '[ -z "$(ls /sys/class/iommu 2>/dev/null)" ]' "no IOMMU"
ok '[ "$(cat /sys/module/vfio/parameters/enable_unsafe_noiommu_mode)" = Y ]' "vfio.enable_unsafe_noiommu_mode=1 took effect"
ok 'grep -q 0x11e8 /sys/bus/pci/devices/*/device' "the edu device is on the PCI bus"
zc -j feature probe vfio
ok 'printf "%s" "$out" | jq -e ".features[0].noiommu == true and .features[0].noiommu_mode == true" >/dev/null' \
	"zcioctl feature reports no-IOMMU mode on"

done_testing
