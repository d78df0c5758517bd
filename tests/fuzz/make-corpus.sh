#!/bin/bash
# Write the seed corpora of the fuzz targets: tests/fuzz/corpus/TARGET/NAME, a few small inputs
# each. Run from anywhere; it rewrites only the seeds it names (inputs added by hand stay).
# fuzz_cmdline: argv words, one a line. fuzz_batch: an options byte, then a batch file.
set -eu
corpus=$(cd "$(dirname "$0")" && pwd)/corpus

seed() {	# seed TARGET NAME PRINTF-FORMAT [ARGS...]
	local target=$1 name=$2
	shift 2
	mkdir -p "$corpus/$target"
	# shellcheck disable=SC2059
	printf "$@" >"$corpus/$target/$name"
}
words() {	# words TARGET NAME WORD...: one word a line
	local target=$1 name=$2
	shift 2
	seed "$target" "$name" '%s\n' "$@"
}

words fuzz_cmdline help help
words fuzz_cmdline version -j version
words fuzz_cmdline feature -p feature probe vduse udmabuf
words fuzz_cmdline vduse-create-blk vduse create d0 type blk capacity 1G block-size 4096 queues 2 queue-size 128 \
	features flush,discard,write-zeroes bounce-size 64K msg-timeout 30 readonly
words fuzz_cmdline vduse-create-net vduse create n0 type net mac 02:00:00:00:00:01 mtu 1500 queue-size 256
words fuzz_cmdline vduse-serve vduse serve d0 memory 64MiB workers 2 io-threads 4 poll 50
words fuzz_cmdline vduse-serve-net vduse serve n0 tap auto
words fuzz_cmdline vduse-serve-cpus vduse serve d0 memory 1M cpus 0-3,8,10-11
words fuzz_cmdline vduse-attach vduse attach d0 driver vhost_vdpa
words fuzz_cmdline ffs-up ffs up g0 vid 0x1d6b pid 0x0104 product zc in 2 out 2 speed high udc auto
words fuzz_cmdline ffs-transfer ffs transfer /ep1 size 1M count 16 buffers 4 heap system pattern 7 verify mode dmabuf \
	wait sync-file
words fuzz_cmdline ffs-dmabuf ffs dmabuf /ep1 alloc 2 size 64K heap udmabuf attach 0 transfer 0 length 4096 \
	wait 0 timeout 100 expect ETIMEDOUT status 0 detach 0 free 0 sleep 1 reopen close
words fuzz_cmdline ffs-peer ffs peer 1d6b:0104 interface 0 ep 0x81 read size 512 count 4 depth 2 timeout 1000
words fuzz_cmdline mm-exclusive mm exclusive size 2M access read thp off repeat 3
words fuzz_cmdline vhost-test vhost test tap auto direction both size 64,1500,9000 count 10 vnet-hdr on verify tc
words fuzz_cmdline vhost-blk vhost blk vdpa0 workload randwrite size 4M bs 4K count 100 depth 8 remap-every 10 \
	memory memfd
words fuzz_cmdline vfio-show vfio show 00:03.0 via iommufd
words fuzz_cmdline vfio-dma vfio dma 0000:00:03.0 size 64K via type1 iova 0x100000 map-size 32M pattern 3 verify fault \
	timeout 500
words fuzz_cmdline vfio-bind-process vfio bind-process 00:03.0 pid 42 va 0x8000000 size 8K pattern 7 hold 10 keep \
	timeout 100
words fuzz_cmdline vfio-unbind-process vfio unbind-process /dev/vfio/7 pid 42
words fuzz_cmdline trace-fence trace fence driver i915 duration 1 ringbuf 256K mode tp_btf hist

seed fuzz_batch simple '\005%s\n' '# a comment' '' version 'feature list' 'bogus object'
seed fuzz_batch quotes '\001%s\n' 'vduse create "d 0" type blk features '\''flush,discard'\''' \
	'ffs up g\ 1 product "a \"quoted\" name" # trailing comment' 'vduse create "unterminated'
seed fuzz_batch nul '\004version\000 json\nhelp\n'
seed fuzz_batch words '\030%s\n' 'a b c d e f g h i j k l m n o p q r s t u v w x y z' 'version'

# fuzz_virtq_device: 10 bytes of configuration (num 4, EVENT_IDX, 8 iovecs, 64-byte mappings,
# start 0, 4 sectors, 8 steps, rings at 0, no rewrites), then the guest memory from IOVA 0x10000:
# the table of 4 descriptors at 0, the available ring at 64, buffers and indirect tables further on.
desc() {	# desc ADDR-OFFSET LEN FLAGS NEXT: one descriptor, little-endian, at IOVA 0x10000 + offset
	local a=$((0x10000 + $1)) l=$2
	printf '\\%03o\\%03o\\%03o\\000\\000\\000\\000\\000' $((a & 255)) $((a >> 8 & 255)) $((a >> 16 & 255))
	printf '\\%03o\\%03o\\000\\000\\%03o\\000\\%03o\\000' $((l & 255)) $((l >> 8 & 255)) "$3" "$4"
}
virtq_seed() {	# virtq_seed NAME OFFSET BYTES [OFFSET BYTES...]: the image, zeroes between
	local file=$corpus/fuzz_virtq_device/$1
	shift
	mkdir -p "$corpus/fuzz_virtq_device"
	printf '\002\001\007\002\000\000\003\007\000\000' >"$file"
	while [ $# -gt 0 ]; do
		# shellcheck disable=SC2059
		printf "$2" | dd of="$file" bs=1 seek=$((10 + $1)) conv=notrunc status=none
		shift 2
	done
}
avail_one='\000\000\001\000\000\000'	# flags, idx 1, ring[0] = head 0
# a read: header (16 bytes at 0x100), data (512 writable at 0x200), status (1 writable at 0x180)
virtq_seed read 0 "$(desc 0x100 16 1 1)$(desc 0x200 512 3 2)$(desc 0x180 1 2 0)" 64 "$avail_one"
# a write of sector 1 through an indirect table of 3 at 0x300; the header says OUT (1), sector 1
virtq_seed indirect 0 "$(desc 0x300 48 4 0)" 64 "$avail_one" 0x100 '\001\000\000\000\000\000\000\000\001' \
	0x300 "$(desc 0x100 16 1 1)$(desc 0x200 512 1 2)$(desc 0x180 1 2 0)"
# the same through a table at 0x304, not aligned (found by the fuzzer: UBSan, misaligned access)
virtq_seed misaligned-indirect 0 "$(desc 0x304 48 4 0)" 64 "$avail_one" 0x100 '\001\000\000\000\000\000\000\000\001' \
	0x304 "$(desc 0x100 16 1 1)$(desc 0x200 512 1 2)$(desc 0x180 1 2 0)"
# a loop: desc 0 -> desc 1 -> desc 0
virtq_seed loop 0 "$(desc 0x100 16 1 1)$(desc 0x200 16 1 0)" 64 "$avail_one"

# fuzz_virtq_used: num 8, tables of 4, EVENT_IDX, start 0; add a 1+1 chain and a 1+2 chain, publish,
# used[0] = {id 0, len 16}, idx + 1, reap; used[1] = {id 7, len 1}, idx + 1, reap (an id never handed out)
seed fuzz_virtq_used reap '\003\004\001\000\000\001\001\000\020\001\040\000\001\001\002\002\020\003\040\004\010\001\002\000\000\020\003\001\004\002\001\007\001\003\001\004'
seed fuzz_virtq_used jump '\002\000\000\010\000\001\001\000\010\001\010\001\203\377\377\004'

# fuzz_vdpa_nl: messages of a 16-bit length, then genlmsghdr (cmd, version 1) and attributes.
# mgmtdev: MGMTDEV_DEV_NAME (2) "vduse", SUPPORTED_CLASSES (3) u64 4, DEV_MGMTDEV_MAX_VQS (15) u32 64
seed fuzz_vdpa_nl mgmtdev '\044\000\003\001\000\000\012\000\002\000vduse\000\000\000\014\000\003\000\004\000\000\000\000\000\000\000\010\000\017\000\100\000\000\000'
# dev: DEV_NAME (4) "d0", DEV_ID (5) u32 2, VENDOR_ID (6) u32 0, MAX_VQS (7) u32 1, MAX_VQ_SIZE (8) u16 256
seed fuzz_vdpa_nl dev '\054\000\005\001\000\000\007\000\004\000d0\000\000\010\000\005\000\002\000\000\000\010\000\006\000\000\000\000\000\010\000\007\000\001\000\000\000\006\000\010\000\000\001\000\000'
# a string that is not NUL-terminated, last in the message
seed fuzz_vdpa_nl unterminated '\014\000\003\001\000\000\010\000\002\000abcd'

# fuzz_ffs_ep0: reads of a length byte and the bytes; struct usb_functionfs_event is 12 bytes:
# an 8-byte setup packet, the type (SETUP 4), 3 bytes of padding
seed fuzz_ffs_ep0 setup '\014\200\006\000\001\000\000\022\000\004\000\000\000'
seed fuzz_ffs_ep0 events '\014\000\000\000\000\000\000\000\000\000\000\000\000\014\000\000\000\000\000\000\000\000\002\000\000\000\005abcde'
