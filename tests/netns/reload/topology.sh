#!/usr/bin/env bash
# SIGHUP reload (docs/deployment.md, "Reloading"): the smallest network where a home agent has a
# binding and an m6t gateway has a state, so that a reload can be seen to keep them.
#
#  home link 2001:db8:10::/64                      visited: 2001:db8:a::/64 (IPv6 CoA),
#  +-------+ ha-home       rt-home +-------+ rt-a ─── mn-a +-------+    198.51.100.0/24 (m6t)
#  | rl-ha |-----------------------| rl-rt |-----------------| rl-mn |
#  +-------+ ::2           ::1     +-------+ rt-b ─── mn-b +-------+
#  dsmip ha (MIPv6 address ::100)   dsmip m6t-gateway        dsmip mn (home address ::50)
#                                   on 198.51.100.1:3544     dsmip m6t-client (route to ::2)
#
# The configurations (ha.toml, mn.toml, gw.toml, m6t-client.toml here) are copied to the run's
# temporary directory, where the scenarios edit them before each SIGHUP.

TOPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$TOPO_DIR/../lib.sh"

HA6=2001:db8:10::100
HA_HOST6=2001:db8:10::2
HOA6=2001:db8:10::50
COA_A=2001:db8:a::2

topology_up() {
  require_root
  require_tool ip nft jq
  require_dsmip
  HA=$(ns_name rl-ha)
  RT=$(ns_name rl-rt)
  MN=$(ns_name rl-mn)
  local ns
  for ns in "$HA" "$RT" "$MN"; do ns_add "$ns"; done
  in_ns "$RT" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  veth "$HA" ha-home "$RT" rt-home
  veth "$MN" mn-a "$RT" rt-a
  veth "$MN" mn-b "$RT" rt-b
  ip -n "$RT" addr add 2001:db8:10::1/64 dev rt-home nodad
  ip -n "$RT" addr add 2001:db8:a::1/64 dev rt-a nodad
  ip -n "$RT" addr add 198.51.100.1/24 dev rt-b
  ip -n "$HA" addr add "$HA_HOST6/64" dev ha-home nodad
  ip -n "$HA" -6 route add default via 2001:db8:10::1
  in_ns "$MN" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
  ip -n "$MN" addr add "$COA_A/64" dev mn-a nodad
  ip -n "$MN" -6 route add default via 2001:db8:a::1 dev mn-a
  ip -n "$MN" addr add 198.51.100.2/24 dev mn-b
  local file
  for file in ha.toml mn.toml gw.toml m6t-client.toml; do cp "$TOPO_DIR/$file" "$NETNS_TMP/$file"; done
  HA_CONTROL="$NETNS_TMP/ha.sock"
  MN_CONTROL="$NETNS_TMP/mn.sock"
  GW_CONTROL="$NETNS_TMP/gw.sock"
  M6T_CONTROL="$NETNS_TMP/m6t-client.sock"
}

ha_json() { show_json "$HA" "$HA_CONTROL"; }
mn_json() { show_json "$MN" "$MN_CONTROL"; }
gw_json() { show_json "$RT" "$GW_CONTROL"; }

# expect JSON JQ-FILTER VALUE: the filter's (raw) result is VALUE.
expect() { [ "$(jq -r "$2" <<<"$1")" = "$3" ] || fail "$2 is $(jq -c "$2" <<<"$1"), expected $3"; }
# json_is NS CONTROL JQ-FILTER VALUE: the daemon's `dsmip show --json` has that value now.
json_is() { [ "$(show_json "$1" "$2" | jq -r "$3")" = "$4" ]; }
# wait_json NS CONTROL JQ-FILTER VALUE [TIMEOUT]: waits (bounded) until json_is holds.
wait_json() {
  wait_until "${5:-5}" json_is "$1" "$2" "$3" "$4" || {
    show_json "$1" "$2" >&2 || true
    fail "$3 did not become $4 within ${5:-5} s"
  }
}
# log_has NAME TEXT: the daemon's log (NAME.log) has a line containing TEXT.
log_has() { grep -qF -- "$2" "$NETNS_TMP/$1.log"; }
wait_log() {
  wait_until "${3:-5}" log_has "$1" "$2" || fail "$1.log has no line with: $2"
}
# set_key FILE KEY VALUE: replaces the top-level `KEY = …` line of a copied configuration.
set_key() {
  sed -i "s|^$2 = .*|$2 = $3|" "$NETNS_TMP/$1"
  grep -q "^$2 = $3\$" "$NETNS_TMP/$1" || fail "could not set $2 in $1"
}
# alive PID: the process still runs.
alive() { kill -0 "$1" 2>/dev/null; }

pass() { log "PASS${1:+ ($1)}"; }
