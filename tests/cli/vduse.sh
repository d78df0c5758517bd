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
expect_usage 'argument "flush,bogus" of "features" is wrong' "an unknown feature" -- vduse create d0 type blk features flush,bogus
expect_usage 'argument "flush" of "features" is wrong: expected "none" or a comma-separated list of csum, tso' "a blk feature on a net device" -- vduse create n0 type net features flush
expect_usage 'argument "tso" of "features" is wrong.*mrg-rxbuf \(tso and guest-tso need csum\)' "tso without csum" -- vduse create n0 type net features tso
expect_usage 'argument "guest-tso" of "features" is wrong' "guest-tso without csum" -- vduse create n0 type net features guest-tso
expect_usage '"readonly" and "queues" are for type blk \(VDUSE offers net devices no control queue' "queues on a net device" -- vduse create n0 type net queues 2
expect_usage 'missing NAME' "attach without a name" -- vduse attach
expect_usage 'device name "a/b" is wrong' "detach of a bad name" -- vduse detach a/b
expect_usage 'unknown argument "-f"' "detach takes force as a keyword, not -f" -- vduse detach d0 -f
expect_usage 'unknown argument "force"' "attach has no force" -- vduse attach d0 force
expect_usage 'argument "vhost" of "driver" is wrong' "attach to a driver that is not a vDPA bus driver" -- vduse attach d0 driver vhost
# vhost blk: everything that can be refused before a device is opened
expect_usage 'missing DEVICE' "vhost blk without a device" -- vhost blk
expect_usage 'argument "1000" of "bs" is wrong' "bs not a multiple of 512" -- vhost blk d0 bs 1000
expect_usage 'argument "100" of "queue-size" is wrong' "queue size not a power of two" -- vhost blk d0 queue-size 100
expect_usage '"pattern" and "file"' "pattern and file together" -- vhost blk d0 pattern 3 file /dev/null
expect_usage '"duration" is for the read and write workloads' "duration with verify" -- vhost blk d0 duration 100
expect_usage 'argument "sometimes" of "workload" is wrong' "an unknown workload" -- vhost blk d0 workload sometimes
expect_usage 'argument "0" of "depth" is out of range' "depth 0" -- vhost blk d0 depth 0
zc vhost blk d0 file /nonexistent
expect_rc 1 "vhost blk with a missing data file fails"
expect_err 'data file /nonexistent: No such file or directory' "and names the file"
expect_usage 'give one of "backend FILE" or "memory SIZE"' "serve without a backend" -- vduse serve d0
expect_usage 'give one of "backend FILE" or "memory SIZE"' "serve with two backends" -- vduse serve d0 backend /x memory 1M
expect_usage 'argument "0" of "workers" is out of range' "serve with 0 workers" -- vduse serve d0 memory 1M workers 0
expect_usage 'argument "1000" of "memory" is wrong: expected a multiple of 512' "memory 1000" -- vduse serve d0 memory 1000
expect_usage 'argument "x" of "poll" is wrong' "poll x" -- vduse serve d0 memory 1M poll x
expect_usage 'give one of "backend FILE" or "memory SIZE" \(blk\), or "tap IFNAME\|auto" \(net\)' "serve with a tap and memory" -- vduse serve d0 tap auto memory 1M
expect_usage '"readonly", "poll", "io-threads" and "workers" are for blk devices' "a net device has no workers" -- vduse serve d0 tap auto workers 2
expect_usage 'argument "0123456789abcdef" of "tap" is wrong: expected 1 to 15 characters' "an interface name of 16 characters" -- vduse serve d0 tap 0123456789abcdef

if [ ! -e /dev/vduse/control ]; then
	zc vduse create d0 type blk
	expect_rc 3 "create on a kernel without VDUSE exits 3"
	expect_err 'no /dev/vduse/control.*VDPA_USER' "and says what is missing"
	zc vduse list
	expect_rc 3 "list on a kernel without VDUSE exits 3"
	for c in "serve d0 memory 1M" "attach d0" "detach d0" "detach d0 force" "show d0"; do
		zc vduse $c
		expect_rc 3 "${c%% *} on a kernel without VDUSE exits 3"
	done
	zc -j vduse serve d0 memory 1M
	ok 'printf "%s" "$out" | jq -e ".error.errno == 2 and .error.command == \"serve\"" >/dev/null' \
		"-j: the error is a JSON object"
else
	skip "this kernel has VDUSE: the guest tests cover it"
fi

done_testing
