#!/usr/bin/env bash
# Scenario: what the daemons change on the system, and that they undo it. Bad flags or keys
# exit with code 2 and change nothing; a running gateway has its TUN device (MTU, up), the
# prefix routes and IPv6 forwarding; a client without IPv4 connectivity keeps its TUN up without
# an address and takes one when connectivity comes; SIGTERM and SIGINT stop both cleanly and
# remove the TUN devices, addresses, routes and the forwarding setting.
source "$(dirname "$0")/topology.sh"
topology_up

# --- bad configuration: exit 2, nothing changed -------------------------------------------
rc=0
err=$(in_ns "$GW" "$DSMIP" m6t-gateway --config "$TOPO_DIR/gw.toml" --control "$GW_CONTROL" --mtu 99 2>&1) || rc=$?
[ $rc = 2 ] || fail "bad --mtu: exit $rc, expected 2"
grep -q -- "--mtu: '99' must be between 1280 and" <<<"$err" || fail "bad --mtu: message '$err'"
printf 'colour = "red"\n' >"$NETNS_TMP/bad.toml"
rc=0
err=$(in_ns "$MN" "$DSMIP" m6t-client --config "$NETNS_TMP/bad.toml" --gateway 198.51.100.1:3544 2>&1) || rc=$?
[ $rc = 2 ] || fail "unknown key: exit $rc, expected 2"
grep -q "unknown key 'colour'" <<<"$err" || fail "unknown key: message '$err'"
in_ns "$GW" ip link show m6tgw0 >/dev/null 2>&1 && fail "a TUN device was created despite the error"
[ "$(in_ns "$GW" sysctl -n net.ipv6.conf.all.forwarding)" = 0 ] || fail "forwarding was changed"
[ -e "$GW_CONTROL" ] && fail "a control socket was created"

# --- the gateway's system state ------------------------------------------------------------
start_gateway --mtu 1400
in_ns "$GW" ip link show m6tgw0 | grep -q "mtu 1400" || fail "m6tgw0 has not MTU 1400"
in_ns "$GW" ip link show m6tgw0 | grep -q ",UP" || fail "m6tgw0 is not up"
in_ns "$GW" ip -6 route show fd00:6d36::/48 | grep -q "dev m6tgw0" || fail "no prefix route"
[ "$(in_ns "$GW" sysctl -n net.ipv6.conf.all.forwarding)" = 1 ] || fail "forwarding is off"

# --- the client without, then with IPv4 connectivity ---------------------------------------
in_ns "$MN" ip addr flush dev mn-nat
start "$MN" client "$DSMIP" m6t-client --config "$TOPO_DIR/mn.toml" --control "$MN_CONTROL" --log-level debug
MN_PID=$LAST_PID
wait_until 5 bash -c "ip netns exec $MN ip link show m6t0 | grep -q ',UP'" || fail "m6t0 not up"
wait_until 5 show_json "$MN" "$MN_CONTROL" || fail "client control socket"
[ "$(json_get "$(show_json "$MN" "$MN_CONTROL")" .state)" = no-ipv4 ] || fail "state is not no-ipv4"
[ -z "$(in_ns "$MN" ip -6 addr show dev m6t0)" ] || fail "m6t0 has an address without IPv4"
in_ns "$MN" ip -6 route show 2001:db8:10::/64 | grep -q m6t0 && fail "a route without IPv4"
in_ns "$MN" ip addr add 10.0.0.2/24 dev mn-nat
in_ns "$MN" ip route add default via 10.0.0.1
wait_until 1 client_has_address || fail "no address within 1 s of IPv4 connectivity"
in_ns "$MN" ip -6 route show 2001:db8:10::/64 | grep -q "dev m6t0" || fail "no route through m6t0"
ping_ha >/dev/null || fail "ping failed"

# --- clean stops ---------------------------------------------------------------------------
stop_pid "$MN_PID" TERM
[ "$STOPPED_STATUS" = 0 ] || fail "client exit status $STOPPED_STATUS after SIGTERM"
in_ns "$MN" ip link show m6t0 >/dev/null 2>&1 && fail "m6t0 is still there"
in_ns "$MN" ip -6 route show | grep -q 2001:db8:10:: && fail "the client's route is still there"
[ -e "$MN_CONTROL" ] && fail "the client's control socket is still there"
grep -q "SIGTERM received" "$NETNS_TMP/client.log" || fail "the client did not log the signal"

stop_pid "$GW_PID" INT
[ "$STOPPED_STATUS" = 0 ] || fail "gateway exit status $STOPPED_STATUS after SIGINT"
in_ns "$GW" ip link show m6tgw0 >/dev/null 2>&1 && fail "m6tgw0 is still there"
in_ns "$GW" ip -6 route show | grep -q fd00:6d36 && fail "the prefix route is still there"
[ "$(in_ns "$GW" sysctl -n net.ipv6.conf.all.forwarding)" = 0 ] || fail "forwarding was not restored"
[ -e "$GW_CONTROL" ] && fail "the gateway's control socket is still there"
log "PASS"
