#!/bin/bash
# The races and error paths the v3 review of the FunctionFS DMABUF series found, each driven
# step by step against the real f_fs and dummy_hcd: none may oops, WARN (the runner checks the
# kernel log after this test) or leak a DMABUF.
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

steps() {	# steps EPFILE STEP...: run ffs dmabuf, keep its JSON in $out
	zc -j ffs dmabuf "$@"
}
# the step list, also when a step did not match (then it is the error's "result")
step_list() { printf '%s' "$out" | jq 'if type == "object" then .result else . end'; }
all_matched() {
	step_list | jq -e 'all(.[]; .match)' >/dev/null && return 0
	step_list | jq -r '.[] | select(.match | not) | "#   step \(.step) \(.op)\(.args): \(.result) (\(.detail // "")), expected \(.expected)"'
	return 1
}
result_of() { step_list | jq -r --argjson n "$1" '.[] | select(.step == $n) | .result'; }

ffs_up race0 in 1 out 1
ok '[ $? = 0 ]' "gadget race0 is up and enumerated"
ep_in=$ffs_mnt/ep1
ep_out=$ffs_mnt/ep2

steps "$ep_in" alloc 1 transfer 0 expect EPERM
ok 'all_matched' "TRANSFER of a buffer never attached: EPERM"

steps "$ep_in" alloc 1 size 64K attach 0 transfer 0 length 0 expect EINVAL transfer 0 length 65537 expect EINVAL detach 0
ok 'all_matched' "TRANSFER of length 0 and of length > the buffer: EINVAL"
ok '[ "$(result_of 3)" = EINVAL ] && [ "$(result_of 4)" = EINVAL ]' "both name EINVAL"

steps "$ffs_mnt/ep0" alloc 1 attach 0 expect ENOTTY
ok 'all_matched' "ATTACH on ep0: ENOTTY"

steps "$ep_in" alloc 1 detach 0 expect EPERM
ok 'all_matched' "DETACH of a buffer never attached: EPERM"

# No host reads: the OUT transfer stays queued. Detach cancels it (its fence signals
# ECONNRESET); a second detach of the same buffer must not drop a reference twice. The fence
# is asked for its status through the exported sync_file after the completion work has run
# (sleep 200): by then the attachment is freed, and before patch 0007 the fence's lock was in
# it (KASAN: slab-use-after-free in dma_fence_get_status).
steps "$ep_out" alloc 1 attach 0 transfer 0 status 0 expect pending detach 0 detach 0 expect EPERM sleep 200 status 0 expect ECONNRESET
ok 'all_matched' "DETACH twice while a transfer is pending: second EPERM, fence ECONNRESET"
ok '[ "$(dmabuf_count)" = 0 ]' "no DMABUF left after it"

steps "$ep_out" alloc 2 attach 0 attach 1 transfer 0 transfer 1 close
ok 'all_matched' "closing the endpoint with two transfers pending"
ok '[ "$(dmabuf_count)" = 0 ]' "no DMABUF left after the close"

# Detach while the host is reading the transfer.
"$ZCIOCTL" ffs peer 1d6b:0104 read size 16M count 1 timeout 4000 >/dev/null 2>&1 &
peer=$!
steps "$ep_in" alloc 1 size 16M attach 0 transfer 0 sleep 300 detach 0
ok 'all_matched' "DETACH during a transfer the host is reading"
wait $peer
ok '[ "$(dmabuf_count)" = 0 ]' "no DMABUF left after it"

# A gadget-side transfer that the host never serves, then the UDC goes away under it.
"$ZCIOCTL" ffs transfer "$ep_out" size 64K count 8 wait sync-file timeout 20000 >"$tap_tmp/unbind.out" 2>"$tap_tmp/unbind.err" &
xfer=$!
sleep 1
echo > /sys/kernel/config/usb_gadget/race0/UDC
wait $xfer; rc=$?
ok '[ $rc = 1 ]' "ffs transfer fails when the UDC is unbound mid transfer" || diag "$(cat "$tap_tmp/unbind.err")"
ok 'grep -q "Cannot send after transport endpoint shutdown.*UDC was unbound" "$tap_tmp/unbind.err"' \
	"it reports ESHUTDOWN from the fence" || diag "$(cat "$tap_tmp/unbind.err")"
ok '[ "$(dmabuf_count)" = 0 ]' "everything released after the unbind"

# A transfer started while the host has not enabled the function waits for it (timeout bounds it).
echo dummy_udc.0 > /sys/kernel/config/usb_gadget/race0/UDC 2>/dev/null || true
echo > /sys/kernel/config/usb_gadget/race0/UDC
"$ZCIOCTL" -j ffs transfer "$ep_in" size 64K count 4 pattern 3 timeout 30000 >"$tap_tmp/late.json" 2>"$tap_tmp/late.err" &
xfer=$!
sleep 1
ok 'kill -0 $xfer 2>/dev/null' "ffs transfer waits while the function is not enabled"
echo dummy_udc.0 > /sys/kernel/config/usb_gadget/race0/UDC
wait_for "[ -e $USB_IFACE/ep_81 ]" 30
zc ffs peer 1d6b:0104 read size 64K count 4 pattern 3 verify
wait $xfer; rc2=$?
ok '[ $rc = 0 ] && [ $rc2 = 0 ]' "and goes ahead, verified, once the host enabled it" || diag "$(cat "$tap_tmp/late.err")"
expect_schema "$tap_tmp/late.json" -j ffs transfer

# SIGINT stops a long peer cleanly, with its figures
"$ZCIOCTL" -j ffs transfer "$ep_in" size 64K count 100000 nodata timeout 30000 >/dev/null 2>&1 &
xfer=$!
"$ZCIOCTL" -j ffs peer 1d6b:0104 read size 64K count 100000 nodata >"$tap_tmp/peer.json" 2>"$tap_tmp/peer.err" &
peer=$!
sleep 2
kill -INT $peer; wait $peer; prc=$?
ok '[ $prc = 0 ] && [ "$(jq -r .bytes "$tap_tmp/peer.json")" -gt 0 ]' "SIGINT stops ffs peer cleanly with its figures" ||
	diag "$(cat "$tap_tmp/peer.err")"
expect_schema "$tap_tmp/peer.json" -j ffs peer
kill -INT $xfer; wait $xfer; xrc=$?
ok '[ $xrc = 0 ]' "SIGINT stops ffs transfer cleanly"
ok '[ "$(dmabuf_count)" = 0 ]' "no DMABUF left after the stops"

ffs_down race0
ok 'gadget_gone race0' "ffs down removes the gadget after all that"

# ffs up killed outright: ffs down still cleans up what it left.
ffs_up kill0
kill -9 $ffs_pid; wait $ffs_pid 2>/dev/null
ok '[ -d /sys/kernel/config/usb_gadget/kill0 ]' "after SIGKILL the gadget is still there"
zc ffs up kill0
expect_rc 1 "a second ffs up of the same name fails"
expect_err 'gadget kill0: File exists' "and says the name is taken"
zc ffs down kill0
expect_rc 0 "ffs down cleans up after a killed ffs up"
ok 'gadget_gone kill0' "nothing of kill0 is left"
zc ffs down kill0
expect_rc 1 "ffs down of a gadget that is gone fails"
expect_err 'gadget kill0: No such file or directory' "and says so"

# SIGTERM: ffs up removes everything itself
ffs_up term0
kill -TERM $ffs_pid; wait $ffs_pid; rc=$?
ok '[ $rc = 0 ] && gadget_gone term0' "ffs up exits 0 on SIGTERM and removes everything"

# A functionfs mount whose function is gone: the kernel lets a function's configfs directory go
# while its functionfs is mounted, and an ffs up whose teardown could not read the mount table
# (an allocation failed: the fault-inject walk) once went on to remove the function and left the
# mount, which ffs down then could not find. Made here by hand: up refuses the name, down removes
# the mount, and the name works again.
orphan=/sys/kernel/config/usb_gadget/orph0
mkdir -p "$orphan/functions/ffs.orph0" "$tap_tmp/orph0" &&
	mount -t functionfs orph0 "$tap_tmp/orph0" &&
	rmdir "$orphan/functions/ffs.orph0" "$orphan"
ok '[ ! -e "$orphan" ] && grep -q "^orph0 .* functionfs " /proc/mounts' "a functionfs mount of orph0 without its gadget"
zc ffs up orph0
expect_rc 1 "ffs up of a name whose mount is left fails"
expect_err 'gadget orph0: File exists \(pick another name or run .zcioctl ffs down NAME.\)' "and says how to reclaim it"
zc ffs down orph0
expect_rc 0 "ffs down removes a mount whose gadget is gone"
ok 'gadget_gone orph0' "nothing of orph0 is left"
ffs_up orph0 in 1 out 1
ok '[ $? = 0 ]' "and the name can be used again"
ffs_down orph0
ok 'gadget_gone orph0' "nothing of orph0 is left after its ffs down"

# bad input leaves nothing behind
zc ffs up bad0 udc no_such_udc
expect_rc 1 "binding to a UDC that does not exist fails"
ok 'gadget_gone bad0' "and leaves no gadget behind"

done_testing
