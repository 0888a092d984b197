#!/usr/bin/env bash
# Returning home with ESP required (RFC 6275 §11.5.4, RFC 3776 §3.1), and SA lifetimes by time.
#
# The MN gets a link to the home link (the router's home port becomes a bridge with the HA's
# and the MN's ports; the MN's mn-h has 2001:db8:10::51/64 and a default route). It registers
# from (a), returns home, leaves for (c) (NAT, UDP), returns home again, and leaves for (a),
# during a ping every 50 ms and a TCP stream from the correspondent to the IPv6 home address.
# Each return home: the MN moves the home address to the home link and announces it (unsolicited
# Neighbor Advertisements, Override), then de-registers from the home address with a BU of
# lifetime 0 in ESP; the HA withdraws proxy ND and the route into its TUN and answers with a BA
# in ESP to the on-link home address, which the MN receives on its raw ESP socket of the home
# link. Asserted: the counters on both ends, the HA's binding de-registered and its
# interceptions gone, the MN "at home" in `dsmip show`, its routes through the TUN gone and the
# home address on mn-h, the MN reaching the correspondent from the home address at home, the
# stream surviving, and every handover within 1.5 s and 30 lost pings (the figures are
# printed). tshark with the keys decrypts the BUs and BAs on the MN's home port (no HAO, no
# routing header, ICV good, nothing malformed).
#
# SA lifetimes: the MN's configuration is the example's with a time lifetime on its MPS SA
# (soft 2 s, hard 4 s; no MPS is ever sent here): without traffic it is logged soft-expired once
# and then shown "expired" (removed) by `dsmip show --json`, while the BU/BA SAs stay mature.
source "$(dirname "$0")/topology.sh"
topology_up

MN_H=2001:db8:10::51
# The home link as a bridge in the router: rt-home (to the HA) and rt-h (to the MN).
ip -n "$RT" link add br-home type bridge
ip -n "$RT" link set br-home type bridge stp_state 0 mcast_snooping 0
ip -n "$RT" addr flush dev rt-home
ip -n "$RT" link set rt-home master br-home
veth "$MN" mn-h "$RT" rt-h
ip -n "$RT" link set rt-h master br-home
ip -n "$RT" link set br-home up
ip -n "$RT" addr add 2001:db8:10::1/64 dev br-home nodad
ip -n "$RT" addr add 192.0.2.1/24 dev br-home
in_ns "$MN" sysctl -qw net.ipv6.conf.mn-h.accept_ra=0 net.ipv6.conf.mn-h.keep_addr_on_down=1
ip -n "$MN" link set mn-h down
ip -n "$MN" addr add "$MN_H/64" dev mn-h nodad
attach_home() {
  ip -n "$MN" link set mn-h up
  ip -n "$MN" -6 route replace default via 2001:db8:10::1 dev mn-h metric 50
}
detach_home() { ip -n "$MN" link set mn-h down; }

# The example configuration, the home link first among the interfaces, a time lifetime on the
# MPS SA.
MN_TOML="$NETNS_TMP/mn.toml"
"$PYTHON" - "$EXAMPLES/mn.toml" "$MN_TOML" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r'^interfaces = \[', 'interfaces = ["mn-h", ', text, count=1, flags=re.M)
marker = 'name = "mps-to-ha"\n'
assert marker in text
text = text.replace(marker, marker + 'soft_lifetime_time = "2s"\nhard_lifetime_time = "4s"\n', 1)
open(sys.argv[2], "w").write(text)
PY

capture_start "$RT" rt-h home
start_ha
attach a
start "$MN" mn "$DSMIP" mn --config "$MN_TOML" --control "$MN_CONTROL" \
  --esp_state_directory "$NETNS_TMP/mn-state" --log-level "${DSMIP6_LOG_LEVEL:-debug}" \
  --initial_sequence 1000 --stop_timeout 3s
MN_PID=$LAST_PID
wait_until 5 show_json "$MN" "$MN_CONTROL" || fail "the mobile node did not come up"
wait_registered "$COA_A" ipv6
stream_start "$HOA6" 5001 s6
start "$CN" ping6 ping -6 -D -n -i 0.05 -W 1 "$HOA6"
PING6_PID=$LAST_PID
HANDOVERS="$NETNS_TMP/handovers"
: >"$HANDOVERS"
sleep 1

ha_binding_state() { jq -r ".bindings[] | select(.home_address == \"$HOA6\") | .state" <<<"$(ha_json)"; }
at_home() {
  local mn
  mn=$(mn_json) || return 1
  [ "$(jq -r .at_home <<<"$mn")" = true ] || return 1
  [ "$(jq -r '.binding_update_list[0].state' <<<"$mn")" = at-home ] || return 1
  [ "$(ha_binding_state)" != active ]
}
# go_home FROM: the home link comes up (the MN is home from then on), FROM goes down.
go_home() {
  local before_mn before_ha mn ha
  before_mn=$(mn_json)
  before_ha=$(ha_json)
  echo "$1-home $(date +%s.%N)" >>"$HANDOVERS"
  attach_home
  wait_until 10 at_home || {
    mn_json >&2 || true
    ha_json >&2 || true
    fail "the MN did not get home (from $1)"
  }
  log "home from $1: de-registered after ${WAITED}s"
  detach "$1"
  mn=$(mn_json)
  ha=$(ha_json)
  # One more de-registration on each end, through ESP, the BA received on the home link.
  expect "$mn" ".counters.deregistrations - $(jq '.counters.deregistrations' <<<"$before_mn")" 1
  expect "$mn" ".daemon_counters[\"home-link-esp-received\"] > $(jq '.daemon_counters["home-link-esp-received"]' <<<"$before_mn")" true
  expect "$mn" ".signalling_filter.counters[\"inbound-accepted\"] > $(jq '.signalling_filter.counters["inbound-accepted"]' <<<"$before_mn")" true
  expect "$mn" '.daemon_counters["neighbour-advertisements"] >= 1' true
  expect "$mn" '.home_interface' mn-h
  expect "$mn" '.encapsulation' none
  expect "$mn" '.routes | length' 0
  expect "$ha" ".counters[\"bindings-deregistered\"] - $(jq '.counters["bindings-deregistered"]' <<<"$before_ha")" 1
  expect "$ha" ".signalling_filter.counters[\"inbound-accepted\"] > $(jq '.signalling_filter.counters["inbound-accepted"]' <<<"$before_ha")" true
  expect "$ha" ".signalling_filter.counters[\"outbound-protected\"] > $(jq '.signalling_filter.counters["outbound-protected"]' <<<"$before_ha")" true
  [ "$(ha_binding_state)" = deregistered ] || fail "the HA's binding is $(ha_binding_state)"
  # The HA no longer intercepts the home address; the MN has it on the home link.
  output_has "$HOA6" in_ns "$HA" ip -6 neigh show proxy && fail "the HA still proxies $HOA6"
  output_has dsmip6ha0 in_ns "$HA" ip -6 route show "$HOA6" && fail "$HOA6 still routed into the HA's TUN"
  output_has "$HOA6/64" in_ns "$MN" ip -6 addr show dev mn-h || fail "$HOA6 not on mn-h"
  output_has "$HOA6" in_ns "$MN" ip -6 addr show dev dsmip6mn0 && fail "$HOA6 still on the TUN"
  output_has "at home on mn-h" in_ns "$MN" "$DSMIP" show --control "$MN_CONTROL" || fail "mn show (text) does not say at home"
  # The MN's own traffic from the home address goes out natively on the home link.
  local out
  out=$(in_ns "$MN" ping -6 -n -c 3 -i 0.2 -W 2 -I "$HOA6" "$CN6") || fail "MN $HOA6 -> CN at home: $out"
  stream_check s6
  sleep 1
}
# leave_home TO COA ENCAPSULATION: TO comes up, the home link goes down, the MN registers.
leave_home() {
  attach "$1"
  sleep 0.5
  echo "home-$1 $(date +%s.%N)" >>"$HANDOVERS"
  detach_home
  wait_registered "$2" "$3" 10
  log "left home for $1: registered $2 ($3) after ${WAITED}s"
  output_has "$HOA6/128" in_ns "$MN" ip -6 addr show dev dsmip6mn0 || fail "$HOA6 not back on the TUN"
  output_has "$HOA6" in_ns "$MN" ip -6 addr show dev mn-h && fail "$HOA6 still on mn-h"
  output_has "$HOA6" in_ns "$HA" ip -6 neigh show proxy || fail "the HA does not proxy $HOA6 again"
  stream_check s6
  sleep 1
}

go_home a
leave_home c "$COA_C" udp
go_home c
leave_home a "$COA_A" ipv6

stop_pid "$PING6_PID" INT
stream_check s6
log "IPv6 home address:"
"$PYTHON" "$TOPO_DIR/ping_gaps.py" --ping-log "$NETNS_TMP/ping6.log" --handovers "$HANDOVERS" \
  --max-interruption 1.5 --max-lost 30 >&2 || fail "a return home or departure exceeded the bounds"

# SA lifetimes by time: the MPS SA expired without traffic, the others are mature.
mn=$(mn_json)
sas='.signalling_filter.security_associations'
expect "$mn" "$sas | map(select(.name == \"mps-to-ha\"))[0].state" expired
expect "$mn" "$sas | map(select(.name == \"mps-to-ha\"))[0].cause" time
expect "$mn" "$sas | map(select(.name == \"mps-to-ha\"))[0].spi" 0x1002
expect "$mn" "$sas | map(select(.name == \"mps-to-ha\"))[0].counters.packets" 0
expect "$mn" "$sas | map(select(.name == \"bu-to-ha\"))[0].state" mature
expect "$mn" "$sas | map(select(.name == \"ba-from-ha\"))[0].state" mature
[ "$(grep -c 'ESP SA "mps-to-ha" (SPI 0x1002, outbound): soft lifetime reached (time)' "$NETNS_TMP/mn.log")" = 1 ] ||
  fail "the soft expiry was not logged exactly once"
grep -q 'ESP SA "mps-to-ha" (SPI 0x1002, outbound): hard lifetime reached (time); the SA is removed' \
  "$NETNS_TMP/mn.log" || fail "the hard expiry was not logged"
output_has "expired (time)" in_ns "$MN" "$DSMIP" show --control "$MN_CONTROL" || fail "mn show (text) lacks the expired SA"
ha=$(ha_json)
expect "$ha" '.signalling_filter.security_associations | map(select(.state != "mature")) | length' 0

stop_pid "$MN_PID"
[ "$STOPPED_STATUS" = 0 ] || fail "mn exited with $STOPPED_STATUS"
sleep 0.3
capture_stop home
PCAP="$NETNS_TMP/home.pcap"
count() {
  local out
  out=$(tshark -r "$PCAP" "${ESP_TSHARK[@]}" -Y "$1" 2>"$NETNS_TMP/tshark.err") ||
    fail "tshark refused '$1': $(cat "$NETNS_TMP/tshark.err")"
  grep -c . <<<"$out" || true
}
BAD="_ws.malformed || _ws.expert.severity == error"
malformed=$(count "$BAD")
[ "$malformed" = 0 ] || fail "$malformed malformed packets: $(tshark -r "$PCAP" "${ESP_TSHARK[@]}" -Y "$BAD" 2>/dev/null | head -3)"
[ "$(count "esp && !(esp.icv_good == 1)")" = 0 ] || fail "ESP whose ICV tshark did not verify"
[ "$(count "(mip6.mhtype == 5 || mip6.mhtype == 6) && !esp")" = 0 ] || fail "a BU or BA without ESP"
# De-registration from home: HoA → HA, lifetime 0, no Home Address option, no Alternate CoA.
bus=$(count "mip6.mhtype == 5 && ipv6.src == $HOA6 && ipv6.dst == $HA6 && mip6.bu.lifetime == 0 && !ipv6.opt.mipv6.home_address && !mip6.acoa.acoa")
# Its BA: HA → HoA, accepted, lifetime 0, no type 2 routing header.
bas=$(count "mip6.mhtype == 6 && ipv6.src == $HA6 && ipv6.dst == $HOA6 && mip6.ba.status == 0 && mip6.ba.lifetime == 0 && !ipv6.routing")
log "on the MN's home port: $bus de-registration BUs and $bas BAs from home decoded"
[ "$bus" -ge 2 ] || fail "only $bus de-registration BUs from home decoded"
[ "$bas" -ge 2 ] || fail "only $bas BAs to the home address decoded"
# The unsolicited Neighbor Advertisements: to all-nodes, Override, target the home address.
nas=$(count "icmpv6.type == 136 && ipv6.dst == ff02::1 && icmpv6.nd.na.flag.o == 1 && icmpv6.nd.na.flag.s == 0 && icmpv6.nd.na.target_address == $HOA6")
[ "$nas" -ge 2 ] || fail "only $nas unsolicited neighbour advertisements for $HOA6"
pass "2 returns home, $bus BUs / $bas BAs from home, $nas neighbour advertisements"
