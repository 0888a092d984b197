#!/usr/bin/env bash
# Scenario: mn1 moves from net A to net B and back while the correspondent pings its IPv4 home
# address and an address of its IPv6 prefix every 50 ms. Each move re-registers the new care-of
# address (the NetlinkMonitor sees the route to the home agent change); the losses of each ping
# are measured and bounded (at most 20 packets, 1 s of interruption, per ping over two moves).
source "$(dirname "$0")/topology.sh"
topology_up
start_ha
start_mn1
ping_from "$CN" "$MN1_HOA" || fail "first IPv4 ping failed"
ping_from "$CN" "$MN1_ADDRESS6" -6 || fail "first IPv6 ping failed"

care_of() { json_get "$(ha_binding "$MN1_HOA")" .care_of_address; }
# move FROM_IF TO_IF TO_ADDRESS TO_GATEWAY FROM_ADDRESS: attach to the new network, then leave
# the old one.
move() {
  in_ns "$MN1" ip addr add "$3/24" dev "$2"
  in_ns "$MN1" ip route replace default via "$4" dev "$2"
  in_ns "$MN1" ip addr del "$5/24" dev "$1"
}

count=160 # 8 s at 50 ms
start "$CN" ping4 ping -n -i 0.05 -c "$count" -W 1 "$MN1_HOA"
ping4_pid=$LAST_PID
start "$CN" ping6 ping -6 -n -i 0.05 -c "$count" -W 1 "$MN1_ADDRESS6"
ping6_pid=$LAST_PID
sleep 1.5

log "moving mn1 from net A to net B"
t0=$(date +%s%N)
move mn1-a mn1-b "$MN1_B" 198.51.100.1 "$MN1_A"
wait_until 3 test "$(care_of)" = "$MN1_B" || fail "the home agent did not learn $MN1_B"
first=$(elapsed_since "$t0")
log "registered from net B ${first}s after the move started"
sleep 2.5

log "moving mn1 back from net B to net A"
t0=$(date +%s%N)
move mn1-b mn1-a "$MN1_A" 192.0.2.1 "$MN1_B"
wait_until 3 test "$(care_of)" = "$MN1_A" || fail "the home agent did not learn $MN1_A"
second=$(elapsed_since "$t0")
log "registered from net A ${second}s after the move started"

wait "$ping4_pid" || true
wait "$ping6_pid" || true
received() { sed -n 's/.* \([0-9]*\) received.*/\1/p' "$NETNS_TMP/$1.log"; }
lost4=$((count - $(received ping4)))
lost6=$((count - $(received ping6)))
log "movement: re-registered after ${first}s and ${second}s; lost $lost4/$count IPv4 and" \
  "$lost6/$count IPv6 echo exchanges (50 ms apart) over two moves"
[ "$lost4" -le 20 ] || fail "IPv4 ping lost $lost4 packets"
[ "$lost6" -le 20 ] || fail "IPv6 ping lost $lost6 packets"

mn=$(show_json "$MN1" "$MN1_CONTROL")
[ "$(json_get "$mn" .state)" = registered ] || fail "mn1 is not registered: $mn"
[ "$(json_get "$mn" .care_of.address)" = "$MN1_A" ] || fail "mn1's care-of address: $mn"
[ "$(json_get "$mn" .daemon_counters.\"sockets-opened\")" -ge 3 ] || fail "mn1 did not reopen its socket: $mn"
log PASS
