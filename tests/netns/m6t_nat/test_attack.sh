#!/usr/bin/env bash
# Scenario (m6t §2.4, §6.1.1, §6.1.3): an attacker with another IPv4 address sends data packets
# and keep-alives carrying the victim MN's IPv6 source. None reaches the home agent, none gets
# a reply, the gateway counts them as drops, its state for the victim is untouched, and the
# victim's ping goes on without loss. Fresh spoofed sources are rate-limited per IPv4 address.
source "$(dirname "$0")/topology.sh"
topology_up attacker
start_gateway
start_client

ping_ha >/dev/null || fail "first ping failed"
victim=$(mn_address)
state_before=$(json_get "$(show_json "$GW" "$GW_CONTROL")" '.states[0].endpoint')

# The home agent counts echo requests carrying the attacker's identifiers.
in_ns "$HA" nft -f - <<'NFT'
table inet count {
  counter spoofed {}
  counter fresh {}
  chain input {
    type filter hook input priority 0; policy accept;
    icmpv6 type echo-request icmpv6 id 48879 counter name spoofed
    icmpv6 type echo-request icmpv6 id 48878 counter name fresh
  }
}
NFT

start "$MN" victim ping -6 -n -c 60 -i 0.05 -W 2 "$HA_ADDRESS"
victim_pid=$LAST_PID
# 300 echo requests and 300 keep-alives with the victim's source, from 3 source ports; then 100
# first packets from fresh addresses of the prefix (id 48878).
attack=$(in_ns "$ATT" "$PYTHON" "$TOPO_DIR/spoof.py" --gateway "$GW_OUTSIDE:$GW_PORT" \
  --victim "$victim" --home-agent "$HA_ADDRESS" --count 300 --fresh 100 --prefix fd00:6d36:0:1:9::)
log "attacker: $attack"
# The victim's 60 pings take 3 s; the attack overlaps them.
wait_until 10 bash -c "! kill -0 $victim_pid 2>/dev/null" || fail "the victim's ping did not finish"
grep -q " 0% packet loss" "$NETNS_TMP/victim.log" || fail "the victim lost packets: $(tail -3 "$NETNS_TMP/victim.log")"

replies=$(sed -n 's/.* replies=\([0-9]*\).*/\1/p' <<<"$attack")
[ "$replies" = 0 ] || fail "the attacker got $replies replies"
spoofed=$(in_ns "$HA" nft -j list counter inet count spoofed | jq '.nftables[] | select(.counter) | .counter.packets')
[ "$spoofed" = 0 ] || fail "$spoofed spoofed packets reached the home agent"
gw=$(show_json "$GW" "$GW_CONTROL")
[ "$(json_get "$gw" '.drops["state-mismatch"]')" -ge 300 ] || fail "state-mismatch drops: $(json_get "$gw" '.drops["state-mismatch"]')"
[ "$(json_get "$gw" '.drops["keepalive-mismatch"]')" -ge 300 ] || fail "keepalive-mismatch drops: $(json_get "$gw" '.drops["keepalive-mismatch"]')"
[ "$(json_get "$gw" ".states[] | select(.mobile_node == \"$victim\") | .endpoint")" = "$state_before" ] ||
  fail "the victim's state changed"
# Fresh sources: at most the burst (5) plus the refill during the attack got through.
fresh=$(in_ns "$HA" nft -j list counter inet count fresh | jq '.nftables[] | select(.counter) | .counter.packets')
limited=$(json_get "$gw" '.drops["rate-limited"]')
[ "$limited" -ge 80 ] || fail "only $limited rate-limited drops for 100 fresh sources"
[ "$fresh" -le 20 ] || fail "$fresh fresh spoofed packets reached the home agent"
fresh_replies=$(sed -n 's/.*fresh_replies=\([0-9]*\).*/\1/p' <<<"$attack")
[ "$fresh_replies" = "$fresh" ] || fail "fresh sources: $fresh reached the HA but $fresh_replies answers came back"
grep -q "drop state-mismatch" "$NETNS_TMP/gateway.log" || fail "the drops were not logged"
[ "$(grep -c "drop state-mismatch" "$NETNS_TMP/gateway.log")" -le 20 ] || fail "drop logging is not rate-limited"
ping_ha >/dev/null || fail "the victim cannot ping after the attack"
log "PASS (victim 0% loss; $(json_get "$gw" '.drops["state-mismatch"]') + $(json_get "$gw" '.drops["keepalive-mismatch"]') dropped; $limited rate-limited)"
