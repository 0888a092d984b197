#!/usr/bin/env bash
# Scenario: the MN's IPv4 address changes (10.0.0.2 -> 10.0.0.3). Within a second the client
# has a new IPv6 tunnel address and the old one is gone from the TUN; traffic resumes.
source "$(dirname "$0")/topology.sh"
topology_up
start_gateway
start_client

ping_ha >/dev/null || fail "first ping failed"
before=$(mn_address)

address_changed() {
  local now
  now=$(mn_address)
  [ "$now" != null ] && [ "$now" != "$before" ] && ! in_ns "$MN" ip -6 addr show dev m6t0 | grep -q "$before"
}
in_ns "$MN" sysctl -qw net.ipv4.conf.mn-nat.promote_secondaries=1
in_ns "$MN" ip addr add 10.0.0.3/24 dev mn-nat
log "removing 10.0.0.2"
in_ns "$MN" ip addr del 10.0.0.2/24 dev mn-nat
wait_until 1 address_changed || fail "no new tunnel address within 1 s (still $(mn_address))"
log "new address $(mn_address) after ${WAITED}s"
after=$(mn_address)
in_ns "$MN" ip -6 addr show dev m6t0 | grep -q "inet6 $after/128" || fail "$after not on m6t0"
[ "$(in_ns "$MN" ip -6 addr show dev m6t0 | grep -c inet6)" = 1 ] || fail "more than one address on m6t0"
wait_until 3 ping_ha || fail "traffic did not resume"
mn=$(show_json "$MN" "$MN_CONTROL")
[ "$(json_get "$mn" .local_ipv4)" = 10.0.0.3 ] || fail "client show: local IPv4 is not 10.0.0.3"
log "PASS"
