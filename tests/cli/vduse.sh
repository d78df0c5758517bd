#!/bin/bash
# vduse argument errors on any machine: each names the argument, exits 2, creates nothing.
. "$top_srcdir/tests/lib/tap.sh"

long=$(printf 'n%.0s' {1..300})
expect_usage 'missing NAME' "create without a name" -- vduse create
expect_usage 'device name "n+\.\.\." is wrong' "a 300-character name" -- vduse create "$long" type blk
expect_usage 'device name "control" is wrong' "the name control" -- vduse create control type blk
expect_usage 'device name "a/b" is wrong' "a name with a slash" -- vduse create a/b type blk
expect_usage 'missing "type blk" or "type net"' "no type" -- vduse create d0
expect_usage 'argument "scsi" of "type" is wrong: expected one of blk, net' "a bad type" -- vduse create d0 type scsi
expect_usage 'argument "0" of "capacity" is out of range' "capacity 0" -- vduse create d0 type blk capacity 0
expect_usage 'argument "1Q" of "capacity" is wrong' "capacity 1Q" -- vduse create d0 type blk capacity 1Q
expect_usage 'argument "100" of "queue-size" is wrong: expected a power of two' "queue-size 100" -- vduse create d0 type blk queue-size 100
expect_usage 'argument "1000" of "block-size" is wrong: expected a power of two' "block-size 1000" -- vduse create d0 type blk block-size 1000
expect_usage 'not a multiple of the block size' "capacity not a multiple of the block size" -- vduse create d0 type blk capacity 1536 block-size 1024
expect_usage '"mac" and "mtu" are for type net' "mac on a blk device" -- vduse create d0 type blk mac 02:00:00:00:00:01
expect_usage 'argument "02:00" of "mac" is wrong' "a short MAC" -- vduse create d0 type net mac 02:00
expect_usage 'missing NAME' "destroy without a name" -- vduse destroy

if [ ! -e /dev/vduse/control ]; then
	zc vduse create d0 type blk
	expect_rc 3 "create on a kernel without VDUSE exits 3"
	expect_err 'no /dev/vduse/control.*VDPA_USER' "and says what is missing"
	zc vduse list
	expect_rc 3 "list on a kernel without VDUSE exits 3"
else
	skip "this kernel has VDUSE: the guest tests cover it"
fi

done_testing
