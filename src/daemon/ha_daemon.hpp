#pragma once
// `dsmip ha`: the DSMIPv6 home agent daemon (docs/dsmip6.md, "dsmip ha"). It runs the pure
// dsmip6::HomeAgent core on Linux without Mobile IPv6 support in the kernel:
//
//  * The home agent's IPv6 address is not a local address: it is routed into the daemon's TUN
//    device and answered for by proxy ND on the home link, so BUs with a Home Address option,
//    reverse-tunnelled IPv6-outer traffic and Mobile Prefix Solicitations reach the daemon
//    through the TUN (the kernel forwards them without processing their destination options).
//  * The IPv4 address is local: UDP port 4191 (BUs from IPv4 networks and UDP-encapsulated
//    data), raw IPv4 receivers for protocols 41 and 4 (IP-in-IPv4 from non-NATed mobile nodes).
//  * Registered home addresses: proxy ND (Router flag for mobile routers) + a /128 route into
//    the TUN; IPv4 home addresses: proxy ARP + a /32 route; mobile network prefixes: routes.
//  * Packets towards IPv6 care-of addresses (tunnelled data, BAs with a type 2 routing header)
//    are written into the TUN and forwarded by the kernel; IPv4-outer packets (IP-in-IPv4 and
//    UDP-encapsulated data) go out through a raw IPv4 sender with the outer header the core
//    decided (TOS for ECN/DSCP, DF, Identification); UDP signalling through the UDP socket.
//  * Signalling goes through the SignallingPath (daemon/dsmip6_signalling.hpp), where the ESP
//    module will slot in.

#include "daemon/ha_config.hpp"
#include "daemon/reload.hpp"

namespace dsmip::daemon {

/// Runs the home agent until SIGTERM/SIGINT; returns the process exit code. `config` must have
/// been resolved (resolveHaConfigFile). On SIGHUP the configuration is loaded again through
/// `reloadable` (if given) and its Live keys applied (HomeAgent::reconfigure).
int runHa(const HaDaemonConfig& config, Reloadable<HaDaemonConfig> reloadable = {});

}  // namespace dsmip::daemon
