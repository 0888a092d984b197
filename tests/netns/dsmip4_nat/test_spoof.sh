#!/usr/bin/env bash
# Scenario: from mn1's care-of address, tunnelled packets whose inner source is not mn1's: IPv6
# from mn2's prefix (RFC 5454 §4: the inner source must be inside the mobile node's prefixes)
# and IPv4 from another home address (RFC 3024 §4.2.1). The home agent drops every one, counts
# them as security events and logs them; the correspondent receives none. The same packets with
# mn1's own sources go through.
source "$(dirname "$0")/topology.sh"
topology_up
start_ha
start_mn1

count=5
echoes6() { in_ns "$CN" awk '$1 == "Icmp6InEchos" { print $2 }' /proc/net/snmp6; }
echoes4() {
  in_ns "$CN" awk '/^Icmp:/ { if (++n == 1) { for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i } else print $c }' /proc/net/snmp
}
send() { # send IPV6-SOURCE IPV4-SOURCE
  in_ns "$MN1" "$PYTHON" "$TOPO_DIR/spoof.py" --care-of "$MN1_A" --home-agent "$HA_ADDRESS" \
    --source6 "$1" --destination6 "$CN_ADDRESS6" --source4 "$2" --destination4 "$CN_ADDRESS" \
    --count "$count"
}
security_events() { json_get "$(show_json "$HA" "$HA_CONTROL")" '.counters["security-events"]'; }

before6=$(echoes6)
before4=$(echoes4)
log "sending $count spoofed packets of each family from $MN1_A"
send 2001:db8:b::66 "$MN2_HOA"
wait_until 3 test "$(security_events)" -ge $((2 * count)) ||
  fail "security events: $(security_events), expected $((2 * count))"
ha=$(show_json "$HA" "$HA_CONTROL")
[ "$(json_get "$ha" '.drops.reverse["spoofed-inner-ipv6-source"]')" = "$count" ] ||
  fail "IPv6 drops: $(jq -c .drops.reverse <<<"$ha")"
[ "$(json_get "$ha" '.drops.reverse["spoofed-inner-ipv4-source"]')" = "$count" ] ||
  fail "IPv4 drops: $(jq -c .drops.reverse <<<"$ha")"
grep -q "security: dropped spoofed-inner-ipv6-source" "$NETNS_TMP/ha.log" || fail "no IPv6 security log"
grep -q "security: dropped spoofed-inner-ipv4-source" "$NETNS_TMP/ha.log" || fail "no IPv4 security log"

log "sending $count packets of each family with mn1's own sources"
send "$MN1_ADDRESS6" "$MN1_HOA"
wait_until 3 test "$(echoes6)" -eq $((before6 + count)) ||
  fail "the correspondent got $(($(echoes6) - before6)) IPv6 echo requests, expected $count"
wait_until 3 test "$(echoes4)" -eq $((before4 + count)) ||
  fail "the correspondent got $(($(echoes4) - before4)) IPv4 echo requests, expected $count"
[ "$(security_events)" = $((2 * count)) ] || fail "legitimate packets counted as security events"
log PASS
