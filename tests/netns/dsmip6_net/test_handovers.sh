#!/usr/bin/env bash
# Handovers a → c → b → d → a during a continuous ping from the correspondent to both home
# addresses (every 50 ms) and a TCP stream to the IPv6 home address. Each move is
# make-before-break on the new link (it comes up first) and break on the old one (its link goes
# down: the registered care-of address disappears), so the interruption is what the mobile node
# needs to notice the loss and get the new binding acknowledged: the netlink settle time
# (20 ms), the BU/BA round trip, and the data path and routes switched on the BA. For (d) the
# m6t client was started (and got its address) before the old link went down.
#
# Bounds: 1.5 s of interruption and 30 lost packets (of 20 per second) per handover. They leave
# room for one lost BU (retransmitted after INITIAL_BINDACK_TIMEOUT, 1 s, RFC 6275 §11.8) on a
# loaded test machine; without a loss a handover takes well under 200 ms here (the measured
# figures are printed).
source "$(dirname "$0")/topology.sh"
topology_up
start_gateway
capture_start "$RT" rt-home home
start_ha
attach a
start_mn --stop_timeout 3s
wait_registered "$COA_A" ipv6
wait_ipv4_home
stream_start "$HOA6" 5001 s6

start "$CN" ping6 ping -6 -D -n -i 0.05 -W 1 "$HOA6"
PING6_PID=$LAST_PID
start "$CN" ping4 ping -4 -D -n -i 0.05 -W 1 "$HOA4"
PING4_PID=$LAST_PID
HANDOVERS="$NETNS_TMP/handovers"
: >"$HANDOVERS"
sleep 1

# move FROM TO COA ENCAPSULATION: attach TO, let the MN see it, drop FROM, wait for the binding.
move() {
  attach "$2"
  sleep 0.5

  echo "$1-$2 $(date +%s.%N)" >>"$HANDOVERS"
  detach "$1"
  local coa=$3
  [ "$coa" = m6t ] && coa=$(json_get "$(show_json "$MN" "$M6T_CONTROL")" .address)
  wait_registered "$coa" "$4" 10
  log "handover $1 -> $2: registered $coa ($4) after ${WAITED}s"
  sleep 1.5
}

move a c "$COA_C" udp
move c b "$COA_B" ipv4
move b d m6t ipv6
move d a "$COA_A" ipv6

stop_pid "$PING6_PID" INT
stop_pid "$PING4_PID" INT
stream_check s6
log "IPv6 home address:"
"$PYTHON" "$TOPO_DIR/ping_gaps.py" --ping-log "$NETNS_TMP/ping6.log" --handovers "$HANDOVERS" \
  --max-interruption 1.5 --max-lost 30 >&2 || fail "a handover exceeded the bounds (IPv6)"
log "IPv4 home address:"
"$PYTHON" "$TOPO_DIR/ping_gaps.py" --ping-log "$NETNS_TMP/ping4.log" --handovers "$HANDOVERS" \
  --max-interruption 1.5 --max-lost 30 >&2 || fail "a handover exceeded the bounds (IPv4)"
mn=$(mn_json)
expect "$mn" '.counters.handovers >= 4' true

# tshark on the home link, given the example's ESP keys (ESP_TSHARK), decrypts every BU and BA,
# native and in UDP 4191, and decodes them with the expected options and flags and no malformed
# mark; every one of them was ESP-protected on the wire (ESP is required in both daemons).
stop_pid "$MN_PID"
wait_until 3 bash -c "[ \"\$(ip netns exec $HA $DSMIP show --control $HA_CONTROL --json | jq -r '.bindings[0].state')\" = deregistered ]" ||
  fail "the binding was not de-registered"
sleep 0.3
capture_stop home
PCAP="$NETNS_TMP/home.pcap"
DECODE="udp.port==4191,ipv6"
# count FILTER: packets matching; a filter tshark refuses fails the test (not "0").
count() {
  local out
  out=$(tshark -r "$PCAP" "${ESP_TSHARK[@]}" -d "$DECODE" -Y "$1" 2>"$NETNS_TMP/tshark.err") ||
    fail "tshark refused '$1': $(cat "$NETNS_TMP/tshark.err")"
  grep -c . <<<"$out" || true
}
# (Decoding port 4191 as IPv6 makes the IPv4-in-UDP data look bogus: only signalling and what
# is not UDP 4191 are checked.)
BAD="(_ws.malformed || _ws.expert.severity == error) && (mipv6 || !(udp.port == 4191))"
malformed=$(count "$BAD")
[ "$malformed" = 0 ] || fail "$malformed malformed packets: $(tshark -r "$PCAP" "${ESP_TSHARK[@]}" -d "$DECODE" -Y "$BAD" 2>/dev/null | head -3)"
[ "$(count "(mip6.mhtype == 5 || mip6.mhtype == 6) && !esp")" = 0 ] || fail "a BU or BA without ESP"
[ "$(count "esp && !(esp.icv_good == 1)")" = 0 ] || fail "ESP whose ICV tshark did not verify"
bus=$(count "mip6.mhtype == 5")
bas=$(count "mip6.mhtype == 6")
log "on the home link: $bus BUs, $bas BAs"
[ "$bus" -ge 6 ] || fail "only $bus BUs decoded"
[ "$bas" -ge 6 ] || fail "only $bas BAs decoded"
# Every BU asks for an acknowledged home registration.
[ "$(count "mip6.mhtype == 5 && !(mip6.bu.a_flag == 1 && mip6.bu.h_flag == 1)")" = 0 ] ||
  fail "a BU without A and H"
# (a), (d): native, with the Home Address option; the BA with the type 2 routing header.
[ "$(count "mip6.mhtype == 5 && !udp && ipv6.src == $COA_A && ipv6.opt.mipv6.home_address == $HOA6 && mip6.ipv4ha.ha == $HOA4")" -ge 1 ] ||
  fail "no native BU from $COA_A with the HAO and the IPv4 home address option"
[ "$(count "mip6.mhtype == 6 && !udp && ipv6.dst == $COA_A && ipv6.routing.mipv6.home_address == $HOA6 && mip6.ba.status == 0 && mip6.ipv4aa.sts == 0")" -ge 1 ] ||
  fail "no native BA to $COA_A with the type 2 routing header and IPv4 ack 0"
[ "$(count "mip6.mhtype == 5 && !udp && ipv6.src in {fd00:6d36::/48} && ipv6.opt.mipv6.home_address == $HOA6")" -ge 1 ] ||
  fail "no BU from the m6t care-of address"
# (c): in UDP from the NAT, the IPv4 CoA option naming the private address; the BA with the
# NAT Detection option and the refresh time.
[ "$(count "mip6.mhtype == 5 && ip.src == $NAT_C && udp.dstport == 4191 && mip6.ipv4coa.addr == $COA_C && ipv6.src == $HOA6")" -ge 1 ] ||
  fail "no UDP BU from the NAT with the IPv4 CoA option $COA_C"
[ "$(count "mip6.mhtype == 6 && ip.dst == $NAT_C && udp.srcport == 4191 && mip6.ba.status == 0 && mip6.natd.refresh_t == 110")" -ge 1 ] ||
  fail "no UDP BA to the NAT with NAT detection (refresh 110 s)"
# (b): public IPv4: the NAT Detection option says no NAT (refresh time all ones).
[ "$(count "mip6.mhtype == 5 && ip.src == $COA_B && mip6.ipv4coa.addr == $COA_B")" -ge 1 ] ||
  fail "no UDP BU from $COA_B"
[ "$(count "mip6.mhtype == 6 && ip.dst == $COA_B && mip6.ba.status == 0 && mip6.natd.refresh_t == 0xffffffff")" -ge 1 ] ||
  fail "no UDP BA to $COA_B saying no NAT"
# The de-registration on stop: lifetime 0, accepted.
[ "$(count "mip6.mhtype == 5 && mip6.bu.lifetime == 0")" -ge 1 ] || fail "no de-registration BU"
pass "4 handovers, $bus BUs and $bas BAs decoded"
