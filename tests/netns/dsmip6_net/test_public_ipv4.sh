#!/usr/bin/env bash
# Scenario (b): the mobile node in a public IPv4 network. The BU goes in UDP 4191 with the IPv4
# Care-of Address option; no NAT is detected (the NAT Detection option says all ones), so data
# flows IP-in-IPv4 (protocols 41 and 4) through raw sockets, not UDP (decision D4). The
# correspondent reaches both home addresses (ping, TCP stream), the MN reaches it from both.
source "$(dirname "$0")/topology.sh"
topology_up
start_ha
attach b
# Counters on the router for what crosses network (b): IPv4-in-IPv4, IPv6-in-IPv4, UDP 4191.
in_ns "$RT" nft -f - <<'NFT'
table ip dsmip6count {
  counter ipip {}
  counter sit {}
  counter udp4191 {}
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname "rt-b" ip protocol 4 counter name ipip
    oifname "rt-b" ip protocol 4 counter name ipip
    iifname "rt-b" ip protocol 41 counter name sit
    oifname "rt-b" ip protocol 41 counter name sit
    iifname "rt-b" udp dport 4191 counter name udp4191
    oifname "rt-b" udp sport 4191 counter name udp4191
  }
}
NFT
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
# The IPv4 home address's traffic is IPv4-in-IPv4 and the IPv6 one's IPv6-in-IPv4, both ways;
# only signalling uses UDP 4191.
counter() {
  in_ns "$RT" nft -j list counter ip dsmip6count "$1" | jq '.nftables[] | select(.counter) | .counter.packets'
}
ipip=$(counter ipip)
sit=$(counter sit)
udp=$(counter udp4191)
log "across (b): $ipip IPv4-in-IPv4, $sit IPv6-in-IPv4, $udp UDP 4191 packets"
[ "$ipip" -gt 20 ] || fail "only $ipip IPv4-in-IPv4 packets"
[ "$sit" -gt 20 ] || fail "only $sit IPv6-in-IPv4 packets"
[ "$udp" -lt 10 ] || fail "$udp UDP 4191 packets: data went in UDP"
pass
