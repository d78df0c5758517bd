#!/bin/bash
# VFIO through QEMU's intel-iommu: the groups as list shows them, edu bound to vfio-pci and
# back with its override cleared, its regions and interrupts, DMA round trips through a type1
# container and through iommufd verified byte for byte, map and unmap timed, a write to an
# unmapped IOVA caught by the IOMMU and reported, and every bad input refused with nothing
# left bound or mapped.
# vm-variant: iommu
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

edu=$(grep -l 0x11e8 /sys/bus/pci/devices/*/device | head -n 1 | xargs -r dirname | xargs -r basename)
ok '[ -n "$edu" ]' "the edu device is at $edu"
group=$(basename "$(readlink /sys/bus/pci/devices/$edu/iommu_group)")

# ---- list and show before
zc -j vfio list
ok '[ "$rc" = 0 ] && jqo ".groups | length >= 2" && jqo ".why_none == null and .iommufd == true and .noiommu_mode == false"' \
	"list: the IOMMU groups, iommufd present, no-IOMMU mode off"
ok 'jqo ".groups[] | select(.group == '$group') | .viable and .node == null and .members[0].dev == \"'$edu'\" and .members[0].driver == null"' \
	"edu's group $group: viable, no VFIO node yet, edu without a driver"
ok 'jqo "[.groups[] | select(.viable == false)] | all(.blocked_by != null)"' \
	"each group that is not viable names the member that blocks it"
zc -j vfio show "${edu#0000:}"
ok '[ "$rc" = 0 ] && jqo ".dev == \"'$edu'\" and .ids == \"1234:11e8\" and .group == '$group' and (.reserved_regions | map(.type) | index(\"msi\") != null)"' \
	"show by short address: ids, group, the MSI reserved region"

# ---- bind
zc -j vfio bind "$edu"
ok '[ "$rc" = 0 ] && jqo ".dev == \"'$edu'\" and .old_driver == null"' "bind: vfio-pci takes edu (it had no driver)"
ok '[ "$(basename "$(readlink /sys/bus/pci/devices/'$edu'/driver)")" = vfio-pci ] && [ -c /dev/vfio/'$group' ]' \
	"bound to vfio-pci; /dev/vfio/$group exists"
zc vfio bind "$edu"
expect_rc 1 "a second bind fails"
expect_err 'is bound to vfio-pci already: Device or resource busy' "with EBUSY"
zc -j vfio show "$edu"
ok '[ "$rc" = 0 ] && jqo ".via == \"type1\" and (.regions[] | select(.name == \"BAR0\") | .size == 1048576) and (.irqs[] | select(.name == \"MSI\") | .count == 1)"' \
	"show: opened via type1, BAR0 of 1 MiB, one MSI vector"
ok 'jqo ".iova_ranges | length >= 1 and (.[0].start == 0)"' "show: the IOVA ranges the IOMMU accepts"
zc -j vfio show "$edu" via iommufd
ok '[ "$rc" = 0 ] && jqo ".via == \"iommufd\" and .num_regions == 9 and (.iova_ranges | length >= 1)"' \
	"show via iommufd: the cdev bound to /dev/iommu, the same regions and ranges"

# ---- DMA through the IOMMU, both ways, verified
for via in type1 iommufd; do
	for size in 1 4095 65536; do
		zc -j vfio dma "$edu" size $size verify via $via
		ok '[ "$rc" = 0 ] && jqo ".mismatch == false and .bytes == 2 * '$size' and .interrupts == .dmas"' \
			"dma via $via: $size bytes to the device and back, verified, one interrupt per transfer"
	done
	diag "64K via $via: $(printf "%s" "$out" | jq -c '{dmas, seconds, map_us, unmap_us}')"
	zc -j vfio dma "$edu" size 4K map-size 32M via $via
	ok '[ "$rc" = 0 ] && jqo ".mapped == 33554432 and .map_us > 0 and .unmap_us > 0"' "dma via $via with 32M mapped: timed"
	diag "map/unmap per MiB via $via: $(printf "%s" "$out" | jq -c '{map_us_per_mib, unmap_us_per_mib}')"
done

# ---- a write to an unmapped IOVA: the IOMMU blocks it, the kernel logs it, the tool reports it
zc -j vfio dma "$edu" size 4K verify fault
ok '[ "$rc" = 0 ] && jqo ".fault_blocked == true and (.fault_log | test(\"fault addr\"))"' \
	"fault: the device's write to an unmapped IOVA is blocked and reported ($(printf "%s" "$out" | jq -r .fault_log | cut -c1-60))"
ok 'dmesg | grep -q "DMAR.*Request device \[${edu#0000:}\] fault addr"' "the guest log shows the DMAR fault"

# ---- bad inputs: clear errors, QEMU keeps running, nothing left mapped
zc vfio dma "$edu" size 64K iova 0xfff0000
expect_rc 1 "a buffer that crosses edu's 256 MiB DMA limit is refused"
expect_err 'do not fit below edu.s 28-bit DMA limit' "and says why"
expect_usage 'expected a multiple of 4096' "an unaligned IOVA" -- vfio dma "$edu" iova 0x1001
expect_usage 'argument "0" of "size" is out of range' "size 0 (edu would abort QEMU)" -- vfio dma "$edu" size 0
zc vfio dma "$edu" size 1 verify
ok '[ "$rc" = 0 ]' "QEMU is alive: a DMA after the refusals works"
exec 9<>/dev/vfio/$group
zc vfio dma "$edu" size 1
expect_rc 1 "dma while another process holds the group fails"
expect_err 'opening the group node: Device or resource busy' "with EBUSY"
zc vfio unbind "$edu"
expect_rc 1 "unbind while the group is held fails"
expect_err "is open in process $$" "naming the process"
exec 9>&-
zc vfio show nosuch
expect_rc 1 "show of a device that is not there"
expect_err 'PCI device nosuch: No such file or directory' "says so"
virtio=$(ls /sys/bus/pci/drivers/virtio-pci 2>/dev/null | grep -m1 '^0000:')
if [ -n "$virtio" ]; then
	zc vfio dma "$virtio"
	expect_rc 1 "dma on a device not bound to vfio-pci"
	expect_err 'it is not bound to vfio-pci' "says to bind it"
else
	skip "no virtio-pci device" 2
fi

# ---- unbind: the override goes with it
zc -j vfio unbind "$edu" restore
ok '[ "$rc" = 0 ] && jqo ".driver == null"' "unbind restore: edu back without a driver (it had none)"
ok '[ "$(cat /sys/bus/pci/devices/'$edu'/driver_override)" = "(null)" ] && [ ! -e /dev/vfio/'$group' ] && [ ! -e /run/zcioctl/vfio/'$edu'.driver ]' \
	"driver_override cleared, the group node and the record gone"
zc vfio unbind "$edu"
expect_rc 1 "unbind of an unbound device fails"
expect_err 'is not bound to vfio-pci' "and says so"
zc vfio dma "$edu"
expect_rc 1 "dma on it fails"
expect_err 'it is not bound to vfio-pci' "and says to bind it"
zc -j vfio bind "$edu"
ok '[ "$rc" = 0 ]' "bind again after unbind (no override left to trip on)"
zc vfio unbind "$edu"
ok '[ "$rc" = 0 ] && [ -z "$(ls /sys/bus/pci/drivers/vfio-pci | grep 0000:)" ]' "nothing left bound to vfio-pci"
done_testing
