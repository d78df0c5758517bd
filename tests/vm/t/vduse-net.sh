#!/bin/bash
# A virtio-net device served from userspace through VDUSE: create -> serve on a tap -> attach
# -> the virtio_vdpa interface, moved into a network namespace of its own; the tap's side stays
# in the first. Real traffic between the two goes through our server only: ping both ways
# (jumbo frames too, MTU 9000), 64 MiB byte-exact each way over TCP, iperf3 each way; the
# server killed under a transfer and restarted, the transfer completing byte-exact; the link
# down while nobody serves; the wrong kind of device or tap refused with nothing left; and the
# operator's order at the end: stop the server, detach, destroy.
# vm-variant: default
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/vm/lib.sh"

ns=zvm
tap=znt0
host_ip=10.77.0.1
vm_ip=10.77.0.2
in_vm() { ip netns exec "$ns" "$@"; }
taps() { ls /sys/class/net | sort | tr '\n' ' '; }
# carrier: the interface's carrier as its namespace sees it
carrier() { in_vm cat "/sys/class/net/$nd/carrier" 2>/dev/null; }

# send_file FILE HOST PORT [in_vm]: socat from FILE to HOST:PORT, where a receiver listens; in
# 64K writes (socat's 8K left a sender on the slower KASAN kernel with segments of 8K, under the MTU)
send_file() { ${4:-} socat -b 65536 -u OPEN:"$1" TCP:"$2":"$3",connect-timeout=10; }
# listening PORT [in_vm]: something listens on TCP PORT (in the namespace with in_vm)
listening() { [ -n "$(${2:-} ss -Hltn "sport = :$1")" ]; }
# receive_bg FILE PORT [in_vm]: a receiver in the background that writes what comes to FILE,
# waited for until it listens (a fixed sleep was too short on a loaded TCG host)
receive_bg() {
	${3:-} socat -u TCP-LISTEN:"$2",reuseaddr OPEN:"$1",creat,trunc & rcv=$!
	wait_for "listening $2 ${3:-}" 20
}
# iperf_bps [ARGS]: one iperf3 run of 3 s against a fresh server in the namespace; sets bps to
# the received bits/s, or to 0 with iperf3's own error in a diagnostic
iperf_bps() {
	wait_for "! listening 5201 in_vm" 20	# the last one-off server gone, its port free
	in_vm iperf3 -s -1 -D -B $vm_ip
	wait_for "listening 5201 in_vm" 20
	# the neighbour resolved first: its 3 s ARP deadline is not iperf3's to meet on a starved guest
	ping -c 1 -w 30 $vm_ip >/dev/null	# a ping a second until one is answered, 30 s at most
	run iperf3 -c $vm_ip -t 3 -J "$@"
	bps=$(printf "%s" "$out" | jq -r '.end.sum_received.bits_per_second // 0' 2>/dev/null)
	bps=${bps:-0}
	[ "$bps" = 0 ] && diag "iperf3 $*: rc $rc: $(printf "%s" "$out" | jq -r '.error // empty' 2>/dev/null) $err"
}

# link_state: diagnostics of the path when traffic failed: neighbours, both ends' counters, the
# device's transmit timeouts (a queue stopped for good), the server alive or not
# counters IFNAME [in_vm]: its received, dropped on receive, sent and dropped on sending frames
counters() { ${2:-} cat /sys/class/net/"$1"/statistics/{rx_packets,rx_dropped,tx_packets,tx_dropped} | tr '\n' ' '; }
link_state() {
	diag "neighbours: tap side: $(ip neigh show dev $tap | tr '\n' ';') device side: $(in_vm ip neigh show dev "$nd" | tr '\n' ';')"
	diag "rx rx-dropped tx tx-dropped: tap $tap $(counters $tap), device $nd $(counters "$nd" in_vm); tx timeouts $(in_vm cat /sys/class/net/$nd/queues/tx-0/tx_timeout), carrier $(carrier)"
	diag "server $srv_pid $(kill -0 "$srv_pid" 2>/dev/null && echo alive || echo gone); kernel: $(dmesg | grep -E "$nd|NETDEV WATCHDOG|vduse" | tail -n 3 | tr '\n' ';')"
}

# ---- a persistent tap (it outlives a server, with its address) and the device
ip tuntap add dev $tap mode tap
ip link set $tap mtu 9000 up
ip addr add $host_ip/24 dev $tap
zc -j vduse create vn0 type net mac 02:00:00:00:77:02 mtu 9000
expect_rc 0 "create vn0: type net, MAC 02:00:00:00:77:02, MTU 9000"
# has_bits HEX BIT...: every bit set in the feature word
has_bits() { local f=$(($1)) b; shift; for b; do (( f >> b & 1 )) || return 1; done; }
offloads="0 1 7 8 11 12 15"	# CSUM GUEST_CSUM GUEST_TSO4/6 HOST_TSO4/6 MRG_RXBUF
ok 'has_bits "$(printf "%s" "$out" | jq -r .features)" 3 5 16 32 33 $offloads' \
	"offered: MTU, MAC, STATUS, VERSION_1, ACCESS_PLATFORM, checksums and TSO both ways, merged receive buffers"
zc -j vduse create vn1 type net features none
ok '[ "$rc" = 0 ] && ! has_bits "$(printf "%s" "$out" | jq -r .features)" 0 && ! has_bits "$(printf "%s" "$out" | jq -r .features)" 11' \
	"features none: no offload offered"
zc vduse destroy vn1
before=$(taps)
ok "serve_up vn0 tap $tap" "serve vn0 on tap $tap: it says it is serving"
ok 'event ready ".tap == \"'$tap'\""' "the ready line names the tap"
zc -j vduse attach vn0
expect_rc 0 "attach vn0 to virtio_vdpa"
nd=$(printf "%s" "$out" | jq -r .netdev)
ok '[ -n "$nd" ] && [ "$nd" != null ] && [ -d "/sys/class/net/$nd" ]' "an interface appears ($nd), and attach names it"
ok '[ "$(cat /sys/class/net/$nd/address)" = 02:00:00:00:77:02 ]' "its MAC is the device's"
zc -j vduse show vn0
ok 'jqo ".netdev == \"'"$nd"'\" and .disk == null and .status == 15"' "show: the interface, no disk, DRIVER_OK"
ok 'wait_for "event started true" 10' "the server saw the driver start"

ip netns add $ns
ip link set "$nd" netns $ns
in_vm ip link set lo up
in_vm ip link set "$nd" mtu 9000 up
in_vm ip addr add $vm_ip/24 dev "$nd"
ok 'wait_for "[ \"\$(carrier)\" = 1 ]" 10' "link up in namespace $ns (VIRTIO_NET_F_STATUS)"

# ---- ping both ways, 64 bytes and jumbo frames that must not be fragmented
run in_vm ping -c 3 -i 0.2 -W 5 $host_ip
ok '[ "$rc" = 0 ]' "ping from the device's side to the tap's"
run ping -c 3 -i 0.2 -W 5 $vm_ip
ok '[ "$rc" = 0 ]' "ping from the tap's side to the device's"
run in_vm ping -c 2 -i 0.2 -W 5 -M do -s 8972 $host_ip
ok '[ "$rc" = 0 ]' "9000-byte frames (ping -s 8972, do not fragment) out of the device"
run ping -c 2 -i 0.2 -W 5 -M do -s 8972 $vm_ip
ok '[ "$rc" = 0 ]' "9000-byte frames into the device"

# ---- 64 MiB each way over TCP, byte for byte
head -c 64M /dev/urandom >"$tap_tmp/rnd"
receive_bg "$tap_tmp/got-vm" 5001 in_vm
run send_file "$tap_tmp/rnd" $vm_ip 5001
wait $rcv
ok '[ "$rc" = 0 ] && cmp -s "$tap_tmp/rnd" "$tap_tmp/got-vm"' "64 MiB from the tap's side to the device's, byte-exact"
receive_bg "$tap_tmp/got-host" 5002
run send_file "$tap_tmp/rnd" $host_ip 5002 in_vm
wait $rcv
ok '[ "$rc" = 0 ] && cmp -s "$tap_tmp/rnd" "$tap_tmp/got-host"' "64 MiB from the device's side to the tap's, byte-exact"

# ---- iperf3, a few seconds each way
if command -v iperf3 >/dev/null; then
	iperf_bps; to_vm=$bps
	iperf_bps -R; from_vm=$bps
	ok 'awk "BEGIN { exit !($to_vm > 0 && $from_vm > 0) }"' \
		"iperf3 3 s each way: $(awk "BEGIN { printf \"%.0f\", $to_vm / 1e6 }") Mbit/s to the device, $(awk "BEGIN { printf \"%.0f\", $from_vm / 1e6 }") Mbit/s from it (TCG)"
	[ "$to_vm" = 0 ] || [ "$from_vm" = 0 ] && link_state
else
	skip "no iperf3 (apt-get install iperf3)"
fi

# ---- killed under a transfer, restarted: the link recovers and TCP finishes byte-exact
receive_bg "$tap_tmp/got-kill" 5003 in_vm
send_file "$tap_tmp/rnd" $vm_ip 5003 &
snd=$!
sleep 1
kill -KILL "$srv_pid"
wait "$srv_pid" 2>/dev/null
sleep 0.5
ok "serve_up vn0 tap $tap" "a new server starts on the running device"
ok 'event resumed "true"' "it resumed the running driver"
wait $snd
snd_rc=$?
wait $rcv
ok '[ "$snd_rc" = 0 ] && cmp -s "$tap_tmp/rnd" "$tap_tmp/got-kill"' \
	"64 MiB sent while the server was killed (SIGKILL) and restarted: TCP got every byte, in order"
run in_vm ping -c 2 -i 0.2 -W 5 $host_ip
ok '[ "$rc" = 0 ]' "ping after the restart"

# ---- stopped: link down, nothing served; started again: up
serve_down
ok '[ "$srv_rc" = 0 ] && event stopped ".resumed and .tx_frames > 0 and .rx_frames > 0 and .tx_errors == 0 and .rx_errors == 0"' \
	"SIGINT: exit 0; stopped with frames both ways and no errors"
ok 'wait_for "[ \"\$(carrier)\" = 0 ]" 5' "the link goes down while nobody serves the device"
ok "serve_up vn0 tap $tap cpus 1" "served again, pinned to CPU 1 (cpus 1)"
ok 'wait_for "[ \"\$(carrier)\" = 1 ]" 5' "and the link comes back up"
ok 'event resumed ".cpus == [1]" && [ "$(thread_cpus)" = "1 1 " ]' \
	"the resumed line names CPU 1, and the main thread and the net thread run there alone"
run in_vm ping -c 2 -i 0.2 -W 5 $host_ip
ok '[ "$rc" = 0 ]' "ping"
# ---- the offloads at work: 16 MiB each way in TCP segments larger than the MTU (9000)
head -c 16M "$tap_tmp/rnd" >"$tap_tmp/rnd16"
# rx_stat NAME: the device's interface counter, as the driver counts frames (one GSO frame is one)
rx_stat() { in_vm cat "/sys/class/net/$nd/statistics/$1"; }
rx0=$(rx_stat rx_bytes) rp0=$(rx_stat rx_packets)
receive_bg "$tap_tmp/got16-vm" 5004 in_vm
run send_file "$tap_tmp/rnd16" $vm_ip 5004
wait $rcv
rx_avg=$((($(rx_stat rx_bytes) - rx0) / ($(rx_stat rx_packets) - rp0)))
receive_bg "$tap_tmp/got16-host" 5005
send_file "$tap_tmp/rnd16" $host_ip 5005 in_vm
wait $rcv
ok 'cmp -s "$tap_tmp/rnd16" "$tap_tmp/got16-vm" && cmp -s "$tap_tmp/rnd16" "$tap_tmp/got16-host"' "16 MiB each way, byte-exact"
serve_down
# out: the average over both transfers, ACKs included; in: the inbound transfer alone (its
# segments shrink with the rate, TCP's TSO autosizing, but not below two 8948-byte segments)
ok 'event stopped ".tx_bytes / .tx_frames > 9000 and .offload_errors == 0" && [ "$rx_avg" -gt 9014 ]' \
	"frames of $(jq -r 'select(.event == "stopped") | "\(.tx_bytes / .tx_frames | floor)"' "$srv_out") bytes out on average, $rx_avg in: TSO both ways (MTU 9000)"
ok 'event stopped ".rx_buffers > .rx_frames and .rx_errors == 0"' \
	"merged receive buffers: $(jq -r 'select(.event == "stopped") | "\(.rx_frames) frames in \(.rx_buffers) buffers, \(.rx_spilled) spilled over"' "$srv_out")"

# ---- the wrong kind: a net device as blk, a blk device on a tap; a tap that is not there
zc vduse serve vn0 memory 1M
expect_rc 1 "serve the net device with a memory backend: refused"
expect_err "vn0 is a virtio-net device: serve it with 'tap IFNAME\|auto'" "the message says how to serve it"
ok '! "$ZCIOCTL" -j vduse show vn0 | jq -e .served >/dev/null' "and nobody serves it after"
zc vduse create vb0 type blk capacity 1M
zc vduse serve vb0 tap auto
expect_rc 1 "serve a blk device on a tap: refused"
expect_err "vb0 is a virtio-blk device: serve it with 'backend FILE' or 'memory SIZE'" "the message says how to serve it"
ok '[ "$(taps)" = "$before" ]' "no tap left behind (the one auto made went with the command)"
zc vduse destroy vb0
zc vduse serve vn0 tap nosuch0
expect_rc 1 "a tap that does not exist"
expect_err "tap nosuch0: No such device \(.ip tuntap add dev NAME mode tap. makes one, or .tap auto.\)" "the message says how to make one"
zc vduse serve vn0 tap lo
expect_rc 1 "an interface that is not a tap"
expect_err "a tap device \(not a tun, not another kind of link\)" "the message says what it takes"

# ---- tap auto: a tap of its own, gone with the server
ok "serve_up vn0 tap auto" "serve on a tap of its own"
auto=$(jq -r 'select(.event == "ready" or .event == "resumed") | .tap' "$srv_out")
ok '[ -d "/sys/class/net/$auto" ] && [ "$(cat /sys/class/net/$auto/operstate)" != down ]' "tap $auto is there, up"
serve_down
ok '[ ! -e "/sys/class/net/$auto" ]' "and gone with the server"

# ---- the operator's order: the server is stopped already; detach, then destroy
zc -j vduse detach vn0
expect_rc 0 "detach vn0 with nobody serving it (its receive buffers are out: a NIC's driver waits for none)"
ok '[ ! -e "/sys/class/net/$nd" ] && ! in_vm test -e "/sys/class/net/$nd"' "the interface is gone"
zc vduse destroy vn0
expect_rc 0 "destroy vn0"

# ---- without merged buffers or receive TSO (features csum,tso): a frame in one chain each
zc vduse create vn1 type net mac 02:00:00:00:77:03 mtu 9000 features csum,tso
ok "serve_up vn1 tap $tap" "serve vn1, offered csum,tso only"
zc -j vduse attach vn1
nd=$(printf "%s" "$out" | jq -r .netdev)
ip link set "$nd" netns $ns
in_vm ip link set "$nd" mtu 9000 up
in_vm ip addr add $vm_ip/24 dev "$nd"
wait_for "[ \"\$(carrier)\" = 1 ]" 10
receive_bg "$tap_tmp/got16-vn1" 5006 in_vm
run send_file "$tap_tmp/rnd16" $vm_ip 5006
wait $rcv
ok '[ "$rc" = 0 ] && cmp -s "$tap_tmp/rnd16" "$tap_tmp/got16-vn1"' "16 MiB into vn1, byte-exact"
serve_down
ok 'event stopped ".rx_frames > 0 and .rx_buffers == .rx_frames and .rx_bytes / .rx_frames <= 9014 and .rx_errors == 0"' \
	"one receive chain a frame, none over the MTU: $(jq -r 'select(.event == "stopped") | "\(.rx_frames) frames in \(.rx_buffers) buffers"' "$srv_out")"
zc vduse destroy vn1
expect_rc 0 "destroy vn1 (detached first: nobody serves it)"
ip netns del $ns
ip link del $tap
ok 'vduse_nothing_left' "no VDUSE or vDPA device left" ||
	diag "left: $(ls /sys/class/vduse | grep -vx control | tr '\n' ' ')$(ls /sys/bus/vdpa/devices 2>/dev/null | tr '\n' ' ')"
done_testing
