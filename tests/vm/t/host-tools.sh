#!/bin/bash
# Debian's own tools that the tests use run in the guest, from the host's installation.
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"

run fio --name=t --filename=/tmp/fio.dat --size=4M --rw=randwrite --bs=4k --ioengine=libaio --direct=0 --invalidate=0 \
	--output-format=json --output="$tap_tmp/fio.json"
ok '[ "$rc" = 0 ] && jq -e ".jobs[0].write.io_bytes == 4194304" "$tap_tmp/fio.json" >/dev/null' "fio writes 4 MiB"
run qemu-storage-daemon --version
expect_rc 0 "qemu-storage-daemon runs"
run bpftrace -e 'BEGIN { printf("hello\n"); exit(); }'
ok '[ "$rc" = 0 ] && printf "%s" "$out" | grep -qx hello' "bpftrace compiles and runs a program"
truncate -s 32M "$tap_tmp/fs.img"
run mkfs.ext4 -q -F "$tap_tmp/fs.img"
expect_rc 0 "mkfs.ext4 makes a file system"
run vdpa -j mgmtdev show
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e ".mgmtdev | has(\"vduse\")" >/dev/null' "iproute2's vdpa sees the vduse management device"
run lsusb
expect_rc 0 "lsusb runs"

done_testing
