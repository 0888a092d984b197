#pragma once
// `dsmip mip4-ha`: the Mobile IPv4 home agent with RFC 3519 NAT traversal and RFC 5454 IPv6
// prefixes (docs/dsmip4.md). runHomeAgent() opens the registration socket (UDP 434 on every
// address, IP_PKTINFO tells which one a request came to), raw receivers for IP-in-IP (4) and
// IPv6-in-IPv4 (41), a raw sender (IP_HDRINCL) for tunnelled packets, an ARP sender on the home
// link and the TUN device that receives what the home side sends to registered home addresses
// and prefixes; enables forwarding and proxy ARP (all through the undo list) and runs the core
// until SIGTERM/SIGINT, then releases every interception.

#include "daemon/mip4_config.hpp"
#include "daemon/reload.hpp"

namespace dsmip::daemon {

/// Runs the home agent; returns the process exit code.
/// On SIGHUP the configuration is loaded again through `reloadable` (if given) and its Live
/// keys applied (dsmip4::HomeAgent::reconfigure).
int runHomeAgent(const HomeAgentDaemonConfig& config,
                 Reloadable<HomeAgentDaemonConfig> reloadable = {});

}  // namespace dsmip::daemon
