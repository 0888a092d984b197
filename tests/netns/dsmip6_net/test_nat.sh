#!/usr/bin/env bash
# Scenario (c): the mobile node in a private IPv4 network behind an nftables masquerade. The HA
# detects the NAT (outer source differs from the IPv4 Care-of Address option) and answers with a
# NAT Detection option carrying the refresh time; data flows in UDP to the NAT's mapping; the MN
# refreshes its binding at the suggested time to keep the mapping (NAT keep-alive). The
# correspondent reaches both home addresses (ping, TCP stream), the MN reaches it from both.
source "$(dirname "$0")/topology.sh"
topology_up
start_ha --nat_refresh_time 3s
attach c
start_mn --stop_timeout 3s
wait_registered "$COA_C" udp
wait_ipv4_home

check_reachability
stream_start "$HOA6" 5001 s6
stream_start "$HOA4" 5002 s4
stream_check s6
stream_check s4

ha=$(ha_json)
expect "$ha" '.bindings[0].care_of' "$COA_C"
expect "$ha" '.bindings[0].encapsulation' udp
expect "$ha" '.bindings[0].nat_detected' true
[[ $(jq -r '.bindings[0].nat_endpoint' <<<"$ha") == "$NAT_C":* ]] || fail "NAT endpoint $(jq -r '.bindings[0].nat_endpoint' <<<"$ha") is not the NAT's"
expect "$ha" '.counters["nat-detected"] >= 1' true
mn=$(mn_json)
expect "$mn" '.encapsulation' udp
expect "$mn" '.nat_detected' true
expect "$mn" '.nat_keepalive_s' 3

# Keep-alive: refresh BUs every 3 s keep the binding and the NAT mapping.
keepalives=$(jq -r '.counters["nat-keepalives"]' <<<"$mn")
wait_until 8 bash -c "[ \"\$(ip netns exec $MN $DSMIP show --control $MN_CONTROL --json | jq -r '.counters[\"nat-keepalives\"]')\" -ge $((keepalives + 2)) ]" ||
  fail "no NAT keep-alives"
expect "$(ha_json)" '.bindings[0].sequence > 1001' true
stream_check s6

# Ingress checks of UDP-encapsulated traffic: the home address as inner source from the NAT's
# address but another port, and from another address, are dropped and counted.
drops() { jq -r ".data_drops[\"$1\"]" <<<"$(ha_json)"; }
port0=$(drops wrong-outer-port)
outer0=$(drops wrong-outer-source)
in_ns "$NATC" "$PYTHON" "$TOPO_DIR/craft.py" tunnel-udp --outer-source "$NAT_C" --sport 7 \
  --home-agent6 "$HA6" --home-agent4 "$HA4" --inner-source "$HOA6" --inner-destination "$CN6" --count 2
in_ns "$CN" "$PYTHON" "$TOPO_DIR/craft.py" tunnel-udp --outer-source "$CN4" \
  --home-agent6 "$HA6" --home-agent4 "$HA4" --inner-source "$HOA6" --inner-destination "$CN6" --count 3
port_ok() { [ "$(drops wrong-outer-port)" -ge $((port0 + 2)) ]; }
outer_ok() { [ "$(drops wrong-outer-source)" -ge $((outer0 + 3)) ]; }
wait_until 5 port_ok || fail "wrong-outer-port: $(drops wrong-outer-port), expected $((port0 + 2))"
wait_until 5 outer_ok || fail "wrong-outer-source: $(drops wrong-outer-source), expected $((outer0 + 3))"
pass "keep-alives every 3 s, spoofed UDP dropped"
