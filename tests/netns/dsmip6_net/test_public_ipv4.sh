#!/usr/bin/env bash
# Scenario (b): the mobile node in a public IPv4 network. The BU goes in UDP 4191 with the IPv4
# Care-of Address option; no NAT is detected (the NAT Detection option says all ones), so data
# flows IP-in-IPv4 (protocols 41 and 4) through raw sockets, not UDP (decision D4). The
# correspondent reaches both home addresses (ping, TCP stream), the MN reaches it from both.
source "$(dirname "$0")/topology.sh"
topology_up
start_ha
attach b
start_mn --stop_timeout 3s
wait_registered "$COA_B" ipv4
wait_ipv4_home

check_reachability
stream_start "$HOA6" 5001 s6
stream_start "$HOA4" 5002 s4
stream_check s6
stream_check s4

ha=$(ha_json)
expect "$ha" '.bindings[0].care_of' "$COA_B"
expect "$ha" '.bindings[0].care_of_family' ipv4
expect "$ha" '.bindings[0].encapsulation' ipv4
expect "$ha" '.bindings[0].nat_detected' false
expect "$ha" '.bindings[0].nat_endpoint' "$COA_B:$(jq -r .local_udp_port <<<"$(mn_json)")"
expect "$ha" '.counters["nat-detected"]' 0
expect "$ha" '.signalling_path["received-udp"] >= 1' true
expect "$ha" '.signalling_path["sent-udp"] >= 1' true
mn=$(mn_json)
expect "$mn" '.care_of.address' "$COA_B"
expect "$mn" '.encapsulation' ipv4
expect "$mn" '.nat_detected' false
expect "$mn" '.nat_keepalive_s' null
expect "$mn" '.counters["packets-decapsulated"] > 10' true
# The IPv4 home address's traffic is IPv4-in-IPv4 and the IPv6 one's IPv6-in-IPv4: count on the
# router between them.
pass
