#!/bin/bash
# The kernel's fault injection against each command that creates kernel objects: the Nth
# slab or page allocation its thread makes is failed (/proc/thread-self/fail-nth, armed by
# ZCIOCTL_FAIL_NTH as the command starts), for N = 1, 2, ... until a run makes fewer. Every
# run must end in success or a clear error, leave nothing behind once the command's own
# cleanup has run, and the kernel log must stay free of reports. The count of injection
# points per command is printed. Allocations of other threads (vduse serve's workers) and of
# the kernel's own workers are not counted: only the command's main thread. Fault injection is
# in the KASAN flavour of the test kernel (make check-kasan); the default flavour skips this.
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

if [ ! -e /proc/self/fail-nth ]; then
	skip "the test kernel lacks CONFIG_FAULT_INJECTION (the kasan flavour has it: make check-kasan)"
	done_testing
	exit 0
fi
# GFP_KERNEL allocations count too (by default failslab and fail_page_alloc skip those that
# may sleep, which is nearly all of ours); user page faults (highmem) still do not. One line
# of the kernel log per failure, no stack dump.
for f in failslab fail_page_alloc; do
	echo N >/sys/kernel/debug/$f/ignore-gfp-wait
	echo 1 >/sys/kernel/debug/$f/verbose
done
echo 0 >/sys/kernel/debug/fail_page_alloc/min-order

# fail_each NAME LEFT CLEANUP ARGS...: ARGS (a command) with ZCIOCTL_FAIL_NTH=N for N = 1, 2,
# ... until zcioctl says the Nth call was not reached; after each run CLEANUP (shell), and then
# LEFT (shell) must hold. Output in $tap_tmp/fi.out and fi.err.
fail_each() {
	local name=$1 left=$2 cleanup=$3 n=0 rc unclear=0 leftover=0 errors=0 last_rc=
	shift 3
	while :; do
		n=$((n + 1))
		ZCIOCTL_FAIL_NTH=$n "$@" >"$tap_tmp/fi.out" 2>"$tap_tmp/fi.err"
		rc=$?
		if [ $rc != 0 ]; then
			errors=$((errors + 1))
			# a clear error: exit 1 or 3 and a line that says what failed
			if { [ $rc != 1 ] && [ $rc != 3 ]; } || ! grep -q '^zcioctl: [a-z]* [a-z-]*: ' "$tap_tmp/fi.err"; then
				unclear=$((unclear + 1))
				diag "$name, allocation $n: exit $rc: $(head -c 300 "$tap_tmp/fi.err")"
			fi
		fi
		eval "$cleanup" >/dev/null 2>&1
		if ! eval "$left"; then
			leftover=$((leftover + 1))
			diag "$name, allocation $n: something was left behind"
			eval "$cleanup" >/dev/null 2>&1
		fi
		grep -q 'ZCIOCTL_FAIL_NTH: not reached' "$tap_tmp/fi.err" && { last_rc=$rc; break; }
		[ $n -ge 3000 ] && break
	done
	n=$((n - 1))
	ok '[ "$last_rc" = 0 ] && [ $unclear = 0 ]' \
		"$name: each of its $n kernel allocations failed in turn ends in success or a clear error; none failed, it succeeds"
	ok '[ $leftover = 0 ]' "$name: nothing left behind after any of the $n runs"
	diag "$name: $n injection points; $errors runs ended in an error, $((n - errors)) succeeded anyway"
}

# briefly READY-REGEX ARGS...: zcioctl ARGS in the background until it prints READY-REGEX (on
# either stream) or exits, then SIGINT: for the long-running commands. Its exit status.
briefly() {
	local ready=$1 pid
	shift
	"$ZCIOCTL" "$@" &
	pid=$!
	wait_for "grep -Eq '$ready' $tap_tmp/fi.out $tap_tmp/fi.err || ! kill -0 $pid 2>/dev/null" 20
	kill -INT $pid 2>/dev/null
	wait $pid
}

# ---- vduse: create; serve; attach (served by a server outside the injection)
fail_each "vduse create" vduse_nothing_left "\"$ZCIOCTL\" vduse destroy fi0" \
	"$ZCIOCTL" vduse create fi0 type blk capacity 16M queues 2
"$ZCIOCTL" vduse create fi0 type blk capacity 16M queues 2
served() { "$ZCIOCTL" -j vduse show fi0 | jq -e .served >/dev/null; }
fail_each "vduse serve" '! served' true \
	briefly '^ready' vduse serve fi0 memory 16M workers 2
"$ZCIOCTL" -j vduse serve fi0 memory 16M >"$tap_tmp/serve.out" 2>&1 &
srv=$!
wait_for "grep -q ready $tap_tmp/serve.out" 20
fail_each "vduse attach" '[ -z "$(ls /sys/bus/vdpa/devices)" ]' "\"$ZCIOCTL\" vduse detach fi0" \
	"$ZCIOCTL" vduse attach fi0
kill -INT $srv
wait $srv
"$ZCIOCTL" vduse destroy fi0
ok 'vduse_nothing_left' "no VDUSE or vDPA device left"

# ---- vhost: a tap made and removed by the command, frames both ways
fail_each "vhost test" vhost_nothing_left true \
	"$ZCIOCTL" vhost test tap auto direction both size 1500 count 8 verify tc

# ---- ffs: a gadget up until SIGINT; DMABUF transfers through it
fail_each "ffs up" 'gadget_gone fi0' "\"$ZCIOCTL\" ffs down fi0" \
	briefly '"event":"ready"|^ready' ffs up fi0 in 1 out 1
ffs_up fi1 in 1 out 1
ok '[ $? = 0 ]' "gadget fi1 is up for the transfers"
dmabufs=$(dmabuf_count)
# transfer_in ARGS...: the host reads what the gadget sends; the peer is stopped if the gadget failed
transfer_in() {
	"$ZCIOCTL" ffs peer 1d6b:0104 read size 64K count 4 timeout 5000 >/dev/null 2>&1 &
	local peer=$! rc
	"$ZCIOCTL" ffs transfer "$ffs_mnt/ep1" size 64K count 4 "$@"
	rc=$?
	kill $peer 2>/dev/null
	wait $peer 2>/dev/null
	return $rc
}
fail_each "ffs transfer (udmabuf DMABUFs)" '[ "$(dmabuf_count)" = "$dmabufs" ]' true \
	transfer_in heap udmabuf wait sync-file
fail_each "ffs transfer (system heap DMABUFs)" '[ "$(dmabuf_count)" = "$dmabufs" ]' true \
	transfer_in heap system wait poll
ffs_down fi1
ok 'gadget_gone fi0 && gadget_gone fi1' "no gadget, mount or owner file left"

# ---- trace fence: BPF programs attached until SIGINT
progs() { bpftool prog show 2>/dev/null | grep -c dma_fence; }
fail_each "trace fence" '[ "$(progs)" = 0 ]' true briefly '^tracing dma_fence' trace fence

# ---- mm: device-exclusive access through test_hmm
fail_each "mm exclusive" true true "$ZCIOCTL" mm exclusive size 64K

ok '! grep -q . /sys/kernel/debug/dma_buf/bufinfo 2>/dev/null || [ "$(dmabuf_count)" = "$dmabufs" ]' "no DMABUF left"
done_testing
