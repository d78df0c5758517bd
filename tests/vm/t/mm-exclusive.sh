#!/bin/bash
# Device-exclusive access through test_hmm, with `zcioctl mm`: the kernel selftests' three
# scenarios (exclusive with CPU revoke, mprotect then a device write, copy on write after fork)
# at 1 page, 511 pages and 4 MiB, a 2 MiB THP range (6.12 answers EBUSY: stated, not hidden),
# CPU writers racing the device without a lost write, and bad input.
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

zc -j mm show
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e "length == 2 and all(.[]; .kind == \"device-private\" and .abi == \"6.12\")" >/dev/null' \
	"show: two device-private mirrors that answer the 6.12 numbers"

# mm_ok JQ-CONDITION ARGS...: `zcioctl -j mm exclusive ARGS` succeeds with that JSON
mm_ok() {
	local cond=$1
	shift
	zc -j mm exclusive "$@"
	[ "$rc" = 0 ] && printf '%s' "$out" | jq -e "$cond" >/dev/null
}

for pages in 1 511 1024; do
	ok 'mm_ok ".pages == $pages and .exclusive_pages == $pages and .held == $pages and .revoked == $pages and .mirror_mismatch == 0 and .data_errors == 0 and .fault_latency.count == $pages" size $((pages * 4))K access write' \
		"$pages pages: every page exclusive, the device's copy right, every CPU write takes its page back, data right"
done
diag "4 MiB: $(printf "%s" "$out" | jq -c '{exclusive_us: .exclusive_latency.p50_us, fault: .fault_latency}')"
ok 'mm_ok ".held == 64 and .revoked == 64 and .data_errors == 0" size 256K access read' "a CPU read takes the pages back too"
ok 'mm_ok ".held == 64 and .revoked == 0" size 256K access none' "without a CPU access the pages stay exclusive"
ok 'mm_ok ".device_write == \"EPERM\" and .held == 1024" mprotect access none' \
	"mprotect(PROT_READ) after EXCLUSIVE: a device write fails with EPERM"
ok 'mm_ok ".child_status == 0 and .data_errors == 0 and .revoked == 511" fork size 2044K' \
	"fork: child and parent each write their own copy, both right, every page taken back"
ok 'mm_ok ".rounds == 20 and .held == 320 and .revoked == 320" size 64K repeat 20' "20 rounds on fresh memory"
ok 'mm_ok ".thp_bytes == 0 and .exclusive_pages == 512" size 2M thp off' "2 MiB with THP off: 512 small pages, all exclusive"
zc -j mm exclusive size 2M thp on
ok '[ "$rc" = 1 ] && printf "%s" "$out" | jq -e ".result.thp_bytes == 2097152 and .result.busy == 1 and .error.errno == 16" >/dev/null' \
	"2 MiB THP range: EXCLUSIVE answers EBUSY on 6.12 (the range API skips THP tail pages), and says so"

zc -j mm snapshot size 1M fill mixed
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e ".runs == [{\"prot\":\"w\",\"pages\":64},{\"prot\":\"z\",\"pages\":64},{\"prot\":\"r\",\"pages\":64},{\"prot\":\"-\",\"pages\":64}] and (.map | length) == 256" >/dev/null' \
	"snapshot of quarters written, read, read-only, untouched: w, z (the zero page), r, -"
zc -j mm snapshot size 4M fill write thp on
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e ".runs == [{\"prot\":\"W\",\"pages\":1024}]" >/dev/null' \
	"snapshot of 4 MiB of THP: every page writable inside a PMD (W)"
zc -j mm snapshot size 64K fill write exclusive
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e ".runs == [{\"prot\":\"-\",\"pages\":16}]" >/dev/null' \
	"snapshot of exclusive pages: the mirror sees no CPU mapping (-)"

zc -j mm race rounds 200 threads 4 size 64K
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e ".rounds == 200 and .lost == 0 and .increments > 0" >/dev/null' \
	"race: 4 CPU writers against 200 exclusive passes, no increment lost"
diag "race: $(printf "%s" "$out" | jq -c '{held, revoked, busy, lost_before_read, increments}')"

expect_usage 'argument "1000" of "size" is wrong: expected a multiple of the page size' "a size that is not whole pages" -- mm exclusive size 1000
expect_usage '"fork" and "mprotect" are separate' "fork with mprotect" -- mm exclusive fork mprotect
zc mm exclusive device /dev/null
expect_rc 1 "a device that is not a mirror fails"
expect_err '/dev/null is not a mirror device' "and says so"
zc mm exclusive device /dev/hmm_dmirror9
expect_rc 1 "a mirror that does not exist fails"

done_testing
