#!/bin/bash
# ffs transfer against the real dummy_hcd loopback: IN and OUT, 64K, 1M and 16M transfers, both
# heaps, both wait modes, and copy mode, byte-exact against the other side.
# ZC_LONG=1 runs the 16M transfers 1000 times (16 GiB each way, ~10 minutes under TCG).
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

ffs_up xfer0 in 1 out 1
ok '[ $? = 0 ]' "gadget xfer0 is up"
ep_in=$ffs_mnt/ep1
ep_out=$ffs_mnt/ep2
big_count=64
[ "${ZC_LONG:-0}" = 1 ] && big_count=1000

# Both sides wait up to 30 s for each transfer (the gadget's default is 10 s): under valgrind in a
# busy TCG guest a 1M transfer through dummy_hcd took longer.
# xfer_in SIZE COUNT SEED GADGET-ARGS...: the gadget sends, the host reads and verifies
xfer_in() {
	local size=$1 count=$2 seed=$3 what
	shift 3
	what="IN $count x $size $*"
	"$ZCIOCTL" -j ffs transfer "$ep_in" size "$size" count "$count" pattern "$seed" timeout 30000 "$@" >"$tap_tmp/g.json" 2>"$tap_tmp/g.err" &
	local g=$!
	zc -j ffs peer 1d6b:0104 read size "$size" count "$count" pattern "$seed" verify timeout 30000
	wait $g; local grc=$?
	ok '[ $rc = 0 ] && [ "$(printf "%s" "$out" | jq -r .verified)" = true ]' "$what: the host verified every byte" ||
		diag "$(cat "$tap_tmp/g.err")"
	ok '[ $grc = 0 ] && [ "$(jq -r .transfers "$tap_tmp/g.json")" = "$count" ]' "$what: the gadget counted $count transfers" ||
		diag "$(cat "$tap_tmp/g.err")"
	diag "$what: $(jq -r '"\(.mib_per_s | floor) MiB/s, \(.cpu_s_per_gib * 100 | floor / 100) CPU s/GiB, latency p50 \(.latency.p50_us | floor) us"' "$tap_tmp/g.json" 2>/dev/null)"
	expect_schema "$tap_tmp/g.json" -j ffs transfer
}

# xfer_out SIZE COUNT SEED GADGET-ARGS...: the host writes, the gadget receives and verifies
xfer_out() {
	local size=$1 count=$2 seed=$3 what
	shift 3
	what="OUT $count x $size $*"
	"$ZCIOCTL" -j ffs transfer "$ep_out" size "$size" count "$count" pattern "$seed" verify timeout 30000 "$@" >"$tap_tmp/g.json" 2>"$tap_tmp/g.err" &
	local g=$!
	zc -j ffs peer 1d6b:0104 write size "$size" count "$count" pattern "$seed" timeout 30000
	wait $g; local grc=$?
	ok '[ $rc = 0 ]' "$what: the host wrote everything"
	ok '[ $grc = 0 ] && [ "$(jq -r .verified "$tap_tmp/g.json")" = true ] && [ "$(jq -r .bytes "$tap_tmp/g.json")" = "$(( count * $(numfmt --from=iec "$size") ))" ]' \
		"$what: the gadget verified every byte" || diag "$(cat "$tap_tmp/g.err")"
	diag "$what: $(jq -r '"\(.mib_per_s | floor) MiB/s, \(.cpu_s_per_gib * 100 | floor / 100) CPU s/GiB, latency p50 \(.latency.p50_us | floor) us"' "$tap_tmp/g.json" 2>/dev/null)"
	expect_schema "$tap_tmp/g.json" -j ffs transfer
}

xfer_in 64K 1000 1 heap udmabuf wait poll
xfer_in 64K 1000 2 heap system wait sync-file
xfer_out 64K 1000 3 heap udmabuf wait sync-file
xfer_out 64K 1000 4 heap system wait poll
xfer_in 64K 1000 5 mode copy
xfer_out 64K 1000 6 mode copy

xfer_in 1M 1000 7 heap udmabuf wait sync-file
xfer_out 1M 1000 8 heap system wait poll
xfer_in 1M 1000 9 mode copy
xfer_out 1M 1000 10 mode copy

xfer_in 16M "$big_count" 11 heap system wait poll
xfer_out 16M "$big_count" 12 heap udmabuf wait sync-file

# copy mode and dmabuf mode move the same bytes: the same file through both, read back on the host
head -c $((8 << 20)) /dev/urandom >"$tap_tmp/src"
for mode in dmabuf copy; do
	"$ZCIOCTL" ffs transfer "$ep_in" size 1M count 8 file "$tap_tmp/src" mode $mode >/dev/null 2>&1 &
	g=$!
	zc ffs peer 1d6b:0104 read size 1M count 8 file "$tap_tmp/dst.$mode"
	wait $g
done
ok 'cmp -s "$tap_tmp/src" "$tap_tmp/dst.dmabuf" && cmp -s "$tap_tmp/src" "$tap_tmp/dst.copy"' \
	"dmabuf and copy mode deliver the same 8 MiB of a file"

ffs_down xfer0
ok 'gadget_gone xfer0' "ffs down removes the gadget"
ok '[ "$(dmabuf_count)" = 0 ]' "no DMABUF left in the kernel"

done_testing
