#pragma once
// The TLV header that may follow UDP in DSMIPv6 UDP encapsulation (decision D3): the layout
// standardised by RFC 5845 §7.2, negotiated with the BU/BA T flags (draft-00 §4.1).
//
//    0                   1                   2                   3
//   |Type=0 | Res.  |  Next Header  |            Length             |
//
// Type 0 in the first nibble tells it apart from an IP header (version 4 or 6). Next Header is
// an IP protocol number (4 IPv4, 41 IPv6, 50 ESP, 47 GRE); Length counts the payload octets
// after the 4-octet TLV header.

#include <cstddef>
#include <cstdint>

#include "common/bytes.hpp"
#include "common/result.hpp"

namespace dsmip::wire {

inline constexpr std::size_t kTlvHeaderLength = 4;

/// The TLV header's fields. The 4 reserved bits are sent as zero and ignored on receive.
struct TlvHeader {
  std::uint8_t next_header = 0;
  std::uint16_t length = 0;  // payload octets after the header
  friend bool operator==(const TlvHeader&, const TlvHeader&) = default;
};

/// A decoded TLV-framed payload; `payload` is a view into the input.
struct TlvPacket {
  TlvHeader header;
  ByteView payload;
};

/// True if `datagram` (a UDP payload) starts with a TLV header rather than an IP header: its
/// first nibble is 0. Empty input is not a TLV header.
bool isTlvHeader(ByteView datagram);

/// Decodes the TLV header and its payload from a whole UDP payload. Rejects: fewer than 4
/// octets (Truncated); a first nibble other than 0 (BadVersion: it is an IP packet or garbage);
/// Length different from the octets that follow (BadLength, offset 2).
Result<TlvPacket> decodeTlv(ByteView datagram);

/// Writes a TLV header into `out` (Length as given).
Status encodeTlvHeader(const TlvHeader& header, ByteWriter& out);

/// Prepends a TLV header in front of the payload in `packet`, Length = the payload's size.
/// BadLength above 65535 octets; NoSpace if the headroom is too small.
Status prependTlv(PacketBuffer& packet, std::uint8_t next_header);

}  // namespace dsmip::wire
