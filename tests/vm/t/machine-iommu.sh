#!/bin/bash
# The iommu variant is the machine it claims: an active DMA remapping unit, the edu device in
# an IOMMU group, the kernel parameters in force, and VFIO type1 usable.
# vm-variant: iommu
. "$top_srcdir/tests/lib/tap.sh"

ok '[ -n "$(ls /sys/class/iommu 2>/dev/null)" ]' "an IOMMU is active ($(ls /sys/class/iommu 2>/dev/null | tr '\n' ' '))"
edu=$(grep -l 0x11e8 /sys/bus/pci/devices/*/device | head -n 1 | xargs -r dirname)
ok '[ -n "$edu" ] && [ "$(cat $edu/vendor)" = 0x1234 ]' "the edu device is on the PCI bus (${edu##*/})"
ok '[ -e "$edu/iommu_group" ]' "it is in IOMMU group $(basename "$(readlink "$edu/iommu_group" 2>/dev/null)")"
ok '[ "$(cat /sys/module/vhost_net/parameters/experimental_zcopytx)" = 1 ]' "vhost_net.experimental_zcopytx=1 took effect"
zc -j feature probe vfio vhost_net
ok 'printf "%s" "$out" | jq -e ".features[] | select(.name == \"vfio\") | .type1v2 == true" >/dev/null' "VFIO type1v2 is there"
ok 'printf "%s" "$out" | jq -e ".features[] | select(.name == \"vhost_net\") | .experimental_zcopytx == 1" >/dev/null' \
	"zcioctl feature reports the zero-copy parameter"

done_testing
