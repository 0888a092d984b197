#!/usr/bin/env bash
# Scenario: with the gateway on UDP 3544, tshark on the NAT's outside link decodes the tunnel
# traffic as Teredo (IPv6 in UDP): every datagram holds a well-formed IPv6 packet, no
# malformed or expert-error mark, and the outer IPv4 header never has DF set (m6t §2.6).
source "$(dirname "$0")/topology.sh"
require_tool tshark
topology_up
start_gateway
start_client

capture="$NETNS_TMP/outside.pcapng"
start "$NAT" tshark tshark -q -i nat-out -f "udp port $GW_PORT" -w "$capture"
capture_pid=$LAST_PID
wait_until 5 test -s "$capture" || fail "tshark did not start"

address=$(mn_address)
in_ns "$MN" ping -6 -n -c 5 -i 0.2 -W 2 "$HA_ADDRESS" >/dev/null || fail "ping failed"
# Large packets near the tunnel MTU (1472 - 40 - 8 = 1424 octets of echo data).
in_ns "$MN" ping -6 -n -c 2 -i 0.2 -W 2 -s 1424 "$HA_ADDRESS" >/dev/null || fail "large ping failed"
# Wait until a keep-alive and its reply are in the capture (1 s interval).
wait_until 5 capture_has "$capture" "ipv6.src == fe80::1 && ipv6.nxt == 59" "udp.port==$GW_PORT,teredo" ||
  fail "no keep-alive reply captured"
stop_pid "$capture_pid" INT

decode="udp.port==$GW_PORT,teredo"
count() { tshark -r "$capture" -d "$decode" -Y "$1" 2>/dev/null | wc -l; }
total=$(count "udp.port == $GW_PORT")
[ "$total" -ge 16 ] || fail "only $total tunnel datagrams captured"
[ "$(count "udp.port == $GW_PORT && !teredo")" -eq 0 ] || fail "datagrams not decoded as Teredo"
[ "$(count "udp.port == $GW_PORT && !ipv6")" -eq 0 ] || fail "datagrams without an IPv6 packet"
[ "$(count "icmpv6.type == 128 && ipv6.dst == $HA_ADDRESS")" -ge 7 ] || fail "echo requests missing"
[ "$(count "icmpv6.type == 129 && ipv6.dst == $address")" -ge 7 ] || fail "echo replies missing"
[ "$(count "ipv6.dst == fe80::1 && ipv6.nxt == 59 && ipv6.plen == 0 && ipv6.hlim == 255")" -ge 1 ] ||
  fail "no keep-alive decoded"
[ "$(count "ipv6.src == fe80::1 && ipv6.dst == $address && ipv6.nxt == 59")" -ge 1 ] ||
  fail "no keep-alive reply decoded"
[ "$(count "ip.flags.df == 1")" -eq 0 ] || fail "an outer IPv4 header has DF set"
[ "$(count "ipv6.plen == 1432")" -ge 4 ] || fail "the large packets are missing"
tshark_clean "$capture" "$decode"
log "PASS ($total datagrams decoded)"
