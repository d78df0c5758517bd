#!/bin/bash
# The kernel's fault injection against each command that creates kernel objects: the Nth
# slab or page allocation its thread makes is failed (/proc/thread-self/fail-nth, armed by
# ZCIOCTL_FAIL_NTH as the command starts), for N = 1, 2, ... until a run makes fewer. Every
# run must end in success or a clear error, leave nothing behind once the command's own
# cleanup has run, and the kernel log must stay free of reports. The count of injection
# points per command is printed. Allocations of other threads (vduse serve's workers) and of
# the kernel's own workers are not counted: only the command's main thread. Fault injection is
# in the KASAN flavour of the test kernel (make check-kasan); the default flavour skips this.
# vm-test-timeout: 14400
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

fault_injection_on

# ---- vduse: create; serve; attach (served by a server outside the injection)
fail_each "vduse create" vduse_nothing_left "\"$ZCIOCTL\" vduse destroy fi0" \
	"$ZCIOCTL" vduse create fi0 type blk capacity 16M queues 2
"$ZCIOCTL" vduse create fi0 type blk capacity 16M queues 2
# served [NAME]: a server holds the device (fi0 by default)
served() { "$ZCIOCTL" -j vduse show "${1:-fi0}" | jq -e .served >/dev/null; }
fail_each "vduse serve" '! served' true \
	briefly '^ready' vduse serve fi0 memory 16M workers 2
"$ZCIOCTL" -j vduse serve fi0 memory 16M >"$tap_tmp/serve.out" 2>&1 &
srv=$!
wait_for "grep -q ready $tap_tmp/serve.out" 20
# Every allocation from the IOVA magazine cache failed, not just the Nth: the IOVA caches of the
# domain that attach makes give up part way (kernel patch 0009: their error path freed the
# magazines it never got to, NULL, and the task died holding genl_mutex). Before the walk: the
# first attach that succeeds makes the device's domain, which stays until destroy.
fail_cache iommu_iova_magazine "$ZCIOCTL" vduse attach fi0
ok '[ "$rc" = 1 ] && grep -q "^zcioctl: vduse attach: .*Cannot allocate memory" "$tap_tmp/fc.err"' \
	"vduse attach with no IOVA magazine to be had: a clear error (ENOMEM)" || diag "exit $rc: $(head -c 300 "$tap_tmp/fc.err")"
ok '[ -z "$(ls /sys/bus/vdpa/devices)" ]' "and no vDPA device"
fail_each "vduse attach" '[ -z "$(ls /sys/bus/vdpa/devices)" ]' "\"$ZCIOCTL\" vduse detach fi0" \
	"$ZCIOCTL" vduse attach fi0

# ---- vhost blk: our virtio-blk driver on fi0 bound to vhost_vdpa (IOTLB maps, eventfds)
"$ZCIOCTL" vduse detach fi0
"$ZCIOCTL" -j vduse attach fi0 driver vhost_vdpa >"$tap_tmp/vdpa.json"
chardev=$(jq -r .chardev "$tap_tmp/vdpa.json")
ok '[ -c "/dev/$chardev" ]' "fi0 bound to vhost_vdpa for vhost blk: /dev/$chardev"
# no process left holding the char device, which would keep its IOTLB maps
vdpa_free() { ! held_open "/dev/$chardev\$"; }
fail_each "vhost blk" vdpa_free true \
	"$ZCIOCTL" vhost blk "$chardev" workload write bs 4K depth 4 count 16 pattern 3
kill -INT $srv
wait $srv
"$ZCIOCTL" vduse destroy fi0
ok 'vduse_nothing_left' "no VDUSE or vDPA device left"

# ---- vduse serve of a net device on a tap of its own, made and removed by the command
"$ZCIOCTL" vduse create fn0 type net
fail_each "vduse serve (net, tap auto)" '! served fn0 && vhost_nothing_left' true \
	briefly '^ready' vduse serve fn0 tap auto
"$ZCIOCTL" vduse destroy fn0
ok 'vduse_nothing_left' "no net device left"

# ---- vhost: a tap made and removed by the command, frames both ways
fail_each "vhost test" vhost_nothing_left true \
	"$ZCIOCTL" vhost test tap auto direction both size 1500 count 8 verify tc

# ---- ffs: a gadget up until SIGINT; DMABUF transfers through it
fail_each "ffs up" 'gadget_gone fi0' "\"$ZCIOCTL\" ffs down fi0" \
	briefly '"event":"ready"|^ready' ffs up fi0 in 1 out 1
ffs_up fi1 in 1 out 1
ok '[ $? = 0 ]' "gadget fi1 is up for the transfers"
dmabufs=$(dmabuf_count)
# transfer_in ARGS...: the host reads what the gadget sends; the peer is stopped if the gadget failed.
# The peer runs without the fault: failed in its libusb/udev start-up it closed a file of the
# 9p root with the clunk's allocation failed, which 9p's client takes as clunked while QEMU
# keeps the fid, and every later walk that reused the number failed with EINVAL: the guest's
# root unusable from that run on.
transfer_in() {
	ZCIOCTL_FAIL_NTH='' "$ZCIOCTL" ffs peer 1d6b:0104 read size 64K count 4 timeout 5000 >/dev/null 2>&1 &
	local peer=$! rc
	"$ZCIOCTL" ffs transfer "$ffs_mnt/ep1" size 64K count 4 "$@"
	rc=$?
	kill $peer 2>/dev/null
	wait $peer 2>/dev/null
	return $rc
}
fail_each "ffs transfer (udmabuf DMABUFs)" '[ "$(dmabuf_count)" = "$dmabufs" ]' true \
	transfer_in heap udmabuf wait sync-file
fail_each "ffs transfer (system heap DMABUFs)" '[ "$(dmabuf_count)" = "$dmabufs" ]' true \
	transfer_in heap system wait poll
ffs_down fi1
ok 'gadget_gone fi0 && gadget_gone fi1' "no gadget, mount or owner file left"

# ---- trace fence: BPF programs attached until SIGINT
progs() { bpftool prog show 2>/dev/null | grep -c dma_fence; }
fail_each "trace fence" '[ "$(progs)" = 0 ]' true briefly '^tracing dma_fence' trace fence

# ---- mm: device-exclusive access through test_hmm
fail_each "mm exclusive" true true "$ZCIOCTL" mm exclusive size 64K

ok '! grep -q . /sys/kernel/debug/dma_buf/bufinfo 2>/dev/null || [ "$(dmabuf_count)" = "$dmabufs" ]' "no DMABUF left"
ok kmemleak_none "no kernel memory leaked (kmemleak, where the kernel has it)"
done_testing
