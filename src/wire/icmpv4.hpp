#pragma once
// ICMP for IPv4 (RFC 792): Echo, Destination Unreachable (with the next-hop MTU of
// "fragmentation needed", RFC 1191 §4) and Time Exceeded. Other types decode as Icmpv4Other.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "common/bytes.hpp"
#include "common/result.hpp"

namespace dsmip::wire {

inline constexpr std::size_t kIcmpv4HeaderLength = 8;
/// Quoted octets of an invoking packet: as much as keeps the ICMP datagram within 576 octets
/// with a 20-octet IPv4 header (RFC 1812 §4.3.2.3).
inline constexpr std::size_t kIcmpv4MaxQuote = 576 - 20 - kIcmpv4HeaderLength;

/// ICMPv4 types (RFC 792).
namespace icmpv4_type {
inline constexpr std::uint8_t kEchoReply = 0;
inline constexpr std::uint8_t kDestinationUnreachable = 3;
inline constexpr std::uint8_t kEchoRequest = 8;
inline constexpr std::uint8_t kTimeExceeded = 11;
}  // namespace icmpv4_type

/// Destination Unreachable codes (RFC 792; RFC 1812 §5.2.7.1 for 13).
namespace icmpv4_unreachable {
inline constexpr std::uint8_t kNet = 0;
inline constexpr std::uint8_t kHost = 1;
inline constexpr std::uint8_t kProtocol = 2;
inline constexpr std::uint8_t kPort = 3;
inline constexpr std::uint8_t kFragmentationNeeded = 4;  // DF set; next-hop MTU (RFC 1191 §4)
inline constexpr std::uint8_t kSourceRouteFailed = 5;
inline constexpr std::uint8_t kAdministrativelyProhibited = 13;
}  // namespace icmpv4_unreachable

/// Time Exceeded codes (RFC 792).
namespace icmpv4_time_exceeded {
inline constexpr std::uint8_t kTtlExceeded = 0;
inline constexpr std::uint8_t kReassemblyTimeExceeded = 1;
}  // namespace icmpv4_time_exceeded

/// Echo or Echo Reply (RFC 792 "Echo or Echo Reply Message").
struct Icmpv4Echo {
  std::uint16_t identifier = 0;
  std::uint16_t sequence = 0;
  ByteView data;
};
/// Destination Unreachable (RFC 792); `next_hop_mtu` is the low 16 bits of the second word for
/// code 4 (RFC 1191 §4) and 0 for the other codes.
struct Icmpv4DestinationUnreachable {
  std::uint16_t next_hop_mtu = 0;
  ByteView invoking_packet;  // the quoted IP header and data
};
/// Time Exceeded (RFC 792).
struct Icmpv4TimeExceeded {
  ByteView invoking_packet;
};
/// Any other type: the octets after the checksum.
struct Icmpv4Other {
  ByteView body;
};

/// A decoded ICMPv4 message; views into the input.
struct Icmpv4Message {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint16_t checksum = 0;
  std::variant<Icmpv4Echo, Icmpv4DestinationUnreachable, Icmpv4TimeExceeded, Icmpv4Other> body;
};

/// Decodes an ICMPv4 message (the IPv4 payload) and verifies its checksum. Rejects: fewer than
/// 8 octets (Truncated), a wrong checksum (BadChecksum, offset 2).
Result<Icmpv4Message> decodeIcmpv4(ByteView message);

/// Short name of an ICMPv4 type for decoder output ("echo-request", ...; "unknown").
std::string_view icmpv4TypeName(std::uint8_t type);

/// Prepends an Echo Request / Echo Reply header in front of the echo data in `packet` and
/// computes the checksum. NoSpace if the headroom is too small, BadLength above 65535 octets.
Status prependIcmpv4EchoRequest(PacketBuffer& packet, std::uint16_t identifier,
                                std::uint16_t sequence);
Status prependIcmpv4EchoReply(PacketBuffer& packet, std::uint16_t identifier,
                              std::uint16_t sequence);

/// Turns `packet`, which holds an invoking IPv4 packet, into an ICMPv4 error message in place:
/// the packet is cut to kIcmpv4MaxQuote octets and an 8-octet header (type, code, second word
/// `rest`) is prepended, checksum computed.
Status prependIcmpv4Error(PacketBuffer& packet, std::uint8_t type, std::uint8_t code,
                          std::uint32_t rest);

/// The build… functions replace the content of `out` (default headroom) with the message;
/// `invoking_packet` must not point into `out` (use prependIcmpv4Error() to work in place).
///
/// Builds a Destination Unreachable code 4 "fragmentation needed and DF
/// set" quoting `invoking_packet`, with the next-hop MTU (RFC 1191 §4).
Status buildIcmpv4FragmentationNeeded(PacketBuffer& out, ByteView invoking_packet,
                                      std::uint16_t next_hop_mtu);
/// Builds a Destination Unreachable with `code`, quoting `invoking_packet`.
Status buildIcmpv4DestinationUnreachable(PacketBuffer& out, ByteView invoking_packet,
                                         std::uint8_t code);
/// Builds a Time Exceeded with `code`, quoting `invoking_packet`.
Status buildIcmpv4TimeExceeded(PacketBuffer& out, ByteView invoking_packet, std::uint8_t code);

}  // namespace dsmip::wire
