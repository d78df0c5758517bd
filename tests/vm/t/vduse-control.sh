#!/bin/bash
# VDUSE devices against the real driver: create, show, list, destroy, and every bad input
# leaving nothing behind in /sys/class/vduse or on the vDPA bus.
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"


zc -j vduse create d0 type blk capacity 64M queues 2 queue-size 128
expect_rc 0 "create d0 (blk, 64M, 2 queues of 128)"
ok '[ -c /dev/vduse/d0 ] && [ -d /sys/class/vduse/d0 ]' "/dev/vduse/d0 and its sysfs directory exist"
zc -j vduse show d0
ok 'printf "%s" "$out" | jq -e ".name == \"d0\" and .attached == false and .msg_timeout == 30 and .bounce_size == 67108864" >/dev/null' \
	"show: not attached, msg_timeout 30 s, bounce_size 64M (the defaults)"
zc -j vduse list
ok 'printf "%s" "$out" | jq -e "map(.name) == [\"d0\"]" >/dev/null' "list has d0 and only d0"

zc vduse create d0 type blk
expect_rc 1 "a second create d0 fails"
expect_err 'VDUSE device d0: File exists' "and says the name is taken"

zc -j vduse create d1 type blk capacity 1G bounce-size 16M msg-timeout 5 readonly
expect_rc 0 "create d1 with bounce-size, msg-timeout and readonly"
ok '[ "$(cat /sys/class/vduse/d1/bounce_size)" = 16777216 ] && [ "$(cat /sys/class/vduse/d1/msg_timeout)" = 5 ]' \
	"the sysfs knobs were set before attach"

zc -j vduse create n0 type net mac 02:11:22:33:44:55 mtu 1400
expect_rc 0 "create n0 (net) on this kernel"

# a device somebody serves (its /dev/vduse/NAME open) cannot be destroyed
exec 7<>/dev/vduse/d1
zc vduse destroy d1
expect_rc 1 "destroy of a served device fails"
expect_err 'destroying d1: Device or resource busy \(stop its server' "with EBUSY and what to do"
exec 7>&-

for d in d0 d1 n0; do
	zc vduse destroy $d
	expect_rc 0 "destroy $d"
done
ok 'vduse_nothing_left' "no VDUSE or vDPA device left"
zc vduse destroy d0
expect_rc 1 "destroy of a device that is gone fails"
expect_err 'VDUSE device d0: No such file or directory' "and says so"

# what bad input must not leave behind
for args in "x type blk queue-size 100" "x type blk capacity 0" "$(printf 'n%.0s' {1..300}) type blk"; do
	zc vduse create $args
done
ok 'vduse_nothing_left' "the refused creates left nothing behind"

zc -j vduse mgmtdev
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e ".[] | select(.name == \"vduse\") | (.classes / 2 | floor) % 2 == 1 and (.classes / 4 | floor) % 2 == 1" >/dev/null' \
	"mgmtdev: vduse, with the net and block classes"
run vdpa -j mgmtdev show
ok 'printf "%s" "$out" | jq -e ".mgmtdev.vduse.supported_classes | index(\"block\")" >/dev/null' "iproute2's vdpa agrees"

done_testing
