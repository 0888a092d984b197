#!/usr/bin/env bash
# m6t throughput, packet rate and latency through client + gateway, in network namespaces (the
# m6t_nat topology of tests/netns: MN behind a NAT, gateway, home agent), measured in the same
# run against a no-logic TUN<->UDP forwarder (forwarder.cpp, built here) as the ceiling:
#   TCP throughput MN->HA and HA->MN (iperf3, 5 s each),
#   small-packet rate MN->HA (iperf3 UDP, 64-octet payloads, unlimited send rate),
#   round-trip latency (ping, 500 probes 5 ms apart).
# A measurement, not a test. Needs root, iperf3, a release build:
#   cmake --preset release && cmake --build build/release -j2 --target dsmip
#   bench/m6t/run.sh            (DSMIP=path/to/dsmip to use another binary)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export DSMIP=${DSMIP:-$root/build/release/apps/dsmip/dsmip}
source "$root/tests/netns/m6t_nat/topology.sh"
require_tool iperf3 c++ ping jq
SECONDS_PER_TEST=${SECONDS_PER_TEST:-5}

forwarder="$NETNS_TMP/forwarder"
c++ -O2 -std=c++17 -o "$forwarder" "$root/bench/m6t/forwarder.cpp"

topology_up
MN_ADDRESS=fd00:6d36:0:1:7::1

tcp() {  # tcp [-R]: Mbit/s received
  start "$HA" iperf-server iperf3 -s -1
  wait_until 5 bash -c "ip netns exec $HA ss -ltn | grep -q ':5201'"
  local json
  json=$(in_ns "$MN" iperf3 -6 -c "$HA_ADDRESS" -t "$SECONDS_PER_TEST" -J "$@")
  jq '.end.sum_received.bits_per_second / 1e6' <<<"$json"
}
small_packets() {  # packets per second received by the HA
  start "$HA" iperf-server iperf3 -s -1
  wait_until 5 bash -c "ip netns exec $HA ss -ltn | grep -q ':5201'"
  local json
  json=$(in_ns "$MN" iperf3 -6 -c "$HA_ADDRESS" -u -b 0 -l 64 -t "$SECONDS_PER_TEST" -J)
  jq '(.end.sum.packets - .end.sum.lost_packets) / .end.sum.seconds' <<<"$json"
}
latency() {  # average round trip in microseconds
  in_ns "$MN" ping -6 -n -q -c 500 -i 0.005 "$HA_ADDRESS" |
    awk -F'[/ ]' '/^rtt/ { printf "%.1f", $8 * 1000 }'
}
measure() {  # measure LABEL: fills RESULT_<LABEL>_*
  ping_ha -W 2 >/dev/null || ping_ha -W 2 >/dev/null || fail "$1: no connectivity"
  eval "RESULT_$1_up=$(tcp)"
  eval "RESULT_$1_down=$(tcp -R)"
  eval "RESULT_$1_pps=$(small_packets)"
  eval "RESULT_$1_rtt=$(latency)"
}

log "dsmip: m6t-client + m6t-gateway ($DSMIP)"
start "$GW" gateway "$DSMIP" m6t-gateway --config "$TOPO_DIR/gw.toml" --control "$GW_CONTROL" --log-level warn
GW_PID=$LAST_PID
wait_until 5 show_json "$GW" "$GW_CONTROL" || fail "gateway"
start "$MN" client "$DSMIP" m6t-client --config "$TOPO_DIR/mn.toml" --control "$MN_CONTROL" \
  --keepalive 30s --log-level warn
MN_PID=$LAST_PID
wait_until 5 client_has_address || fail "client"
measure dsmip
gw_json=$(show_json "$GW" "$GW_CONTROL")
stop_pid "$MN_PID"
stop_pid "$GW_PID"

log "ceiling: no-logic TUN<->UDP forwarder"
start "$GW" fwd-gw "$forwarder" m6tgw0 "$GW_PORT"
wait_until 5 ip -n "$GW" link show m6tgw0
ip -n "$GW" link set m6tgw0 mtu 1472 up
ip -n "$GW" -6 route add fd00:6d36::/48 dev m6tgw0
in_ns "$GW" sysctl -qw net.ipv6.conf.all.forwarding=1
start "$MN" fwd-mn "$forwarder" m6t0 0 "$GW_OUTSIDE" "$GW_PORT"
wait_until 5 ip -n "$MN" link show m6t0
ip -n "$MN" link set m6t0 mtu 1472 up
ip -n "$MN" -6 addr add "$MN_ADDRESS/128" dev m6t0 nodad
ip -n "$MN" -6 route add 2001:db8:10::/64 dev m6t0
wait_until 5 ping_ha
measure ceiling

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
printf '\n%-34s %14s %14s %8s\n' "m6t ($(nproc) CPUs)" "dsmip" "ceiling" "ratio"
printf '%-34s %14.0f %14.0f %8s\n' "TCP MN->HA (Mbit/s)" "$RESULT_dsmip_up" "$RESULT_ceiling_up" "$(ratio "$RESULT_dsmip_up" "$RESULT_ceiling_up")"
printf '%-34s %14.0f %14.0f %8s\n' "TCP HA->MN (Mbit/s)" "$RESULT_dsmip_down" "$RESULT_ceiling_down" "$(ratio "$RESULT_dsmip_down" "$RESULT_ceiling_down")"
printf '%-34s %14.0f %14.0f %8s\n' "64-octet UDP MN->HA (packets/s)" "$RESULT_dsmip_pps" "$RESULT_ceiling_pps" "$(ratio "$RESULT_dsmip_pps" "$RESULT_ceiling_pps")"
printf '%-34s %14s %14s %8s\n' "ping round trip (us, lower is better)" "$RESULT_dsmip_rtt" "$RESULT_ceiling_rtt" "$(ratio "$RESULT_dsmip_rtt" "$RESULT_ceiling_rtt")"
printf '\ngateway drops during the dsmip run: %s\n' "$(jq -c '.drops | with_entries(select(.value > 0))' <<<"$gw_json")"
