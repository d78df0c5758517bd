#!/bin/bash
# VFIO without an IOMMU: list says why there are no groups, bind makes a no-IOMMU group and
# the kernel's taint is reported, show opens it, dma refuses (no translation), unbind cleans up.
# vm-variant: noiommu
# vm-allow-taint: 64 (TAINT_USER: binding a device in the unsafe no-IOMMU mode taints the kernel, by design)
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

edu=$(grep -l 0x11e8 /sys/bus/pci/devices/*/device | head -n 1 | xargs -r dirname | xargs -r basename)
zc -j vfio list
ok '[ "$rc" = 0 ] && jqo ".groups == [] and .noiommu_mode == true and .why_none == null"' \
	"list: no groups yet, the no-IOMMU mode on (binding will make one)"
zc -j vfio bind "$edu"
ok '[ "$rc" = 0 ]' "bind edu to vfio-pci in no-IOMMU mode"
zc -j vfio list
ok 'jqo ".groups[0].noiommu == true and (.groups[0].node | test(\"^/dev/vfio/noiommu-\")) and .groups[0].members[0].dev == \"'$edu'\""' \
	"list: a no-IOMMU group with its /dev/vfio/noiommu-N node"
zc -j vfio show "$edu"
ok '[ "$rc" = 0 ] && jqo ".via == \"type1\" and .num_regions == 9"' "show opens it (VFIO_NOIOMMU_IOMMU)"
zc -j vfio list
ok 'jqo ".tainted == true"' "the kernel is tainted by the unsafe mode, and list says so"
zc vfio dma "$edu" size 1
expect_rc 3 "dma in no-IOMMU mode: exit 3"
expect_err 'no-IOMMU one: the device would need physical addresses' "says why"
zc vfio unbind "$edu" restore
expect_rc 0 "unbind restore"
ok '[ -z "$(ls /dev/vfio | grep noiommu)" ]' "the no-IOMMU group node is gone"
done_testing
