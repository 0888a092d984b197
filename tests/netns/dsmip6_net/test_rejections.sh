#!/usr/bin/env bash
# Negative scenario: with the mobile node registered from the IPv6 visited network (a), crafted
# packets from the correspondent and from the mobile node's own care-of address are rejected or
# dropped, and counted (asserted through `dsmip show --json`):
#  - ESP is required on BU/BA (examples/dsmip6): a BU for the mobile node's home address without
#    ESP is dropped by the home agent's ESP stage ("unprotected": the SPD says BUs from that home
#    address must arrive on SA 0x1001) and the binding stays as it was;
#  - a BU without ESP for a home address no SA covers passes the SPD (bypass) and is discarded by
#    the core's require_esp check ("unprotected" signalling drop);
#  - the mobile node's own ESP-protected BU, captured on the wire and sent again: dropped by the
#    anti-replay window ("replayed", on the module and on SA 0x1001);
#  - the same packet with one octet of its ESP sequence number flipped: the ICV fails
#    ("icv-mismatch");
#  - reverse-tunnelled packets with the mobile node's home address as inner source but from
#    another outer source: IPv6-in-IPv6 dropped "wrong-outer-source"; in UDP 4191 (while the
#    binding's care-of address is IPv6) dropped "wrong-encapsulation";
#  - a reverse-tunnelled packet from the mobile node's care-of address whose inner source is not
#    its home address: dropped "wrong-inner-source".
#  - bad configurations of both daemons: exit status 2, the key named, nothing created.
# (A BU for another home address on an SA made for this one — "selector-mismatch" in the ESP
# stage, "security-association-mismatch" in the core — is a unit test: tests/unit/daemon.)
source "$(dirname "$0")/topology.sh"
require_tool tshark
topology_up
capture_start "$RT" rt-a linka
start_ha
attach a
start_mn --stop_timeout 3s
wait_registered "$COA_A" ipv6
CRAFT=("$PYTHON" "$TOPO_DIR/craft.py")
sleep 0.3
capture_stop linka

before=$(ha_json)
sequence=$(jq -r '.bindings[0].sequence' <<<"$before")
esp() { jq -r ".signalling_filter.counters[\"$1\"]" <<<"$(ha_json)"; }
core_drop() { jq -r ".signalling_drops[\"$1\"]" <<<"$(ha_json)"; }
[ "$(esp 'sa:4097:inbound:packets')" -ge 1 ] || fail "no BU accepted on SA 0x1001: $(ha_json | jq -c .signalling_filter)"
unprotected0=$(esp inbound-drop:unprotected)
core_unprotected0=$(core_drop unprotected)
replayed0=$(esp inbound-drop:replayed)
sa_replayed0=$(esp sa:4097:inbound:replay-drops)
icv0=$(esp inbound-drop:icv-mismatch)
sa_icv0=$(esp sa:4097:inbound:icv-failures)

# No ESP: for the registered home address (the SPD requires SA 0x1001), and for a home address
# nobody serves (no policy covers it: the core's require_esp refuses it).
in_ns "$CN" "${CRAFT[@]}" bu-udp --outer-source "$CN4" --home-agent6 "$HA6" --home-agent4 "$HA4" \
  --home-address "$HOA6" --sequence $(((sequence + 1) % 65536))
in_ns "$CN" "${CRAFT[@]}" bu-udp --outer-source "$CN4" --home-agent6 "$HA6" --home-agent4 "$HA4" \
  --home-address 2001:db8:10::77 --sequence 7
# The mobile node's ESP BU as captured on link a: replayed, then with a flipped octet.
in_ns "$MN" "${CRAFT[@]}" esp-replay --pcap "$NETNS_TMP/linka.pcap" --spi 0x1001 --count 2 ||
  fail "no ESP BU captured on link a"
in_ns "$MN" "${CRAFT[@]}" esp-replay --pcap "$NETNS_TMP/linka.pcap" --spi 0x1001 --flip-sequence-byte
counted() { [ "$($1 "$2")" -ge "$3" ]; }
wait_until 5 counted esp inbound-drop:unprotected $((unprotected0 + 1)) ||
  fail "unprotected BU not dropped by the ESP stage: $(ha_json | jq -c '{signalling_path, signalling_filter}')"
wait_until 5 counted core_drop unprotected $((core_unprotected0 + 1)) ||
  fail "BU without ESP for an unknown home address not refused: $(ha_json | jq -c .signalling_drops)"
wait_until 5 counted esp inbound-drop:replayed $((replayed0 + 2)) ||
  fail "replayed ESP BU not dropped: $(ha_json | jq -c .signalling_filter)"
wait_until 5 counted esp sa:4097:inbound:replay-drops $((sa_replayed0 + 2)) || fail "SA 0x1001 did not count the replays"
wait_until 5 counted esp inbound-drop:icv-mismatch $((icv0 + 1)) ||
  fail "ESP BU with a flipped octet not dropped: $(ha_json | jq -c .signalling_filter)"
wait_until 5 counted esp sa:4097:inbound:icv-failures $((sa_icv0 + 1)) || fail "SA 0x1001 did not count the ICV failure"
after=$(ha_json)
expect "$after" '.bindings[0].care_of' "$COA_A"
expect "$after" '.bindings[0].sequence' "$sequence"
expect "$after" '.bindings | length' 1
expect "$after" '.signalling_path["filter-drop:replayed"] >= 2' true
expect "$after" '.signalling_path["filter-drop:icv-mismatch"] >= 1' true
# No key material in `dsmip show`.
for key in 2b7e151628aed2a6abf7158809cf4f3c 000102030405060708090a0b0c0d0e0f; do
  grep -qi "$key" <<<"$after" && fail "key material in dsmip show --json"
  grep -qi "$key" <<<"$(in_ns "$HA" "$DSMIP" show --control "$HA_CONTROL")" && fail "key material in dsmip show"
done

# A mobile node restarted alone registers again: its outbound ESP sequence numbers continue
# after the block reserved on disk (RFC 4303 §3.3.3), above the home agent's anti-replay window.
replayed1=$(esp inbound-drop:replayed)
stop_pid "$MN_PID"
[ "$(cat "$NETNS_TMP/mn-state/mn-sa-00001001.seq")" -ge 1024 ] || fail "no reserved sequence block on disk"
start_mn --stop_timeout 3s
wait_registered "$COA_A" ipv6
[ "$(esp sa:4097:inbound:last-sequence)" -gt 1024 ] || fail "the restarted MN did not continue after its reserved block"
expect "$(ha_json)" '.signalling_filter.counters["inbound-drop:replayed"]' "$replayed1"

# Spoofed reverse-tunnelled traffic.
drops() { jq -r ".data_drops[\"$1\"]" <<<"$(ha_json)"; }
outer0=$(drops wrong-outer-source)
inner0=$(drops wrong-inner-source)
encap0=$(drops wrong-encapsulation)
in_ns "$CN" "${CRAFT[@]}" tunnel6 --outer-source "$CN6" --home-agent6 "$HA6" \
  --inner-source "$HOA6" --inner-destination "$CN6" --count 3
in_ns "$CN" "${CRAFT[@]}" tunnel-udp --outer-source "$CN4" --home-agent6 "$HA6" \
  --home-agent4 "$HA4" --inner-source "$HOA6" --inner-destination "$CN6" --count 2
in_ns "$MN" "${CRAFT[@]}" tunnel6 --outer-source "$COA_A" --home-agent6 "$HA6" \
  --inner-source 2001:db8:10::99 --inner-destination "$CN6" --count 4
outer_ok() { [ "$(drops wrong-outer-source)" -ge $((outer0 + 3)) ]; }
encap_ok() { [ "$(drops wrong-encapsulation)" -ge $((encap0 + 2)) ]; }
inner_ok() { [ "$(drops wrong-inner-source)" -ge $((inner0 + 4)) ]; }
wait_until 5 outer_ok || fail "wrong-outer-source: $(drops wrong-outer-source), expected $((outer0 + 3))"
wait_until 5 encap_ok || fail "wrong-encapsulation: $(drops wrong-encapsulation), expected $((encap0 + 2))"
wait_until 5 inner_ok || fail "wrong-inner-source: $(drops wrong-inner-source), expected $((inner0 + 4))"
# None of it reached the correspondent as if from the home address, and the binding still works.
out=$(in_ns "$CN" ping -6 -n -c 2 -i 0.2 -W 2 "$HOA6") || fail "CN -> $HOA6 after the attacks: $out"
# Bad configurations: exit status 2, a message naming the key, nothing created.
bad="$NETNS_TMP/bad-mn.toml"
sed 's/^binding_lifetime = .*/binding_lifetime = "soon"/' "$EXAMPLES/mn.toml" >"$bad"
rc=0
out=$(in_ns "$MN" "$DSMIP" mn --config "$bad" --tun badmn0 --control "$NETNS_TMP/bad-mn.sock" 2>&1) || rc=$?
[ "$rc" = 2 ] || fail "mn with a bad binding_lifetime exited with $rc: $out"
grep -q binding_lifetime <<<"$out" || fail "the mn error does not name the key: $out"
rc=0
out=$(in_ns "$HA" "$DSMIP" ha --config "$EXAMPLES/ha.toml" --tun badha0 --ipv4_pool 192.0.2.9-192.0.2.1 \
  --control "$NETNS_TMP/bad-ha.sock" 2>&1) || rc=$?
[ "$rc" = 2 ] || fail "ha with a bad ipv4_pool exited with $rc: $out"
grep -q ipv4_pool <<<"$out" || fail "the ha error does not name the key: $out"
in_ns "$MN" ip link show badmn0 >/dev/null 2>&1 && fail "a TUN device was created"
in_ns "$HA" ip link show badha0 >/dev/null 2>&1 && fail "a TUN device was created"

log "rejections: $(ha_json | jq -c '{esp: .signalling_path, wrong_outer: .data_drops["wrong-outer-source"], wrong_inner: .data_drops["wrong-inner-source"], wrong_encapsulation: .data_drops["wrong-encapsulation"]}')"
pass
