#!/usr/bin/env bash
# Negative scenario: with the mobile node registered from the IPv6 visited network (a), crafted
# packets from the correspondent and from the mobile node's own care-of address are rejected or
# dropped, and counted (asserted through `dsmip show --json`):
#  - a BU for a home address the home agent does not serve: BA status 129 (administratively
#    prohibited, RFC 6275 §10.3.1);
#  - a BU for the mobile node's home address that replays its current sequence number: BA status
#    135 (sequence number out of window, §9.5.1), and the binding stays as it was;
#  - reverse-tunnelled packets with the mobile node's home address as inner source but from
#    another outer source: IPv6-in-IPv6 dropped "wrong-outer-source"; in UDP 4191 (while the
#    binding's care-of address is IPv6) dropped "wrong-encapsulation";
#  - a reverse-tunnelled packet from the mobile node's care-of address whose inner source is not
#    its home address: dropped "wrong-inner-source".
#  - bad configurations of both daemons: exit status 2, the key named, nothing created.
# (A BU for another mobile node's home address from a node holding a different SA is refused by
# the ESP stage and the core's SA check, which the next step — ESP — wires in.)
source "$(dirname "$0")/topology.sh"
require_tool tshark
topology_up
start_ha
attach a
start_mn --stop_timeout 3s
wait_registered "$COA_A" ipv6
CRAFT=("$PYTHON" "$TOPO_DIR/craft.py")

before=$(ha_json)
sequence=$(jq -r '.bindings[0].sequence' <<<"$before")

# A home address nobody serves.
in_ns "$CN" "${CRAFT[@]}" bu-udp --outer-source "$CN4" --home-agent6 "$HA6" --home-agent4 "$HA4" \
  --home-address 2001:db8:10::77 --sequence 7
# A replayed sequence number for the registered home address.
in_ns "$CN" "${CRAFT[@]}" bu-udp --outer-source "$CN4" --home-agent6 "$HA6" --home-agent4 "$HA4" \
  --home-address "$HOA6" --sequence "$sequence"
acks() { [ "$(jq -r ".binding_acks[\"$1\"] // 0" <<<"$(ha_json)")" -ge "$2" ]; }
wait_until 5 acks 129 1 || fail "no BA with status 129: $(ha_json | jq -c "{binding_acks, signalling_drops, signalling_path, counters}")"
wait_until 5 acks 135 1 || fail "no BA with status 135: $(ha_json | jq -c .binding_acks)"
after=$(ha_json)
expect "$after" '.bindings[0].care_of' "$COA_A"
expect "$after" '.bindings[0].sequence' "$sequence"
expect "$after" '.bindings | length' 1

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

log "rejections: $(ha_json | jq -c '{binding_acks, wrong_outer: .data_drops["wrong-outer-source"], wrong_inner: .data_drops["wrong-inner-source"], wrong_encapsulation: .data_drops["wrong-encapsulation"]}')"
pass
