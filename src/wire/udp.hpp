#pragma once
// UDP header codec (RFC 768) with the checksum rules of IPv4 (RFC 768: zero = not computed)
// and IPv6 (RFC 8200 §8.1: mandatory, zero is invalid).

#include <cstddef>
#include <cstdint>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace dsmip::wire {

inline constexpr std::size_t kUdpHeaderLength = 8;

/// The UDP header (RFC 768).
///
///   |          Source Port          |       Destination Port        |
///   |            Length             |           Checksum            |
struct UdpHeader {
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::uint16_t length = 0;    // header + data
  std::uint16_t checksum = 0;  // as received
  friend bool operator==(const UdpHeader&, const UdpHeader&) = default;
};

/// A decoded UDP datagram: views into the input.
struct UdpDatagram {
  UdpHeader header;
  ByteView datagram;  // the `length` octets: header + payload (what the checksum covers)
  ByteView payload;
};

/// Decodes a UDP datagram (RFC 768). Rejects fewer than 8 octets (Truncated), Length below 8
/// (BadLength) and Length beyond the buffer (Truncated, offset 4). Octets beyond Length are
/// ignored. The checksum is not verified here: see verifyUdpChecksum().
Result<UdpDatagram> decodeUdp(ByteView datagram);

/// Checks the checksum of a datagram carried over IPv4: zero (not computed) is accepted;
/// otherwise BadChecksum (offset 6) if it does not verify.
Status verifyUdpChecksum(const UdpDatagram& datagram, const Ipv4Address& source,
                         const Ipv4Address& destination);
/// Checks the checksum of a datagram carried over IPv6 (`source` / `destination` as for the
/// pseudo-header: see ipv6UpperLayerSource()): zero is invalid over IPv6 (RFC 8200 §8.1).
Status verifyUdpChecksum(const UdpDatagram& datagram, const Ipv6Address& source,
                         const Ipv6Address& destination);

/// Pseudo-header context for a UDP header carried over IPv4.
struct UdpOverIpv4 {
  Ipv4Address source;
  Ipv4Address destination;
  bool compute_checksum = true;  // false: send zero ("no checksum", allowed over IPv4)
};
/// Pseudo-header context for a UDP header carried over IPv6 (checksum always computed).
struct UdpOverIpv6 {
  Ipv6Address source;
  Ipv6Address destination;
};

/// Prepends an 8-octet UDP header in front of the payload in `packet`: Length = 8 + size,
/// checksum computed (a computed zero is sent as 0xFFFF) unless disabled over IPv4. NoSpace if
/// the headroom is too small, BadLength if the datagram would exceed 65535 octets.
Status prependUdp(PacketBuffer& packet, std::uint16_t source_port, std::uint16_t destination_port,
                  const UdpOverIpv4& context);
Status prependUdp(PacketBuffer& packet, std::uint16_t source_port, std::uint16_t destination_port,
                  const UdpOverIpv6& context);

}  // namespace dsmip::wire
