#!/usr/bin/env bash
# Scenario: ping6 from the MN's tunnel address to the home agent, through the NAT and the
# gateway. The gateway then shows one active state bound to the NAT's outside address and the
# port the NAT mapped; the client shows its attachment; the HA reaches the MN back.
source "$(dirname "$0")/topology.sh"
topology_up
start_gateway
start_client

address=$(mn_address)
[[ $address == fd00:6d36:0:1:7:* ]] || fail "tunnel address $address is not in $MN_PREFIX"
in_ns "$MN" ip -6 addr show dev m6t0 | grep -q "inet6 $address/128" || fail "$address/128 not on m6t0"
in_ns "$MN" ip -6 route show 2001:db8:10::/64 | grep -q "dev m6t0" || fail "no route to the HA via m6t0"
in_ns "$GW" ip -6 route show fd00:6d36::/48 | grep -q "dev m6tgw0" || fail "no route of the prefix into m6tgw0"
[ "$(in_ns "$GW" sysctl -n net.ipv6.conf.all.forwarding)" = 1 ] || fail "forwarding is off on the gateway"

log "ping from $address to $HA_ADDRESS"
out=$(in_ns "$MN" ping -6 -n -c 5 -i 0.2 -W 2 -I "$address" "$HA_ADDRESS") || fail "ping failed: $out"
grep -q " 0% packet loss" <<<"$out" || fail "ping lost packets: $out"

gw=$(show_json "$GW" "$GW_CONTROL")
expect_json "$gw" "$TOPO_DIR/expected/gateway-show.json" \
  '{daemon, tun, mtu, listen, prefixes, home_agents, state_count, active_count, temporary_count,
    states: [.states[] | {kind, ipv4, listen}]}'
[ "$(json_get "$gw" '.states[0].mobile_node')" = "$address" ] || fail "the state is not for $address"
port=$(nat_mapped_port)
[ -n "$port" ] || fail "no conntrack entry for the tunnel flow"
[ "$(json_get "$gw" '.states[0].port')" = "$port" ] || fail "state port $(json_get "$gw" '.states[0].port') is not the NAT's $port"
[ "$(json_get "$gw" '.states[0].packets_from_mn')" -ge 5 ] || fail "too few packets counted from the MN"
[ "$(json_get "$gw" '.states[0].packets_to_mn')" -ge 5 ] || fail "too few packets counted to the MN"
[ "$(json_get "$gw" '.counters["states-activated"]')" = 1 ] || fail "states-activated is not 1"

mn=$(show_json "$MN" "$MN_CONTROL")
expect_json "$mn" "$TOPO_DIR/expected/client-show.json" \
  '{daemon, tun, gateway, prefix, state, local_ipv4, next_hop, path_established, tunnel_mtu}'
[ "$(json_get "$mn" .address)" = "$address" ] || fail "client show: wrong address"

log "ping from the home agent to $address"
in_ns "$HA" ping -6 -n -c 2 -i 0.2 -W 2 "$address" >/dev/null || fail "the HA cannot reach the MN"

# The text form names the state too.
in_ns "$GW" "$DSMIP" show --control "$GW_CONTROL" | grep -q "$address" || fail "show (text) lacks the state"
log "PASS"
