#!/usr/bin/env bash
# Scenario: what the DSMIPv4 daemons change on the system, and that they undo it. A bad key
# exits with code 2, names the key, never shows the MN-HA key, and changes nothing. While mn1 is
# registered: the home agent has the home address routed into its TUN with proxy ARP on the
# home link and the prefix routed into the TUN; mn1 has its home address and prefix address on
# its TUN with source rules into its table. mn1 re-registers before its lifetime ends (4 s here).
# SIGTERM deregisters mn1 (lifetime 0): the home agent removes the binding and its routes; the
# home agent's stop removes its TUN and restores the sysctls.
source "$(dirname "$0")/topology.sh"
topology_up

# --- bad configuration: exit 2, nothing changed, the key never shown -------------------------
printf 'address = "10.1.0.2"\nhome-interface = "ha-home"\n[[mobile-node]]\nhome-address = "10.1.0.5"\nspi = 7\nkey = "c0ffee00c0ffee00"\n' >"$NETNS_TMP/bad.toml"
rc=0
err=$(in_ns "$HA" "$DSMIP" mip4-ha --config "$NETNS_TMP/bad.toml" --control "$HA_CONTROL" 2>&1) || rc=$?
[ $rc = 2 ] || fail "bad spi: exit $rc, expected 2 ($err)"
grep -q "key 'spi' in \[\[mobile-node\]\] #1 of .*bad.toml: '7' must be between 256" <<<"$err" ||
  fail "bad spi: message '$err'"
grep -qi c0ffee <<<"$err" && fail "the key appears in the message"
rc=0
err=$(in_ns "$MN1" "$DSMIP" mip4-mn --config "$EXAMPLES/mn1.toml" --control "$MN1_CONTROL" --lifetime 0s 2>&1) || rc=$?
[ $rc = 2 ] || fail "bad lifetime: exit $rc, expected 2 ($err)"
grep -q -- "--lifetime: '0s' must be between 1s and 65535s" <<<"$err" || fail "bad lifetime: message '$err'"
in_ns "$HA" ip link show mip4ha0 >/dev/null 2>&1 && fail "a TUN device was created despite the error"
in_ns "$MN1" ip link show mip4mn0 >/dev/null 2>&1 && fail "a TUN device was created despite the error"
[ "$(in_ns "$HA" sysctl -n net.ipv4.ip_forward)" = 0 ] || fail "forwarding was changed"
[ -e "$HA_CONTROL" ] && fail "a control socket was created"

# --- registered: the system state of both ----------------------------------------------------
start_ha
start_mn1 --lifetime 4s
shows "$HA" "dev mip4ha0" ip route show "$MN1_HOA/32" || fail "no HoA route into the TUN"
shows "$HA" "$MN1_HOA" ip neigh show proxy dev ha-home || fail "no proxy ARP entry"
shows "$HA" "dev mip4ha0" ip -6 route show "$MN1_PREFIX" || fail "no prefix route"
[ "$(in_ns "$HA" sysctl -n net.ipv4.ip_forward)" = 1 ] || fail "IPv4 forwarding is off"
[ "$(in_ns "$HA" sysctl -n net.ipv4.neigh.ha-home.proxy_delay)" = 0 ] || fail "proxy_delay is not 0"
in_ns "$CN" ip neigh flush dev cn-home
ping_from "$CN" "$MN1_HOA" || fail "ping failed"
shows "$CN" "$(in_ns "$HA" cat /sys/class/net/ha-home/address)" ip neigh show "$MN1_HOA" ||
  fail "the correspondent did not resolve the home address to the home agent"
shows "$MN1" "inet $MN1_HOA/32" ip addr show dev mip4mn0 || fail "no HoA on the TUN"
shows "$MN1" "inet6 $MN1_ADDRESS6/128" ip -6 addr show dev mip4mn0 || fail "no prefix address"
shows "$MN1" "from $MN1_HOA lookup 434" ip rule show || fail "no HoA rule"
shows "$MN1" "from $MN1_PREFIX lookup 434" ip -6 rule show || fail "no prefix rule"
shows "$MN1" "default dev mip4mn0" ip route show table 434 || fail "no default route in table 434"

# --- re-registration before the lifetime ends --------------------------------------------------
first=$(json_get "$(ha_binding "$MN1_HOA")" .identification)
renewed() { [ "$(json_get "$(ha_binding "$MN1_HOA")" .identification)" != "$first" ]; }
wait_until 5 renewed || fail "no re-registration within 5 s of a 4 s lifetime"
log "re-registered after ${WAITED}s"
mn=$(show_json "$MN1" "$MN1_CONTROL")
[ "$(json_get "$mn" .state)" = registered ] || fail "mn1 state after re-registration: $mn"
[ "$(json_get "$mn" '.counters.registrations')" -ge 2 ] || fail "registrations: $mn"
shows "$MN1" "prefix $MN1_PREFIX  accepted" "$DSMIP" show --control "$MN1_CONTROL" ||
  fail "show (text) of mn1 lacks the prefix"
shows "$HA" "prefix $MN1_PREFIX  tunnel to the care-of-address" "$DSMIP" show --control "$HA_CONTROL" ||
  fail "show (text) of the home agent lacks the prefix"
shows "$HA" 00112233445566778899aabbccddeeff "$DSMIP" show --control "$HA_CONTROL" --json &&
  fail "show reveals the key"

# --- deregistration on stop ------------------------------------------------------------------
stop_pid "$MN1_PID" TERM
[ "$STOPPED_STATUS" = 0 ] || fail "mn1 exit status $STOPPED_STATUS"
grep -q "deregistered" "$NETNS_TMP/mn1.log" || fail "mn1 did not deregister"
[ "$(ha_binding "$MN1_HOA")" = null ] || fail "the binding is still there: $(ha_binding "$MN1_HOA")"
[ "$(json_get "$(show_json "$HA" "$HA_CONTROL")" '.counters.deregistrations')" = 1 ] || fail "no deregistration counted"
shows "$HA" . ip route show "$MN1_HOA/32" && fail "the HoA route is still there"
shows "$HA" "$MN1_HOA" ip neigh show proxy dev ha-home && fail "the proxy ARP entry is still there"
shows "$HA" . ip -6 route show "$MN1_PREFIX" && fail "the prefix route is still there"
in_ns "$MN1" ip link show mip4mn0 >/dev/null 2>&1 && fail "mn1's TUN is still there"
shows "$MN1" "lookup 434" ip rule show && fail "mn1's rules are still there"

# The MN-HA key appears in no log line (debug level included).
grep -qi 00112233445566778899aabbccddeeff "$NETNS_TMP/ha.log" "$NETNS_TMP/mn1.log" &&
  fail "a log shows the key"

stop_pid "$HA_PID" INT
[ "$STOPPED_STATUS" = 0 ] || fail "home agent exit status $STOPPED_STATUS"
in_ns "$HA" ip link show mip4ha0 >/dev/null 2>&1 && fail "the home agent's TUN is still there"
[ "$(in_ns "$HA" sysctl -n net.ipv4.ip_forward)" = 0 ] || fail "forwarding was not restored"
[ -e "$HA_CONTROL" ] && fail "the control socket is still there"
log PASS
