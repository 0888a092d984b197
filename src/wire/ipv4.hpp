#pragma once
// IPv4 header codec (RFC 791 §3.1; TOS octet per RFC 2474 §3 and RFC 3168 §5). Decoding checks
// the version, header length, total length and header checksum, exposes the options and the
// payload as views, and recognises fragments without reassembling them.

#include <cstddef>
#include <cstdint>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "wire/ecn_dscp.hpp"

namespace dsmip::wire {

inline constexpr std::size_t kIpv4MinHeaderLength = 20;  // IHL 5 (RFC 791 §3.1)
inline constexpr std::size_t kIpv4MaxHeaderLength = 60;  // IHL 15
inline constexpr std::size_t kIpv4MaxTotalLength = 65535;
inline constexpr std::uint8_t kIpv4DefaultTtl = 64;  // RFC 1700; protocol reference §1

/// The fixed part of an IPv4 header (RFC 791 §3.1). Options travel beside it as bytes.
///
///    0                   1                   2                   3
///   |Version|  IHL  |      TOS      |          Total Length         |
///   |         Identification        |Flags|     Fragment Offset     |
///   |  Time to Live |    Protocol   |         Header Checksum       |
///   |                       Source Address                          |
///   |                    Destination Address                        |
struct Ipv4Header {
  std::uint8_t tos = 0;  // DSCP (6 bits) | ECN (2 bits)
  std::uint16_t total_length = 0;
  std::uint16_t identification = 0;
  bool reserved_flag = false;  // flag bit 0: "must be zero" (RFC 791); kept as received
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint16_t fragment_offset = 0;  // 13 bits, in units of 8 octets
  std::uint8_t ttl = kIpv4DefaultTtl;
  std::uint8_t protocol = 0;
  std::uint16_t checksum = 0;  // as received; encoders compute their own
  Ipv4Address source;
  Ipv4Address destination;

  [[nodiscard]] constexpr std::uint8_t dscp() const { return dscpOf(tos); }
  [[nodiscard]] constexpr Ecn ecn() const { return ecnOf(tos); }
  /// True for any fragment (MF set or a non-zero offset) (RFC 791 §2.3 "Fragmentation").
  [[nodiscard]] constexpr bool isFragment() const { return more_fragments || fragment_offset != 0; }
  /// True for a fragment other than the first: its payload does not start with the upper-layer
  /// header and must not be interpreted.
  [[nodiscard]] constexpr bool isNonFirstFragment() const { return fragment_offset != 0; }

  friend bool operator==(const Ipv4Header&, const Ipv4Header&) = default;
};

/// A decoded IPv4 packet: views into the input buffer.
struct Ipv4Packet {
  Ipv4Header header;
  ByteView options;  // IHL*4 - 20 octets, not interpreted
  ByteView payload;  // Total Length - IHL*4 octets; bytes beyond Total Length are ignored

  [[nodiscard]] std::size_t headerLength() const { return kIpv4MinHeaderLength + options.size(); }
};

/// Decodes an IPv4 packet (RFC 791 §3.1). Rejects: fewer than 20 octets (Truncated), version
/// not 4 (BadVersion), IHL < 5 (BadLength), header longer than the buffer (Truncated), Total
/// Length below the header length (BadLength) or beyond the buffer (Truncated), a fragment that
/// would end beyond 65535 octets (BadLength) and a wrong header checksum (BadChecksum).
/// Error offsets count from the first octet of the packet.
Result<Ipv4Packet> decodeIpv4(ByteView packet);

/// Writes an IPv4 header with `options` (a multiple of 4 octets, at most 40; InvalidArgument
/// otherwise) into `out`. Total Length and Identification are written as given in `header`;
/// the header checksum is computed. NoSpace if `out` is too small.
Status encodeIpv4Header(const Ipv4Header& header, ByteView options, ByteWriter& out);

/// Prepends a 20-octet IPv4 header (no options) in the headroom of `packet`, with Total Length
/// = 20 + the current size and a computed checksum; the other fields come from `header`.
/// BadLength if the result would exceed 65535 octets, NoSpace if the headroom is too small.
Status prependIpv4(PacketBuffer& packet, const Ipv4Header& header);

}  // namespace dsmip::wire
