#pragma once
// `dsmip mip4-mn`: the Mobile IPv4 mobile node with a co-located care-of address, RFC 3519 NAT
// traversal and RFC 5454 IPv6 prefixes (docs/dsmip4.md). runMobileNode() creates the TUN device
// (which holds the home address and an address of each registered prefix once accepted), the
// tunnel's routing table and rules, raw receivers for IP-in-IP (4) and IPv6-in-IPv4 (41) and a
// raw sender; it follows the route to the home agent through netlink notifications to learn the
// care-of address, opens the registration socket on it (bound to its interface; the same socket
// carries keep-alives and UDP tunnel data) and runs the core. On SIGTERM/SIGINT it deregisters
// (waiting at most stop-timeout for the reply) and removes what it installed.

#include "daemon/mip4_config.hpp"
#include "daemon/reload.hpp"

namespace dsmip::daemon {

/// Runs the mobile node; returns the process exit code.
/// On SIGHUP the configuration is loaded again through `reloadable` (if given) and its Live
/// keys applied (dsmip4::MobileNode::reconfigure).
int runMobileNode(const MobileNodeDaemonConfig& config,
                  Reloadable<MobileNodeDaemonConfig> reloadable = {});

}  // namespace dsmip::daemon
