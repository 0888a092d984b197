#!/usr/bin/env bash
# DSMIPv6 data-plane throughput, home agent -> mobile node in UDP encapsulation (the mobile node
# behind the nftables NAT of network (c) of tests/netns/dsmip6_net), next to the m6t benchmark
# and its ceiling (bench/m6t/run.sh, run afterwards in the same invocation with the same binary):
#   TCP correspondent -> MN home address (through HA -> UDP -> NAT -> MN), 5 s (iperf3),
#   TCP MN -> correspondent (reverse tunnel), 5 s,
#   TCP correspondent -> MN care-of address directly through the NAT (no tunnel): the path's
#     ceiling without any DSMIPv6 processing.
# A measurement, not a test. Needs root, iperf3; a release build gives the meaningful figures:
#   cmake --preset release && cmake --build build/release -j2 --target dsmip
#   bench/dsmip6/run.sh          (DSMIP=path/to/dsmip to use another binary)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export DSMIP=${DSMIP:-$root/build/release/apps/dsmip/dsmip}
source "$root/tests/netns/dsmip6_net/topology.sh"
require_tool iperf3 jq
SECONDS_PER_TEST=${SECONDS_PER_TEST:-5}

topology_up
export DSMIP6_LOG_LEVEL=warn
start_ha --nat_refresh_time 30s
attach c
start_mn
wait_registered "$COA_C" udp
wait_ipv4_home

tcp() {  # tcp SERVER_NS CLIENT_NS ADDRESS [-R]: Mbit/s received
  local server=$1 client=$2 address=$3
  shift 3
  start "$server" iperf-server iperf3 -s -1
  wait_until 5 bash -c "ip netns exec $server ss -ltn | grep -q ':5201'"
  local json
  json=$(in_ns "$client" iperf3 -c "$address" -t "$SECONDS_PER_TEST" -J "$@") || true
  jq -e '.end.sum_received.bits_per_second / 1e6' <<<"$json" 2>/dev/null ||
    fail "iperf3 to $address: $(jq -r .error <<<"$json")"
}
ha_to_mn6=$(tcp "$MN" "$CN" "$HOA6")
ha_to_mn4=$(tcp "$MN" "$CN" "$HOA4")
mn_to_ha6=$(tcp "$MN" "$CN" "$HOA6" -R)
ha_json_after=$(ha_json)
# The ceiling of this path: the same hops (router, NAT) without the tunnel, CN -> MN's CoA
# (a port forward on the NAT to the MN's private address).
in_ns "$NATC" nft add table ip benchfwd
in_ns "$NATC" nft add chain ip benchfwd pre '{ type nat hook prerouting priority dstnat; }'
in_ns "$NATC" nft add rule ip benchfwd pre tcp dport 5201 dnat to "$COA_C"
# (the MN answers from its care-of address, not through the tunnel's 203.0.113.0/24 route)
ip -n "$MN" route add "$CN4/32" via 10.0.3.1 dev mn-c
direct=$(tcp "$MN" "$CN" "$NAT_C")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
printf '\n%-52s %10s %8s\n' "dsmip6 over UDP/NAT ($(nproc) CPUs, $DSMIP)" "Mbit/s" "ratio"
printf '%-52s %10.0f %8s\n' "TCP CN -> MN IPv6 home address (HA->MN, UDP)" "$ha_to_mn6" "$(ratio "$ha_to_mn6" "$direct")"
printf '%-52s %10.0f %8s\n' "TCP CN -> MN IPv4 home address (HA->MN, UDP)" "$ha_to_mn4" "$(ratio "$ha_to_mn4" "$direct")"
printf '%-52s %10.0f %8s\n' "TCP MN -> CN from the IPv6 home address (MN->HA, UDP)" "$mn_to_ha6" "$(ratio "$mn_to_ha6" "$direct")"
printf '%-52s %10.0f %8s\n' "ceiling: TCP CN -> MN care-of address, no tunnel" "$direct" "1.00"
printf '\nhome agent drops: %s\n\n' "$(jq -c '.data_drops | with_entries(select(.value > 0))' <<<"$ha_json_after")"

# The m6t benchmark and its ceiling, same binary, same run.
bash "$root/bench/m6t/run.sh"
