#!/usr/bin/env bash
# `dsmip ha` reloads on SIGHUP (docs/deployment.md, "Reloading"), with a mobile node registered:
#  * a live key changed (max_binding_lifetime) and a [[mobile_node]] added: applied, shown in
#    `dsmip show --json` (.config), the binding kept; a key the command line fixes stays;
#  * an invalid file: logged with the key and the reason, nothing changes, the daemon runs on;
#  * a restart key changed (tun_mtu): logged as needing a restart, the running value kept;
#  * the registered mobile node's [[mobile_node]] removed: its binding revoked.
source "$(dirname "$0")/topology.sh"
topology_up

start "$HA" ha "$DSMIP" ha --config "$NETNS_TMP/ha.toml" --control "$HA_CONTROL" --log-level debug
HA_PID=$LAST_PID
wait_until 5 ha_json || fail "the home agent did not come up"
start "$MN" mn "$DSMIP" mn --config "$NETNS_TMP/mn.toml" --control "$MN_CONTROL" \
  --log-level debug --stop_timeout 1s
MN_PID=$LAST_PID
wait_until 5 mn_json || fail "the mobile node did not come up"
wait_json "$HA" "$HA_CONTROL" ".bindings[0].state" active 15
ha=$(ha_json)
expect "$ha" '.bindings[0].home_address' "$HOA6"
expect "$ha" '.bindings[0].care_of' "$COA_A"
expect "$ha" '.reload["reloads-ok"]' 0
expect "$ha" '.reload["last-reload"]' null
expect "$ha" '.config.max_binding_lifetime' 60m
expect "$ha" '.config["log-level"]' debug
created=$(jq -r '.counters["bindings-created"]' <<<"$ha")
reachable() {  # the correspondent's view: the home address answers through the tunnel
  in_ns "$RT" ping -6 -c 3 -i 0.2 -W 2 "$HOA6" >/dev/null || fail "$HOA6 does not answer $1"
}
reachable "before any reload"

# 1. Live keys: applied without dropping the binding.
set_key ha.toml max_binding_lifetime '"10m"'
sed -i '1i log-level = "warn"' "$NETNS_TMP/ha.toml"  # top level: before any table
cat >>"$NETNS_TMP/ha.toml" <<'TOML'

[[mobile_node]]
home_address = "2001:db8:10::51"
TOML
kill -HUP "$HA_PID"
wait_json "$HA" "$HA_CONTROL" '.reload["reloads-ok"]' 1
ha=$(ha_json)
expect "$ha" '.config.max_binding_lifetime' 10m
expect "$ha" '.config.mobile_node | contains("2001:db8:10::51")' true
expect "$ha" '.config["log-level"]' debug  # the flag wins over the file
expect "$ha" '.reload["reloads-failed"]' 0
expect "$ha" '.reload["last-reload-result"]' "ok: 2 applied, 0 need a restart"
expect "$ha" '.reload["last-reload"] | test("^20[0-9-]+T")' true
expect "$ha" '.bindings | length' 1
expect "$ha" '.bindings[0].home_address' "$HOA6"
expect "$ha" '.bindings[0].state' active
expect "$ha" ".counters[\"bindings-created\"]" "$created"
expect "$ha" '.counters["bindings-revoked"]' 0
log_has ha "reload: key 'max_binding_lifetime' 60m → 10m, applied" || fail "no log line for the live key"
log_has ha "reload: key 'mobile_node'" || fail "no log line for the [[mobile_node]] tables"
log_has ha "reload: key 'log-level'" && fail "log-level was reported although the flag fixes it"
alive "$HA_PID" || fail "ha died"
reachable "after a reload with live changes"

# 2. An invalid file: the error names the key, nothing changes.
cp "$NETNS_TMP/ha.toml" "$NETNS_TMP/ha.good"
set_key ha.toml tun_mtu 99
kill -HUP "$HA_PID"
wait_json "$HA" "$HA_CONTROL" '.reload["reloads-failed"]' 1
ha=$(ha_json)
expect "$ha" '.reload["reloads-ok"]' 1
expect "$ha" '.reload["last-reload-result"] | startswith("failed: key '"'"'tun_mtu'"'"'")' true
expect "$ha" '.config.tun_mtu' 1400
expect "$ha" '.config.max_binding_lifetime' 10m
expect "$ha" '.bindings[0].state' active
log_has ha "reload failed, keeping the running configuration: key 'tun_mtu' in $NETNS_TMP/ha.toml: '99' must be between 1280 and 65495" ||
  fail "the failed reload was not logged with the key and the reason"
alive "$HA_PID" || fail "ha died on an invalid file"
reachable "after a failed reload"

# 3. A restart key: reported, the running value kept.
cp "$NETNS_TMP/ha.good" "$NETNS_TMP/ha.toml"
set_key ha.toml tun_mtu 1300
kill -HUP "$HA_PID"
wait_json "$HA" "$HA_CONTROL" '.reload["reloads-ok"]' 2
ha=$(ha_json)
expect "$ha" '.config.tun_mtu' 1400
expect "$ha" '.reload["last-reload-result"]' "ok: 0 applied, 1 need a restart"
expect "$ha" '.bindings[0].state' active
log_has ha "reload: key 'tun_mtu' 1400 → 1300 needs a restart, keeping 1400" ||
  fail "the restart key was not logged"
[ "$(in_ns "$HA" cat /sys/class/net/rlha0/mtu)" = 1400 ] || fail "the TUN's MTU changed"
reachable "after a reload with a restart-only change"

# 4. The registered mobile node's table removed: its binding is revoked at once.
python3 - "$NETNS_TMP/ha.toml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
text = text.replace('[[mobile_node]]\nhome_address = "2001:db8:10::50"\n', '')
open(path, "w").write(text)
PY
grep -q '2001:db8:10::50' "$NETNS_TMP/ha.toml" && fail "the table was not removed"
kill -HUP "$HA_PID"
wait_json "$HA" "$HA_CONTROL" '.reload["reloads-ok"]' 3
wait_json "$HA" "$HA_CONTROL" '.counters["bindings-revoked"]' 1
ha=$(ha_json)
expect "$ha" "[.bindings[] | select(.home_address == \"$HOA6\" and .state == \"active\")] | length" 0
log_has ha "binding-revoked: binding revoked: $HOA6" || fail "the revocation was not logged"

stop_pid "$MN_PID"
stop_pid "$HA_PID"
[ "$STOPPED_STATUS" = 0 ] || fail "ha exited with $STOPPED_STATUS"
pass
