#pragma once
// Internet checksum (RFC 1071) and the pseudo-headers of RFC 768 (UDP over IPv4) and
// RFC 8200 §8.1 (UDP, ICMPv6 and the Mobility Header over IPv6).

#include <cstdint>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"

namespace dsmip::wire {

/// Running one's complement sum. Add spans in order (odd-length spans are handled as if the
/// data were contiguous), then finish() gives the checksum to place in the header.
class ChecksumAccumulator {
 public:
  void add(ByteView data);
  void addU16(std::uint16_t v) { sum_ += v; }
  void addU32(std::uint32_t v) {
    sum_ += v >> 16;
    sum_ += v & 0xFFFF;
  }
  /// The folded, complemented 16-bit checksum.
  [[nodiscard]] std::uint16_t finish() const;
  /// The folded sum without complement (0xFFFF over data whose checksum verifies).
  [[nodiscard]] std::uint16_t folded() const;

 private:
  std::uint64_t sum_ = 0;
  bool odd_ = false;  // an odd byte is pending in the high half of the next word
};

/// Checksum of a contiguous block (e.g. an IPv4 header with its checksum field zeroed).
std::uint16_t internetChecksum(ByteView data);

/// Upper-layer checksum over IPv4: pseudo-header {src, dst, 0, protocol, length} + data.
std::uint16_t ipv4PseudoChecksum(const Ipv4Address& src, const Ipv4Address& dst,
                                 std::uint8_t protocol, ByteView upper_layer);

/// Upper-layer checksum over IPv6: pseudo-header {src, dst, 32-bit length, 3 zero octets,
/// next header} + data. For the Mobility Header, src is the Home Address option's address when
/// present and dst is the final destination (RFC 6275 §6.1.1).
std::uint16_t ipv6PseudoChecksum(const Ipv6Address& src, const Ipv6Address& dst,
                                 std::uint8_t next_header, ByteView upper_layer);

/// True when data whose checksum field is in place verifies (sum folds to 0xFFFF).
bool ipv4PseudoChecksumValid(const Ipv4Address& src, const Ipv4Address& dst, std::uint8_t protocol,
                             ByteView upper_layer);
bool ipv6PseudoChecksumValid(const Ipv6Address& src, const Ipv6Address& dst,
                             std::uint8_t next_header, ByteView upper_layer);

}  // namespace dsmip::wire
