#!/bin/bash
# vfio argument errors on any machine: each names the argument, exits 2 (or 1 for a device
# that is not there), and binds nothing.
. "$top_srcdir/tests/lib/tap.sh"

expect_usage 'missing DEV' "show without a device" -- vfio show
expect_usage 'missing DEV' "bind without a device" -- vfio bind
expect_usage 'argument "pasid" of "via" is wrong: expected one of type1, iommufd' "a bad path" -- vfio show 00:00.0 via pasid
expect_usage 'unknown argument "force"' "unbind takes restore, not force" -- vfio unbind 00:00.0 force
expect_usage 'expected a multiple of 4096' "an unaligned IOVA" -- vfio dma 00:00.0 iova 4097
expect_usage 'argument "0" of "size" is out of range' "size 0" -- vfio dma 00:00.0 size 0
expect_usage 'argument "128M" of "size" is out of range' "size past 64M" -- vfio dma 00:00.0 size 128M
expect_usage 'argument "0x10000000" of "iova" is out of range' "an IOVA past edu's 28 bits" -- vfio dma 00:00.0 iova 0x10000000
zc vfio show ../../etc
expect_rc 1 "a path is not a PCI address"
expect_err 'PCI device ../../etc: No such file or directory' "and is refused as such"
zc vfio bind 00:1f.7
expect_rc 1 "a device that is not there"
expect_err 'PCI device 00:1f.7: No such file or directory' "is named in the error"
expect_usage 'missing DEV' "unbind-process without a target" -- vfio unbind-process
expect_usage 'unknown argument "va"' "unbind-process takes pid only" -- vfio unbind-process 3 va 4096
expect_usage 'argument "0" of "pid" is out of range' "pid 0" -- vfio unbind-process 3 pid 0
expect_usage 'expected a multiple of 4096' "an unaligned VA" -- vfio bind-process 00:00.0 va 4097
zc vfio bind-process 98765
expect_rc 1 "a group that is not there"
expect_err 'IOMMU group 98765: No such file or directory' "is named in the error"
zc vfio unbind-process /dev/vfio/98765
expect_rc 1 "a group node that is not there"
expect_err 'IOMMU group 98765: No such file or directory' "is named by number"
zc -j vfio list
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e "has(\"groups\") and has(\"why_none\")" >/dev/null' "list works anywhere, in JSON too"
done_testing
