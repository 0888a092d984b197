#!/usr/bin/env bash
# Scenario: with --keepalive 1s, an idle tunnel carries keep-alives (IPv6, next header 59, to
# fe80::1, hop limit 255: decision D8) once a second, answered by the gateway; they keep the
# NAT mapping alive, so traffic flows again at once after an idle period longer than the NAT's
# UDP timeout (3 s here), from the same address and the same NAT port.
source "$(dirname "$0")/topology.sh"
require_tool tshark
topology_up
nat_udp_timeouts 3
start_gateway
start_client --keepalive 1s

ping_ha >/dev/null || fail "first ping failed"
address=$(mn_address)
port=$(nat_mapped_port)
[ -n "$port" ] || fail "no NAT mapping"

capture="$NETNS_TMP/outside.pcapng"
start "$NAT" tshark tshark -q -i nat-out -f "udp port $GW_PORT" -w "$capture"
capture_pid=$LAST_PID
wait_until 5 test -s "$capture" || fail "tshark did not start"

# The idle period is the scenario itself (longer than the NAT's 3 s UDP timeout).
log "idle for 6 s"
sleep 6

ping_ha >/dev/null || fail "no traffic after the idle period"
wait_until 5 capture_has "$capture" "icmpv6.type == 129" "udp.port==$GW_PORT,teredo" ||
  fail "the echo reply is not in the capture"
stop_pid "$capture_pid" INT
[ "$(mn_address)" = "$address" ] || fail "the client changed its address"
[ "$(nat_mapped_port)" = "$port" ] || fail "the NAT mapping changed ($port -> $(nat_mapped_port))"
mn=$(show_json "$MN" "$MN_CONTROL")
[ "$(json_get "$mn" '.counters["paths-declared-dead"]')" = 0 ] || fail "the path was declared dead"
[ "$(json_get "$mn" .unanswered_keepalives)" = 0 ] || fail "unanswered keep-alives"
[ "$(json_get "$mn" '.counters["keepalive-replies-received"]')" -ge 5 ] || fail "too few replies"

decode="udp.port==$GW_PORT,teredo"
times=$(tshark -r "$capture" -d "$decode" -T fields -e frame.time_relative \
  -Y "ipv6.dst == fe80::1 && ipv6.src == $address && ipv6.nxt == 59 && ipv6.plen == 0 && ipv6.hlim == 255" 2>/dev/null)
n=$(wc -l <<<"$times")
[ "$n" -ge 5 ] || fail "only $n keep-alives in 6 s of idle time"
# Consecutive keep-alives 1 s apart (scheduling slack: 0.9 to 1.2 s).
awk 'NR > 1 { d = $1 - prev; if (d < 0.9 || d > 1.2) { print "interval " d; bad = 1 } } { prev = $1 } END { exit bad }' \
  <<<"$times" || fail "keep-alive intervals are not 1 s: $(tr '\n' ' ' <<<"$times")"
replies=$(tshark -r "$capture" -d "$decode" -Y "ipv6.src == fe80::1 && ipv6.dst == $address && ipv6.nxt == 59" 2>/dev/null | wc -l)
[ "$replies" -ge "$n" ] || fail "$replies replies for $n keep-alives"
tshark_clean "$capture" "$decode"
log "PASS ($n keep-alives, $replies replies)"
