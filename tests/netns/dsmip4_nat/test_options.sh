#!/usr/bin/env bash
# Scenario: mn1 on its public network asks for forced UDP tunnelling (RFC 3519 F flag) and a
# link-local registration (RFC 5454 §3.7.1, for DHCPv6 prefix delegation). The home agent grants
# UDP tunnelling without a NAT, registers the tunnel's link-local address fe80::10.1.0.5 next to
# the prefix, and reaches it over the tunnel; the home address and the prefix work over UDP.
source "$(dirname "$0")/topology.sh"
topology_up
start_ha
start_mn1 --force-udp-tunnel true --link-local true
link_local=fe80::a01:5

b=$(ha_binding "$MN1_HOA")
[ "$(json_get "$b" .transport)" = udp ] || fail "not UDP-tunnelled: $b"
[ "$(json_get "$b" .udp_forced)" = true ] || fail "not forced: $b"
[ "$(json_get "$b" .nat_detected)" = false ] || fail "a NAT detected: $b"
[ "$(jq -c '[.prefixes[] | {prefix, link_local}]' <<<"$b")" = \
  "[{\"prefix\":\"$MN1_PREFIX\",\"link_local\":false},{\"prefix\":\"$link_local/128\",\"link_local\":true}]" ] ||
  fail "prefixes: $b"
mn=$(show_json "$MN1" "$MN1_CONTROL")
[ "$(json_get "$mn" .transport)" = udp ] || fail "mn1 transport: $mn"
[ "$(json_get "$mn" .udp_forced)" = true ] || fail "mn1 not forced: $mn"
[ "$(jq -r '[.prefixes[] | .status] | join(",")' <<<"$mn")" = accepted,accepted ] || fail "mn1 prefixes: $mn"
shows "$MN1" "inet6 $link_local/128" ip -6 addr show dev mip4mn0 || fail "no link-local address on the TUN"
shows "$HA" "inet6 fe80::a01:2/128" ip -6 addr show dev mip4ha0 || fail "no fe80::HA on the home agent's TUN"

for destination in "$MN1_HOA" "$MN1_ADDRESS6"; do
  out=$(in_ns "$CN" ping -n -c 3 -i 0.2 -W 2 "$destination") || fail "ping $destination failed: $out"
  grep -q " 0% packet loss" <<<"$out" || fail "ping $destination lost packets: $out"
done
in_ns "$HA" ping -6 -n -c 2 -i 0.2 -W 2 "$link_local%mip4ha0" >/dev/null ||
  fail "the home agent cannot reach $link_local over the tunnel"
counters=$(show_json "$HA" "$HA_CONTROL")
[ "$(json_get "$counters" '.counters["udp-tunnels-assented"]')" = 1 ] || fail "UDP tunnel not assented"
[ "$(json_get "$(ha_binding "$MN1_HOA")" .packets_to_mn)" -ge 8 ] || fail "too few packets to mn1"
log PASS
