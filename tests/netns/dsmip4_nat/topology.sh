#!/usr/bin/env bash
# DSMIPv4 (RFC 5944, RFC 3519, RFC 5454): a home agent, a correspondent on the home link, and two
# mobile nodes with co-located care-of addresses: mn1 on public IPv4 networks (it can move
# between net A and net B), mn2 behind an nftables NAT.
#
#                home link 10.1.0.0/24, 2001:db8:1::/64 (bridge br0 in rt)
#   +------+ cn-home                                           ha-home +------+
#   |  cn  |-------------------------+-------------------------------|  ha  | mip4-ha
#   +------+ .99, ::99               | .1, ::1                .2, ::2  +------+ tun mip4ha0
#                                 +------+                           (examples/dsmip4/ha.toml)
#                                 |  rt  | routes 2001:db8:a::/48 and
#                                 +------+   2001:db8:b::/48 via 2001:db8:1::2 (the HA)
#               net A 192.0.2.0/24 |   | net B 198.51.100.0/24    | net N 203.0.113.0/24
#                        rt-a .1   |   |  rt-b .1                  | rt-n .1
#                        mn1-a .20 |   |  mn1-b .20                | nat-out .2
#                               +-----+                         +-----+  masquerade
#                               | mn1 | mip4-mn (mn1.toml)      | nat |
#                               +-----+ HoA 10.1.0.5            +-----+ nat-in 192.168.1.1
#                               prefix 2001:db8:a::/48 (code 1)    |
#                                                               +-----+ mn2-nat 192.168.1.20
#                                                               | mn2 | mip4-mn (mn2.toml)
#                                                               +-----+ HoA 10.1.0.6
#                                                               prefix 2001:db8:b::/48 (code 0)
#
# mn1 starts on net A (mn1-b has no address). The node configurations are examples/dsmip4/*.toml
# (flags given by the scenarios override them); expected `dsmip show --json` (stable fields) in
# expected/.

TOPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$TOPO_DIR/../lib.sh"
EXAMPLES=$(cd "$TOPO_DIR/../../../examples/dsmip4" && pwd)

HA_ADDRESS=10.1.0.2
HA_ADDRESS6=2001:db8:1::2
CN_ADDRESS=10.1.0.99
CN_ADDRESS6=2001:db8:1::99
MN1_HOA=10.1.0.5
MN2_HOA=10.1.0.6
MN1_PREFIX=2001:db8:a::/48
MN2_PREFIX=2001:db8:b::/48
MN1_ADDRESS6=2001:db8:a::1 # the ::1 of the prefix, configured on mn1's TUN
MN2_ADDRESS6=2001:db8:b::1
MN1_A=192.0.2.20
MN1_B=198.51.100.20
NAT_OUTSIDE=203.0.113.2
MN2_PRIVATE=192.168.1.20

# topology_up: creates the namespaces and links.
topology_up() {
  require_root
  require_tool ip nft jq
  require_dsmip
  CN=$(ns_name cn)
  HA=$(ns_name ha)
  RT=$(ns_name rt)
  MN1=$(ns_name mn1)
  NAT=$(ns_name nat)
  MN2=$(ns_name mn2)
  local ns
  for ns in "$CN" "$HA" "$RT" "$MN1" "$NAT" "$MN2"; do ns_add "$ns"; done

  # The home link: a bridge in rt.
  ip -n "$RT" link add br0 type bridge
  ip -n "$RT" link set br0 up
  veth "$CN" cn-home "$RT" rt-cn
  veth "$HA" ha-home "$RT" rt-ha
  ip -n "$RT" link set rt-cn master br0
  ip -n "$RT" link set rt-ha master br0
  ip -n "$RT" addr add 10.1.0.1/24 dev br0
  ip -n "$RT" addr add 2001:db8:1::1/64 dev br0 nodad
  ip -n "$CN" addr add "$CN_ADDRESS/24" dev cn-home
  ip -n "$CN" addr add "$CN_ADDRESS6/64" dev cn-home nodad
  ip -n "$CN" route add default via 10.1.0.1
  ip -n "$CN" -6 route add default via 2001:db8:1::1
  ip -n "$HA" addr add "$HA_ADDRESS/24" dev ha-home
  ip -n "$HA" addr add "$HA_ADDRESS6/64" dev ha-home nodad
  ip -n "$HA" route add default via 10.1.0.1
  ip -n "$HA" -6 route add default via 2001:db8:1::1
  # The home router sends the mobile nodes' prefixes to the home agent (docs/dsmip4.md).
  ip -n "$RT" -6 route add "$MN1_PREFIX" via "$HA_ADDRESS6"
  ip -n "$RT" -6 route add "$MN2_PREFIX" via "$HA_ADDRESS6"
  in_ns "$RT" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

  # mn1: net A (configured) and net B (link only).
  veth "$MN1" mn1-a "$RT" rt-a
  veth "$MN1" mn1-b "$RT" rt-b
  ip -n "$RT" addr add 192.0.2.1/24 dev rt-a
  ip -n "$RT" addr add 198.51.100.1/24 dev rt-b
  ip -n "$MN1" addr add "$MN1_A/24" dev mn1-a
  ip -n "$MN1" route add default via 192.0.2.1

  # mn2 behind the NAT.
  veth "$NAT" nat-out "$RT" rt-n
  veth "$MN2" mn2-nat "$NAT" nat-in
  ip -n "$RT" addr add 203.0.113.1/24 dev rt-n
  ip -n "$NAT" addr add "$NAT_OUTSIDE/24" dev nat-out
  ip -n "$NAT" route add default via 203.0.113.1
  ip -n "$NAT" addr add 192.168.1.1/24 dev nat-in
  ip -n "$MN2" addr add "$MN2_PRIVATE/24" dev mn2-nat
  ip -n "$MN2" route add default via 192.168.1.1
  in_ns "$NAT" sysctl -qw net.ipv4.ip_forward=1
  in_ns "$NAT" nft -f - <<NFT
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "nat-out" masquerade
  }
}
NFT
  HA_CONTROL="$NETNS_TMP/ha.sock"
  MN1_CONTROL="$NETNS_TMP/mn1.sock"
  MN2_CONTROL="$NETNS_TMP/mn2.sock"
}

# start_ha [FLAGS...]: the home agent with ha.toml; waits until it answers on its control socket.
start_ha() {
  start "$HA" ha "$DSMIP" mip4-ha --config "$EXAMPLES/ha.toml" --control "$HA_CONTROL" \
    --log-level debug "$@"
  HA_PID=$LAST_PID
  wait_until 5 show_json "$HA" "$HA_CONTROL" || fail "the home agent did not come up"
}

# start_mn1 / start_mn2 [FLAGS...]: a mobile node; waits until it is registered.
start_mn1() {
  start "$MN1" mn1 "$DSMIP" mip4-mn --config "$EXAMPLES/mn1.toml" --control "$MN1_CONTROL" \
    --log-level debug "$@"
  MN1_PID=$LAST_PID
  wait_until 5 registered "$MN1" "$MN1_CONTROL" || fail "mn1 did not register"
}
start_mn2() {
  start "$MN2" mn2 "$DSMIP" mip4-mn --config "$EXAMPLES/mn2.toml" --control "$MN2_CONTROL" \
    --log-level debug "$@"
  MN2_PID=$LAST_PID
  wait_until 5 registered "$MN2" "$MN2_CONTROL" || fail "mn2 did not register"
}

# registered NS CONTROL: the mobile node's state is "registered".
registered() { [ "$(json_get "$(show_json "$1" "$2")" .state)" = registered ]; }

# ha_binding HOA: the home agent's binding of a home address (JSON, "null" if none).
ha_binding() {
  jq -c --arg h "$1" '[.bindings[] | select(.home_address == $h)][0]' <<<"$(show_json "$HA" "$HA_CONTROL")"
}

# ping_from NS DESTINATION [PING-FLAGS...]: one ping that must be answered.
ping_from() {
  local ns=$1 destination=$2
  shift 2
  in_ns "$ns" ping -n -c 1 -W 1 "$@" "$destination" >/dev/null
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

# shows NS PATTERN CMD...: the output of CMD (run in NS) matches the grep pattern. (Not a pipe
# into grep -q: with pipefail, grep leaving early can fail the writer with SIGPIPE.)
shows() {
  local ns=$1 pattern=$2 out
  shift 2
  out=$(in_ns "$ns" "$@" 2>&1) || true
  grep -q -- "$pattern" <<<"$out"
}
