# Helpers for guest tests (sourced after tests/lib/tap.sh).

# The dummy_hcd loopback enumerates our gadget as device 1-1 on the only USB bus.
USB_IFACE=/sys/bus/usb/devices/1-1:1.0

# wait_for COND SECONDS: poll a shell condition every 0.1 s.
wait_for() {
	local cond=$1 tries=$(($2 * 10))
	while ! eval "$cond"; do
		tries=$((tries - 1))
		[ $tries -le 0 ] && return 1
		sleep 0.1
	done
}

# ffs_up NAME [ARGS...]: start `zcioctl ffs up` in the background, wait until the host side
# has enumerated it. Sets ffs_pid, ffs_mnt, ffs_log (its JSON lines; its stderr in $ffs_log.err).
ffs_up() {
	local name=$1
	shift
	ffs_mnt=/run/zcioctl/mnt/$name
	ffs_log=$tap_tmp/ffs-up-$name.log
	"$ZCIOCTL" -j ffs up "$name" "$@" >"$ffs_log" 2>"$ffs_log.err" &
	ffs_pid=$!
	wait_for "grep -q '\"event\":\"ready\"' '$ffs_log' || ! kill -0 $ffs_pid 2>/dev/null" 20 &&
		kill -0 $ffs_pid 2>/dev/null &&
		wait_for "[ -e $USB_IFACE/ep_81 ] || [ -e $USB_IFACE/ep_01 ] || [ -e $USB_IFACE/ep_02 ]" 30
}

ffs_down() {
	"$ZCIOCTL" ffs down "$1" >/dev/null 2>&1
	wait "$ffs_pid" 2>/dev/null
	wait_for "[ ! -e $USB_IFACE ]" 10
}

# Nothing of a gadget left behind: configfs, mounts, owner file.
gadget_gone() {
	local left=()
	[ -e "/sys/kernel/config/usb_gadget/$1" ] && left+=("its configfs gadget")
	grep -q "^$1 .* functionfs " /proc/mounts && left+=("its functionfs mount")
	[ -e "/run/zcioctl/ffs/$1" ] && left+=("its owner file")
	[ ${#left[@]} = 0 ] && return 0
	diag "gadget $1: ${left[*]} still there"
	return 1
}

# Count dmabufs alive in the kernel (debugfs bufinfo lists one line per buffer after a header).
dmabuf_count() {
	awk '/^Total/ { print $2; found = 1 } END { if (!found) print 0 }' /sys/kernel/debug/dma_buf/bufinfo
}

# No VDUSE device in /sys/class/vduse and nothing on the vDPA bus.
vduse_nothing_left() {
	[ -z "$(ls /sys/class/vduse | grep -vx control)" ] && [ -z "$(ls /sys/bus/vdpa/devices 2>/dev/null)" ]
}

# vhost_nothing_left: no tap or sink of ours on the machine.
vhost_nothing_left() {
	! ip -o link | grep -Eq ': (tap[0-9]+|zcs-[^:@]*)[:@]'
}

# vhost_test JQ-CONDITION ARGS...: `zcioctl -j vhost test ARGS` succeeds and its JSON satisfies the condition.
vhost_test() {
	local cond=$1
	shift
	zc -j vhost test "$@"
	[ "$rc" = 0 ] && printf '%s' "$out" | jq -e "$cond" >/dev/null
}

# jqo FILTER: the last command's JSON output ($out) satisfies the jq filter
jqo() { printf "%s" "$out" | jq -e "$1" >/dev/null 2>&1; }

# ---- vduse serve in the background (vduse-serve, vduse-net)

# serve_up NAME ARGS...: the server in the background, once its first event line (ready, or
# resumed) says it is serving.
serve_up() {
	local name=$1
	shift
	srv_out=$tap_tmp/serve-$name.out
	srv_err=$tap_tmp/serve-$name.err
	"$ZCIOCTL" -j vduse serve "$name" "$@" >"$srv_out" 2>"$srv_err" &
	srv_pid=$!
	wait_for "serving || ! kill -0 $srv_pid 2>/dev/null" 30
	serving
}
serving() { grep -Eq '^\{"event":"(ready|resumed)"' "$srv_out"; }
# thread_cpus [io]: the CPUs each of the server's threads may run on, sorted ("1 1 "); io: not its main thread
thread_cpus() {
	local t
	for t in /proc/$srv_pid/task/*; do
		[ "${1:-}" = io ] && [ "${t##*/}" = "$srv_pid" ] && continue
		sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status"
	done | sort | tr '\n' ' '
}
# event EVENT JQ-CONDITION: the server printed that event line and it satisfies the condition
event() { jq -e "select(.event == \"$1\") | $2" "$srv_out" 2>/dev/null | grep -qx true; }

# serve_down: SIGINT, its exit status in srv_rc; each of its event lines follows the schema
serve_down() {
	kill -INT "$srv_pid"
	wait "$srv_pid"
	srv_rc=$?
	expect_schema "$srv_out" -j vduse serve
}

# held_open REGEX: some process has a file open whose path matches the extended regex (anchored
# at the start: "/dev/vhost-vdpa-0$")
held_open() { ls -l /proc/[0-9]*/fd/ 2>/dev/null | grep -Eq " -> $1"; }

# ---- fault injection (fault-inject, fault-inject-vfio)

# fault_injection_on: the Nth allocation of a thread can be failed through fail-nth, for
# GFP_KERNEL allocations too (by default failslab and fail_page_alloc skip those that may sleep,
# which is nearly all of ours; user page faults, highmem, still do not), one line of the kernel
# log per failure, no stack dump. Kernel leaks found so far are set aside (kmemleak_none reports
# new ones). Without CONFIG_FAULT_INJECTION the whole test is skipped.
fault_injection_on() {
	if [ ! -e /proc/self/fail-nth ]; then
		skip "the test kernel lacks CONFIG_FAULT_INJECTION (the kasan flavour has it: make check-kasan)"
		done_testing
		exit 0
	fi
	local f
	for f in failslab fail_page_alloc; do
		echo N >/sys/kernel/debug/$f/ignore-gfp-wait
		echo 1 >/sys/kernel/debug/$f/verbose
	done
	echo 0 >/sys/kernel/debug/fail_page_alloc/min-order
	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo scan >/sys/kernel/debug/kmemleak
		echo clear >/sys/kernel/debug/kmemleak
	fi
	return 0
}

# kmemleak_none: no kernel object leaked since fault_injection_on, by kmemleak's scan (two
# scans: an object is reported once it is unreferenced in both), or no kmemleak in the kernel.
# The reports, if any, in diagnostics.
kmemleak_none() {
	local km=/sys/kernel/debug/kmemleak
	[ -w $km ] || return 0
	echo scan >$km
	echo scan >$km
	grep -q 'unreferenced object' $km || return 0
	diag "kmemleak: $(grep -c 'unreferenced object' $km) objects"
	head -n 60 $km | sed 's/^/# /'
	return 1
}

# fail_each NAME LEFT CLEANUP ARGS...: ARGS (a command) run first with ZCIOCTL_FAIL_NTH armed
# past its end, which counts its injection points, then with ZCIOCTL_FAIL_NTH=N for N = 1, 2, ...
# until zcioctl says the Nth call was not reached; after each run CLEANUP (shell), and then LEFT
# (shell) must hold. ZC_FAIL_STEP=K walks N = 1, 1+K, 1+2K, ... instead: a quicker look that
# skips points (the default, 1, fails every one). ZC_FAIL_STEP=paths fails, of the calls made
# from the same kernel stack, only the first (fail_paths): every allocation site and the path to
# it, not every iteration of a loop. ZC_FAIL_STEP=first walks nothing: each command is counted
# and failed once, at its first point. ZC_FAIL_ONLY=REGEX walks only the commands whose NAME
# matches (extended regex); the others are treated as with first.
# Output in $tap_tmp/fi.out and fi.err.
fail_each() {
	local name=$1 left=$2 cleanup=$3 step=${ZC_FAIL_STEP:-1} n first points limit runs=0 walked
	local -a path_ns=()
	unclear=0 leftover=0 errors=0
	shift 3
	[[ "$step" = first || ( -n "${ZC_FAIL_ONLY:-}" && ! "$name" =~ $ZC_FAIL_ONLY ) ]] && step=1000000
	# counted twice: a command's first run in a fresh state also fills caches that later runs find
	fail_once 1000000 "$@"
	first=$(fail_calls)
	fail_once 1000000 "$@"
	points=$(fail_calls)
	[ "$first" != "$points" ] && diag "$name: $first injection points on its first run, $points on the next"
	if [ "$step" = paths ]; then
		fail_paths "$@"
		mapfile -t path_ns <"$tap_tmp/paths.n"
	fi
	unclear=0 leftover=0 errors=0	# what the walk finds, not the counting runs
	# to the counted end and past it (a run may make a few calls more than the counting run did),
	# not for ever: a command whose count keeps growing is a finding too
	limit=$((2 * ${points:-0} + 100))
	if [ "$step" = paths ]; then
		walked="the first call from each of its ${#path_ns[@]} kernel stacks"
		# every one, even past a run that made fewer calls: a run's count varies by a few, and
		# the stacks of the command's teardown come last
		local not_reached=0
		for n in "${path_ns[@]}"; do
			runs=$((runs + 1))
			fail_once $n "$@" && not_reached=$((not_reached + 1))
		done
		[ $not_reached = 0 ] || diag "$name: $not_reached of the stacks' first calls not reached (the run made fewer calls)"
		# and the run that no fault reaches, which must succeed
		runs=$((runs + 1))
		fail_once 1000000 "$@"
		n=1000000
		[ ${#path_ns[@]} -gt 0 ] || { unclear=$((unclear + 1)); diag "$name: no kernel stack recorded"; }
	else
		walked="each of its ${points:-?} kernel allocations (every ${step})"
		[ "$step" = 1000000 ] && walked="the first of its ${points:-?} kernel allocations (not walked: ZC_FAIL_STEP=first or ZC_FAIL_ONLY)"
		for ((n = 1; n <= limit; n += step)); do
			runs=$((runs + 1))
			fail_once $n "$@" && break	# the Nth call not reached: the end
		done
		if [ $n -gt $limit ]; then
			[ "$step" = 1 ] && { unclear=$((unclear + 1)); diag "$name: still making calls at $limit"; }
			runs=$((runs + 1))
			fail_once 1000000 "$@"	# a step past the end: the run that no fault reaches
		fi
	fi
	# an error when the Nth call was not reached, which no injected fault explains, is a finding
	if [ "$rc" != 0 ]; then
		unclear=$((unclear + 1))
		diag "$name: failed with no fault injected (allocation $n not reached): exit $rc: $(head -c 300 "$tap_tmp/fi.err")"
	fi
	ok '[ "$rc" = 0 ] && [ "$points" -gt 0 ] && [ $unclear = 0 ]' \
		"$name: $walked failed in turn ends in success or a clear error; none failed, it succeeds"
	ok '[ $leftover = 0 ]' "$name: nothing left behind after any of the $runs runs"
	diag "$name: ${points:-?} injection points; $runs runs ($walked): $errors ended in an error, $((runs - errors)) succeeded anyway"
}

# fail_paths ARGS...: for one run of ARGS (a command, fail-nth armed past its end), the Ns of the
# calls that fail-nth counts which come from a kernel stack not seen before in that run, one per
# line, in order, into $tap_tmp/paths.n. A kprobe on should_fail_ex (bpftrace) keeps, for each
# kernel stack of zcioctl's armed thread (the only zcioctl task with fail_nth set), the largest
# fail_nth it saw there: the stack's first call.
# The call k (from 1) finds fail_nth = 1000000 - (k - 1) before should_fail_ex counts it.
fail_paths() {
	local try
	# Once in a while the probe sees none of the command's calls (vfio dma via type1, once, in
	# the walk of the five vfio commands; the same command under a fresh bpftrace was seen): a
	# counting run that recorded fewer calls than zcioctl counted, or whose bpftrace did not
	# start, is made again, up to three times.
	for try in 1 2 3; do
		fail_paths_once "$@" && return
		diag "$name: counting run $try under bpftrace: $(grep -v '^probing' "$tap_tmp/paths.out" | head -c 400)"
	done
}

# fail_paths_once ARGS...: one counting run of fail_paths; false when the probe saw fewer calls
# than zcioctl counted
fail_paths_once() {
	local out=$tap_tmp/paths.out bt seen optimize=/proc/sys/debug/kprobes-optimization was_optimized lost
	: >"$tap_tmp/paths.n"
	# Every hit through int3, none through an optimized jump: an int3 hit runs as an NMI, where
	# lockdep only checks that a lock was never used outside one, and after hits through the
	# jump had used the bucket lock of bpftrace's map, one through int3 (a kprobe is unoptimized
	# before it goes) made it report "{INITIAL USE} -> {IN-NMI}" (once in six walks).
	was_optimized=$(cat $optimize 2>/dev/null)
	[ -n "$was_optimized" ] && echo 0 >$optimize
	# The probe is there once it has seen a call of another armed process (a shell that arms its
	# own fail-nth and execs): bpftrace says "Attaching" and runs BEGIN before it attaches, and
	# a short command could run and end before that.
	bt='kprobe:should_fail_ex /curtask->fail_nth > 0 && comm == "zcioctl"/ {
			@first[kstack] = max(curtask->fail_nth); @calls = count(); }
		kprobe:should_fail_ex /curtask->fail_nth > 0 && comm != "zcioctl"/ { printf("probing\n"); }'
	bpftrace -e "$bt" >"$out" 2>&1 &
	bt=$!
	if ! wait_for "sh -c 'echo 1000000 >/proc/self/fail-nth && exec true'; grep -q '^probing' $out ||
			! kill -0 $bt 2>/dev/null" 300 || ! kill -0 $bt 2>/dev/null; then
		diag "bpftrace did not start: $(head -c 300 "$out")"
		kill $bt 2>/dev/null
		wait $bt
		[ -n "$was_optimized" ] && echo "$was_optimized" >$optimize
		return 1
	fi
	fail_once 1000000 "$@"
	kill -INT $bt
	wait $bt
	[ -n "$was_optimized" ] && echo "$was_optimized" >$optimize
	awk '/^\]: [0-9]+$/ { print 1000001 - $2 }' "$out" | sort -n >"$tap_tmp/paths.n"
	# bpf_get_stackid() gives two stacks that hash alike one id, -EEXIST, which bpftrace cannot
	# print: the stacks behind it are not walked (seen: one in each counting run of the vfio
	# commands, of 95-440)
	lost=$(grep -c 'failed to look up stack id -17' "$out")
	[ "$lost" = 0 ] || diag "$name: the calls of $lost or more kernel stacks lost to a stack id collision"
	# it sees a few more than zcioctl counts: those of its exit, after the count was read
	seen=$(sed -n 's/^@calls: //p' "$out")
	[ "${seen:-0}" -ge "$(fail_calls)" ] && return
	diag "$name: the kprobe saw ${seen:-no} calls of the $(fail_calls) counted"
	false
}

# fail_cache CACHE ARGS...: ARGS (a command) with every allocation it makes from the slab cache
# CACHE failed (failslab's cache and task filters; the KASAN kernel boots with slab_nomerge, so
# the cache is its own); its status in rc, its output in $tap_tmp/fc.out and fc.err.
fail_cache() {
	local cache=$1 fs=/sys/kernel/debug/failslab f
	local -A was
	shift
	rc=
	echo 1 >"/sys/kernel/slab/$cache/failslab" || return
	for f in cache-filter task-filter interval times probability; do was[$f]=$(cat $fs/$f); done
	echo Y >$fs/cache-filter && echo Y >$fs/task-filter && echo 1 >$fs/interval && echo -1 >$fs/times &&
		echo 100 >$fs/probability &&
		(echo 1 >/proc/self/make-it-fail && exec "$@") >"$tap_tmp/fc.out" 2>"$tap_tmp/fc.err"
	rc=$?
	for f in probability times interval task-filter cache-filter; do echo "${was[$f]}" >$fs/$f; done
	echo 0 >"/sys/kernel/slab/$cache/failslab"
}

# fail_calls: how many injectable calls the last fail_once run made, when it did not reach N
fail_calls() { sed -n 's/.*ZCIOCTL_FAIL_NTH: not reached (\([0-9]*\) calls).*/\1/p' "$tap_tmp/fi.err"; }

# fail_once N ARGS...: one run of fail_each's with the Nth call failed; true when zcioctl says
# it made fewer. Counts into fail_each's unclear, leftover and errors; its status in rc.
fail_once() {
	local n=$1
	shift
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
	grep -q 'ZCIOCTL_FAIL_NTH: not reached' "$tap_tmp/fi.err"
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
