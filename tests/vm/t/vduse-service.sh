#!/bin/bash
# zcioctl-vduse@.service with this test as the service manager: the unit's own Exec lines (read
# from the unit as built, the helper of the build tree in place of the installed one) run in
# the order and with the environment systemd gives them, and a NOTIFY_SOCKET listener hears what
# `zcioctl vduse serve` says. Start: created, READY=1 from the main process, attached. SIGKILL
# of the server while writes are in flight, then the start again (Restart=on-failure): the disk
# stayed, the server resumes, no acknowledged write is lost. A clean stop detaches and keeps the
# device for the next start (ON_STOP=keep) or destroys it (ON_STOP=destroy). Mistakes in the
# conf file stop the start before anything is made.
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"
. "$top_srcdir/tests/lib/unit.sh"

name=s0
unit=$tap_tmp/zcioctl-vduse@.service
unit_for_test "$top_builddir/systemd/zcioctl-vduse@.service" "$top_builddir/systemd/vduse-service" >"$unit"
export ZCIOCTL ZCIOCTL_VDUSE_CONF_DIR=$tap_tmp/conf
mkdir -p "$ZCIOCTL_VDUSE_CONF_DIR"
conf=$ZCIOCTL_VDUSE_CONF_DIR/$name.conf

# ---- the service manager's half of sd_notify(3): one line per assignment, "PID VAR=value",
# the pid from the datagram's credentials (what NotifyAccess=main checks)
sock=$tap_tmp/notify.sock
notes=$tap_tmp/notify.log
python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = [struct.unpack("3i", d)[0] for lvl, t, d in anc if t == socket.SCM_CREDENTIALS]
        for line in msg.decode().split("\n"):
            log.write("%d %s\n" % (pid[0] if pid else 0, line))
' "$sock" "$notes" &
listener=$!
ok 'wait_for "[ -S $sock ]" 10' "a NOTIFY_SOCKET listener at $sock"
notified() { grep -qx "$1 $2" "$notes"; }
# the main process's last STATUS=
status_of() { sed -n "s/^$1 STATUS=//p" "$notes" | tail -n 1; }

# run_setting KEY ENV...: each command line of KEY= in the unit's order, with the environment
# systemd gives it; the first failure that is not "-"-prefixed ends it, as it ends systemd's
run_setting() {
	local key=$1 line
	shift
	while IFS= read -r line; do
		unit_cmd "$line" || return 1
		env "$@" "${cmd[@]}" >>"$tap_tmp/steps.out" 2>>"$tap_tmp/steps.err" || ((cmd_ignore)) || return 1
	done < <(unit_exec "$unit" "$key" "$name")
}

# svc_start: ExecStartPre, ExecStart in the background as the main process, READY=1 from it
# (Type=notify), then ExecStartPost
svc_start() {
	local line
	: >"$tap_tmp/steps.err"
	run_setting ExecStartPre || return 1
	line=$(unit_exec "$unit" ExecStart "$name") && unit_cmd "$line" || return 1
	NOTIFY_SOCKET=$sock "${cmd[@]}" >"$tap_tmp/serve.out" 2>"$tap_tmp/serve.err" &
	main_pid=$!
	wait_for "notified $main_pid READY=1 || ! kill -0 $main_pid 2>/dev/null" 30
	notified $main_pid READY=1 || return 1
	run_setting ExecStartPost MAINPID=$main_pid
}

# svc_stop: ExecStop while the server runs, KillSignal to it, ExecStopPost with its result
svc_stop() {
	local sig
	sig=$(unit_value "$unit" KillSignal)
	: >"$tap_tmp/steps.err"
	run_setting ExecStop MAINPID=$main_pid SERVICE_RESULT=success
	stop_rc=$?
	kill -"${sig:-SIGTERM}" $main_pid
	wait $main_pid
	main_rc=$?
	run_setting ExecStopPost SERVICE_RESULT=$([ $main_rc = 0 ] && [ $stop_rc = 0 ] && echo success || echo exit-code) \
		EXIT_CODE=exited EXIT_STATUS=$main_rc
}

# svc_crash: the server killed; systemd runs ExecStop and ExecStopPost with the verdict, and
# then, Restart=on-failure, the start again (svc_start)
svc_crash() {
	kill -KILL $main_pid
	wait $main_pid 2>/dev/null
	: >"$tap_tmp/steps.err"
	run_setting ExecStop SERVICE_RESULT=signal EXIT_CODE=killed EXIT_STATUS=KILL &&
		run_setting ExecStopPost SERVICE_RESULT=signal EXIT_CODE=killed EXIT_STATUS=KILL
}

exists() { [ -e "/sys/class/vduse/$name" ]; }
attached() { [ -e "/sys/bus/vdpa/devices/$name" ]; }
disk_of() { "$ZCIOCTL" -j vduse show "$name" | jq -r '.disk // empty'; }
# written PID: where dd PID's output is: seek plus what it wrote
written() { sed -n 's/^pos:[[:space:]]*//p' "/proc/$1/fdinfo/1" 2>/dev/null; }

# ---- start: the device made from the conf file, served, attached
head -c 32M /dev/zero >"$tap_tmp/$name.img"
cat >"$conf" <<CONF
# no CAPACITY: the backend's 32 MiB
BACKEND=$tap_tmp/$name.img
QUEUES=2
WORKERS=2
ON_STOP=keep
CONF
ok 'svc_start' "start: ExecStartPre, ExecStart, READY=1, ExecStartPost"
ok 'notified $main_pid READY=1 && [ "$(sed -n "s/ READY=1$//p" "$notes")" = $main_pid ]' \
	"READY=1 came once, from the main process ($main_pid): the helper exec'd zcioctl"
ok '[ "$(status_of $main_pid)" = "serving s0: driver ready, 2 of 2 queues" ]' \
	"STATUS= follows the server: $(status_of $main_pid)"
ok 'grep -qx "$main_pid STATUS=serving s0, 2 queues: attach it" "$notes"' "the STATUS with READY=1: serving, attach it"
disk=$(disk_of)
ok '[ -n "$disk" ] && [ -b "/dev/$disk" ] && [ "$(cat /sys/block/$disk/size)" = 65536 ]' \
	"attached once serving: /dev/$disk, 32 MiB like its backend"
ok '[ "$(ls /sys/block/$disk/mq | wc -l)" = 2 ] && [ "$(cat /sys/block/$disk/serial)" = $name ]' \
	"two queues (QUEUES=2), serial $name"

# ---- crash and restart: 8 MiB acknowledged, 16 MiB more in flight in 4K writes, each flushed
head -c 24M /dev/urandom >"$tap_tmp/pattern"
run dd if="$tap_tmp/pattern" of="/dev/$disk" bs=1M count=8 oflag=direct status=none
expect_rc 0 "8 MiB written (O_DIRECT) and acknowledged"
dd if="$tap_tmp/pattern" of="/dev/$disk" bs=4k skip=2048 seek=2048 count=4096 oflag=direct,dsync status=none &
dd_pid=$!
wait_for '[ "$(written $dd_pid)" -ge $((9 << 20)) ] 2>/dev/null' 60
first_pid=$main_pid
ok 'svc_crash' "the server SIGKILLed mid-write; ExecStop and ExecStopPost with SERVICE_RESULT=signal"
at_kill=$(written $dd_pid)
sleep 1
ok 'kill -0 $dd_pid && [ "$(written $dd_pid)" = "$at_kill" ]' \
	"the writer waits, nothing completes while nobody serves ($((at_kill >> 10)) KiB of 24 MiB done)"
ok 'attached && [ -b "/dev/$disk" ]' "the disk stays attached for the restart"
ok 'grep -q "left attached for the restart" "$tap_tmp/steps.err"' "and ExecStop says so"
ok '[ "$(unit_value "$unit" Restart)" = on-failure ]' "the unit restarts a failed server (Restart=on-failure)"
ok 'svc_start' "start again"
ok '[ $main_pid != $first_pid ] && [ "$(head -n 1 "$tap_tmp/serve.out" | cut -d: -f1)" = resumed ]' \
	"a new server, whose first line is resumed"
ok 'grep -q "^$main_pid STATUS=serving s0, 2 queues: resumed a running driver" "$notes"' \
	"STATUS: resumed a running driver ($(grep "^$main_pid STATUS=serving s0, 2" "$notes" | cut -d= -f2-))"
ok '[ "$(disk_of)" = "$disk" ] && grep -q "still attached" "$tap_tmp/steps.err"' \
	"ExecStartPost leaves the disk attached: still /dev/$disk"
wait $dd_pid
ok '[ $? = 0 ]' "the writer finishes"
ok 'cmp -s "$tap_tmp/pattern" <(dd if="/dev/$disk" bs=1M count=24 iflag=direct status=none)' \
	"24 MiB read back: every acknowledged write is there, and the ones in flight"

# ---- a clean stop: detached first, then the server stops; the device kept
ok 'svc_stop' "stop: ExecStop, SIGTERM, ExecStopPost"
ok '[ "$main_rc" = 0 ] && notified $main_pid STOPPING=1' "the server exits 0 after STOPPING=1"
ok '[ "$(status_of $main_pid)" = "stopped s0" ]' "its last STATUS: stopped s0"
ok '! attached && [ ! -e "/dev/$disk" ] && grep -q "^reset:" "$tap_tmp/serve.out"' \
	"detached while it served (the driver's reset reached the server)"
ok 'exists && ! kill -0 $main_pid 2>/dev/null' "ON_STOP=keep: the device is kept, its server gone"

ok 'svc_start' "start again: the kept device"
ok '[ "$(head -n 1 "$tap_tmp/serve.out" | cut -d: -f1)" = ready ] && grep -q "it exists: served as it is" "$tap_tmp/steps.err"' \
	"ExecStartPre keeps it; its server is ready (no driver to resume)"
disk=$(disk_of)
ok 'cmp -s "$tap_tmp/pattern" <(dd if="/dev/$disk" bs=1M count=24 iflag=direct status=none)' \
	"attached again (/dev/$disk), with the 24 MiB"

# ---- ON_STOP=destroy
sed -i 's/^ON_STOP=.*/ON_STOP=destroy/' "$conf"
ok 'svc_stop && [ "$main_rc" = 0 ]' "stop with ON_STOP=destroy"
ok 'vduse_nothing_left && [ ! -e /run/zcioctl/vduse/$name.inflight ]' "the device is destroyed, its in-flight record too"

# ---- mistakes stop the start before anything is made
echo "CAPCITY=1G" >>"$conf"
ok '! svc_start' "a conf file with an unknown key: the start fails"
ok 'grep -q "$name.conf, line 6: unknown key CAPCITY" "$tap_tmp/steps.err" && vduse_nothing_left' \
	"at ExecStartPre, naming the line, with nothing created"
printf 'BACKEND=%s\nCAPACITY=1M\nON_STOP=destroy\n' "$tap_tmp/missing.img" >"$conf"
ok '! svc_start && ! kill -0 $main_pid 2>/dev/null' "a backend that is not there: the server exits without READY=1"
ok 'grep -q "backend $tap_tmp/missing.img: No such file or directory" "$tap_tmp/serve.err"' \
	"and says why: $(head -n 1 "$tap_tmp/serve.err")"
run_setting ExecStopPost SERVICE_RESULT=exit-code EXIT_CODE=exited EXIT_STATUS=1
ok 'exists && ! attached' "after a failed start the device is kept (systemd would try again)"
zc vduse destroy $name

kill $listener
wait $listener 2>/dev/null
ok 'vduse_nothing_left && ! kill -0 $main_pid 2>/dev/null && ! kill -0 $listener 2>/dev/null' \
	"nothing left: no device, no server, no listener"

done_testing
