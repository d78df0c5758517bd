#!/bin/bash
# vhost-net's zero-copy transmit, on (vhost_net.experimental_zcopytx=1 in this variant), seen
# from the kernel: through the tc redirect-to-dummy sink every large buffer completes zero-copy
# and comes back once; small frames are copied by vhost and overtake held zero-copy ones
# (netem delay); a packet socket on the tap forces copies, and the tool names it.
# vm-variant: iommu
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

# counted through fentry where the kernel has ftrace (the default flavour), else through kprobes
zc_probe=kprobe
grep -q '^vhost_zerocopy_complete$' /sys/kernel/tracing/available_filter_functions 2>/dev/null && zc_probe=fentry

zc -j vhost features
ok '[ "$rc" = 0 ] && printf "%s" "$out" | jq -e ".zerocopy_tx == true" >/dev/null' "features: zero-copy transmit on"

for size in 1500 65000; do
	ok 'vhost_test ".tx.frames == 1000 and .tx.verified == 1000 and .zerocopy.counted and .zerocopy.probe == \"$zc_probe\" and .zerocopy.completed == 1000 and .zerocopy.copied_after == 0 and .peak_inflight > 1 and .rx.verified == 1000" direction both size $size count 1000 inflight 64 verify tc' \
		"$size-byte frames: all 1000 TX buffers completed zero-copy (counted through $zc_probe), every frame exact (checked in place) both ways, more than one in flight"
	diag "$size bytes: $(printf "%s" "$out" | jq -c '{fps: .tx.frames_per_sec, lat: .tx_latency, zc: .zerocopy.completed}')"
done
ok 'vhost_test ".tap_napi and .tx.verified == 1000 and .zerocopy.completed == 1000 and .zerocopy.copied_after == 0" size 1500 count 1000 inflight 64 verify tc tap-napi on' \
	"tap-napi on: 1000 1500-byte frames zero-copy through the tap's NAPI poll, exact"
# guest memory in a shared memfd instead of anonymous memory: its pages are pinned the same way
ok 'vhost_test ".memory == \"memfd\" and .tx.verified == 1000 and .zerocopy.completed == 1000 and .rx.verified == 1000" direction both size 65000 count 1000 inflight 64 verify tc memory memfd' \
	"memory memfd, 65000-byte frames: all 1000 TX buffers completed zero-copy, every frame exact both ways"
ok 'vhost_test ".tx.frames == 1000 and .tx.verified == 1000 and .zerocopy.completed == 0 and .zerocopy.copied_by_vhost == 1000 and .rx.verified == 1000" direction both size 60 count 1000 verify tc' \
	"60-byte frames: vhost copies them all (below 256 bytes), every frame exact both ways"

# completions held back: zero-copy buffers wait in netem, the copied small ones overtake them
ok 'vhost_test ".tx.frames == 400 and .zerocopy.completed > 0 and .zerocopy.copied_by_vhost > 0 and .overtaken > 0 and .tx_latency.max_us >= 20000" size 60,65000 count 400 inflight 64 delay 20000' \
	"mixed 60/65000-byte frames, 20 ms netem on the sink: late completions, small frames overtake large ones"
diag "$(printf "%s" "$out" | jq -c '{overtaken, lat: .tx_latency, zc: .zerocopy.completed, copied: .zerocopy.copied_by_vhost}')"

# a packet socket on the path (verify reads every frame through one): copies, and why
ok 'vhost_test ".tx.verified == 500 and .tx.bad == 0 and .zerocopy.completed < 500 and (.zerocopy.copied_after + .zerocopy.copied_by_vhost) > 0" size 1500 count 500 verify socket' \
	"verify through a packet socket: every frame exact, and zero-copy gives way to copies"
ok 'printf "%s" "$out" | jq -e "any(.zerocopy.copy_causes[]; .stack == \"deliver_skb\" and (.cause | test(\"packet socket\")))" >/dev/null' \
	"the copies are put down to the packet socket (deliver_skb)"
# the same counted through kprobes (the fallback on a kernel without fentry trampolines): the
# copy's stack starts at the probed function instead of the BPF program and its trampoline
ok 'vhost_test ".zerocopy.probe == \"kprobe\" and .tx.verified == 500 and .zerocopy.completed < 500 and any(.zerocopy.copy_causes[]; .stack == \"deliver_skb\")" size 1500 count 500 verify socket zerocopy-count kprobe' \
	"zerocopy-count kprobe: the same copies, put down to deliver_skb"
# insisting on fentry: counted through it where the kernel has trampolines; where it has not,
# the frames still go and the report says why they were not counted
if [ "$zc_probe" = fentry ]; then
	ok 'vhost_test ".zerocopy.probe == \"fentry\" and .zerocopy.completed == 100" size 1500 count 100 zerocopy-count fentry' \
		"zerocopy-count fentry: counted through fentry"
else
	ok 'vhost_test ".tx.frames == 100 and .zerocopy.counted == false and (.zerocopy.why_not | test(\"FUNCTION_TRACER\"))" size 1500 count 100 zerocopy-count fentry' \
		"zerocopy-count fentry on a kernel without trampolines: the frames go, uncounted, and the report says why"
fi
ok 'vhost_test ".tx.frames == 100 and .zerocopy.counted == false and .zerocopy.why_not == \"not asked for (zerocopy-count off)\"" size 1500 count 100 zerocopy-count off' \
	"zerocopy-count off: the frames go, uncounted, and the report says it was not asked for"
ok 'vhost_nothing_left' "no tap or sink is left"

done_testing
