#!/bin/bash
# trace fence against fences we control (sw_sync) and against FunctionFS DMABUF transfers:
# exact counts, seqnos, order, latencies that match the delays we put in, nothing lost.
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"
swsync=$top_builddir/tests/helpers/swsync

# trace_start ARGS...: start `zcioctl -j trace fence ARGS` and wait until it is attached
trace_start() {
	"$ZCIOCTL" -j trace fence "$@" >"$tap_tmp/trace.json" 2>"$tap_tmp/trace.err" &
	trace_pid=$!
	wait_for "grep -q '^tracing dma_fence' '$tap_tmp/trace.err' || ! kill -0 $trace_pid 2>/dev/null" 20
}
# trace_stop: SIGINT, its exit status in trace_rc; its output follows the schema
trace_stop() {
	kill -INT $trace_pid
	wait $trace_pid
	trace_rc=$?
	expect_schema "$tap_tmp/trace.json" -j trace fence
}
events_of() { jq -c --arg t "$1" 'select(.event == $t)' "$tap_tmp/trace.json"; }
names_of() { events_of "$1" | jq -r '.driver + "/" + .timeline' | sort -u; }

# 1. events, tp_btf: 8 fences, one signalled every 100 ms
trace_start timeline zc_ev
"$swsync" zc_ev 8 100 >/dev/null
trace_stop
ok '[ $trace_rc = 0 ]' "trace fence (events) exits 0 on SIGINT" || diag "$(cat "$tap_tmp/trace.err")"
ok '[ "$(tail -n 1 "$tap_tmp/trace.json" | jq -r .mode)" = tp_btf ]' "it used the tp_btf programs"
ok '[ "$(tail -n 1 "$tap_tmp/trace.json" | jq -r .lost)" = 0 ]' "no event lost"
ok '[ "$(events_of init | wc -l)" = 8 ] && [ "$(events_of signaled | wc -l)" = 8 ]' "exactly 8 init and 8 signaled events"
ok '[ "$(events_of init | jq -r .seqno | tr "\n" " ")" = "1 2 3 4 5 6 7 8 " ]' "init seqnos 1..8 in order"
ok '[ "$(events_of signaled | jq -r .seqno | tr "\n" " ")" = "1 2 3 4 5 6 7 8 " ]' "signaled seqnos 1..8 in order"
ok '[ "$(names_of init)" = sw_sync/zc_ev ] && [ "$(names_of signaled)" = sw_sync/zc_ev ]' "driver sw_sync, timeline zc_ev on every event"
ok '[ "$(events_of enable_signal | wc -l)" = 8 ]' "enable_signal for each fence (we polled them)"
ok 'jq -s "[.[] | select(.event == \"init\" or .event == \"signaled\")] | group_by(.seqno) | all(.[0].event == \"init\" and .[0].ts_ns < .[1].ts_ns)" "$tap_tmp/trace.json" | grep -q true' \
	"each fence's init comes before its signal"
ok '[ "$(events_of signaled | jq -r .error | sort -u)" = 0 ]' "no fence signalled an error"

# 2. summary, counted in the kernel: 10 fences 50 ms apart; fence k signals about k * 50 ms after init
trace_start timeline zc_sum summary
"$swsync" zc_sum 10 50 >/dev/null
trace_stop
g() { jq -r ".groups[] | select(.timeline == \"zc_sum\") | $1" "$tap_tmp/trace.json"; }
ok '[ $trace_rc = 0 ] && [ "$(jq -r ".groups | length" "$tap_tmp/trace.json")" = 1 ]' "summary: one driver/timeline group"
ok '[ "$(g .fences)" = 10 ] && [ "$(g .signaled)" = 10 ] && [ "$(g .errors)" = 0 ]' "10 fences, 10 signalled, 0 errors"
ok '[ "$(g .init_to_signaled.count)" = 10 ] && [ "$(g .enable_to_signaled.count)" = 10 ]' \
	"ten init -> signaled and ten enable_signal -> signaled latencies"
counts=$(g '.events | "\(.init) \(.enable_signal) \(.signaled) \(has("emit"))"')
ok '[ "$counts" = "10 10 10 false" ]' "event counts: 10 init, 10 enable_signal, 10 signaled; emit not watched ($counts)"
ok '[ "$(jq -r "\"\(.lost) \(.untracked)\"" "$tap_tmp/trace.json")" = "0 0" ]' "nothing lost, nothing untracked"
p50=$(g .init_to_signaled.p50_us); max=$(g .init_to_signaled.max_us)
ok 'awk -v p="$p50" -v m="$max" "BEGIN { exit !(p >= 200000 && p <= 2500000 && m >= 450000 && m <= 3500000) }"' \
	"latencies match the delays (p50 $p50 us ~ 250-300 ms, max $max us ~ 500 ms)"

# waits: this task waits in the kernel for each of 5 fences, signalled 100 ms apart
trace_start timeline zc_wait summary
"$swsync" zc_wait 5 100 1 wait >/dev/null
trace_stop
w() { jq -r ".groups[] | select(.timeline == \"zc_wait\") | $1" "$tap_tmp/trace.json"; }
counts=$(w '"\(.fences) \(.signaled) \(.waits) \(.wait.count) \(.events.wait_start) \(.events.wait_end) \(.untracked)"')
ok '[ "$counts" = "5 5 5 5 5 5 0" ]' "5 fences waited for: 5 waits, all timed, 5 wait_start, 5 wait_end ($counts)"
wait_us=$(w .wait_us); wait_max=$(w .wait.max_us)
ok 'awk -v t="$wait_us" -v m="$wait_max" "BEGIN { exit !(t >= 250000 && t <= 5000000 && m >= 50000 && m <= 1000000) }"' \
	"wait time matches the delays (total $wait_us us ~ 500 ms, max $wait_max us ~ 100 ms)"

# count in summary: exactly the first 5 events are counted (the 5 first inits), then it stops
trace_start timeline zc_cs count 5 summary
"$swsync" zc_cs 8 0 >/dev/null
wait_for "! kill -0 $trace_pid 2>/dev/null" 30
ok '! kill -0 $trace_pid 2>/dev/null && [ "$(jq -r "\"\(.events) \(.groups[0].fences)\"" "$tap_tmp/trace.json")" = "5 5" ]' \
	"summary count 5 stops by itself after exactly 5 events"
expect_schema "$tap_tmp/trace.json" -j trace fence

# 3. classic tracepoints give the same counts
trace_start timeline zc_cl mode tracepoint
"$swsync" zc_cl 8 0 >/dev/null
trace_stop
ok '[ "$(tail -n 1 "$tap_tmp/trace.json" | jq -r .mode)" = tracepoint ]' "mode tracepoint uses the classic tracepoints"
ok '[ "$(events_of init | wc -l)" = 8 ] && [ "$(events_of signaled | wc -l)" = 8 ]' "and sees the same 8 + 8 events"

# 4. hist, and a filter that matches nothing
trace_start timeline zc_h hist
"$swsync" zc_h 16 10 >/dev/null
trace_stop
ok '[ "$(jq "[.groups[0].init_to_signaled_hist[].count] | add" "$tap_tmp/trace.json")" = 16 ]' "hist: the buckets hold all 16 fences"
ok '[ "$(jq "[.groups[0].enable_to_signaled_hist[].count] | add" "$tap_tmp/trace.json")" = 16 ] && [ "$(jq ".groups[0].wait_hist | length" "$tap_tmp/trace.json")" = 0 ]' \
	"and enable_signal -> signaled too; no waits, no wait buckets"
trace_start timeline no_such_timeline
"$swsync" zc_none 4 0 >/dev/null
trace_stop
ok '[ "$(jq -s "map(select(.event)) | length" "$tap_tmp/trace.json")" = 0 ]' "a timeline filter that matches nothing lets nothing through"

# 5. count stops it by itself
trace_start timeline zc_cnt count 5
"$swsync" zc_cnt 8 0 >/dev/null
wait_for "! kill -0 $trace_pid 2>/dev/null" 30
ok '! kill -0 $trace_pid 2>/dev/null && [ "$(jq -s "map(select(.event)) | length" "$tap_tmp/trace.json")" = 5 ]' "count 5 stops after 5 events"
expect_schema "$tap_tmp/trace.json" -j trace fence

# 6. FunctionFS: exactly N functionfs fences for N DMABUF transfers, all signalled, none errored
ffs_up tr0 in 1 out 1
trace_start driver functionfs summary
"$ZCIOCTL" ffs transfer "$ffs_mnt/ep1" size 64K count 32 timeout 30000 >/dev/null 2>&1 &
x=$!
"$ZCIOCTL" ffs peer 1d6b:0104 read size 64K count 32 timeout 30000 >/dev/null 2>&1
wait $x
trace_stop
f() { jq -r ".groups[] | select(.driver == \"functionfs\") | $1" "$tap_tmp/trace.json"; }
ok '[ "$(f .fences)" = 32 ] && [ "$(f .signaled)" = 32 ] && [ "$(f .errors)" = 0 ]' \
	"32 transfers: 32 functionfs fences, all signalled, none errored"

# ffs transfer ... trace reports the kernel's view of its own fences (both sides wait up to 30 s:
# under valgrind loading the BPF programs alone can take longer than the default 10)
"$ZCIOCTL" -j ffs transfer "$ffs_mnt/ep1" size 64K count 16 trace timeout 30000 >"$tap_tmp/x.json" 2>"$tap_tmp/x.err" &
x=$!
"$ZCIOCTL" ffs peer 1d6b:0104 read size 64K count 16 timeout 30000 >/dev/null 2>&1
wait $x
ok '[ "$(jq -r .kernel_fences.fences "$tap_tmp/x.json")" = 16 ] && [ "$(jq -r .kernel_fences.signaled "$tap_tmp/x.json")" = 16 ] && [ "$(jq -r .kernel_fences.errors "$tap_tmp/x.json")" = 0 ]' \
	"ffs transfer trace: 16 kernel fences, 16 signalled, 0 errors" || diag "$(cat "$tap_tmp/x.err" "$tap_tmp/x.json")"
ok '[ "$(jq -r .kernel_fences.init_to_signaled.count "$tap_tmp/x.json")" = 16 ]' "with 16 kernel-side latencies"
expect_schema "$tap_tmp/x.json" -j ffs transfer
ffs_down tr0

# 7. without privilege: a clear error, exit 1
run setpriv --reuid=65534 --regid=65534 --clear-groups "$ZCIOCTL" trace fence count 1
expect_rc 1 "unprivileged trace fence exits 1"
expect_err 'needs root or CAP_BPF\+CAP_PERFMON' "and says it needs root or CAP_BPF+CAP_PERFMON"
ok '[ -z "$(bpftool prog show 2>/dev/null | grep -E "name (btf_dma_fen|tp_dma_fenc|agg_|names_init)")" ]' "no BPF program left attached"

done_testing
