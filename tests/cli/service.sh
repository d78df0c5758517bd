#!/bin/bash
# zcioctl-vduse@.service and its helper, on the host: systemd-analyze verify accepts the unit as
# built; the helper reads NAME.conf as zcioctl-vduse(8) says and hands zcioctl the arguments it
# documents (a stand-in zcioctl records them), and names the file and line of a mistake. The
# service itself runs in the guest: tests/vm/t/vduse-service.sh.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/unit.sh"

unit=$top_builddir/systemd/zcioctl-vduse@.service
helper=$top_builddir/systemd/vduse-service

# ---- the unit
ok '[ "$(unit_value "$unit" Type)" = notify ] && [ "$(unit_value "$unit" Restart)" = on-failure ]' \
	"the unit is Type=notify, Restart=on-failure"
steps=$(for k in ExecStartPre ExecStart ExecStartPost ExecStop ExecStopPost; do unit_exec "$unit" $k d0; done |
	sed 's#^[^ ]*/vduse-service ##' | tr '\n' ',')
ok '[ "$steps" = "create d0,serve d0,attach d0,detach d0,destroy d0," ]' \
	"its Exec lines run the helper's steps create, serve, attach, detach, destroy ($steps)"

unit_for_test "$unit" "$helper" >"$tap_tmp/zcioctl-vduse@t0.service"
# Documentation=man:zcioctl-vduse(8): verify asks man, which finds the page here (built, or
# shipped in the source tree of a release)
mkdir -p "$tap_tmp/man/man8"
for page in "$top_builddir/doc/zcioctl-vduse.8" "$top_srcdir/doc/zcioctl-vduse.8"; do
	[ -f "$page" ] && ln -s "$page" "$tap_tmp/man/man8/" && break
done
unit_verify "$tap_tmp/zcioctl-vduse@t0.service" "$tap_tmp/man"
case $? in
77) skip "systemd-analyze verify: $verify_out" ;;
*) ok '[ -z "$verify_out" ]' "systemd-analyze verify: no error, no warning${verify_out:+: $verify_out}" ;;
esac

# ---- the helper, with a stand-in zcioctl that records its pid and arguments
mkdir -p "$tap_tmp/conf"
cat >"$tap_tmp/zcioctl" <<'STANDIN'
#!/bin/sh
echo "$$ $*" >>"${0%/*}/calls"
STANDIN
chmod +x "$tap_tmp/zcioctl"
export ZCIOCTL=$tap_tmp/zcioctl ZCIOCTL_VDUSE_CONF_DIR=$tap_tmp/conf
truncate -s 3M "$tap_tmp/disk image"
step() {
	: >"$tap_tmp/calls"
	run "$helper" "$@"
	calls=$(cut -d' ' -f2- "$tap_tmp/calls")
}
conf() { printf '%s\n' "$@" >"$tap_tmp/conf/t0.conf"; }

conf '# every key' "  BACKEND=\"$tap_tmp/disk image\"   # a quoted path with a blank" "CAPACITY=2M # 2 MiB" \
	"BLOCK_SIZE=4096" "QUEUES='2'" "QUEUE_SIZE=128" "FEATURES=flush,discard" "READONLY=yes" "WORKERS=2" \
	"IO_THREADS=3" "CPUS=0-1,3" "" "ON_STOP=destroy"
step create t0
ok '[ "$rc" = 0 ] && [ "$calls" = "vduse create t0 type blk capacity 2M block-size 4096 queues 2 queue-size 128 features flush,discard readonly" ]' \
	"create: every key of the file in zcioctl vduse create ($calls)"
step serve t0
ok '[ "$rc" = 0 ] && [ "$calls" = "vduse serve t0 backend $tap_tmp/disk image workers 2 io-threads 3 cpus 0-1,3 readonly" ]' \
	"serve: backend, workers, io-threads, cpus, readonly"
"$helper" serve t0 &
helper_pid=$!
wait $helper_pid
ok '[ "$(tail -n 1 "$tap_tmp/calls" | cut -d" " -f1)" = "$helper_pid" ]' \
	"serve execs zcioctl: the service's main process is the server (NotifyAccess=main)"

conf "BACKEND='$tap_tmp/disk image'"
step create t0
ok '[ "$rc" = 0 ] && [ "$calls" = "vduse create t0 type blk capacity 3145728" ]' \
	"create: no CAPACITY, the backend's size; nothing else unless the file says it"
step serve t0
ok '[ "$calls" = "vduse serve t0 backend $tap_tmp/disk image" ]' "serve: only the backend"
step attach t0
ok '[ "$rc" = 0 ] && [ "$calls" = "vduse attach t0" ]' "attach: a device not attached is attached"
SERVICE_RESULT=signal step detach t0
ok '[ "$rc" = 0 ] && [ -z "$calls" ]' "detach after the server failed: nothing done"
expect_err 'the server failed \(signal\): left attached for the restart' "and it says why"
conf "BACKEND=/x" "ON_STOP=destroy"
SERVICE_RESULT=exit-code step destroy t0
ok '[ "$rc" = 0 ] && [ -z "$calls" ]' "destroy of a device that does not exist: nothing done"

# ---- mistakes: the file and the line, and nothing run
bad() {
	local want=$1 desc=$2
	shift 2
	conf "$@"
	step create t0
	ok '[ "$rc" = 1 ] && [ -z "$calls" ] && printf "%s" "$err" | grep -Eq -- "$want"' "$desc"
}
bad 't0.conf, line 2: unknown key CAPCITY \(the keys: CAPACITY' "an unknown key: named, with its line" \
	"BACKEND=/x" "CAPCITY=1G"
bad 'line 1: more than one value for QUEUES \(quote it\)' "two words unquoted" "QUEUES=1 2" "BACKEND=/x"
bad 'line 1: no closing "' "an unclosed quote" 'BACKEND="/x'
bad 'line 1: expected KEY=value' "a line without =" "BACKEND /x"
bad 'READONLY=maybe: expected yes or no' "READONLY neither yes nor no" "BACKEND=/x" "READONLY=maybe"
bad 'ON_STOP=wipe: expected keep or destroy' "ON_STOP neither keep nor destroy" "BACKEND=/x" "ON_STOP=wipe"
bad 'no BACKEND: the file or block device' "no BACKEND" "CAPACITY=1G"
bad 'BACKEND /nonexistent: no such file or block device \(truncate' "no CAPACITY and no backend to size it by" \
	"BACKEND=/nonexistent"
step create nosuch
ok '[ "$rc" = 1 ] && [ -z "$calls" ]' "no conf file: fails"
expect_err "reading $tap_tmp/conf/nosuch.conf: no such file" "and names it"
step create 'a/b'
ok '[ "$rc" = 1 ] && [ -z "$calls" ]' "a name that is no device name: refused"
step bogus t0
ok '[ "$rc" = 2 ] && [ -z "$calls" ]' "an unknown step: usage, exit 2"

done_testing
