#!/bin/bash
# fault-inject.sh's treatment for the vfio commands, which need the IOMMU machine: the Nth
# allocation of the command's thread failed for N = 1, 2, ... (ZCIOCTL_FAIL_NTH) until a run
# makes fewer. bind and unbind restore (sysfs writes, the driver core's probe), dma through a
# type1 container and through iommufd (containers, IOAS, pinned pages, interrupts), and
# bind-process (the test kernel's patch 0003: a mirror of another process). Each run ends in
# success or a clear error; afterwards edu is where the run left it by its own rules (bound to
# vfio-pci, or back without a driver and without an override), nobody holds a VFIO file, no
# page stays pinned, and the kernel log and kmemleak stay clean. The KASAN flavour only.
# vm-test-timeout: 14400
# vm-variant: iommu
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

fault_injection_on

edu=$(grep -l 0x11e8 /sys/bus/pci/devices/*/device | head -n 1 | xargs -r dirname | xargs -r basename)
ok '[ -n "$edu" ]' "the edu device is at $edu"
dev=/sys/bus/pci/devices/$edu
driver() { basename "$(readlink "$dev/driver" 2>/dev/null)" 2>/dev/null; }
# unbound: no driver and no override, as the machine booted
unbound() { [ -z "$(driver)" ] && [ "$(cat "$dev/driver_override")" = "(null)" ]; }
# bound: vfio-pci has it, and nobody holds a VFIO or iommufd file
bound() { [ "$(driver)" = vfio-pci ] && ! held_open '/dev/(vfio/|iommu$)'; }

# ---- bind: either bound (then unbound again for the next run) or left as it was
fail_each "vfio bind" unbound "\"$ZCIOCTL\" vfio unbind $edu" "$ZCIOCTL" vfio bind "$edu"

# ---- dma both ways, both IOMMU interfaces
"$ZCIOCTL" vfio bind "$edu"
ok bound "edu bound to vfio-pci for the DMA runs"
for via in type1 iommufd; do
	fail_each "vfio dma via $via" bound true "$ZCIOCTL" vfio dma "$edu" size 64K verify via $via
done
# VFIO_IOMMU_GET_INFO with each of its first allocations failed: the capability chain built
# before a failed one was left behind (kernel patch 0014; found by the type1 walk by kernel
# stack, where it took ~45 min: here it is certain). The kmemleak scan at the end judges.
"$top_builddir/tests/helpers/vfio-getinfo" "$(basename "$(readlink "$dev/iommu_group")")" 8 >"$tap_tmp/gi.out" 2>&1
gi_rc=$?
ok '[ "$gi_rc" = 0 ] && grep -q "Cannot allocate memory" "$tap_tmp/gi.out" && grep -q ": [0-9]* ranges$" "$tap_tmp/gi.out"' \
	"VFIO_IOMMU_GET_INFO with each of its first 8 allocations failed: errors and successes" ||
	diag "$(tr '\n' ' ' <"$tap_tmp/gi.out")"
ok bound "and edu still bound, nobody holding a VFIO file"

# ---- bind-process: another process's memory by virtual address (patch 0003)
va=0x8000000
"$top_builddir/tests/helpers/vabuf" $va 65536 7 >"$tap_tmp/vabuf.out" 2>&1 &
buf=$!
wait_for "grep -q ready $tap_tmp/vabuf.out" 10
# nothing pinned or bound in the helper once the command is gone
unpinned() { bound && [ "$(awk '/^VmPin/ { print $2 }' /proc/$buf/status)" = 0 ]; }
fail_each "vfio bind-process" unpinned true \
	"$ZCIOCTL" vfio bind-process "$edu" pid $buf va $va size 64K pattern 7
kill $buf
wait $buf 2>/dev/null

# ---- unbind restore: afterwards back without a driver, or still on vfio-pci (then bound
# again by the cleanup for the next run); never half way
edu_state() {
	if [ "$(driver)" = vfio-pci ]; then echo bound
	elif unbound; then echo unbound
	else echo "driver '$(driver)', override '$(cat "$dev/driver_override")'"
	fi
}
fail_each "vfio unbind restore" '[ "$after" = bound ] || [ "$after" = unbound ] || { diag "edu: $after"; false; }' \
	'after=$(edu_state); [ "$after" = bound ] || "$ZCIOCTL" vfio bind $edu' \
	"$ZCIOCTL" vfio unbind "$edu" restore
"$ZCIOCTL" vfio unbind "$edu" >/dev/null 2>&1
ok unbound "edu without a driver or override at the end"
ok kmemleak_none "no kernel memory leaked (kmemleak, where the kernel has it)"
done_testing
