#!/usr/bin/env bash
# DSMIPv6 (RFC 5555): a home agent, a correspondent, and a mobile node that moves between four
# visited networks — (a) IPv6, (b) public IPv4, (c) private IPv4 behind an nftables NAT, (d)
# private IPv4 behind a NAT, reaching IPv6 only through the m6t gateway.
#
#  home link 2001:db8:10::/64, 192.0.2.0/24             correspondents 2001:db8:c0::/64, 203.0.113.0/24
#  +----+ ha-home            rt-home +----+ rt-cn                  cn-rt +----+
#  | ha |----------------------------| rt |--------------------------------| cn | ::2 / .2
#  +----+ ::2 / 192.0.2.2     ::1/.1 +----+ ::1 / .1                       +----+
#  dsmip ha: MIPv6 address ::100      | | | | \ rt-gw ─── gw-rt  +----+ 198.51.103.2, 2001:db8:6::2
#  (routed into its TUN, proxy ND)    | | | |  \─────────────────| gw | dsmip m6t-gateway :3544
#  MN home address ::50 / 192.0.2.50  | | | |                    +----+ (rt: fd00:6d36::/48 via gw)
#                                     | | | └ rt-d 198.51.102.1 ── natd-out .2 +------+ natd-in 10.0.4.1
#                                     | | |                                    | natd |──────────┐
#                                     | | └ rt-c 198.51.101.1 ── natc-out .2   +------+ natc-in  │
#                                     | |                       +------+ 10.0.3.1 ──────┐        │
#                                     | |                       | natc |                │        │
#                                     | |                       +------+                │        │
#                                     | └ rt-b 198.51.100.1 ─────────────── mn-b .2 ┐   │        │
#                                     └ rt-a 2001:db8:a::1 ──────────────── mn-a ::2 │   │        │
#                                                                          +----+ ─┘   │        │
#                                                                          | mn | mn-c 10.0.3.2  │
#                                                                          +----+ mn-d 10.0.4.2 ─┘
#   dsmip mn (interfaces mn-a, mn-b, mn-c, m6t0); dsmip m6t-client in network (d) only (tun m6t0,
#   fd00:6d36:0:1:7::/80, route 2001:db8:10::/64 → m6t0). Both NATs masquerade (fully random).
#
# Node configurations: examples/dsmip6/ha.toml and mn.toml (the documented examples; scenarios
# override timers and paths with flags), gw.toml and m6t-client.toml here.

TOPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$TOPO_DIR/../lib.sh"
EXAMPLES=$(cd "$TOPO_DIR/../../../examples/dsmip6" && pwd)

HA6=2001:db8:10::100
HA4=192.0.2.2
HOA6=2001:db8:10::50
HOA4=192.0.2.50
CN6=2001:db8:c0::2
CN4=203.0.113.2
COA_A=2001:db8:a::2
COA_B=198.51.100.2
COA_C=10.0.3.2
NAT_C=198.51.101.2
COA_D=10.0.4.2
NAT_D=198.51.102.2
GW4=198.51.103.2

topology_up() {
  require_root
  require_tool ip nft jq "$PYTHON"
  require_dsmip
  HA=$(ns_name ha)
  RT=$(ns_name rt)
  CN=$(ns_name cn)
  MN=$(ns_name mn)
  NATC=$(ns_name natc)
  NATD=$(ns_name natd)
  GW=$(ns_name gw)
  local ns
  for ns in "$HA" "$RT" "$CN" "$MN" "$NATC" "$NATD" "$GW"; do ns_add "$ns"; done
  for ns in "$RT" "$NATC" "$NATD" "$GW"; do
    in_ns "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  done
  veth "$HA" ha-home "$RT" rt-home
  veth "$CN" cn-rt "$RT" rt-cn
  veth "$GW" gw-rt "$RT" rt-gw
  veth "$MN" mn-a "$RT" rt-a
  veth "$MN" mn-b "$RT" rt-b
  veth "$MN" mn-c "$NATC" natc-in
  veth "$NATC" natc-out "$RT" rt-c
  veth "$MN" mn-d "$NATD" natd-in
  veth "$NATD" natd-out "$RT" rt-d

  # Router.
  ip -n "$RT" addr add 2001:db8:10::1/64 dev rt-home nodad
  ip -n "$RT" addr add 192.0.2.1/24 dev rt-home
  ip -n "$RT" addr add 2001:db8:c0::1/64 dev rt-cn nodad
  ip -n "$RT" addr add 203.0.113.1/24 dev rt-cn
  ip -n "$RT" addr add 2001:db8:6::1/64 dev rt-gw nodad
  ip -n "$RT" addr add 198.51.103.1/24 dev rt-gw
  ip -n "$RT" addr add 2001:db8:a::1/64 dev rt-a nodad
  ip -n "$RT" addr add 198.51.100.1/24 dev rt-b
  ip -n "$RT" addr add 198.51.101.1/24 dev rt-c
  ip -n "$RT" addr add 198.51.102.1/24 dev rt-d
  ip -n "$RT" route add fd00:6d36::/48 via 2001:db8:6::2
  # Home agent host: its own addresses on the home link (the MIPv6 address is the daemon's).
  ip -n "$HA" addr add 2001:db8:10::2/64 dev ha-home nodad
  ip -n "$HA" addr add "$HA4/24" dev ha-home
  ip -n "$HA" route add default via 192.0.2.1
  ip -n "$HA" -6 route add default via 2001:db8:10::1
  # Correspondent.
  ip -n "$CN" addr add "$CN6/64" dev cn-rt nodad
  ip -n "$CN" addr add "$CN4/24" dev cn-rt
  ip -n "$CN" route add default via 203.0.113.1
  ip -n "$CN" -6 route add default via 2001:db8:c0::1
  # m6t gateway.
  ip -n "$GW" addr add 2001:db8:6::2/64 dev gw-rt nodad
  ip -n "$GW" addr add "$GW4/24" dev gw-rt
  ip -n "$GW" route add default via 198.51.103.1
  ip -n "$GW" -6 route add default via 2001:db8:6::1
  # NATs.
  ip -n "$NATC" addr add 10.0.3.1/24 dev natc-in
  ip -n "$NATC" addr add "$NAT_C/24" dev natc-out
  ip -n "$NATC" route add default via 198.51.101.1
  ip -n "$NATD" addr add 10.0.4.1/24 dev natd-in
  ip -n "$NATD" addr add "$NAT_D/24" dev natd-out
  ip -n "$NATD" route add default via 198.51.102.1
  for ns in "$NATC:natc-out" "$NATD:natd-out"; do
    in_ns "${ns%%:*}" nft -f - <<NFT
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${ns##*:}" masquerade fully-random
  }
}
NFT
  done
  # Mobile node: static addressing in each visited network, every link down until attached.
  in_ns "$MN" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
  local link
  for link in mn-a mn-b mn-c mn-d; do
    in_ns "$MN" sysctl -qw "net.ipv6.conf.$link.accept_ra=0" "net.ipv6.conf.$link.keep_addr_on_down=1"
    ip -n "$MN" link set "$link" down
  done
  ip -n "$MN" addr add "$COA_A/64" dev mn-a nodad
  ip -n "$MN" addr add "$COA_B/24" dev mn-b
  ip -n "$MN" addr add "$COA_C/24" dev mn-c
  ip -n "$MN" addr add "$COA_D/24" dev mn-d

  HA_CONTROL="$NETNS_TMP/ha.sock"
  MN_CONTROL="$NETNS_TMP/mn.sock"
  GW_CONTROL="$NETNS_TMP/gw.sock"
  M6T_CONTROL="$NETNS_TMP/m6t-client.sock"
  MN_ATTACHED=""
}

# attach a|b|c|d: brings the MN's link to that network up with its default route. In (d) the
# m6t gateway is reached through that network (a route to it), and the m6t client is started.
attach() {
  case $1 in
    a)
      ip -n "$MN" link set mn-a up
      ip -n "$MN" -6 route replace default via 2001:db8:a::1 dev mn-a metric 100
      ;;
    b)
      ip -n "$MN" link set mn-b up
      ip -n "$MN" route replace default via 198.51.100.1 dev mn-b metric 200
      ;;
    c)
      ip -n "$MN" link set mn-c up
      ip -n "$MN" route replace default via 10.0.3.1 dev mn-c metric 300
      ;;
    d)
      ip -n "$MN" link set mn-d up
      ip -n "$MN" route replace default via 10.0.4.1 dev mn-d metric 400
      ip -n "$MN" route replace 198.51.103.0/24 via 10.0.4.1 dev mn-d
      start_m6t
      ;;
  esac
  MN_ATTACHED="$MN_ATTACHED $1"
}

# detach a|b|c|d: takes the MN's link to that network down (in (d): the m6t client stops too).
detach() {
  if [ "$1" = d ] && [ -n "${M6T_PID:-}" ]; then
    stop_pid "$M6T_PID"
    M6T_PID=""
  fi
  ip -n "$MN" link set "mn-$1" down
  MN_ATTACHED=$(sed "s/ $1//" <<<"$MN_ATTACHED")
}

# start_gateway: the m6t gateway (for network d).
start_gateway() {
  start "$GW" gateway "$DSMIP" m6t-gateway --config "$TOPO_DIR/gw.toml" --control "$GW_CONTROL" \
    --log-level info
  GW_PID=$LAST_PID
  wait_until 5 show_json "$GW" "$GW_CONTROL" || fail "the m6t gateway did not come up"
}

# start_m6t: the m6t client on the MN; waits for its tunnel address.
start_m6t() {
  start "$MN" m6t-client "$DSMIP" m6t-client --config "$TOPO_DIR/m6t-client.toml" \
    --control "$M6T_CONTROL" --log-level info
  M6T_PID=$LAST_PID
  wait_until 5 m6t_has_address || fail "the m6t client did not take a tunnel address"
}
m6t_has_address() { [ "$(json_get "$(show_json "$MN" "$M6T_CONTROL")" .address)" != null ]; }

# start_ha [FLAGS...]: the home agent with the example configuration ($HA_CONFIG if set).
start_ha() {
  start "$HA" ha "$DSMIP" ha --config "${HA_CONFIG:-$EXAMPLES/ha.toml}" --control "$HA_CONTROL" \
    --esp_state_directory "$NETNS_TMP/ha-state" \
    --log-level "${DSMIP6_LOG_LEVEL:-debug}" "$@"
  HA_PID=$LAST_PID
  wait_until 5 show_json "$HA" "$HA_CONTROL" || fail "the home agent did not come up"
}

# start_mn [FLAGS...]: the mobile node with the example configuration ($MN_CONFIG if set; a
# fixed first sequence number, so that captures are reproducible).
start_mn() {
  start "$MN" mn "$DSMIP" mn --config "${MN_CONFIG:-$EXAMPLES/mn.toml}" --control "$MN_CONTROL" \
    --esp_state_directory "$NETNS_TMP/mn-state" \
    --log-level "${DSMIP6_LOG_LEVEL:-debug}" --initial_sequence 1000 "$@"
  MN_PID=$LAST_PID
  wait_until 5 show_json "$MN" "$MN_CONTROL" || fail "the mobile node did not come up"
}

ha_json() { show_json "$HA" "$HA_CONTROL"; }
mn_json() { show_json "$MN" "$MN_CONTROL"; }

# registered_via COA [ENCAPSULATION]: the MN's primary binding is registered with that care-of
# address (and data path), and the home agent has the binding.
registered_via() {
  local mn ha
  mn=$(mn_json) || return 1
  [ "$(jq -r '.binding_update_list[0].state' <<<"$mn")" = registered ] || return 1
  [ "$(jq -r '.binding_update_list[0].registered_care_of' <<<"$mn")" = "$1" ] || return 1
  if [ -n "${2:-}" ]; then
    [ "$(jq -r '.binding_update_list[0].path.encapsulation' <<<"$mn")" = "$2" ] || return 1
  fi
  ha=$(ha_json) || return 1
  [ "$(jq -r ".bindings[] | select(.home_address == \"$HOA6\") | .state" <<<"$ha")" = active ]
}
# wait_registered COA [ENCAPSULATION] [TIMEOUT]
wait_registered() {
  wait_until "${3:-10}" registered_via "$1" "${2:-}" || {
    mn_json >&2 || true
    ha_json >&2 || true
    fail "the mobile node did not register $1 ${2:-} in ${3:-10} s"
  }
}
wait_ipv4_home() {
  wait_until "${1:-5}" bash -c "[ \"\$(ip netns exec $MN $DSMIP show --control $MN_CONTROL --json | jq -r .ipv4_home_address)\" = $HOA4/32 ]" ||
    fail "the IPv4 home address was not acknowledged"
}

# The correspondent reaches both home addresses; the MN reaches the correspondent from both.
check_reachability() {
  local out
  out=$(in_ns "$CN" ping -6 -n -c 3 -i 0.2 -W 2 "$HOA6") || fail "CN -> $HOA6: $out"
  out=$(in_ns "$CN" ping -4 -n -c 3 -i 0.2 -W 2 "$HOA4") || fail "CN -> $HOA4: $out"
  out=$(in_ns "$MN" ping -6 -n -c 3 -i 0.2 -W 2 -I "$HOA6" "$CN6") || fail "MN $HOA6 -> CN: $out"
  out=$(in_ns "$MN" ping -4 -n -c 3 -i 0.2 -W 2 -I "$HOA4" "$CN4") || fail "MN $HOA4 -> CN: $out"
}

# stream_start ADDRESS PORT NAME: a TCP stream from the correspondent to the MN's ADDRESS
# (server on the MN, client on the CN), counting bytes in $NETNS_TMP/NAME.count.
stream_start() {
  start "$MN" "$3-server" "$PYTHON" "$TOPO_DIR/stream.py" server --bind "$1" --port "$2" \
    --count-file "$NETNS_TMP/$3.count"
  eval "STREAM_SERVER_$3=$LAST_PID"
  wait_until 5 bash -c "ip netns exec $MN ss -ltn | grep -q ':$2 '" || fail "stream server $3"
  start "$CN" "$3-client" "$PYTHON" "$TOPO_DIR/stream.py" client --connect "$1" --port "$2"
  eval "STREAM_CLIENT_$3=$LAST_PID"
  wait_until 5 stream_grows "$3" 0 || fail "stream $3 carries nothing"
}
stream_bytes() { cat "$NETNS_TMP/$1.count" 2>/dev/null || echo 0; }
# stream_grows NAME BYTES: the stream has carried more than BYTES.
stream_grows() { [ "$(stream_bytes "$1")" -gt "$2" ]; }
# stream_alive NAME: both ends still run (no reset, no error) and bytes keep coming.
stream_check() {
  local before
  before=$(stream_bytes "$1")
  wait_until 5 stream_grows "$1" "$before" || fail "stream $1 stalled at $before bytes"
  kill -0 "$(eval echo "\$STREAM_CLIENT_$1")" 2>/dev/null || fail "stream $1: the client died: $(tail -2 "$NETNS_TMP/$1-client.log")"
  kill -0 "$(eval echo "\$STREAM_SERVER_$1")" 2>/dev/null || fail "stream $1: the server died: $(tail -2 "$NETNS_TMP/$1-server.log")"
}

# capture_start NS IFACE NAME: tshark capture on an interface to $NETNS_TMP/NAME.pcap.
capture_start() {
  start "$1" "capture-$3" tshark -n -i "$2" -w "$NETNS_TMP/$3.pcap" -f "ip6 or ip"
  eval "CAPTURE_$3=$LAST_PID"
  wait_until 5 test -s "$NETNS_TMP/$3.pcap" || fail "capture $3 did not start"
}
capture_stop() { stop_pid "$(eval echo "\$CAPTURE_$1")" INT; }

# esp_tshark FILE: sets ESP_TSHARK, tshark options that decrypt and authenticate the ESP of a
# mobile node configuration (every [[esp_sa]] of FILE, keys included: one esp_sa UAT record per
# SA, any address, matched by SPI), so the Mobility Header or payload inside is dissected as on
# the wire. By default: examples/dsmip6/mn.toml.
esp_tshark() {
  ESP_TSHARK=(-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE)
  local record
  while IFS= read -r record; do ESP_TSHARK+=(-o "uat:esp_sa:$record"); done < <("$PYTHON" - "$1" <<'PY'
import sys, tomllib
for sa in tomllib.load(open(sys.argv[1], "rb")).get("esp_sa", []):
    print(f'"IPv6","*","*","0x{sa["spi"]:08x}","AES-CBC [RFC3602]","{sa["encryption_key"]}",'
          f'"HMAC-SHA-256-128 [RFC4868]","{sa["integrity_key"]}"')
PY
)
}
esp_tshark "$EXAMPLES/mn.toml"

# expect JSON JQ-FILTER VALUE: the filter's (raw) result is VALUE.
expect() { [ "$(jq -r "$2" <<<"$1")" = "$3" ] || fail "$2 is $(jq -c "$2" <<<"$1"), expected $3"; }

# pass [MESSAGE]: logs PASS (with DSMIP_KEEP_LOGS=DIR the logs and captures are kept there).
pass() {
  log "PASS${1:+ ($1)}"
  if [ -n "${DSMIP_KEEP_LOGS:-}" ]; then
    mkdir -p "$DSMIP_KEEP_LOGS"
    cp -r "$NETNS_TMP"/. "$DSMIP_KEEP_LOGS"/
  fi
}

# output_has PATTERN CMD...: CMD's output has a line matching PATTERN. (Not `CMD | grep -q`:
# under pipefail, grep leaving early makes CMD die of SIGPIPE and the pipeline fail.)
output_has() {
  local pattern=$1 out
  shift
  out=$("$@") || return 1
  grep -q -- "$pattern" <<<"$out"
}
