#!/bin/bash
# The SVA series' process binding on our kernel's patch (0003): edu reaches another process's
# memory by its virtual address with no MAP_DMA; once that process unmaps the buffer or exits
# the device no longer reaches it (the IOMMU faults, the kernel says so); a second bind gives
# the same PASID; a process we may not ptrace is refused; unbinding what was never bound is
# an error; MAP_DMA over a bound process's addresses is refused. `keep` holds a bond past the
# command; unbind-process and a second bind act on the holder's container (pidfd_getfd). QEMU's intel-iommu cannot tag
# DMA with a PASID: what is shown is the mirror at IOVA == VA, not PASID-tagged DMA.
# vm-variant: iommu
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

vabuf=$top_builddir/tests/helpers/vabuf
edu=$(grep -l 0x11e8 /sys/bus/pci/devices/*/device | head -n 1 | xargs -r dirname | xargs -r basename)
va=0x8000000
zc vfio bind "$edu"
expect_rc 0 "bind edu to vfio-pci"

# start_buf [SETPRIV...]: the helper with its buffer at $va, once it is ready
start_buf() {
	"$@" "$vabuf" $va 65536 7 >"$tap_tmp/vabuf.out" 2>&1 &
	buf=$!
	wait_for "grep -q ready $tap_tmp/vabuf.out" 10
}

# ---- a foreign process, by virtual address
start_buf
zc -j vfio bind-process "$edu" pid $buf va $va size 64K pattern 7
ok '[ "$rc" = 0 ] && jqo ".pasid > 0 and .same_pasid_again and .round.landed and (.round.blocked | not)"' \
	"edu copies 64K inside process $buf by virtual address, no MAP_DMA; PASID $(printf "%s" "$out" | jq .pasid)"
ok 'jqo ".unbind_before_bind == \"ESRCH\" and .unbind == \"0\" and .unbind_again == \"ESRCH\""' \
	"unbind before any bind and a second unbind fail with ESRCH; the unbind works"
ok 'jqo ".bind_over_map_dma == \"EEXIST\" and .map_dma_while_bound == \"EBUSY\""' \
	"no mirror over a MAP_DMA range (EEXIST), no MAP_DMA while a process is bound (EBUSY)"

# ---- the process unmaps its buffer while bound: the device no longer reaches it
# 8K: two transfers each way, 0.4 s a round (edu takes 100 ms a transfer); the unmap comes once
# the first round is done and the command waits out its hold, poll(NULL, 0, 3000): syscall 7 on
# x86-64, as /proc/PID/syscall shows it. A slow start (ASan under TCG takes seconds) must not
# move the unmap into that round.
"$ZCIOCTL" -j vfio bind-process "$edu" pid $buf va $va size 8K pattern 7 hold 3000 >"$tap_tmp/hold.json" 2>"$tap_tmp/hold.err" &
zpid=$!
wait_for '[ "$(cut -d" " -f1-4 /proc/$zpid/syscall 2>/dev/null)" = "7 0x0 0x0 0xbb8" ]' 30
kill -USR1 $buf
wait_for "grep -q unmapped $tap_tmp/vabuf.out" 5
wait $zpid
out=$(cat "$tap_tmp/hold.json")
expect_schema "$tap_tmp/hold.json" -j vfio bind-process
ok 'jqo ".round.landed and (.after_hold.landed | not) and .after_hold.blocked and (.after_hold.fault_log | test(\"fault addr\"))"' \
	"after the process unmaps the buffer, the DMA is blocked by the IOMMU and reported"
kill $buf
wait $buf 2>/dev/null

# ---- the process exits while bound: its mappings go, the bond is reaped (the exit, like the
# unmap above, comes once the first round is done: a fixed sleep lost that race under ASan)
start_buf
"$ZCIOCTL" -j vfio bind-process "$edu" pid $buf va $va size 8K pattern 7 hold 3000 >"$tap_tmp/exit.json" 2>"$tap_tmp/exit.err" &
zpid=$!
wait_for '[ "$(cut -d" " -f1-4 /proc/$zpid/syscall 2>/dev/null)" = "7 0x0 0x0 0xbb8" ]' 30
kill $buf
wait $buf 2>/dev/null
wait $zpid
out=$(cat "$tap_tmp/exit.json")
expect_schema "$tap_tmp/exit.json" -j vfio bind-process
ok 'jqo ".round.landed and .after_hold.blocked and .unbind == \"ESRCH\""' \
	"after the process exits, the DMA is blocked; its bond is gone (unbind: ESRCH)"
ok '[ "$(awk "/^VmPin/ { print \$2 }" /proc/self/status)" = 0 ]' "nothing pinned"

# ---- ourselves, and the refusals
zc -j vfio bind-process "$edu" va $va size 4095 pattern 9
ok '[ "$rc" = 0 ] && jqo ".round.landed and .same_pasid_again"' "binding ourselves (no pid): 4095 bytes by virtual address"
start_buf setpriv --reuid=65534 --regid=65534 --clear-groups
zc vfio bind-process "$edu" pid $buf va $va size 8K pattern 7
expect_rc 0 "root (with CAP_SYS_PTRACE) may bind a process of another user"
run setpriv --inh-caps=-sys_ptrace --bounding-set=-sys_ptrace "$ZCIOCTL" vfio bind-process "$edu" pid $buf va $va
expect_rc 1 "without CAP_SYS_PTRACE, binding another user's process fails"
expect_err 'Permission denied \(binding another process needs ptrace rights' "with EACCES and why"
kill $buf
wait $buf 2>/dev/null
zc vfio bind-process "$edu" pid 4000000
expect_rc 1 "binding a pid that does not exist fails"
expect_err 'No such process' "with ESRCH"
zc vfio bind-process "$edu" via 1
expect_usage 'unknown argument "via"' "bind-process is type1 only" -- vfio bind-process "$edu" via type1

# ---- keep: the bond outlives the command's checks; unbind-process, a second process, a group
group=$(basename "$(readlink "/sys/bus/pci/devices/$edu/iommu_group")")
# start_keep OUT ARGS...: bind-process ARGS keep in the background, once it says "bound"
start_keep() {
	local f=$tap_tmp/$1
	shift
	"$ZCIOCTL" -j vfio bind-process "$@" keep >"$f" 2>"$f.err" &
	zpid=$!
	wait_for "grep -q bound $f" 10
	out=$(head -n 1 "$f")
}
# end_keep OUT: wait for the holder; its exit status in rc, its last line in out. Its lines
# (bound, unbound) follow the schema.
end_keep() {
	wait $zpid
	rc=$?
	out=$(tail -n 1 "$tap_tmp/$1")
	expect_schema "$tap_tmp/$1" -j vfio bind-process
}
start_buf
start_keep keep.json "$edu" pid $buf
ok 'jqo ".event == \"bound\" and .pasid > 0 and .same_pasid_again and .va == null and .round == null and .group == $group"' \
	"keep: process $buf bound (no DMA without va), the command holds it"
zc vfio unbind "$edu"
expect_rc 1 "unbinding the device from vfio-pci while a bond is kept is refused"
expect_err "process $zpid" "naming the holder"
zc -j vfio bind-process "$group" pid $$
ok '[ "$rc" = 0 ] && jqo ".holder == $zpid and .pasid > 0 and .group == $group and .dev == null"' \
	"a second process is bound by group number, in the holder's container"
zc vfio bind-process "$edu" pid $buf va $va keep
expect_rc 1 "va or keep on a held group is refused"
expect_err "group $group is held by process $zpid: Device or resource busy" "EBUSY, naming the holder"
zc -j vfio unbind-process "/dev/vfio/$group" pid $$
ok '[ "$rc" = 0 ] && jqo ".holder == $zpid and (.holder_stopped | not)"' \
	"unbind-process of the second process; the holder keeps the first"
zc vfio unbind-process "$group" pid $$
expect_rc 1 "unbinding it again fails"
expect_err "process $$ is not bound to the container of process $zpid \(group $group\): No such process" "with ESRCH"
zc -j vfio unbind-process "$edu" pid $buf
ok '[ "$rc" = 0 ] && jqo ".holder_stopped"' "unbind-process of the kept bond stops its holder"
end_keep keep.json
ok '[ "$rc" = 0 ] && jqo ".event == \"unbound\" and .ended == \"a stop signal\" and .unbind == \"ESRCH\""' \
	"the holder ends with an unbound line (its own unbind finds the bond gone)"
zc vfio unbind-process "$group"
expect_rc 1 "unbind-process with no holder fails"
expect_err "nothing is bound to group $group: no process holds it open: No such process" "saying why"

# the bound process exits: the holder follows
start_keep exit2.json "$group" pid $buf
kill $buf
wait $buf 2>/dev/null
end_keep exit2.json
ok '[ "$rc" = 0 ] && jqo ".ended == \"the process exited\" and .unbind == \"ESRCH\""' \
	"a kept bond ends when the bound process exits; the kernel reaped it (unbind: ESRCH)"

# the holder binds itself; SIGTERM ends it cleanly
start_keep self.json "$group"
ok 'jqo ".pid == $zpid and .pasid > 0"' "keep with no pid binds the holder itself"
kill -TERM $zpid
end_keep self.json
ok '[ "$rc" = 0 ] && jqo ".ended == \"a stop signal\" and .unbind == \"0\" and .unbind_again == \"ESRCH\""' \
	"SIGTERM: the holder unbinds and exits 0"

# SIGKILL of the holder leaves nothing: the next bind with DMA gets the group and reaches the buffer
start_buf
start_keep kill.json "$edu" pid $buf va $va size 8K pattern 7
ok 'jqo ".round.landed"' "keep after a DMA round by virtual address"
kill -KILL $zpid
wait $zpid 2>/dev/null
zc vfio unbind-process "$edu" pid $buf
expect_err "no process holds it open" "after SIGKILL of the holder the container and its bond are gone"
zc -j vfio bind-process "$edu" pid $buf va $va size 8K pattern 7
ok '[ "$rc" = 0 ] && jqo ".round.landed and .holder == null"' "the group binds again at once"
kill $buf
wait $buf 2>/dev/null

# ---- bad targets
zc vfio bind-process 4242
expect_rc 1 "a group that does not exist"
expect_err "IOMMU group 4242: No such file or directory" "ENOENT, naming it"
zc vfio bind-process 99999999999
expect_rc 1 "a group number out of range is no group either"
expect_usage '"va" needs a device' "va with a group" -- vfio bind-process "$group" va $va

zc vfio unbind "$edu"
expect_rc 0 "unbind edu"
done_testing
