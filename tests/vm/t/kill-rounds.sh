#!/bin/bash
# Every long-running command stopped at random points, by SIGINT, SIGTERM and SIGKILL: after
# SIGINT or SIGTERM it exits 0 (1 for a vhost run of a set size: EINTR) and leaves nothing;
# after SIGKILL the documented cleanup (ffs down, vhost cleanup, or nothing: the kernel lets go
# of fds, BPF links, DMABUFs, IOTLB maps and non-persistent taps) reclaims
# everything, and the next start works. vduse serve is killed again and again under fio's
# verified writes: no acknowledged write is lost. The seed is printed (ZC_KILL_SEED=N repeats a
# run); ZC_KILL_ROUNDS (default 3) rounds per command cycle through the three signals.
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

seed=${ZC_KILL_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
rounds=${ZC_KILL_ROUNDS:-3}
RANDOM=$seed
diag "seed $seed (ZC_KILL_SEED=$seed repeats it), $rounds rounds per command"
signals=(INT TERM KILL)
swsync=$top_builddir/tests/helpers/swsync

# pause_ms MAX: sleep a random time up to MAX milliseconds
pause_ms() { sleep "$(printf '0.%03d' $((RANDOM % $1)))"; }

# kill_rounds NAME MAX-MS LEFT CLEANUP-AFTER-KILL START...: zcioctl START... run in the
# background, stopped after a random time up to MAX-MS by each signal in turn. Exit 0 after
# INT/TERM, and LEFT holds; after KILL, CLEANUP-AFTER-KILL, then LEFT must hold. $before and
# $after (shell, may be empty) run around each round: the other side of a transfer.
kill_rounds() {
	local name=$1 max=$2 left=$3 cleanup=$4 r sig pid rc bad_rc=0 bad_left=0 started=0
	shift 4
	for ((r = 0; r < rounds; r++)); do
		sig=${signals[r % 3]}
		eval "${before:-}"
		# a background job's SIGINT is ignored until the command catches it: start it as a
		# terminal would, so that an early SIGINT acts instead of being lost
		env --default-signal=INT "$ZCIOCTL" "$@" >"$tap_tmp/kr.out" 2>"$tap_tmp/kr.err" &
		pid=$!
		pause_ms "$max"
		kill -"$sig" $pid 2>/dev/null && started=$((started + 1))
		wait $pid
		rc=$?
		eval "${after:-}"
		if [ "$sig" = KILL ]; then
			eval "$cleanup" >/dev/null 2>&1
		elif [ $rc != "${stop_rc:-0}" ] && ! { [ $rc = $((128 + $(kill -l "$sig"))) ] && [ ! -s "$tap_tmp/kr.out" ]; }; then
			# its documented status (0, or $stop_rc), or killed the default way before it had set
			# anything up (and so said nothing)
			bad_rc=$((bad_rc + 1))
			diag "$name, round $r ($sig): exit $rc: $(head -c 300 "$tap_tmp/kr.err")"
		fi
		wait_for "$left" 5 || { bad_left=$((bad_left + 1)); diag "$name, round $r ($sig): something was left"; }
	done
	ok '[ $bad_rc = 0 ]' "$name: exit ${stop_rc:-0} after each SIGINT and SIGTERM, or the signal's status before any setup ($started of $rounds signals came while it ran)"
	ok '[ $bad_left = 0 ]' "$name: nothing left after any round (after SIGKILL: once cleaned up)"
}

# ---- ffs up; ffs down reclaims the remains of a killed one
kill_rounds "ffs up" 1500 'gadget_gone kr0' "\"$ZCIOCTL\" ffs down kr0" ffs up kr0 in 1 out 1
ffs_up kr0 in 1 out 1
ok '[ $? = 0 ]' "ffs up works after the rounds"

# ---- ffs transfer and ffs peer, each killed while the other runs; DMABUFs come back
dmabufs=$(dmabuf_count)
peer_bg() { "$ZCIOCTL" ffs peer 1d6b:0104 read size 64K count 100000 timeout 3000 >/dev/null 2>&1 & peer=$!; }
peer_stop() { kill $peer 2>/dev/null; wait $peer 2>/dev/null; }
before=peer_bg after=peer_stop kill_rounds "ffs transfer (DMABUF)" 1500 '[ "$(dmabuf_count)" = "$dmabufs" ]' true \
	ffs transfer "$ffs_mnt/ep1" size 64K count 100000 heap udmabuf wait sync-file
transfer_bg() {
	"$ZCIOCTL" ffs transfer "$ffs_mnt/ep1" size 64K count 100000 heap udmabuf >/dev/null 2>&1 &
	xfer=$!
}
transfer_stop() { kill $xfer 2>/dev/null; wait $xfer 2>/dev/null; }
before=transfer_bg after=transfer_stop kill_rounds "ffs peer" 1500 '[ "$(dmabuf_count)" = "$dmabufs" ]' true \
	ffs peer 1d6b:0104 read size 64K count 100000 timeout 3000
peer_bg
zc -j ffs transfer "$ffs_mnt/ep1" size 64K count 16 heap udmabuf
peer_stop
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e ".transfers == 16" >/dev/null' "a transfer works after the rounds"
ffs_down kr0
ok 'gadget_gone kr0' "gadget kr0 gone"

# ---- trace fence: its BPF programs go with it, however it ends
progs() { bpftool prog show 2>/dev/null | grep -c dma_fence; }
"$swsync" kr_fences 10 20 100000 >/dev/null 2>&1 &
fences=$!
kill_rounds "trace fence" 2000 '[ "$(progs)" = 0 ]' true trace fence
kill $fences 2>/dev/null
wait $fences 2>/dev/null

# ---- vhost test: vhost cleanup takes the sink a killed run leaves
# a run of a set size cut short fails with EINTR (zcioctl(8), EXIT STATUS)
stop_rc=1 kill_rounds "vhost test" 2000 vhost_nothing_left "\"$ZCIOCTL\" vhost cleanup" \
	vhost test tap auto direction both size 1500 count 1000000 verify tc
ok 'vhost_test ".tx.verified == 100" direction both size 1500 count 100 verify tc' "vhost test works after the rounds"

# ---- vduse serve killed again and again under fio's verified writes
zc vduse create kr1 type blk capacity 64M queues 2
# a file outlives each server (memory would go with it): what was acknowledged must be there
truncate -s 64M "$tap_tmp/kr1.img"
serve_bg() { "$ZCIOCTL" -j vduse serve kr1 backend "$tap_tmp/kr1.img" workers 2 >>"$tap_tmp/serve.out" 2>>"$tap_tmp/serve.err" & srv=$!; }
serve_bg
wait_for "grep -q ready $tap_tmp/serve.out" 20
zc -j vduse attach kr1
disk=$(printf "%s" "$out" | jq -r .disk)
fio --name=kr --filename="/dev/$disk" --rw=randwrite --bs=4k --size=32M --direct=1 --ioengine=libaio --iodepth=16 \
	--verify=crc32c --verify_fatal=1 --do_verify=1 --randrepeat=1 --randseed="$seed" >"$tap_tmp/fio.out" 2>&1 &
fio_pid=$!
kills=0
for ((r = 0; r < rounds && ${fio_pid:-0} > 0; r++)); do
	pause_ms 1500
	kill -"${signals[r % 3]}" $srv 2>/dev/null && kills=$((kills + 1))
	wait $srv
	serve_bg
	wait_for "grep -Eq 'resumed|ready' $tap_tmp/serve.out" 20
	kill -0 $fio_pid 2>/dev/null || break
done
wait $fio_pid
fio_rc=$?
# fio exits non-zero on a verify failure (verify_fatal) or an I/O error; its summary says err= 0
ok '[ $fio_rc = 0 ] && grep -q "err= *0" "$tap_tmp/fio.out"' \
	"fio wrote 32M at random, the server stopped $kills times under it (INT, TERM, KILL), and verified every block"
[ $fio_rc = 0 ] || diag "fio exit $fio_rc: $(grep -iE "err|verify|bad" "$tap_tmp/fio.out" | head -n 10)"
ok '[ "$(grep -c resumed "$tap_tmp/serve.out")" -ge 1 ]' "each new server resumed the running driver"

# ---- vhost blk, our virtio-blk driver on kr1 bound to vhost_vdpa: closing the char device
# (however the driver ends) resets the device and drops every IOTLB mapping
"$ZCIOCTL" vduse detach kr1 >/dev/null
"$ZCIOCTL" -j vduse attach kr1 driver vhost_vdpa >"$tap_tmp/vdpa.json"
chardev=$(jq -r .chardev "$tap_tmp/vdpa.json")
vdpa_free() { ! held_open "/dev/$chardev\$"; }
# a run of a set size cut short fails with EINTR, like vhost test
stop_rc=1 kill_rounds "vhost blk" 1500 vdpa_free true \
	vhost blk "$chardev" workload randwrite bs 4k depth 16 count 1000000 pattern 5
zc -j vhost blk "$chardev" workload verify size 1M depth 4
ok '[ "$rc" = 0 ] && jqo ".mismatch == false and .requests.failed == 0"' "vhost blk works after the rounds (1M written and read back)"
"$ZCIOCTL" vduse detach kr1 >/dev/null
kill -INT $srv
wait $srv
zc vduse destroy kr1
ok 'vduse_nothing_left' "no VDUSE or vDPA device left"

# ---- vduse serve of an attached net device on a tap of its own: the tap goes with the
# server (it is not persistent), however the server ends; each new one resumes the driver
zc vduse create kn0 type net
ok 'serve_up kn0 tap auto' "serve kn0 on a tap of its own"
zc -j vduse attach kn0
nd=$(printf "%s" "$out" | jq -r .netdev)
ip link set "$nd" up	# the driver posts receive buffers and sends its own frames (IPv6 DAD, RS)
serve_down
kill_rounds "vduse serve (net, tap auto)" 1500 vhost_nothing_left true vduse serve kn0 tap auto
ok 'serve_up kn0 tap auto && event resumed true' "serve kn0 works after the rounds and resumes the driver"
serve_down
zc vduse detach kn0
zc vduse destroy kn0
ok 'vduse_nothing_left && vhost_nothing_left' "the operator's order after the rounds (stop, detach, destroy): nothing left"
done_testing
