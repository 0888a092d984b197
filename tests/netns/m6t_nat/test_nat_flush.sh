#!/usr/bin/env bash
# Scenario: the NAT's mappings are flushed (conntrack -F) while the MN pings its home agent.
# The NAT maps the next datagrams to a new random port, which the gateway refuses (states are
# never updated); the client's keep-alives go unanswered, it declares the path dead after
# --dead-after of them, takes a new address, and the ping resumes within
# keepalive x (dead-after + 1) = 4 s.
source "$(dirname "$0")/topology.sh"
topology_up
start_gateway
start_client --keepalive 1s --dead-after 3

ping_ha >/dev/null || fail "first ping failed"
before=$(mn_address)
old_port=$(nat_mapped_port)
# Traffic in flight during the flush (its source address is the old one, bound at start).
start "$MN" background ping -6 -n -i 0.1 -W 1 "$HA_ADDRESS"
wait_until 3 bash -c "grep -q 'icmp_seq=5 ' $NETNS_TMP/background.log" || fail "the background ping does not run"

log "flushing the NAT's conntrack table"
t0=$(date +%s%N)
in_ns "$NAT" conntrack -F 2>/dev/null
probe() { ping_ha -W 0.1; }
wait_until 8 probe || fail "the ping did not resume"
resumed=$(elapsed_since "$t0")
log "ping resumed after ${resumed}s"
less_than "$resumed" 4.0 || fail "resumed after ${resumed}s, more than keepalive x (dead-after + 1) = 4 s"

after=$(mn_address)
[ "$after" != "$before" ] || fail "the client kept its address"
in_ns "$MN" ip -6 addr show dev m6t0 | grep -q "$before" && fail "the old address is still on m6t0"
mn=$(show_json "$MN" "$MN_CONTROL")
[ "$(json_get "$mn" '.counters["paths-declared-dead"]')" = 1 ] || fail "paths-declared-dead is not 1"
grep -q "dead: 3 keep-alives in a row unanswered" "$NETNS_TMP/client.log" || fail "the client did not log why"
[ "$(nat_mapped_port)" != "$old_port" ] || fail "the NAT kept the port: the scenario did not happen"
gw=$(show_json "$GW" "$GW_CONTROL")
[ "$(json_get "$gw" '.drops["state-mismatch"]')" -ge 1 ] || fail "the gateway saw no mismatch"
[ "$(json_get "$gw" ".states[] | select(.mobile_node == \"$after\") | .kind")" = active ] ||
  fail "no active state for the new address"
log "PASS (new address $after after ${resumed}s)"
