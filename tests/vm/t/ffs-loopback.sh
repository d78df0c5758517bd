#!/bin/bash
# The dummy_hcd scatter-gather patch: a udmabuf attached to a FunctionFS endpoint moves bytes
# across the loopback, and the host side reads exactly those bytes.
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

ffs_up loop0 in 1 out 1
ok '[ $? = 0 ]' "ffs up: the gadget is bound and the host enumerated it"
ok '[ "$(cat $USB_IFACE/../idVendor)" = 1d6b ] && [ "$(cat $USB_IFACE/../idProduct)" = 0104 ]' "the host sees 1d6b:0104"
zc -j ffs list
ok 'printf "%s" "$out" | jq -e --argjson pid $ffs_pid ".[] | select(.name == \"loop0\") | .state == \"bound\" and .udc == \"dummy_udc.0\" and .owner_pid == \$pid and .functions == [\"ffs.loop0\"] and .mount == \"$ffs_mnt\"" >/dev/null' \
	"ffs list: loop0 bound to dummy_udc.0, owned by ffs up, function and mount"
ok 'grep -q "\"event\":\"bind\"" "$ffs_log" && grep -q "\"event\":\"enable\"" "$ffs_log"' "ffs up printed the bind and enable events as JSON lines"

# gadget -> host through a DMABUF, data from a file, compared byte for byte on the host side
head -c $((16 * 65536)) /dev/urandom >"$tap_tmp/src"
"$ZCIOCTL" -j ffs transfer "$ffs_mnt/ep1" size 64K count 16 file "$tap_tmp/src" >"$tap_tmp/in.json" 2>"$tap_tmp/in.err" &
gadget=$!
zc -j ffs peer 1d6b:0104 read size 64K count 16 file "$tap_tmp/dst"
expect_rc 0 "peer read 16 x 64K from ep 0x81"
wait $gadget; grc=$?
ok '[ $grc = 0 ]' "ffs transfer (dmabuf, udmabuf) on ep1 succeeded" || diag "$(cat "$tap_tmp/in.err")"
ok 'cmp -s "$tap_tmp/src" "$tap_tmp/dst"' "the host read the same 1 MiB the DMABUFs held"
ok '[ "$(jq -r .bytes "$tap_tmp/in.json")" = 1048576 ] && [ "$(jq -r .direction "$tap_tmp/in.json")" = in ]' \
	"the gadget side counted 1048576 bytes, direction in"
expect_schema "$tap_tmp/in.json" -j ffs transfer

# host -> gadget into DMABUFs, checked against the pattern on the gadget side
"$ZCIOCTL" -j ffs transfer "$ffs_mnt/ep2" size 64K count 16 pattern 9 verify >"$tap_tmp/out.json" 2>"$tap_tmp/out.err" &
gadget=$!
zc -j ffs peer 1d6b:0104 write size 64K count 16 pattern 9
expect_rc 0 "peer wrote 16 x 64K to the OUT endpoint"
wait $gadget; grc=$?
ok '[ $grc = 0 ] && [ "$(jq -r .verified "$tap_tmp/out.json")" = true ]' "the DMABUFs received the pattern, verified" ||
	diag "$(cat "$tap_tmp/out.err" "$tap_tmp/out.json")"
expect_schema "$tap_tmp/out.json" -j ffs transfer

ffs_down loop0
expect_schema "$ffs_log" -j ffs up
ok 'gadget_gone loop0' "ffs down left no gadget, mount or owner file"
ok '[ "$(dmabuf_count)" = 0 ]' "no DMABUF left in the kernel"

done_testing
