#!/bin/bash
# trace fence on this machine's own kernel: attach, detach, argument and privilege errors.
. "$top_srcdir/tests/lib/tap.sh"

if ! "$ZCIOCTL" -j version | jq -e .features.bpf >/dev/null; then
	skip "built with --disable-bpf"
	done_testing
	exit
fi

zc trace fence ringbuf 3000
expect_rc 2 "a ring buffer size that is not a power of two is a usage error"
zc trace fence events summary
expect_rc 2 "events and summary exclude each other"
zc trace fence driver "$(printf 'd%.0s' {1..40})"
expect_rc 2 "a driver name over 31 characters is a usage error"

run setpriv --reuid=65534 --regid=65534 --clear-groups "$ZCIOCTL" trace fence count 1
ok '[ "$rc" = 1 ] || [ "$rc" = 3 ]' "without privilege: exit 1 (or 3 where tracefs is missing)"
expect_err 'needs root|tracefs' "with a clear reason"

if [ "$(id -u)" != 0 ]; then
	skip "not root: cannot attach on the host"
	done_testing
	exit
fi
[ -e /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
if [ ! -e /sys/kernel/tracing/events/dma_fence ]; then
	skip "this kernel has no dma_fence tracepoints"
	done_testing
	exit
fi
zc -j trace fence duration 1 summary
expect_rc 0 "attaches to this machine's kernel and stops after 1 s"
ok 'printf "%s" "$out" | jq -e ".mode | IN(\"tp_btf\", \"tracepoint\")" >/dev/null' "reports the mode it used ($(printf '%s' "$out" | jq -r .mode 2>/dev/null))"
ok '[ -z "$(bpftool prog show 2>/dev/null | grep -E "name (btf_dma_fen|tp_dma_fenc|agg_|names_init)")" ]' "detached: no program left"
zc -j trace fence duration 1 mode tracepoint
expect_rc 0 "the classic tracepoints attach on this kernel too"
ok '[ "$(printf "%s" "$out" | tail -n 1 | jq -r .mode)" = tracepoint ]' "and say so"

done_testing
