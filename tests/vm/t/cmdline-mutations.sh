#!/bin/bash
# Command lines mutated from valid ones of every object (words dropped, repeated, swapped, or
# replaced by empty, huge, negative, out-of-range, non-UTF-8, path-like and format-like
# strings), run as root against the real kernel interfaces: the exit status is always 0, 1, 2
# or 3 (a long-running one is stopped by SIGINT after a few seconds and must then exit too), and
# after each line's cleanup nothing is left: no VDUSE or vDPA device, gadget, sink, BPF program.
# The seed is printed; ZC_MUTATION_SEED=N repeats a run, ZC_MUTATIONS=M (default 200) sets the
# number of lines.
# 200 lines took 731-912 s on the KASAN kernel, past the 900 s default:
# vm-test-timeout: 2400
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

seed=${ZC_MUTATION_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
count=${ZC_MUTATIONS:-200}
diag "seed $seed (ZC_MUTATION_SEED=$seed repeats it), $count lines"

# The valid lines mutations start from. Nothing here may touch the guest's own devices (vfio
# bind of the root file system's virtio device, for one): devices are ours or do not exist.
cat >"$tap_tmp/valid" <<'EOF'
feature
feature probe vduse vhost_net vfio
version
vduse create mu0 type blk capacity 16M queues 2 queue-size 64 features flush,discard
vduse create mu1 type net mac 02:00:00:00:00:09 mtu 1500
vduse list
vduse show mu0
vduse mgmtdev
vduse serve mu0 memory 16M workers 2 io-threads 2 poll 10
vduse attach mu0 driver virtio_vdpa
vduse detach mu0 force
vduse destroy mu0
ffs up mu0 in 1 out 1 speed high udc auto
ffs list
ffs down mu0
ffs peer 1d6b:0104 read size 64K count 4 timeout 500
trace fence duration 1 count 10 mode tp_btf summary
trace show
vhost features
vhost test tap auto direction both size 64,1500 count 16 verify tc
vhost cleanup
vhost blk vhost-vdpa-0 workload verify size 1M bs 4K count 16
vfio list
vfio show 00:1f.6 via iommufd
vfio dma 00:1f.6 size 4K verify
vfio bind-process 7 pid 1 va 0x8000000 keep
vfio unbind-process 7 pid 1
mm show
mm exclusive size 64K access write repeat 2
mm snapshot size 64K fill mixed
mm race size 64K threads 2 rounds 10
EOF

# mutate: one mutated argument list per line, each word quoted for the shell
python3 - "$seed" "$count" "$tap_tmp/valid" >"$tap_tmp/lines" <<'EOF'
import random, sys
rnd = random.Random(int(sys.argv[1]))
valid = [l.split() for l in open(sys.argv[3]) if l.strip()]
odd = [b"", b"A" * 5000, b"-1", b"-9223372036854775809", b"18446744073709551616", b"0", b"0x", b"1e9",
       b"4294967296", b"\xff\xfe\xc0", b"\xe2\x28\xa1", b"../../../../etc/passwd", b"/dev/null", b"/proc/self/mem",
       b"%s%s%n%x", b"%p", b"-", b"--", b"-j", b"help", b"NaN", b"1K1", b"99999999999999999999G", b" ", b"a b",
       b"\t", b"mu0", b"auto", b"0000:00:00.0", b"vhost-vdpa-9"]
out = sys.stdout.buffer
for _ in range(int(sys.argv[2])):
    words = [w.encode() for w in rnd.choice(valid)]
    for _ in range(rnd.randint(1, 3)):
        op = rnd.randrange(5)
        i = rnd.randrange(len(words)) if words else 0
        if op == 0 and words:
            del words[i]
        elif op == 1 and words:
            words.insert(i, words[i])
        elif op == 2 and len(words) > 1:
            j = rnd.randrange(len(words))
            words[i], words[j] = words[j], words[i]
        elif op == 3 and words:
            words[i] = rnd.choice(odd)
        else:
            words.insert(i, rnd.choice(odd))
    # every byte as \xHH inside $'...': the shell reads it back exactly, whatever the bytes
    out.write(b" ".join(b"$'" + b"".join(b"\\x%02x" % c for c in w) + b"'" for w in words) + b"\n")
EOF

# cleanup: whatever a line may have made, under any name (a mutation may have renamed it);
# left: what must not be there afterwards. Both look with the shell's own globs and start a
# command only for what is there: under TCG a process costs most of a second over the 9p root,
# and a few of them for each of hundreds of lines made the test outlast its 900 s.
shopt -s nullglob
ours() {	# ours DIR [EXCEPT]: the names in DIR
	local f
	for f in "$1"/*; do [ "${f##*/}" != "${2:-}" ] && printf '%s\n' "${f##*/}"; done
}
net_left() { ours /sys/class/net | grep -Eq '^(tap[0-9]+|zcs-.*)$'; }
cleanup() {
	local dev gadget
	for dev in $(ours /sys/bus/vdpa/devices); do
		"$ZCIOCTL" vduse detach "$dev" force
	done
	for dev in $(ours /sys/class/vduse control); do
		"$ZCIOCTL" vduse destroy "$dev"
	done
	for gadget in $(ours /sys/kernel/config/usb_gadget); do
		"$ZCIOCTL" ffs down "$gadget"
	done
	! net_left || "$ZCIOCTL" vhost cleanup
} >/dev/null 2>&1
# a BPF program can only come from a line that names trace
left() {
	[ -z "$(ours /sys/bus/vdpa/devices)$(ours /sys/class/vduse control)$(ours /sys/kernel/config/usb_gadget)" ] &&
		! net_left && { [[ " ${argv[*]} " != *" trace "* ]] || [ "$(bpftool prog show 2>/dev/null | grep -c dma_fence)" = 0 ]; }
}

n=0 bad_rc=0 bad_left=0
declare -A seen_rc
while IFS= read -r line; do
	n=$((n + 1))
	eval "argv=($line)"
	printf -v shown '%q ' "${argv[@]}"
	shown=${shown:0:300}
	# in the kernel log too: if a line hangs the guest, the log says which
	echo "cmdline-mutations: line $n: $shown" >/dev/kmsg 2>/dev/null
	started=$SECONDS
	timeout --preserve-status -s INT -k 10 5 "$ZCIOCTL" "${argv[@]}" >/dev/null 2>"$tap_tmp/err" </dev/null
	rc=$?
	[ $((SECONDS - started)) -le 8 ] ||
		diag "line $n: took $((SECONDS - started)) s (exit $rc): $shown"
	seen_rc[$rc]=$((${seen_rc[$rc]:-0} + 1))
	case $rc in
	0 | 1 | 2 | 3) ;;
	*)
		bad_rc=$((bad_rc + 1))
		diag "line $n: exit $rc: $shown: $(head -c 300 "$tap_tmp/err")"
		;;
	esac
	started=$SECONDS
	cleanup
	[ $((SECONDS - started)) -le 8 ] ||
		diag "line $n: its cleanup took $((SECONDS - started)) s: $shown"
	if ! wait_for left 5; then
		bad_left=$((bad_left + 1))
		diag "line $n left something behind even after the cleanup: $shown"
		cleanup
	fi
done <"$tap_tmp/lines"
summary=$(for rc in "${!seen_rc[@]}"; do printf 'exit %s: %s; ' "$rc" "${seen_rc[$rc]}"; done)
ok '[ $n = "$count" ] && [ $bad_rc = 0 ]' "$n mutated command lines: every exit status is 0, 1, 2 or 3 ($summary)"
ok '[ $bad_left = 0 ]' "nothing left behind after any of them"
done_testing
