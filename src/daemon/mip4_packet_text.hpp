#pragma once
// One-line descriptions of the packets the DSMIPv4 daemons drop, for their (rate-limited) logs:
// the outer addresses and protocol, and the inner packet's addresses when there is one. Pure.

#include <string>

#include "common/bytes.hpp"

namespace dsmip::daemon {

/// "192.0.2.20 > 10.1.0.2 proto 41 [2001:db8:bad::1 > 2001:db8:1::99]" for an IPv4 packet with
/// a tunnelled IPv4 or IPv6 packet inside (protocol 4 or 41); "10.1.0.5 > 10.1.0.99 proto 1" for
/// a plain one; "2001:db8:a::1 > 2001:db8:1::99 nh 58" for IPv6; "malformed (N octets)".
std::string describeIpPacket(ByteView packet);

/// The same for the payload of a Mobile IP Tunnel Data message (RFC 3519 §3.3):
/// "tunnel data nh 41 [2001:db8:bad::1 > 2001:db8:1::99]".
std::string describeTunnelData(ByteView payload);

}  // namespace dsmip::daemon
