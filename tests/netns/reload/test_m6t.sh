#!/usr/bin/env bash
# `dsmip m6t-gateway` and `dsmip m6t-client` reload on SIGHUP (docs/deployment.md,
# "Reloading"), with an active gateway state:
#  * live keys changed (gateway active-lifetime, client keepalive): applied, shown in
#    `dsmip show --json`, the state and the tunnel address kept;
#  * an invalid file: logged with the key and the reason, nothing changes, the daemon runs on;
#  * a restart key changed (mtu): logged as needing a restart, the running value kept.
source "$(dirname "$0")/topology.sh"
topology_up

start "$RT" gw "$DSMIP" m6t-gateway --config "$NETNS_TMP/gw.toml" --control "$GW_CONTROL"
GW_PID=$LAST_PID
wait_until 5 gw_json || fail "the gateway did not come up"
start "$MN" client "$DSMIP" m6t-client --config "$NETNS_TMP/m6t-client.toml" \
  --control "$M6T_CONTROL"
CLIENT_PID=$LAST_PID
client_json() { show_json "$MN" "$M6T_CONTROL"; }
has_address() { [ "$(client_json | jq -r .address)" != null ]; }
wait_until 5 has_address || fail "the client took no tunnel address"
address=$(client_json | jq -r .address)
out=$(in_ns "$MN" ping -6 -n -c 2 -i 0.2 -W 2 "$HA_HOST6") || fail "no traffic through the tunnel: $out"
wait_json "$RT" "$GW_CONTROL" '.states[0].kind' active
gw=$(gw_json)
expect "$gw" '.states[0].mobile_node' "$address"
expect "$gw" '.config["active-lifetime"]' 60s
expect "$gw" '.active_lifetime_s' 60

# 1. Live keys.
set_key gw.toml active-lifetime '"90s"'
kill -HUP "$GW_PID"
wait_json "$RT" "$GW_CONTROL" '.reload["reloads-ok"]' 1
gw=$(gw_json)
expect "$gw" '.config["active-lifetime"]' 90s
expect "$gw" '.active_lifetime_s' 90
expect "$gw" '.state_count' 1
expect "$gw" '.states[0].mobile_node' "$address"
expect "$gw" '.states[0].kind' active
wait_log gw "reload: key 'active-lifetime' 60s → 90s, applied"
set_key m6t-client.toml keepalive '"7s"'
kill -HUP "$CLIENT_PID"
wait_json "$MN" "$M6T_CONTROL" '.reload["reloads-ok"]' 1
expect "$(client_json)" '.config.keepalive' 7s
expect "$(client_json)" '.address' "$address"
wait_log client "reload: key 'keepalive' 5s → 7s, applied"
out=$(in_ns "$MN" ping -6 -n -c 2 -i 0.2 -W 2 "$HA_HOST6") || fail "the tunnel broke: $out"
expect "$(gw_json)" '.counters["states-created"]' 1  # the state was never re-created

# 2. An invalid file.
cp "$NETNS_TMP/gw.toml" "$NETNS_TMP/gw.good"
sed -i '1i rate-limit = -3' "$NETNS_TMP/gw.toml"
kill -HUP "$GW_PID"
wait_json "$RT" "$GW_CONTROL" '.reload["reloads-failed"]' 1
gw=$(gw_json)
expect "$gw" '.config["active-lifetime"]' 90s
expect "$gw" '.state_count' 1
wait_log gw "reload failed, keeping the running configuration: key 'rate-limit' in $NETNS_TMP/gw.toml"
alive "$GW_PID" || fail "the gateway died on an invalid file"

# 3. A restart key.
cp "$NETNS_TMP/gw.good" "$NETNS_TMP/gw.toml"
set_key gw.toml mtu 1400
kill -HUP "$GW_PID"
wait_json "$RT" "$GW_CONTROL" '.reload["reloads-ok"]' 2
gw=$(gw_json)
expect "$gw" '.config.mtu' 1472
expect "$gw" '.mtu' 1472
expect "$gw" '.states[0].mobile_node' "$address"
wait_log gw "reload: key 'mtu' 1472 → 1400 needs a restart, keeping 1472"

stop_pid "$CLIENT_PID"
stop_pid "$GW_PID"
[ "$STOPPED_STATUS" = 0 ] || fail "the gateway exited with $STOPPED_STATUS"
pass
