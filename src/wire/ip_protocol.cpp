#include "wire/ip_protocol.hpp"

namespace dsmip::wire {

std::string_view ipProtocolName(std::uint8_t protocol) {
  switch (protocol) {
    case ip_protocol::kHopByHop:
      return "hop-by-hop";
    case ip_protocol::kIcmp:
      return "icmp";
    case ip_protocol::kIpv4:
      return "ipv4";
    case ip_protocol::kTcp:
      return "tcp";
    case ip_protocol::kUdp:
      return "udp";
    case ip_protocol::kIpv6:
      return "ipv6";
    case ip_protocol::kRouting:
      return "routing";
    case ip_protocol::kFragment:
      return "fragment";
    case ip_protocol::kGre:
      return "gre";
    case ip_protocol::kEsp:
      return "esp";
    case ip_protocol::kAh:
      return "ah";
    case ip_protocol::kMinimalEncapsulation:
      return "minimal-encapsulation";
    case ip_protocol::kIcmpv6:
      return "icmpv6";
    case ip_protocol::kNoNextHeader:
      return "no-next-header";
    case ip_protocol::kDestinationOptions:
      return "destination-options";
    case ip_protocol::kMobility:
      return "mobility";
    default:
      return "unknown";
  }
}

std::string_view udpPortName(std::uint16_t port) {
  switch (port) {
    case udp_port::kMobileIpv4:
      return "mobile-ipv4";
    case udp_port::kIke:
      return "ike";
    case udp_port::kTeredo:
      return "teredo";
    case udp_port::kDsmipv6:
      return "dsmipv6";
    case udp_port::kIkeNatTraversal:
      return "ike-nat-t";
    default:
      return {};
  }
}

}  // namespace dsmip::wire
