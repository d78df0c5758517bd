#!/bin/bash
# vhost-net driven by `zcioctl vhost test` with zero-copy transmit off (the default kernel
# command line): every frame through the tap both ways, byte for byte, at the smallest, a
# common and the largest size; bad input refused with nothing left behind; a run stopped by
# SIGINT cleans up, one killed by SIGKILL leaves a sink that `vhost cleanup` removes.
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

zc -j vhost features
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e "(.features_names | index(\"VERSION_1\") and index(\"RING_EVENT_IDX\")) and .zerocopy_tx == false" >/dev/null' \
	"features: VERSION_1 and EVENT_IDX offered, zero-copy transmit off"

for size in 60 1500 65000; do
	ok 'vhost_test ".tx.frames == 1000 and .tx.verified == 1000 and .tx.bad == 0 and .rx.frames == 1000 and .rx.verified == 1000 and .rx.bad == 0" direction both size $size count 1000 verify socket' \
		"$size-byte frames: 1000 out and 1000 in, every byte checked (TX through a packet socket)"
	ok 'printf "%s" "$out" | jq -e ".zerocopy.counted and .zerocopy.completed == 0 and .peak_inflight > 1" >/dev/null' \
		"$size-byte frames: none completed zero-copy (it is off), more than one buffer in flight"
done
ok 'printf "%s" "$out" | jq -e ".memory == \"anonymous\"" >/dev/null' "guest memory: anonymous by default"
ok 'vhost_test ".memory == \"memfd\" and .tx.verified == 1000 and .rx.verified == 1000 and .tx.bad == 0 and .rx.bad == 0" direction both size 60,1500,65000 count 1000 verify tc memory memfd' \
	"memory memfd: 60/1500/65000-byte frames exact both ways from a shared memfd"
ok 'vhost_test ".tx.verified == 500 and .rx.verified == 500 and (.features / 134217728 | floor) % 2 == 1" direction both size 1500 count 500 vnet-hdr off verify socket' \
	"vnet-hdr off: vhost adds the header itself (VHOST_NET_F_VIRTIO_NET_HDR), frames exact both ways"
ok 'vhost_test ".tap_napi == false" count 10' "tap-napi off by default: the kernel reports no IFF_NAPI"
ok 'vhost_test ".tap_napi == true and .tx.verified == 500 and .rx.verified == 500 and .tx.bad == 0 and .rx.bad == 0" direction both size 60,1500,65000 count 500 tap-napi on verify socket' \
	"tap-napi on: the kernel reports IFF_NAPI back, frames of 60/1500/65000 bytes exact both ways through NAPI"
ok 'vhost_test ".tx.frames == 999 and .tx.verified == 999 and .rx.verified == 999" direction both size 60,1500,65000 count 999 verify tc' \
	"sizes in turn 60/1500/65000: TX checked in place by the tc program, RX in the ring, all exact"
ok 'vhost_test ".tx.frames == 2000 and .peak_inflight <= 4 and .overtaken == 0" size 1500 count 2000 inflight 4 queue-size 64' \
	"inflight 4 on a 64-entry ring: never more than 4 in flight, completed in order"
# delayed interrupts: one call for a batch of completions instead of one a wait
ok 'vhost_test ".tx.frames == 3000 and .tx.verified == 3000 and .tx.bad == 0" size 1500 count 3000 verify tc' \
	"a call for each completion waited on: 3000 frames exact"
calls_each=$(printf "%s" "$out" | jq .tx.calls)
ok 'vhost_test ".tx.frames == 3000 and .tx.verified == 3000 and .tx.bad == 0" size 1500 count 3000 call-after 192 verify tc' \
	"call-after 192: 3000 frames exact, the last ones (fewer than 192 in flight) not waited for in vain"
calls_delayed=$(printf "%s" "$out" | jq .tx.calls)
# at most one interrupt a wait, and a wait takes 192 completions until fewer are in flight (under
# valgrind vhost finishes a batch before each wait: a call each time can be as few as 2)
ok '[ "$calls_delayed" -le $((3000 / 192 + 10)) ]' \
	"call-after 192: $calls_delayed interrupts for 3000 frames, at most one a batch (a call each time: $calls_each)"
ok 'vhost_nothing_left' "no tap or sink is left after the runs"

# an existing tap, used as it is
run ip tuntap add dev vt0 mode tap vnet_hdr
run ip link set vt0 up
ok 'vhost_test ".tap == \"vt0\" and .made_tap == false and .rx.verified == 200 and .tx.verified == 200" tap vt0 direction both count 200 verify socket' \
	"tap vt0 (made beforehand): frames exact both ways"
ok 'ip link show vt0 >/dev/null 2>&1' "and the tap is still there afterwards"
ok 'vhost_test ".tap == \"vt0\" and .tap_napi and .rx.verified == 100 and .tx.verified == 100" tap vt0 direction both count 100 tap-napi on verify socket' \
	"tap vt0 with tap-napi on: an existing tap's queue in NAPI mode too, frames exact"
# verify tc on a tap of one's own: a clsact qdisc made for the check goes with it, one that was
# there stays (with its filters) and only ours leaves
ok 'vhost_test ".tx.verified == 100" tap vt0 count 100 verify tc' "tap vt0, verify tc: frames exact"
ok '! tc qdisc show dev vt0 | grep -q clsact' "and the clsact qdisc made for the check is gone"
run tc qdisc add dev vt0 clsact
run tc filter add dev vt0 ingress prio 7 matchall classid 1:1
ok 'vhost_test ".tx.verified == 100" tap vt0 count 100 verify tc' "with a clsact of the user's already there: frames exact"
ok 'tc qdisc show dev vt0 | grep -q clsact && tc filter show dev vt0 ingress | grep -q "pref 7 matchall" && ! tc filter show dev vt0 ingress | grep -q bpf' \
	"and the user's clsact and filter stay, our filter is gone"
run ip tuntap del dev vt0 mode tap

# bad input: a clear error, exit 1 or 2, nothing left
zc vhost test tap nosuch
expect_rc 1 "a tap that does not exist fails"
expect_err 'no network device nosuch' "and says so"
zc vhost test tap lo
expect_rc 1 "a device that is not a tap fails"
expect_err 'lo is not a tap device' "and says so"
ok '! ip link show nosuch >/dev/null 2>&1 && vhost_nothing_left' "no tap was made for a missing name, nothing left"
expect_usage 'argument "100" of "queue-size" is wrong: expected a power of two' "queue-size 100" -- vhost test queue-size 100
expect_usage 'frame size "70000" of "size" is out of range' "size 70000" -- vhost test size 70000
expect_usage '"inflight" 512 is more than the queue size 256' "inflight over the queue size" -- vhost test inflight 512
expect_usage '"call-after" 65 is more than the buffers in flight 64' "call-after over inflight" -- vhost test inflight 64 call-after 65
expect_usage 'argument "0" of "call-after" is out of range' "call-after 0" -- vhost test call-after 0
expect_usage '"delay" needs the sink' "delay with a tap of one's own" -- vhost test tap vt0 delay 100
expect_usage 'argument "shm" of "memory" is wrong: expected one of memfd, anonymous' "memory shm" -- vhost test memory shm
zc vhost test size 65000 queue-size 32768
expect_rc 1 "a queue too large for the guest memory fails"
expect_err 'need more than 1 GiB of guest memory' "and says why"
zc vhost features device /dev/null
expect_rc 1 "features of something that is not a vhost device fails"
ok 'vhost_nothing_left' "nothing left after the bad inputs"

# stopped and killed
"$ZCIOCTL" -j vhost test count 1000000000 >"$tap_tmp/int.json" 2>"$tap_tmp/int.err" &
pid=$!
ok 'wait_for "ip -o link | grep -q zcs-" 30' "a long run is under way (its sink exists)"
sleep 1
kill -INT $pid
wait $pid
rc=$?
ok '[ "$rc" = 1 ] && grep -q "stopped by a signal" "$tap_tmp/int.err"' "SIGINT stops it with status 1 and says so"
ok 'jq -e ".error.errno == 4 and .result.tx.frames > 0 and .result.zerocopy.completed == 0" "$tap_tmp/int.json" >/dev/null' \
	"-j: an error object (EINTR) with what it did until then as its result"
expect_schema "$tap_tmp/int.json" -j vhost test
ok 'vhost_nothing_left' "and removes its tap and sink"
"$ZCIOCTL" vhost test count 1000000000 >/dev/null 2>&1 &
pid=$!
wait_for "ip -o link | grep -q zcs-" 30
kill -KILL $pid
wait $pid 2>/dev/null
ok 'wait_for "! ip -o link | grep -Eq \": tap[0-9]+:\"" 10 && ip -o link | grep -q zcs-' \
	"SIGKILL: the tap goes with the process, the sink stays"
zc -j vhost cleanup
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e ".removed == 1" >/dev/null' "vhost cleanup removes the sink"
ok 'vhost_nothing_left' "nothing left"

done_testing
