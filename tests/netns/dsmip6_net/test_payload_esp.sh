#!/usr/bin/env bash
# Tunnel-mode ESP on the payload (draft-laganier-mext-dsmipv6-ipsec-01 Req. #1 and #3; RFC 4877
# §4.1, RFC 5555 §5.2.2): the example configurations with their optional payload SAs and policies
# enabled (the "#| " lines). A ping every 50 ms and a TCP stream from the correspondent to the IPv6
# home address run while the mobile node moves (a) native IPv6 → (b) public IPv4 (protocol 41) →
# (c) private IPv4 behind the NAT (UDP 4191). After each move the payload SAs' packet counters
# have grown on both ends, in both directions, with the same SPIs and no other SA (no rekeying:
# the home agent re-addresses after ESP), the daemons' payload stages decrypted what came in and
# dropped nothing, the BUs were routed by their SPI (Req. #3), and the sessions survive. On the
# home link every payload packet between the two is ESP on SA 0x3001/0x3002 (no cleartext
# IPv6-in-IPv6 / IPv6-in-IPv4 / IPv6-in-UDP to or from the home address), and tshark, given the
# keys, decrypts it (ICV good) with no malformed or expert error mark.
source "$(dirname "$0")/topology.sh"
require_tool tshark
topology_up

# The example configurations with the optional payload protection enabled.
HA_CONFIG="$NETNS_TMP/ha-payload.toml"
MN_CONFIG="$NETNS_TMP/mn-payload.toml"
sed 's/^#| \{0,1\}//' "$EXAMPLES/ha.toml" >"$HA_CONFIG"
sed 's/^#| \{0,1\}//' "$EXAMPLES/mn.toml" >"$MN_CONFIG"
esp_tshark "$MN_CONFIG"

start_gateway
capture_start "$RT" rt-home home
start_ha
attach a
start_mn --stop_timeout 3s
wait_registered "$COA_A" ipv6

# SA counters: sa:<spi>:<direction>:<counter> (0x3001 = 12289 home agent → mobile node,
# 0x3002 = 12290 mobile node → home agent).
sa() { jq -r ".signalling_filter.counters[\"sa:$2:packets\"] // 0" <<<"$1"; }
sa_keys() { jq -c '[.signalling_filter.counters | keys[] | select(startswith("sa:")) | split(":")[1:3] | join(":")] | unique' <<<"$1"; }
# grown PHASE: both payload SAs carried more packets on both ends than at the last call.
LAST_HA_OUT=0 LAST_HA_IN=0 LAST_MN_OUT=0 LAST_MN_IN=0
grown() {
  local ha mn
  ha=$(ha_json) && mn=$(mn_json) || return 1
  local ha_out ha_in mn_out mn_in
  ha_out=$(sa "$ha" 12289:outbound) ha_in=$(sa "$ha" 12290:inbound)
  mn_out=$(sa "$mn" 12290:outbound) mn_in=$(sa "$mn" 12289:inbound)
  [ "$ha_out" -gt "$LAST_HA_OUT" ] && [ "$ha_in" -gt "$LAST_HA_IN" ] &&
    [ "$mn_out" -gt "$LAST_MN_OUT" ] && [ "$mn_in" -gt "$LAST_MN_IN" ] || return 1
  log "$1: SA 0x3001 HA out $ha_out / MN in $mn_in, SA 0x3002 MN out $mn_out / HA in $ha_in"
  LAST_HA_OUT=$ha_out LAST_HA_IN=$ha_in LAST_MN_OUT=$mn_out LAST_MN_IN=$mn_in
}

ha0=$(ha_json)
mn0=$(mn_json)
HA_SAS=$(sa_keys "$ha0")
MN_SAS=$(sa_keys "$mn0")
log "home agent SAs $HA_SAS, mobile node SAs $MN_SAS"
[ "$(jq -r '.daemon_counters | has("payload-protected")' <<<"$ha0")" = true ] ||
  fail "the home agent's payload stage is not active: $(jq -c .daemon_counters <<<"$ha0")"

stream_start "$HOA6" 5001 s6
start "$CN" ping6 ping -6 -D -n -i 0.05 -W 1 "$HOA6"
PING6_PID=$LAST_PID
HANDOVERS="$NETNS_TMP/handovers"
: >"$HANDOVERS"
wait_until 5 grown "IPv6 care-of address" || fail "the payload SAs carry nothing over IPv6"

# move FROM TO COA ENCAPSULATION: attach TO, drop FROM, wait for the binding and for payload on
# the SAs again.
move() {
  attach "$2"
  sleep 0.5
  echo "$1-$2 $(date +%s.%N)" >>"$HANDOVERS"
  detach "$1"
  wait_registered "$3" "$4" 10
  log "handover $1 -> $2: registered $3 ($4) after ${WAITED}s"
  wait_until 5 grown "after $1 -> $2 ($4)" || fail "the payload SAs carry nothing after $1 -> $2"
  stream_check s6
  sleep 1
}
move a b "$COA_B" ipv4
move b c "$COA_C" udp

stop_pid "$PING6_PID" INT
stream_check s6
"$PYTHON" "$TOPO_DIR/ping_gaps.py" --ping-log "$NETNS_TMP/ping6.log" --handovers "$HANDOVERS" \
  --max-interruption 1.5 --max-lost 30 >&2 || fail "a handover exceeded the bounds"

ha=$(ha_json)
mn=$(mn_json)
# No rekeying, no SA change: the same SAs (SPI and direction) as at the start.
[ "$(sa_keys "$ha")" = "$HA_SAS" ] || fail "the home agent's SAs changed: $(sa_keys "$ha")"
[ "$(sa_keys "$mn")" = "$MN_SAS" ] || fail "the mobile node's SAs changed: $(sa_keys "$mn")"
for json in "$ha" "$mn"; do
  dc=$(jq -c '.daemon_counters' <<<"$json")
  [ "$(jq -r '[to_entries[] | select(.key | startswith("payload-drop:")) | .value] | add // 0' <<<"$dc")" = 0 ] ||
    fail "payload dropped: $dc"
  [ "$(jq -r '.["payload-protected"]' <<<"$dc")" -gt 100 ] || fail "little payload protected: $dc"
  [ "$(jq -r '.["payload-decrypted"]' <<<"$dc")" -gt 100 ] || fail "little payload decrypted: $dc"
  [ "$(jq -r '.signalling_filter.counters["inbound-drop:unprotected"]' <<<"$json")" = 0 ] ||
    fail "cleartext payload reached a daemon: $(jq -c .signalling_filter <<<"$json")"
done
# Req. #3: every BU after the first left by its SPI (to an IPv6 and to two IPv4 care-of addresses).
[ "$(jq -r '.daemon_counters["bu-by-spi"]' <<<"$mn")" -ge 3 ] ||
  fail "BUs not routed by SPI: $(jq -c .daemon_counters <<<"$mn")"
log "home agent: $(jq -c '.daemon_counters | with_entries(select(.key | startswith("payload")))' <<<"$ha")"
log "mobile node: $(jq -c '.daemon_counters | with_entries(select(.key | startswith("payload") or . == "bu-by-spi"))' <<<"$mn")"

stop_pid "$MN_PID"
sleep 0.3
capture_stop home
PCAP="$NETNS_TMP/home.pcap"
DECODE="udp.port==4191,ipv6"
count() {
  local out
  out=$(tshark -r "$PCAP" "${ESP_TSHARK[@]}" -d "$DECODE" -Y "$1" 2>"$NETNS_TMP/tshark.err") ||
    fail "tshark refused '$1': $(cat "$NETNS_TMP/tshark.err")"
  grep -c . <<<"$out" || true
}
# The router's ICMP errors (e.g. unreachable for the care-of address just left, during a
# handover) quote the first 548 or 1232 octets of our packet: tshark marks the cut ESP inside as
# malformed. They are the kernel's, not ours; every packet our daemons sent is checked.
ROUTER_ERRORS="(icmp && ip.src == 192.0.2.1) || (icmpv6.type < 128 && ipv6.src == 2001:db8:10::1)"
BAD="(_ws.malformed || _ws.expert.severity == error) && !($ROUTER_ERRORS)"
malformed=$(count "$BAD")
[ "$malformed" = 0 ] || fail "$malformed malformed packets: $(tshark -r "$PCAP" "${ESP_TSHARK[@]}" -d "$DECODE" -Y "$BAD" 2>/dev/null | head -3)"
# (ICMP and ICMPv6 errors quoting the start of an ESP packet, e.g. the router's unreachables for
# the old care-of address during a handover, carry no verifiable ICV.)
UNVERIFIED="esp && !(esp.icv_good == 1) && !icmp && !(icmpv6.type < 128)"
[ "$(count "$UNVERIFIED")" = 0 ] ||
  fail "ESP whose ICV tshark did not verify: $(tshark -r "$PCAP" "${ESP_TSHARK[@]}" -d "$DECODE" -Y "$UNVERIFIED" 2>/dev/null | head -3)"
# Decrypted payload on each SA, in each tunnel form: native IPv6, protocol 41, UDP 4191.
for form in "!ip" "ip.proto == 41" "udp.port == 4191"; do
  for spi in 0x3001 0x3002; do
    n=$(count "esp.spi == $spi && $form && (icmpv6.type == 128 || icmpv6.type == 129 || tcp.port == 5001)")
    [ "$n" -ge 5 ] || fail "only $n decrypted payload packets on SPI $spi with $form"
  done
done
# No payload between the correspondent and the home address went through the tunnel unprotected
# (the plain packets between the router and the home agent are the home link's own traffic).
clear=$(count "ipv6.addr == $HOA6 && ipv6.addr == $CN6 && !esp && (ipv6.nxt == 41 || ip.proto == 41 || udp.port == 4191)")
[ "$clear" = 0 ] || fail "$clear payload packets in the clear on the home link"
pass "payload ESP across IPv6 -> IPv4 -> NAT, same SAs, $(count "esp.spi == 0x3001 || esp.spi == 0x3002") ESP packets decrypted"
