#!/bin/bash
# In the test kernel every interface zcioctl drives is present and usable.
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"

zc -j feature
expect_rc 0 "feature exits 0 in the guest"
for name in $("$ZCIOCTL" feature list | awk '{ print $1 }'); do
	state=$(printf '%s' "$out" | jq -r --arg n "$name" '.features[] | select(.name == $n) | .state')
	reason=$(printf '%s' "$out" | jq -r --arg n "$name" '.features[] | select(.name == $n) | .reason // ""')
	case $name in
	vfio_bind_process)
		ok '[ "$state" = present ] && [[ $reason == *patch* ]]' "$name is present through the test kernel's patch" ;;
	*)
		ok '[ "$state" = present ]' "$name is present ($state${reason:+: $reason})" ;;
	esac
done

q() { printf '%s' "$out" | jq -r "$1"; }
ok '[ "$(q '\''.features[] | select(.name == "vduse") | .api_version'\'')" = 0 ]' "VDUSE API version 0"
ok 'q '\''.features[] | select(.name == "usb_gadget") | .udcs[]'\'' | grep -q dummy_udc' "dummy_udc is a UDC"
ok 'q '\''.features[] | select(.name == "vdpa") | .mgmtdevs[]'\'' | grep -qx vduse' "vduse is a vDPA management device"
ok '[ "$(q '\''.features[] | select(.name == "vhost_vdpa") | .bus_drivers | sort | join(",")'\'')" = vhost_vdpa,virtio_vdpa ]' \
	"vhost_vdpa and virtio_vdpa are the vDPA bus drivers"
ok '[ "$(q '\''.features[] | select(.name == "btf") | .dma_fence_tracepoints | length'\'')" = 7 ]' "all seven dma_fence tracepoints in BTF"
ok '[ "$(q '\''.features[] | select(.name == "test_hmm") | .devices'\'')" -ge 2 ]' "test_hmm mirror devices"
ok 'q '\''.features[] | select(.name == "dma_heap") | .heaps[]'\'' | grep -qx system' "the system heap"
ok '[ "$(q '\''.features[] | select(.name == "sync_file") | .sw_sync'\'')" = true ]' "sw_sync in debugfs"
ok '[ "$(q '\''.features[] | select(.name == "vfio") | .type1v2'\'')" = true ]' "VFIO type1v2"
ok '[ "$(q '\''.features[] | select(.name == "bpf") | .tp_btf'\'')" = true ]' "tp_btf programs load"

done_testing
