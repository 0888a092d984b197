#pragma once
// `dsmip mn`: the DSMIPv6 mobile node daemon (docs/dsmip6.md, "dsmip mn"). It runs the pure
// dsmip6::MobileNode core on Linux without Mobile IPv6 support in the kernel:
//
//  * Home addresses (and the acknowledged IPv4 home address) live on the daemon's TUN device
//    while away; routes through the TUN with the home address as preferred source are installed
//    only while registered away from home. The daemon's own sockets are bound to the care-of
//    interface (SO_BINDTODEVICE), so its tunnel packets follow the visited network's routes and
//    never loop into the TUN.
//  * Movement detection: NetlinkMonitor (links, addresses, routes) → care-of candidates
//    (daemon/mn_movement.hpp) → the core, which keeps one registration at a time.
//  * From an IPv6 care-of address: BUs (Home Address option) and IPv6-in-IPv6 / IPv4-in-IPv6
//    data through a raw IPv6 sender. BAs carry a type 2 routing header, which this kernel
//    drops (answering with an ICMPv6 Parameter Problem): a packet socket on the care-of
//    interface, filtered on (source = home agent, destination = care-of address, routing header
//    type 2), sees them first, and an nftables rule drops the kernel's Parameter Problem.
//    Tunnelled data arrives on raw IPv6 sockets for next headers 41 and 4; other Mobility
//    Headers (Binding Errors, BAs at home) on a raw socket for next header 135.
//  * From an IPv4 care-of address: a UDP socket bound to the care-of address and one port kept
//    for the whole run (so that a NAT keeps its mapping) for BUs (always UDP 4191) and UDP
//    data; raw IPv4 sockets for IP-in-IPv4 data when there is no NAT.
//  * The home agent may be a DNS name: resolved (A and AAAA) at start and again after each
//    move, in a worker thread whose answer the event loop delivers (platform/resolver.hpp).
//  * SIGTERM/SIGINT: de-registration (at most deregistration_attempts BUs, stop_timeout), then
//    everything installed is removed.

#include <string>

#include "daemon/mn_config.hpp"
#include "daemon/reload.hpp"

namespace dsmip::daemon {

/// Runs the mobile node until stopped; returns the process exit code.
/// On SIGHUP the configuration is loaded again through `reloadable` (if given) and its Live
/// keys applied (MobileNode::reconfigure).
int runMn(const MnDaemonConfig& config, Reloadable<MnDaemonConfig> reloadable = {});

/// The nftables ruleset body (table ip6) that drops the ICMPv6 Parameter Problem the kernel
/// sends for a packet carrying a type 2 routing header (code 0, pointer 42 at the routing type
/// of a routing header right after the IPv6 header).
std::string parameterProblemDropRules();

}  // namespace dsmip::daemon
