#!/bin/bash
# A virtio-blk disk served from userspace through VDUSE: create -> serve -> attach -> the
# virtio_vdpa disk; data written and read back byte for byte; a file system across detach and
# attach; a server killed with SIGKILL in the middle of writes and restarted, with every
# acknowledged write found; discard, write-zeroes, GET_ID, two queues; and the errors.
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

ring_broken() { dmesg | grep -Eq 'is not a head|virtqueue.*broken|BAD_RING|unexpected used'; }

# ---- the main path: memory backend, random data, a file system across detach/attach
zc vduse create d0 type blk capacity 64M
expect_rc 0 "create d0 (64M)"
ok 'serve_up d0 memory 64M io-threads 4' "serve d0 from 64M of memory, four I/O threads: it says it is serving"
zc -j vduse show d0
ok 'printf "%s" "$out" | jq -e ".served == true and .attached == false" >/dev/null' "show: served, not attached"
zc -j vduse attach d0
expect_rc 0 "attach d0"
disk=$(printf "%s" "$out" | jq -r .disk)
ok '[ -b "/dev/$disk" ]' "the virtio_vdpa disk appears (/dev/$disk), and attach names it"
ok '[ "$(cat /sys/block/$disk/size)" = 131072 ]' "its size is 64M (131072 sectors)"
ok '[ "$(cat /sys/block/$disk/serial)" = d0 ]' "GET_ID: its serial is the device name"
zc -j vduse show d0
ok 'printf "%s" "$out" | jq -e ".attached == true and .driver == \"virtio_vdpa\" and .disk == \"'"$disk"'\"" >/dev/null' \
	"show: attached, driver virtio_vdpa, the disk"
# DRIVER_OK|FEATURES_OK|DRIVER|ACKNOWLEDGE; VERSION_1 (32) and EVENT_IDX (29) negotiated
ok 'printf "%s" "$out" | jq -e ".status == 15 and (.features / 4294967296 | floor) % 2 == 1 and (.features / 536870912 | floor) % 2 == 1" >/dev/null' \
	"show: virtio status 0xf, VERSION_1 and EVENT_IDX negotiated"

head -c 16M /dev/urandom >"$tap_tmp/rnd"
run dd if="$tap_tmp/rnd" of="/dev/$disk" bs=1M oflag=direct status=none
expect_rc 0 "write 16 MiB of random data (O_DIRECT)"
run dd if="/dev/$disk" of="$tap_tmp/back" bs=1M count=16 iflag=direct status=none
ok '[ "$rc" = 0 ] && cmp -s "$tap_tmp/rnd" "$tap_tmp/back"' "read it back: byte for byte the same"
run dd if="$tap_tmp/rnd" of="/dev/$disk" bs=4k count=1000 seek=10000 oflag=direct status=none
run dd if="/dev/$disk" of="$tap_tmp/back" bs=4k count=1000 skip=10000 iflag=direct status=none
ok 'cmp -s <(head -c 4096000 "$tap_tmp/rnd") "$tap_tmp/back"' "1000 writes of 4K at 40M, read back the same"

# 32 requests in flight: batches shared by the I/O threads, each block checked by fio
run fio --name=v --filename="/dev/$disk" --rw=randwrite --bs=4k --iodepth=32 --ioengine=libaio --direct=1 \
	--offset=8M --size=8M --verify=crc32c --do_verify=1 --verify_fatal=1 --output-format=json
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e ".jobs[0].error == 0 and .jobs[0].write.total_ios == 2048" >/dev/null' \
	"fio: 2048 random 4K writes at QD32, every block verified (crc32c)"
# large and small requests at once: small ones done while a large one is copied wait for it
run fio --ioengine=libaio --direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1 --output-format=json \
	--name=big --filename="/dev/$disk" --rw=write --bs=1M --iodepth=4 --offset=16M --size=32M \
	--name=small --filename="/dev/$disk" --rw=randwrite --bs=4k --iodepth=8 --offset=8M --size=4M
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e "[.jobs[].error] == [0, 0] and .jobs[0].write.total_ios == 32 and .jobs[1].write.total_ios == 1024" >/dev/null' \
	"fio: 1M sequential writes at QD4 beside 4K random writes at QD8, every block verified"

run blkdiscard -o 1M -l 1M "/dev/$disk"
expect_rc 0 "blkdiscard 1M at 1M (DISCARD)"
ok 'cmp -s <(dd if=/dev/$disk bs=1M skip=1 count=1 iflag=direct status=none) <(head -c 1M /dev/zero)' \
	"the discarded range reads as zeroes"
run blkdiscard -z -o 3M -l 1M "/dev/$disk"
expect_rc 0 "blkdiscard -z 1M at 3M (WRITE_ZEROES)"
ok 'cmp -s <(dd if=/dev/$disk bs=1M skip=3 count=1 iflag=direct status=none) <(head -c 1M /dev/zero)' \
	"the zeroed range reads as zeroes"
ok 'cmp -s <(dd if=/dev/$disk bs=1M skip=2 count=1 iflag=direct status=none) <(dd if=$tap_tmp/rnd bs=1M skip=2 count=1 status=none)' \
	"the megabyte between them is untouched"

run mkfs.ext4 -q -F "/dev/$disk"
expect_rc 0 "mkfs.ext4 on the disk"
mkdir -p "$tap_tmp/mnt"
run mount "/dev/$disk" "$tap_tmp/mnt"
expect_rc 0 "mount it"
for i in 1 2 3 4 5; do head -c 1M /dev/urandom >"$tap_tmp/mnt/f$i"; done
(cd "$tap_tmp/mnt" && sha256sum f? >"$tap_tmp/sums")
sync
zc vduse detach d0
expect_rc 1 "detach while mounted fails"
expect_err 'detaching d0 \(/dev/'"$disk"'\): Device or resource busy \(it is mounted' "with EBUSY and why"
zc vduse destroy d0
expect_rc 1 "destroy while attached fails"
expect_err 'destroying d0: Device or resource busy \(stop its server' "with EBUSY and what to do"
run umount "$tap_tmp/mnt"
zc vduse detach d0
expect_rc 0 "detach after umount"
ok '[ ! -e "/dev/$disk" ] && [ -z "$(ls /sys/bus/vdpa/devices)" ]' "the disk and the vDPA device are gone"
zc vduse detach d0
expect_rc 1 "a second detach fails"
expect_err 'detaching d0: No such device \(it is not attached\)' "and says it is not attached"
zc -j vduse attach d0
expect_rc 0 "attach d0 again"
disk=$(printf "%s" "$out" | jq -r .disk)
run mount "/dev/$disk" "$tap_tmp/mnt"
ok '[ "$rc" = 0 ] && (cd "$tap_tmp/mnt" && sha256sum -c --quiet "$tap_tmp/sums")' \
	"mount again: the five files are intact"
run umount "$tap_tmp/mnt"
zc vduse attach d0
expect_rc 1 "attach of an attached device fails"
expect_err 'already on the vDPA bus' "and says so"
zc vduse serve d0 memory 1M
expect_rc 1 "a second server for d0 fails"
expect_err 'serving d0: Device or resource busy' "with EBUSY"
zc vduse detach d0
serve_down
ok '[ "$srv_rc" = 0 ]' "the server stops on SIGINT with status 0"
ok 'event stopped ".name == \"d0\" and .reads > 0 and .writes > 0 and .discards >= 1 and .write_zeroes >= 1 and .get_ids >= 1 and .errors == 0 and .unsupported == 0 and .resets >= 2 and .irqs > 0"' \
	"its last event line, stopped, has the totals: reads, writes, discards, write-zeroes, GET_ID, two resets, no errors"
ok 'event stopped ".in_flight_peak >= 2 and .held >= 1"' \
	"requests were handled side by side ($(jq -r 'select(.event == "stopped") | "at most \(.in_flight_peak) in flight, \(.held) held back to complete in order"' "$srv_out"))"
ok 'event ready ".name == \"d0\" and .queues == 1" && event started ".queues_enabled == 1 and .features > 0" && event reset "true"' \
	"event lines in between: ready, started with the negotiated features, reset on detach"
ok '[ "$(jq -r .event "$srv_out" | head -n 1)" = ready ] && [ "$(jq -r .event "$srv_out" | tail -n 1)" = stopped ]' \
	"ready comes first, stopped last"
zc vduse attach d0
expect_rc 1 "attach without a server fails"
expect_err 'attaching d0: nobody serves it: Transport endpoint is not connected \(start' "and says to start one"
zc vduse destroy d0
expect_rc 0 "destroy d0"

# ---- crash and resume. d1 is served (two queues, two threads) from the disk of d2, which is
# served from a file. Stopping d2's server holds d1's server inside a request (its flush
# waits for d2), so SIGKILL leaves requests it had taken and not completed: the restarted
# server must redo exactly those, and every acknowledged write must be on the disk.
zc vduse create d2 type blk capacity 32M
head -c 32M /dev/zero >"$tap_tmp/d2.img"
ok 'serve_up d2 backend "$tap_tmp/d2.img"' "serve d2 from a file"
b_pid=$srv_pid b_out=$srv_out
zc -j vduse attach d2
lower=$(printf "%s" "$out" | jq -r .disk)
zc vduse create d1 type blk capacity 32M queues 2
ok 'serve_up d1 backend "/dev/$lower" workers 2' "serve d1 from d2's disk /dev/$lower, two queues, two workers"
zc -j vduse attach d1
disk=$(printf "%s" "$out" | jq -r .disk)
ok '[ "$(ls /sys/block/$disk/mq | wc -l)" = 2 ]' "d1's disk /dev/$disk has two hardware queues"
blocks=16 rounds=6 writers=4
head -c $((writers * blocks * rounds * 4096)) /dev/urandom >"$tap_tmp/src"
# writer W: rounds over its own 16 blocks, each write synchronous (O_DIRECT|O_DSYNC: a flush
# follows it); each acknowledged write is logged with the source block it came from
writer() {
	local w=$1 r b n
	for ((r = 0; r < rounds; r++)); do
		for ((b = 0; b < blocks; b++)); do
			n=$(((w * rounds + r) * blocks + b))
			dd if="$tap_tmp/src" of="/dev/$disk" bs=4096 skip=$n seek=$((w * blocks + b)) count=1 \
				oflag=direct,dsync conv=notrunc status=none || return 1
			echo "$((w * blocks + b)) $n" >>"$tap_tmp/acked.$w"
		done
	done
}
acked() { cat "$tap_tmp"/acked.* 2>/dev/null | wc -l; }
stuck() { grep -qs '^State:.*D' /proc/$srv_pid/task/*/status; }
for ((w = 0; w < writers; w++)); do writer $w & wpids[$w]=$!; done
wait_for '[ $(acked) -ge 40 ]' 120
kill -STOP "$b_pid"
ok 'wait_for stuck 60' "with d2's server stopped, d1's server blocks inside a request"
kill -KILL "$srv_pid"
kill -CONT "$b_pid"
wait "$srv_pid" 2>/dev/null
expect_schema "$srv_out" -j vduse serve
acked_at_kill=$(acked)
sleep 2
ok '[ "$(acked)" = "$acked_at_kill" ]' "with d1's server killed, no write completes ($acked_at_kill acknowledged)"
ok 'serve_up d1 backend "/dev/$lower" workers 2' "a new server starts on d1"
ok 'event resumed ".in_flight >= 1 and .queues == 2" && ! event ready true' \
	"its first event is resumed (not ready), with the requests the dead one had in flight"
wrc=0
for ((w = 0; w < writers; w++)); do wait ${wpids[$w]} || wrc=1; done
ok '[ "$wrc" = 0 ] && [ "$(acked)" = $((writers * blocks * rounds)) ]' \
	"every writer finished: $((writers * blocks * rounds)) writes acknowledged"
verify() {
	local blk n bad=0
	declare -A last
	while read -r blk n; do last[$blk]=$n; done < <(cat "$tap_tmp"/acked.*)
	for blk in "${!last[@]}"; do
		cmp -s <(dd if="/dev/$lower" bs=4096 skip=$blk count=1 iflag=direct status=none) \
			<(dd if="$tap_tmp/src" bs=4096 skip=${last[$blk]} count=1 status=none) || bad=$((bad + 1))
	done
	[ ${#last[@]} = $((writers * blocks)) ] && [ $bad = 0 ]
}
zc vduse detach d1
serve_down
ok 'verify' "every block holds its last acknowledged write (none lost, none replayed over a later one)"
ok '! ring_broken' "the driver saw no used entry twice (no 'is not a head', no broken virtqueue)"
ok 'event stopped ".resumed == true and .resubmitted >= 1 and .errors == 0 and .flushes > 0"' \
	"the second server's totals: resumed, resubmitted >= 1, flushes, no errors"
diag "resubmitted after the kill: $(jq 'select(.event == "stopped") | .resubmitted' "$srv_out")"
zc vduse destroy d1
expect_rc 0 "destroy d1"
ok '[ ! -e /run/zcioctl/vduse/d1.inflight ]' "destroy removes the in-flight record"
zc vduse detach d2
srv_pid=$b_pid srv_out=$b_out
kill -TERM "$srv_pid"
wait "$srv_pid"
srv_rc=$?
ok '[ "$srv_rc" = 0 ] && event stopped ".name == \"d2\""' "d2's server stops on SIGTERM, status 0, with its totals"
expect_schema "$srv_out" -j vduse serve
zc vduse destroy d2

# ---- read-only
zc vduse create r0 type blk capacity 1M readonly
ok 'serve_up r0 memory 1M readonly' "serve a read-only device"
zc -j vduse attach r0
disk=$(printf "%s" "$out" | jq -r .disk)
ok '[ "$(cat /sys/block/$disk/ro)" = 1 ]' "the disk is read-only"
run dd if=/dev/zero of="/dev/$disk" bs=4k count=1 oflag=direct status=none
ok '[ "$rc" != 0 ]' "a write to it fails"
zc vduse detach r0
serve_down
zc vduse destroy r0

# ---- features chosen at create: indirect descriptors instead of EVENT_IDX; detach ... force
zc -j vduse create i0 type blk capacity 16M features flush,indirect
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e "(.features / 268435456 | floor) % 2 == 1 and (.features / 536870912 | floor) % 2 == 0" >/dev/null' \
	"create with features flush,indirect: INDIRECT_DESC offered, EVENT_IDX not"
ok 'serve_up i0 memory 16M' "serve i0"
zc -j vduse attach i0
disk=$(printf "%s" "$out" | jq -r .disk)
zc -j vduse show i0
ok 'printf "%s" "$out" | jq -e "(.features / 268435456 | floor) % 2 == 1 and (.features / 536870912 | floor) % 2 == 0" >/dev/null' \
	"the driver negotiated INDIRECT_DESC and no EVENT_IDX"
head -c 8M /dev/urandom >"$tap_tmp/rnd8"
run dd if="$tap_tmp/rnd8" of="/dev/$disk" bs=1M oflag=direct status=none
run dd if="/dev/$disk" of="$tap_tmp/back8" bs=1M count=8 iflag=direct status=none
ok '[ "$rc" = 0 ] && cmp -s "$tap_tmp/rnd8" "$tap_tmp/back8"' "8 MiB through indirect descriptor tables, read back the same"
run mkfs.ext4 -q -F "/dev/$disk"
run mount -o ro "/dev/$disk" "$tap_tmp/mnt"
zc vduse detach i0
expect_rc 1 "detach of a mounted disk fails without force"
zc -f vduse detach i0
expect_rc 1 "the batch option -f does not force it"
zc vduse detach i0 force
expect_rc 0 "detach ... force detaches it anyway"
ok '[ ! -e "/dev/$disk" ]' "and the disk is gone"
umount "$tap_tmp/mnt" 2>/dev/null
serve_down
ok 'event stopped ".errors == 0"' "i0's server saw no bad request"
zc vduse destroy i0

# ---- the operator's order: stop the server, then detach and destroy. Nobody serving it,
# detach answers the driver's messages itself, unless the driver waits for a request.
zc vduse create o0 type blk capacity 16M
ok 'serve_up o0 memory 16M' "serve o0"
zc -j vduse attach o0
disk=$(printf "%s" "$out" | jq -r .disk)
run dd if="$tap_tmp/rnd" of="/dev/$disk" bs=1M count=4 oflag=direct status=none
serve_down
ok '[ "$srv_rc" = 0 ]' "o0 attached, 4 MiB written; its server stopped (status 0)"
# a read made while nobody serves stays pending: detach must not take the device from under it
dd if="/dev/$disk" of="$tap_tmp/pending" bs=4k count=1 iflag=direct status=none &
dd_pid=$!
sleep 1
zc vduse detach o0
expect_rc 1 "detach while the driver waits for a request is refused"
expect_err 'detaching o0: nobody serves it and its driver waits for 1 requests: .*\(serve it again' \
	"ENOTCONN, with the count and the hint to serve it again"
ok 'kill -0 $dd_pid && [ -b "/dev/$disk" ]' "the device is left as it was: the read still waits, the disk is there"
ok 'serve_up o0 memory 16M' "a server again: it resumes"
wait $dd_pid
ok '[ $? = 0 ] && [ "$(stat -c %s "$tap_tmp/pending")" = 4096 ]' "the pending read completes"
serve_down
zc -j vduse detach o0
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e ".state == \"detached\" and .answered >= 1" >/dev/null' \
	"stopped, then detach: the driver's reset answered here ($(printf "%s" "$out" | jq .answered) messages)"
ok '[ ! -e "/dev/$disk" ] && ! dmesg | grep -q "o0.*broken\|vduse.*timeout"' \
	"the disk is gone, no message timed out, the device is not marked broken"
zc -j vduse show o0
ok 'printf "%s" "$out" | jq -e ".served == false and .attached == false" >/dev/null' "show: neither served nor attached"
zc -j vduse attach o0
expect_rc 1 "attach still wants a server"
# destroy of an attached device nobody serves: detached first, the same way
ok 'serve_up o0 memory 16M' "serve o0 again"
zc vduse attach o0
serve_down
zc -j vduse destroy o0
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e ".detached and .state == \"destroyed\" and .answered >= 1" >/dev/null' \
	"stopped, then destroy while attached: detached (messages answered) and destroyed"
ok '! [ -e /dev/vduse/o0 ] && ! vdpa dev show o0 >/dev/null 2>&1' "no VDUSE or vDPA device o0 left"

# ---- cpus LIST: each I/O thread pinned as the list says, the control thread on the list
zc vduse create p0 type blk capacity 16M
ok 'serve_up p0 memory 16M cpus 1' "serve p0 with cpus 1"
ok 'event ready ".cpus == [1]"' "the ready line names the CPUs: [1]"
zc -j vduse attach p0
disk=$(printf "%s" "$out" | jq -r .disk)
ok '[ "$(thread_cpus)" = "1 1 " ]' "its main thread and its one I/O thread (one per listed CPU) run on CPU 1 alone ($(thread_cpus))"
run dd if="$tap_tmp/rnd" of="/dev/$disk" bs=1M count=8 oflag=direct status=none
run dd if="/dev/$disk" of="$tap_tmp/back" bs=1M count=8 iflag=direct status=none
ok 'cmp -s <(head -c 8M "$tap_tmp/rnd") "$tap_tmp/back"' "8 MiB written and read back byte for byte, served from CPU 1"
zc vduse detach p0
serve_down
ok '[ "$srv_rc" = 0 ] && event stopped ".reads > 0 and .writes > 0 and .errors == 0"' "stopped, with the reads and writes"
ok 'serve_up p0 memory 16M cpus 0-1 io-threads 3' "serve p0 with cpus 0-1 and three I/O threads"
zc -j vduse attach p0
disk=$(printf "%s" "$out" | jq -r .disk)
run fio --name=v --filename="/dev/$disk" --rw=randwrite --bs=4k --iodepth=16 --ioengine=libaio --direct=1 \
	--size=4M --verify=crc32c --do_verify=1 --verify_fatal=1 --output-format=json
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e ".jobs[0].error == 0" >/dev/null' "fio: 4K random writes at QD16 verified"
ok 'event ready ".cpus == [0, 1]"' "the ready line names CPUs [0, 1]"
ok '[ "$(thread_cpus io)" = "0 0 1 " ] && [ "$(thread_cpus)" = "0 0 0-1 1 " ]' \
	"the I/O threads round the list (0, 1, 0: $(thread_cpus io)), the main thread on 0-1"
zc vduse detach p0
serve_down
ok '[ "$srv_rc" = 0 ]' "stopped"
zc vduse create p1 type blk capacity 16M queues 2
ok 'serve_up p1 memory 16M workers 2 io-threads 1 cpus 0-1' "serve p1 (two queues) with workers 2, io-threads 1, cpus 0-1"
zc -j vduse attach p1
ok '[ "$(thread_cpus io)" = "0 1 " ]' "the two workers' threads on CPU 0 and CPU 1, one each ($(thread_cpus io))"
zc vduse detach p1
serve_down
zc vduse destroy p1
ok 'serve_up p0 memory 16M' "serve p0 without cpus"
ok 'event ready ".cpus == null"' "the ready line has cpus null"
serve_down
online=$(cat /sys/devices/system/cpu/online)
zc vduse serve p0 memory 16M cpus 1023
expect_rc 1 "cpus 1023, a CPU this guest has not, fails"
expect_err "serving p0: CPU 1023 is offline or outside zcioctl's affinity: Invalid argument \(it may run on $online\)" \
	"saying which CPU and which it may run on ($online)"
run taskset -c 0 "$ZCIOCTL" vduse serve p0 memory 16M cpus 0-1
expect_rc 1 "cpus 0-1 under taskset -c 0 fails"
expect_err "CPU 1 is offline or outside zcioctl's affinity: Invalid argument \(it may run on 0\)" "naming CPU 1, allowed only 0"
# checked before the backend and the tap are opened: the CPU is named, not the missing file or tap
zc vduse serve p0 backend /nonexistent cpus 1023
ok '[ "$rc" = 1 ] && [[ $err == *"CPU 1023 is offline"* ]]' "a missing backend and a bad CPU: the CPU is what it names"
zc vduse serve p0 tap nosuch0 cpus 1023
ok '[ "$rc" = 1 ] && [[ $err == *"CPU 1023 is offline"* ]]' "a missing tap and a bad CPU: the CPU is what it names"
expect_usage 'argument "1-0" of "cpus" is wrong: expected a CPU list like 1 or 0-3,8 \(ranges low-high\)' \
	"a backwards range" -- vduse serve p0 memory 16M cpus 1-0
expect_usage 'argument "1024" of "cpus" is out of range: expected CPUs 0 to 1023' \
	"CPU 1024" -- vduse serve p0 memory 16M cpus 1024
expect_usage 'argument "one" of "cpus" is wrong: expected a CPU list' "a word for a CPU" -- vduse serve p0 memory 16M cpus one
zc -j vduse show p0
ok 'printf "%s" "$out" | jq -e ".served == false and .attached == false" >/dev/null' "after the failures p0 is neither served nor attached"
zc vduse destroy p0
expect_rc 0 "destroy p0"

# ---- errors, and nothing left behind
zc vduse serve nosuch memory 1M
expect_rc 1 "serve of a missing device fails"
expect_err 'VDUSE device nosuch: No such file or directory' "and says so"
zc vduse attach nosuch
expect_rc 1 "attach of a missing device fails"
expect_err 'VDUSE device nosuch: No such file or directory' "and says so"
zc vduse create e0 type blk capacity 1M
expect_usage 'give one of "backend FILE" or "memory SIZE"' "serve without a backend" -- vduse serve e0
expect_usage 'give one of' "serve with both backends" -- vduse serve e0 memory 1M backend /dev/null
expect_usage 'argument "1000" of "memory" is wrong' "memory not a multiple of 512" -- vduse serve e0 memory 1000
zc vduse serve e0 backend /nonexistent
expect_rc 1 "serve from a missing file fails"
expect_err 'backend /nonexistent: No such file or directory' "and names the file"
zc vduse destroy e0
ok 'vduse_nothing_left' "no VDUSE or vDPA device left"
ok '! ring_broken' "no virtqueue error in the kernel log"

done_testing
