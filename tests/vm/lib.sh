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
	[ ! -e "/sys/kernel/config/usb_gadget/$1" ] && ! grep -q "^$1 .* functionfs " /proc/mounts &&
		[ ! -e "/run/zcioctl/ffs/$1" ]
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
# event EVENT JQ-CONDITION: the server printed that event line and it satisfies the condition
event() { jq -e "select(.event == \"$1\") | $2" "$srv_out" 2>/dev/null | grep -qx true; }

# serve_down: SIGINT, its exit status in srv_rc; each of its event lines follows the schema
serve_down() {
	kill -INT "$srv_pid"
	wait "$srv_pid"
	srv_rc=$?
	expect_schema "$srv_out" -j vduse serve
}
