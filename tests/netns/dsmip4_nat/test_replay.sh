#!/usr/bin/env bash
# Scenario: a Registration Request of mn1, captured on the home link, is sent again unchanged
# from mn1's network. Its authenticator is valid but its Identification is not newer than the
# binding's (RFC 5944 §5.7): the home agent refuses it with code 133, counts an identification
# mismatch, and leaves the binding as it was; mn1 stays registered.
source "$(dirname "$0")/topology.sh"
require_tool tshark
topology_up
capture="$NETNS_TMP/home.pcap"
start "$HA" tshark tshark -q -i ha-home -F pcap -f "udp port 434" -w "$capture"
capture_pid=$LAST_PID
wait_until 20 test -s "$capture" || fail "tshark did not start"
start_ha
start_mn1
wait_until 5 capture_has "$capture" "mip.type == 3 && mip.homeaddr == $MN1_HOA" || fail "no reply captured"
stop_pid "$capture_pid" INT

binding=$(ha_binding "$MN1_HOA")
counter() { json_get "$(show_json "$HA" "$HA_CONTROL")" ".counters[\"$1\"]"; }
accepted=$(counter registrations-accepted)
log "replaying mn1's registration request"
identification=$(in_ns "$MN1" "$PYTHON" "$TOPO_DIR/replay.py" --pcap "$capture" --source "$MN1_A")
[ "$identification" = "$(json_get "$binding" .identification)" ] ||
  fail "replayed identification $identification is not the binding's"
wait_until 3 test "$(counter identification-mismatches)" -ge 1 || fail "the replay was not refused"
ha=$(show_json "$HA" "$HA_CONTROL")
[ "$(json_get "$ha" '.reply_codes["133"]')" = 1 ] || fail "no reply code 133: $(jq -c .reply_codes <<<"$ha")"
[ "$(counter registrations-accepted)" = "$accepted" ] || fail "the replay was accepted"
after=$(ha_binding "$MN1_HOA")
for field in identification care_of_address request_source; do
  [ "$(json_get "$after" ".$field")" = "$(json_get "$binding" ".$field")" ] ||
    fail "the binding's $field changed: $after"
done
registered "$MN1" "$MN1_CONTROL" || fail "mn1 is no longer registered"
ping_from "$CN" "$MN1_HOA" || fail "mn1 unreachable after the replay"
log PASS
