#!/bin/bash
# ffs argument errors, on any machine: each names the bad argument, exits 2, creates nothing.
. "$top_srcdir/tests/lib/tap.sh"

usage() {	# usage REGEX DESC -- ARGS
	local re=$1 desc=$2
	shift 3
	zc ffs "$@"
	expect_rc 2 "$desc: exit 2"
	expect_err "$re" "$desc: the message names it"
}

usage 'missing NAME' "up without a name" -- up
usage 'gadget name "a/b" is wrong' "a name with a slash" -- up a/b
usage 'is too long' "a 40-character name" -- up "$(printf 'x%.0s' {1..40})"
usage 'argument "0x10000" of "vid" is out of range' "vid above 0xffff" -- up g0 vid 0x10000
usage 'argument "-5" of "in" is wrong' "a negative endpoint count" -- up g0 in -5
usage 'in \+ out must be 1 to 15' "no endpoint at all" -- up g0 in 0 out 0
usage 'argument "ultra" of "speed" is wrong: expected one of full, high, super' "an unknown speed" -- up g0 speed ultra
usage 'argument "1Q" of "size" is wrong' "size 1Q" -- transfer /nonexistent size 1Q
usage 'argument "99999999999999999999" of "size" is out of range' "a 20-digit size" -- transfer /nonexistent size 99999999999999999999
usage 'argument "0" of "size" is out of range' "size 0" -- transfer /nonexistent size 0
usage 'argument "512M" of "size" is out of range: expected a size from 1 to 256M' "size over 256M" -- transfer /x size 512M
usage 'argument "0" of "count" is out of range' "count 0" -- transfer /x count 0
usage '"pattern" and "file" exclude each other' "pattern with file" -- transfer /x pattern 1 file /tmp/y
usage 'argument "tape" of "heap" is wrong' "an unknown heap" -- transfer /x heap tape
usage 'argument "size" is given twice' "size twice" -- transfer /x size 1M size 2M
usage 'expected VID:PID in hex' "a bad VID:PID" -- peer 1d6b:xyz
usage '"read" and "write" exclude each other' "read and write" -- peer read write
usage '"bus" and "dev" go together' "bus without dev" -- peer bus 1
usage 'endpoint 0x81 is IN, not write' "an IN endpoint to write" -- peer ep 0x81 write
usage 'missing NAME' "down without a name" -- down

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
