#pragma once
// Reading the invoking packet quoted by an ICMPv4 "fragmentation needed" (RFC 792, RFC 1191
// §4) about one of our UDP tunnel datagrams, so that a core can tell which tunnel it concerns
// (m6t §2.6: "Reception of ICMP Packet too big messages from IPv4 routers on the path may be
// used to locally update the MTU of the path").

#include <cstdint>
#include <optional>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace dsmip::m6t {

/// A fragmentation-needed message about a UDP datagram carrying IPv6.
struct FragmentationNeeded {
  std::uint16_t next_hop_mtu = 0;  // RFC 1191 §4; 0 from routers older than RFC 1191
  Ipv4Endpoint source;             // of the quoted datagram (our side)
  Ipv4Endpoint destination;        // of the quoted datagram (the peer)
  std::uint16_t quoted_total_length = 0;
  /// The inner IPv6 source and destination, when the quote reaches that far (68 octets).
  std::optional<Ipv6Address> inner_source;
  std::optional<Ipv6Address> inner_destination;
};

/// Decodes an ICMPv4 message (the payload of the IPv4 packet that carried it). Errors:
/// malformed ICMP (the wire decoder's error), Unsupported for any other type or code, or a
/// quote that is not IPv4 + at least 8 octets of UDP.
Result<FragmentationNeeded> decodeFragmentationNeeded(ByteView icmp_message);

/// The IPv4 path MTU a fragmentation-needed implies: the next-hop MTU, or for an RFC 792 router
/// (MTU 0) the plateau of RFC 1191 §7 below the quoted packet's length. 0 if none applies.
std::uint16_t impliedPathMtu(const FragmentationNeeded& message);

/// Tunnel (inner IPv6) MTU for an IPv4 path MTU: minus 20 (IPv4) and 8 (UDP), at least 1280
/// (RFC 8200 §5; beyond that, the outer IPv4 without DF is fragmented, RFC 4213 §3.2.2).
std::uint32_t tunnelMtuForPath(std::uint32_t ipv4_path_mtu, std::uint32_t configured_mtu);

}  // namespace dsmip::m6t
