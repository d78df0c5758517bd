#!/bin/bash
# ffs argument errors, on any machine: each names the bad argument, exits 2, creates nothing.
. "$top_srcdir/tests/lib/tap.sh"

expect_usage 'missing NAME' "up without a name" -- ffs up
expect_usage 'gadget name "a/b" is wrong' "a name with a slash" -- ffs up a/b
expect_usage 'gadget name "x+" is wrong: expected 1 to 32 characters' "a 40-character name" -- ffs up "$(printf 'x%.0s' {1..40})"
expect_usage 'argument "0x10000" of "vid" is out of range' "vid above 0xffff" -- ffs up g0 vid 0x10000
expect_usage 'argument "-5" of "in" is wrong' "a negative endpoint count" -- ffs up g0 in -5
expect_usage 'in \+ out must be 1 to 15' "no endpoint at all" -- ffs up g0 in 0 out 0
expect_usage 'argument "ultra" of "speed" is wrong: expected one of full, high, super' "an unknown speed" -- ffs up g0 speed ultra
expect_usage 'argument "1Q" of "size" is wrong' "size 1Q" -- ffs transfer /nonexistent size 1Q
expect_usage 'argument "99999999999999999999" of "size" is out of range' "a 20-digit size" -- ffs transfer /nonexistent size 99999999999999999999
expect_usage 'argument "0" of "size" is out of range' "size 0" -- ffs transfer /nonexistent size 0
expect_usage 'argument "512M" of "size" is out of range: expected a size from 1 to 256M' "size over 256M" -- ffs transfer /x size 512M
expect_usage 'argument "0" of "count" is out of range' "count 0" -- ffs transfer /x count 0
expect_usage '"pattern" and "file" exclude each other' "pattern with file" -- ffs transfer /x pattern 1 file /tmp/y
expect_usage 'argument "tape" of "heap" is wrong' "an unknown heap" -- ffs transfer /x heap tape
expect_usage 'argument "size" is given twice' "size twice" -- ffs transfer /x size 1M size 2M
expect_usage 'expected VID:PID in hex' "a bad VID:PID" -- ffs peer 1d6b:xyz
expect_usage '"read" and "write" exclude each other' "read and write" -- ffs peer read write
expect_usage '"bus" and "dev" go together' "bus without dev" -- ffs peer bus 1
expect_usage 'endpoint 0x81 is IN, not write' "an IN endpoint to write" -- ffs peer ep 0x81 write
expect_usage 'missing NAME' "down without a name" -- ffs down

zc ffs transfer /nonexistent/ep1
expect_rc 1 "a missing endpoint file fails with 1"
expect_err '^zcioctl: ffs transfer: opening /nonexistent/ep1: No such file or directory \(is the gadget up' "with a hint"

if [ ! -d /sys/kernel/config/usb_gadget ] && [ "$(id -u)" = 0 ]; then
	zc ffs up hostg0
	expect_rc 3 "ffs up on a kernel without configfs gadgets exits 3"
	expect_err 'no /sys/kernel/config/usb_gadget' "and says what is missing"
	ok '[ ! -e /run/zcioctl/ffs/hostg0 ]' "and leaves no owner file"
else
	skip "this machine has configfs gadgets: the guest tests cover ffs up"
fi

done_testing
