#!/usr/bin/env bash
# Scenario: mn1 holds 2001:db8:a::/48; mn2 (whose policy would allow that prefix too) asks for
# its own 2001:db8:b::/48 and for 2001:db8:a::/48. The home agent accepts the first and refuses
# the overlapping one with Prefix Reply code 8 (RFC 5454 §3.3: registered prefixes do not
# overlap); mn2 stays registered with its own prefix only, mn1's prefix keeps working.
source "$(dirname "$0")/topology.sh"
topology_up
start_ha
start_mn1
start_mn2 --prefix 2001:db8:b::/48 --prefix 2001:db8:a::/48

mn2=$(show_json "$MN2" "$MN2_CONTROL")
status_of() { jq -r --arg p "$2" '.prefixes[] | select(.prefix == $p) | "\(.status) \(.reply_code)"' <<<"$1"; }
[ "$(status_of "$mn2" "$MN2_PREFIX")" = "accepted 0" ] || fail "mn2's own prefix: $mn2"
[ "$(status_of "$mn2" "$MN1_PREFIX")" = "rejected 8" ] || fail "the overlapping prefix: $mn2"
shows "$MN2" "2001:db8:b::1/128" ip -6 addr show dev mip4mn0 || fail "mn2 lacks its address"
shows "$MN2" "2001:db8:a::" ip -6 addr show dev mip4mn0 && fail "mn2 configured mn1's prefix"

ha=$(show_json "$HA" "$HA_CONTROL")
[ "$(json_get "$ha" '.counters["prefix-overlaps-refused"]')" -ge 1 ] || fail "no overlap counted"
[ "$(jq -c '[.prefixes[].prefix]' <<<"$(ha_binding "$MN2_HOA")")" = "[\"$MN2_PREFIX\"]" ] ||
  fail "mn2's binding: $(ha_binding "$MN2_HOA")"
[ "$(jq -c '[.prefixes[].prefix]' <<<"$(ha_binding "$MN1_HOA")")" = "[\"$MN1_PREFIX\"]" ] ||
  fail "mn1's binding: $(ha_binding "$MN1_HOA")"
ping_from "$CN" "$MN1_ADDRESS6" -6 || fail "mn1's prefix no longer reachable"
ping_from "$CN" "$MN2_ADDRESS6" -6 || fail "mn2's prefix not reachable"
# The text form tells it too.
shows "$MN2" "prefix $MN1_PREFIX  rejected" "$DSMIP" show --control "$MN2_CONTROL" ||
  fail "show (text) lacks the rejection"
log PASS
