#!/usr/bin/env bash
# Scenario: mn1 (public care-of address) and mn2 (behind the NAT) register their IPv4 home
# addresses and IPv6 prefixes; the correspondent on the home link pings an address inside each
# prefix and each home address. mn1's IPv6 is tunnelled straight to its care-of address (code 1,
# IPv6-in-IPv4), mn2's inside the home-address tunnel (code 0) carried in UDP Tunnel Data; mn2's
# keep-alives hold the NAT mapping.
source "$(dirname "$0")/topology.sh"
topology_up
start_ha
start_mn1
start_mn2

for i in 1 2; do
  eval "hoa=\$MN${i}_HOA address6=\$MN${i}_ADDRESS6"
  log "cn pings mn$i at $hoa and $address6"
  out=$(in_ns "$CN" ping -n -c 3 -i 0.2 -W 2 "$hoa") || fail "ping $hoa failed: $out"
  grep -q " 0% packet loss" <<<"$out" || fail "ping $hoa lost packets: $out"
  out=$(in_ns "$CN" ping -6 -n -c 3 -i 0.2 -W 2 "$address6") || fail "ping $address6 failed: $out"
  grep -q " 0% packet loss" <<<"$out" || fail "ping $address6 lost packets: $out"
done

ha=$(show_json "$HA" "$HA_CONTROL")
b1=$(ha_binding "$MN1_HOA")
b2=$(ha_binding "$MN2_HOA")
[ "$(json_get "$b1" .care_of_address)" = "$MN1_A" ] || fail "mn1's care-of address: $b1"
[ "$(json_get "$b1" .transport)" = ip-in-ip ] || fail "mn1 is not IP-in-IP: $b1"
[ "$(json_get "$b1" .nat_detected)" = false ] || fail "a NAT detected for mn1: $b1"
[ "$(json_get "$b1" '.prefixes[0].prefix')" = "$MN1_PREFIX" ] || fail "mn1's prefix: $b1"
[ "$(json_get "$b1" '.prefixes[0].mode')" = care-of-address ] || fail "mn1's prefix mode: $b1"
[ "$(json_get "$b2" .care_of_address)" = "$MN2_PRIVATE" ] || fail "mn2's care-of address: $b2"
[ "$(json_get "$b2" .nat_detected)" = true ] || fail "no NAT detected for mn2: $b2"
[ "$(json_get "$b2" .transport)" = udp ] || fail "mn2 is not UDP-tunnelled: $b2"
[[ "$(json_get "$b2" .udp_endpoint)" == "$NAT_OUTSIDE":* ]] || fail "mn2's UDP endpoint: $b2"
[ "$(json_get "$b2" '.prefixes[0].prefix')" = "$MN2_PREFIX" ] || fail "mn2's prefix: $b2"
[ "$(json_get "$b2" '.prefixes[0].mode')" = home-address ] || fail "mn2's prefix mode: $b2"
log "$(jq -c '.bindings' <<<"$ha")"

# mn2 keeps its NAT mapping with keep-alives every 5 s (the interval the home agent granted);
# each is answered.
keepalive_answered() {
  [ "$(json_get "$(show_json "$MN2" "$MN2_CONTROL")" '.counters["keepalive-replies"]')" -ge 1 ]
}
wait_until 8 keepalive_answered || fail "no keep-alive answered"
mn2=$(show_json "$MN2" "$MN2_CONTROL")
[ "$(json_get "$mn2" .keepalive_interval_s)" = 5 ] || fail "mn2's keep-alive interval: $mn2"
[ "$(json_get "$(show_json "$HA" "$HA_CONTROL")" '.counters["keepalives-received"]')" -ge 1 ] ||
  fail "the home agent counted no keep-alive"
[ "$(json_get "$(show_json "$MN1" "$MN1_CONTROL")" '.counters["keepalives-sent"]')" = 0 ] ||
  fail "mn1 (no NAT) sent keep-alives"
log PASS
