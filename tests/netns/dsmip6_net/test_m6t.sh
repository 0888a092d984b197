#!/usr/bin/env bash
# Scenario (d): the mobile node behind a NAT in a network without IPv6, with `dsmip m6t-client`
# running beside `dsmip mn`. The m6t tunnel address is just another IPv6 care-of address (on
# interface m6t0) to the mobile node, which registers through the m6t gateway; neither daemon
# knows of the other. The correspondent reaches both home addresses (ping, TCP stream), the MN
# reaches it from both; the gateway carries the MN's tunnel traffic to the home agent.
source "$(dirname "$0")/topology.sh"
topology_up
start_gateway
start_ha
attach d
start_mn --stop_timeout 3s
coa=$(json_get "$(show_json "$MN" "$M6T_CONTROL")" .address)
[[ $coa == fd00:6d36:0:1:7:* ]] || fail "m6t address $coa"
wait_registered "$coa" ipv6
wait_ipv4_home

check_reachability
stream_start "$HOA6" 5001 s6
stream_start "$HOA4" 5002 s4
stream_check s6
stream_check s4

ha=$(ha_json)
expect "$ha" '.bindings[0].care_of' "$coa"
expect "$ha" '.bindings[0].encapsulation' ipv6
mn=$(mn_json)
expect "$mn" '.care_of.interface' m6t0
expect "$mn" '.encapsulation' ipv6
# The TUN's MTU leaves room for the IPv6 outer header inside the m6t tunnel (1472).
expect "$mn" '.tun_mtu' 1432
gw=$(show_json "$GW" "$GW_CONTROL")
expect "$gw" '.states[0].mobile_node' "$coa"
expect "$gw" '.states[0].ipv4' "$NAT_D"
expect "$gw" '.states[0].packets_from_mn > 20' true
expect "$gw" '.states[0].packets_to_mn > 20' true
pass
