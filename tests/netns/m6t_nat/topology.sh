#!/usr/bin/env bash
# m6t behind a NAT: a mobile node on a private IPv4 network reaches its home agent through the
# m6t gateway (draft-ebalard-mext-m6t-02).
#
#        10.0.0.0/24               198.51.100.0/24                2001:db8:10::/64
#  +------+  mn-nat     nat-mn  +-----+  nat-out    gw-out  +----+  gw-ha     ha-gw  +----+
#  |  mn  |-----------------------| nat |----------------------| gw |--------------------| ha |
#  +------+ .2               .1   +-----+ .2              .1    +----+ ::ff          ::1  +----+
#  m6t-client                nftables masquerade        m6t-gateway           home agent address
#  tun m6t0: fd00:6d36:0:1:7:R/128  (fully-random ports)     tun m6tgw0            2001:db8:10::1,
#  route 2001:db8:10::/64 -> m6t0                            listens :3544         route
#                                                             | gw-att .1         fd00:6d36::/48
#                                                             | 203.0.113.0/24    via ::ff
#                                                          +----------+
#                                                          | attacker | .2 (optional)
#                                                          +----------+
#
# Node configurations: gw.toml, mn.toml (flags given by the scenarios override them).
# Expected `dsmip show --json` (stable fields): expected/gateway-show.json, client-show.json.

TOPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$TOPO_DIR/../lib.sh"

HA_ADDRESS=2001:db8:10::1
GW_OUTSIDE=198.51.100.1
NAT_OUTSIDE=198.51.100.2
GW_PORT=3544
MN_PREFIX=fd00:6d36:0:1:7::/80

# topology_up [attacker]: creates the namespaces and links; with "attacker", the attacker too.
topology_up() {
  require_root
  require_tool ip nft conntrack jq
  require_dsmip
  MN=$(ns_name mn)
  NAT=$(ns_name nat)
  GW=$(ns_name gw)
  HA=$(ns_name ha)
  ns_add "$MN"
  ns_add "$NAT"
  ns_add "$GW"
  ns_add "$HA"
  veth "$MN" mn-nat "$NAT" nat-mn
  veth "$NAT" nat-out "$GW" gw-out
  veth "$GW" gw-ha "$HA" ha-gw
  ip -n "$MN" addr add 10.0.0.2/24 dev mn-nat
  ip -n "$MN" route add default via 10.0.0.1
  ip -n "$NAT" addr add 10.0.0.1/24 dev nat-mn
  ip -n "$NAT" addr add "$NAT_OUTSIDE/24" dev nat-out
  ip -n "$NAT" route add default via "$GW_OUTSIDE"
  in_ns "$NAT" sysctl -qw net.ipv4.ip_forward=1
  in_ns "$NAT" nft -f - <<NFT
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "nat-out" masquerade fully-random
  }
}
NFT
  ip -n "$GW" addr add "$GW_OUTSIDE/24" dev gw-out
  ip -n "$GW" addr add 2001:db8:10::ff/64 dev gw-ha nodad
  ip -n "$HA" addr add "$HA_ADDRESS/64" dev ha-gw nodad
  ip -n "$HA" route add fd00:6d36::/48 via 2001:db8:10::ff
  if [ "${1:-}" = attacker ]; then
    ATT=$(ns_name att)
    ns_add "$ATT"
    veth "$GW" gw-att "$ATT" att-gw
    ip -n "$GW" addr add 203.0.113.1/24 dev gw-att
    ip -n "$ATT" addr add 203.0.113.2/24 dev att-gw
    ip -n "$ATT" route add default via 203.0.113.1
  fi
  GW_CONTROL="$NETNS_TMP/gw.sock"
  MN_CONTROL="$NETNS_TMP/mn.sock"
}

# nat_udp_timeouts SECONDS: the NAT forgets idle UDP mappings after SECONDS (both the
# unreplied and the "stream" timeout).
nat_udp_timeouts() {
  in_ns "$NAT" sysctl -qw "net.netfilter.nf_conntrack_udp_timeout=$1"
  in_ns "$NAT" sysctl -qw "net.netfilter.nf_conntrack_udp_timeout_stream=$1"
}

# start_gateway [FLAGS...]: the gateway with gw.toml; waits until it answers on its control
# socket.
start_gateway() {
  start "$GW" gateway "$DSMIP" m6t-gateway --config "$TOPO_DIR/gw.toml" --control "$GW_CONTROL" \
    --log-level debug "$@"
  GW_PID=$LAST_PID
  wait_until 5 show_json "$GW" "$GW_CONTROL" || fail "the gateway did not come up"
}

# start_client [FLAGS...]: the client with mn.toml; waits until it has a tunnel address.
start_client() {
  start "$MN" client "$DSMIP" m6t-client --config "$TOPO_DIR/mn.toml" --control "$MN_CONTROL" \
    --log-level debug "$@"
  MN_PID=$LAST_PID
  wait_until 5 client_has_address || fail "the client did not take a tunnel address"
}

client_has_address() { [ "$(json_get "$(show_json "$MN" "$MN_CONTROL")" .address)" != null ]; }
# The client's current tunnel address.
mn_address() { json_get "$(show_json "$MN" "$MN_CONTROL")" .address; }

# ping_ha [PING-FLAGS...]: one ping from the MN to the home agent (source: the tunnel address).
ping_ha() { in_ns "$MN" ping -6 -n -c 1 -W 1 "$@" "$HA_ADDRESS"; }

# nat_mapped_port: the NAT's outside port of the MN's flow to the gateway (conntrack).
nat_mapped_port() {
  in_ns "$NAT" conntrack -L -p udp --orig-port-dst "$GW_PORT" 2>/dev/null |
    awk '{ n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^dport=/) { n++; if (n == 2) { sub("dport=", "", $i); print $i } } }' |
    head -1
}

# expect_json ACTUAL EXPECTED-FILE JQ-PROJECTION: the projection of ACTUAL equals the file.
expect_json() {
  local actual expected
  actual=$(jq -S "$3" <<<"$1")
  expected=$(jq -S . "$2")
  [ "$actual" = "$expected" ] || fail "$(basename "$2") differs:
expected: $expected
actual:   $actual"
}
