#!/usr/bin/env bash
# Scenario: tshark on the home agent's home link decodes what the daemons exchange: mn1's and
# mn2's Registration Requests and Replies (DSMIPv4 extension 152 with its IPv6 Prefix Request,
# Prefix Reply and Tunneling Mode sub-types, MN-HA authentication, UDP Tunnel Request and
# Reply), mn2's Mobile Tunnel Data (Next Header 4, through the NAT), keep-alives, and the
# deregistration of a stopped mobile node; nothing is malformed or marked as an expert error.
source "$(dirname "$0")/topology.sh"
require_tool tshark
topology_up
capture="$NETNS_TMP/home.pcapng"
start "$HA" tshark tshark -q -i ha-home -f "udp port 434 or ip proto 4 or ip proto 41" -w "$capture"
capture_pid=$LAST_PID
wait_until 20 test -s "$capture" || fail "tshark did not start"
start_ha
start_mn1
start_mn2
for destination in "$MN1_HOA" "$MN2_HOA" "$MN1_ADDRESS6" "$MN2_ADDRESS6"; do
  in_ns "$CN" ping -n -c 2 -i 0.2 -W 2 "$destination" >/dev/null || fail "ping $destination"
done
# mn1 deregisters on stop.
stop_pid "$MN1_PID"
wait_until 5 capture_has "$capture" "mip.type == 3 && mip.life == 0 && mip.homeaddr == $MN1_HOA" ||
  fail "no deregistration reply captured"
stop_pid "$capture_pid" INT

count() { tshark -r "$capture" -Y "$1" 2>/dev/null | wc -l; }
expect() { # expect MIN FILTER
  local n
  n=$(count "$2")
  [ "$n" -ge "$1" ] || fail "fewer than $1 packets match: $2 ($n)"
}
# The 152 extensions of the first packet matching a filter, as tshark 4.0 shows them (it has no
# RFC 5454 dissector: each is an opaque "Extension" whose bytes start with the Sub-Type).
extensions152() {
  tshark -r "$capture" -Y "$1" -T fields -E occurrence=a -E aggregator=, -e mip.extension \
    2>/dev/null | head -1
}
# Their sub-types, in order: "1,3".
subtypes() { extensions152 "$1" | tr ',' '\n' | cut -c1-2 | sed 's/^0//' | paste -sd,; }
expect 1 "mip.type == 1 && mip.homeaddr == $MN1_HOA && mip.coa == $MN1_A && mip.ext.type == 152 && mip.ext.type == 32 && mip.auth.spi == 1000 && mip.t == 1 && mip.d == 1"
expect 1 "mip.type == 1 && mip.homeaddr == $MN2_HOA && mip.coa == $MN2_PRIVATE && ip.src == $NAT_OUTSIDE && mip.ext.type == 152 && mip.ext.type == 144 && mip.ext.type == 32 && mip.auth.spi == 1001"
expect 1 "mip.type == 3 && mip.code == 0 && mip.homeaddr == $MN1_HOA && mip.ext.type == 152 && mip.ext.type == 32"
expect 1 "mip.type == 3 && mip.code == 0 && mip.homeaddr == $MN2_HOA && mip.ext.type == 152 && mip.ext.type == 44 && mip.ext.utrp.code == 0 && mip.ext.utrp.keepalive == 5"
expect 1 "mip.type == 1 && mip.life == 0 && mip.homeaddr == $MN1_HOA"
# Mobile Tunnel Data (RFC 3519 §3.3) both ways through the NAT, the inner IPv4 decoded.
# (ip.dst#1: the outer header; ip.dst#2: the inner one.)
expect 2 "mip.type == 4 && mip.nattt.nexthdr == 4 && ip.dst#1 == $NAT_OUTSIDE && ip.dst#2 == $MN2_HOA && icmp.type == 8"
expect 2 "mip.type == 4 && mip.nattt.nexthdr == 4 && ip.src#1 == $NAT_OUTSIDE && ip.src#2 == $MN2_HOA && icmp.type == 0"
# mn2's IPv6 inside the home-address tunnel (code 0): Tunnel Data / IPv4 to the HoA / IPv6.
expect 2 "mip.type == 4 && ip.dst#2 == $MN2_HOA && ip.proto#2 == 41 && ipv6.dst == $MN2_ADDRESS6 && icmpv6.type == 128"
expect 2 "mip.type == 4 && ip.src#2 == $MN2_HOA && ipv6.src == $MN2_ADDRESS6 && icmpv6.type == 129"
# mn1's tunnels: IP-in-IP for IPv4, IPv6 in IPv4 (protocol 41) straight to the care-of address.
expect 2 "ip.proto#1 == 4 && ip.dst#1 == $MN1_A && ip.dst#2 == $MN1_HOA && icmp.type == 8"
expect 2 "ip.proto#1 == 4 && ip.src#1 == $MN1_A && ip.src#2 == $MN1_HOA && icmp.type == 0"
expect 2 "ip.proto == 41 && ip.dst == $MN1_A && ipv6.dst == $MN1_ADDRESS6 && icmpv6.type == 128"
expect 2 "ip.proto == 41 && ip.src == $MN1_A && ipv6.src == $MN1_ADDRESS6 && icmpv6.type == 129"

# mn1: Prefix Request (1) for 2001:db8:a::/48 and the Tunneling Mode extension (3); the reply's
# Prefix Reply (2) with code 1. mn2: Prefix Request only; Prefix Reply code 0.
mn1_request="mip.type == 1 && mip.homeaddr == $MN1_HOA && mip.life > 0"
mn2_request="mip.type == 1 && mip.homeaddr == $MN2_HOA && mip.life > 0"
mn1_reply="mip.type == 3 && mip.homeaddr == $MN1_HOA && mip.life > 0"
mn2_reply="mip.type == 3 && mip.homeaddr == $MN2_HOA && mip.life > 0"
[ "$(subtypes "$mn1_request")" = 1,3 ] || fail "mn1's request: 152 sub-types $(subtypes "$mn1_request")"
[ "$(subtypes "$mn2_request")" = 1 ] || fail "mn2's request: 152 sub-types $(subtypes "$mn2_request")"
[ "$(subtypes "$mn1_reply")" = 2 ] || fail "mn1's reply: 152 sub-types $(subtypes "$mn1_reply")"
[ "$(subtypes "$mn2_reply")" = 2 ] || fail "mn2's reply: 152 sub-types $(subtypes "$mn2_reply")"
# Prefix Request: Sub-Type 1, Prefix Length 48, the prefix.
[[ "$(extensions152 "$mn1_request")" == 013020010db8000a00000000000000000000,* ]] ||
  fail "mn1's Prefix Request: $(extensions152 "$mn1_request")"
# Prefix Reply: Sub-Type 2, Code, Prefix Length 48, the prefix.
[[ "$(extensions152 "$mn1_reply")" == 020130*20010db8000a* ]] || fail "mn1's Prefix Reply: $(extensions152 "$mn1_reply")"
[[ "$(extensions152 "$mn2_reply")" == 020030*20010db8000b* ]] || fail "mn2's Prefix Reply: $(extensions152 "$mn2_reply")"
log "152 extensions: mn1 request $(extensions152 "$mn1_request"), reply $(extensions152 "$mn1_reply")"
tshark_clean "$capture"
log "PASS ($(count "udp.port == 434") datagrams on port 434 decoded)"
