#!/usr/bin/env bash
# Scenario (a): the mobile node in an IPv6 visited network. It registers its IPv6 care-of address
# (BU with a Home Address option through a raw socket; the BA's type 2 routing header seen by the
# packet socket), data flows IPv6-in-IPv6 and IPv4-in-IPv6; the correspondent reaches both home
# addresses (ping and a TCP stream); the MN reaches the correspondent from both; `dsmip show`
# reports the binding on both sides; the kernel's Parameter Problems for the BA are dropped.
source "$(dirname "$0")/topology.sh"
topology_up
start_ha
attach a
start_mn --stop_timeout 3s
wait_registered "$COA_A" ipv6
wait_ipv4_home

check_reachability
stream_start "$HOA6" 5001 s6
stream_start "$HOA4" 5002 s4
stream_check s6
stream_check s4

ha=$(ha_json)
expect "$ha" '.bindings[0].home_address' "$HOA6"
expect "$ha" '.bindings[0].care_of' "$COA_A"
expect "$ha" '.bindings[0].encapsulation' ipv6
expect "$ha" '.bindings[0].ipv4_home_address' "$HOA4"
expect "$ha" '.bindings[0].nat_endpoint' null
expect "$ha" '.binding_acks["0"] >= 1' true
expect "$ha" '.bindings[0].packets_to_mn > 10' true
expect "$ha" '.bindings[0].packets_from_mn > 10' true
mn=$(mn_json)
expect "$mn" '.care_of.address' "$COA_A"
expect "$mn" '.care_of.interface' mn-a
expect "$mn" '.encapsulation' ipv6
expect "$mn" '.nat_detected' false
expect "$mn" '.ipv4_home_address' "$HOA4/32"
expect "$mn" '.binding_update_list[0].next_refresh_s > 0' true
# The HA address is answered for by proxy ND and routed into the TUN; the home address too.
output_has "$HA6" in_ns "$HA" ip -6 neigh show proxy || fail "no proxy ND entry for $HA6"
output_has "$HOA6" in_ns "$HA" ip -6 neigh show proxy || fail "no proxy ND entry for $HOA6"
output_has "$HOA4" in_ns "$HA" ip neigh show proxy || fail "no proxy ARP entry for $HOA4"
output_has dsmip6ha0 in_ns "$HA" ip -6 route show "$HOA6" || fail "no route of $HOA6 into the TUN"
# The MN: home addresses on its TUN, routes through it with the home address as source.
output_has "$HOA6/128" in_ns "$MN" ip -6 addr show dev dsmip6mn0 || fail "$HOA6 not on the TUN"
output_has "src $HOA6" in_ns "$MN" ip -6 route show ::/1 || fail "no route ::/1 via the TUN"
# The kernel's Parameter Problems about the BA's routing header never left the MN.
dropped=$(in_ns "$MN" nft -j list counter ip6 dsmip_dsmip6mn0 rh2-parameter-problems |
  jq '.nftables[] | select(.counter) | .counter.packets')
[ "$dropped" -ge 1 ] || fail "the Parameter Problem drop rule saw nothing ($dropped)"
# Text form.
output_has "$HOA6" in_ns "$HA" "$DSMIP" show --control "$HA_CONTROL" || fail "ha show (text)"
output_has "care-of $COA_A on mn-a" in_ns "$MN" "$DSMIP" show --control "$MN_CONTROL" || fail "mn show (text)"

# Stopping the MN de-registers it and removes everything it installed.
stop_pid "$MN_PID"
[ "$STOPPED_STATUS" = 0 ] || fail "mn exited with $STOPPED_STATUS"
wait_until 3 bash -c "[ \"\$(ip netns exec $HA $DSMIP show --control $HA_CONTROL --json | jq -r '.bindings[0].state')\" = deregistered ]" ||
  fail "the binding was not de-registered"
in_ns "$MN" ip link show dsmip6mn0 >/dev/null 2>&1 && fail "the TUN device is still there"
in_ns "$MN" nft list table ip6 dsmip_dsmip6mn0 >/dev/null 2>&1 && fail "the nftables table is still there"
output_has "$HOA6" in_ns "$HA" ip -6 neigh show proxy && fail "the proxy entry of $HOA6 is still there"
stop_pid "$HA_PID"
[ "$STOPPED_STATUS" = 0 ] || fail "ha exited with $STOPPED_STATUS"
output_has . in_ns "$HA" ip -6 neigh show proxy && fail "proxy entries left after the HA stopped"
[ "$(in_ns "$HA" sysctl -n net.ipv6.conf.ha-home.proxy_ndp)" = 0 ] || fail "proxy_ndp not restored"
pass
