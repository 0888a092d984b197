#pragma once
// IPv6 header and extension-header chain (RFC 8200 §3, §4), with the Mobile IPv6 pieces that
// ride in it: the Home Address destination option (RFC 6275 §6.3) and the type 2 routing
// header (RFC 6275 §6.4). Protocol reference §2.7, §2.8, §7.1.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "wire/ecn_dscp.hpp"

namespace dsmip::wire {

inline constexpr std::size_t kIpv6HeaderLength = 40;         // RFC 8200 §3
inline constexpr std::size_t kIpv6MinimumMtu = 1280;         // RFC 8200 §5
inline constexpr std::uint8_t kIpv6DefaultHopLimit = 64;     // RFC 2473 §6.3; reference §1
inline constexpr std::uint8_t kHomeAddressOptionType = 201;  // 0xC9, RFC 6275 §6.3
inline constexpr std::uint8_t kHomeAddressOptionLength = 16;
inline constexpr std::uint8_t kRoutingType2 = 2;                         // RFC 6275 §6.4
inline constexpr std::size_t kHomeAddressDestinationOptionsLength = 24;  // reference §2.7
inline constexpr std::size_t kType2RoutingHeaderLength = 24;             // reference §2.8

/// The fixed IPv6 header (RFC 8200 §3).
///
///   |Version| Traffic Class |           Flow Label                  |
///   |         Payload Length        |  Next Header  |   Hop Limit   |
///   |                  Source Address (128)                         |
///   |               Destination Address (128)                       |
struct Ipv6Header {
  std::uint8_t traffic_class = 0;  // DSCP (6 bits) | ECN (2 bits)
  std::uint32_t flow_label = 0;    // 20 bits
  std::uint16_t payload_length = 0;
  std::uint8_t next_header = 0;
  std::uint8_t hop_limit = kIpv6DefaultHopLimit;
  Ipv6Address source;
  Ipv6Address destination;

  [[nodiscard]] constexpr std::uint8_t dscp() const { return dscpOf(traffic_class); }
  [[nodiscard]] constexpr Ecn ecn() const { return ecnOf(traffic_class); }
  friend bool operator==(const Ipv6Header&, const Ipv6Header&) = default;
};

/// The fields of a Fragment header (RFC 8200 §4.5).
struct Ipv6FragmentInfo {
  std::uint8_t next_header = 0;
  std::uint16_t offset = 0;  // 13 bits, in units of 8 octets
  bool more_fragments = false;
  std::uint32_t identification = 0;
  std::size_t header_offset = 0;  // of the Fragment header, from the start of the packet

  [[nodiscard]] constexpr bool isFirst() const { return offset == 0; }
  friend bool operator==(const Ipv6FragmentInfo&, const Ipv6FragmentInfo&) = default;
};

/// A routing header of a type other than 2 (RFC 8200 §4.4): recorded and skipped by length.
struct Ipv6RoutingInfo {
  std::uint8_t routing_type = 0;
  std::uint8_t segments_left = 0;
  std::size_t header_offset = 0;
  friend bool operator==(const Ipv6RoutingInfo&, const Ipv6RoutingInfo&) = default;
};

/// An option of a Hop-by-Hop or Destination Options header that the decoder does not know and
/// whose two high-order type bits ask an unrecognising node to discard the packet (01, 10, 11;
/// RFC 8200 §4.2). Exposed as information: the caller decides, and `offset` is what an ICMPv6
/// Parameter Problem (code 2) would point at.
struct Ipv6UnknownOption {
  std::uint8_t type = 0;
  std::size_t offset = 0;  // of the option's type octet, from the start of the packet
  bool in_hop_by_hop = false;
  friend bool operator==(const Ipv6UnknownOption&, const Ipv6UnknownOption&) = default;
};

/// The action an unrecognised option's type asks for (RFC 8200 §4.2, two high-order bits).
enum class Ipv6OptionAction : std::uint8_t {
  Skip = 0,                           // 00
  Discard = 1,                        // 01
  DiscardSendIcmp = 2,                // 10
  DiscardSendIcmpIfNotMulticast = 3,  // 11
};
constexpr Ipv6OptionAction ipv6OptionAction(std::uint8_t option_type) {
  return static_cast<Ipv6OptionAction>(option_type >> 6);
}

/// A decoded IPv6 packet: the header, what the extension-header chain carried, and a view of
/// what follows it. Offsets count from the first octet of the IPv6 header.
///
/// The chain walk stops at the first header that is not Hop-by-Hop (first position only),
/// Destination Options, Routing, Fragment or AH. ESP (50) and No Next Header (59) therefore end
/// it like any upper-layer protocol. A non-first fragment ends it too: then `upper_layer` holds
/// the fragment's data, which is not an upper-layer header (see isNonFirstFragment()).
struct Ipv6Packet {
  Ipv6Header header;
  ByteView packet;  // the 40 + Payload Length octets (trailing octets of the buffer dropped)

  std::optional<Ipv6Address> home_address;  // Home Address destination option (RFC 6275 §6.3)
  std::size_t home_address_offset = 0;      // of its 16 address octets, when present
  std::optional<Ipv6Address> routing_home_address;  // type 2 routing header (RFC 6275 §6.4)
  std::size_t routing_home_address_offset = 0;      // of its 16 address octets, when present
  std::optional<Ipv6RoutingInfo> other_routing;     // the first routing header of another type
  std::optional<Ipv6FragmentInfo> fragment;
  std::optional<std::size_t> authentication_header_offset;  // AH (RFC 4302), skipped by length

  std::size_t unknown_option_count = 0;             // unrecognised options of any action
  std::optional<Ipv6UnknownOption> discard_option;  // the first one whose action is a discard

  std::uint8_t upper_layer_protocol = 0;  // the Next Header value that ended the chain
  std::size_t upper_layer_offset = kIpv6HeaderLength;
  ByteView upper_layer;  // from upper_layer_offset to the end of the payload

  [[nodiscard]] bool isNonFirstFragment() const { return fragment && !fragment->isFirst(); }
};

/// Decodes an IPv6 packet and walks its extension headers (RFC 8200 §4). Octets beyond
/// 40 + Payload Length are ignored. Rejects, with the offset of the offending field:
///   Truncated    fewer than 40 octets; Payload Length beyond the buffer; an extension header
///                running past the payload
///   BadVersion   version not 6
///   Unsupported  Payload Length 0 with a Hop-by-Hop header, or a Jumbo Payload option
///                (RFC 2675 jumbograms)
///   BadValue     Hop-by-Hop not directly after the IPv6 header; a second Home Address option,
///                type 2 routing header or Fragment header; type 2 Segments Left not 1
///   BadLength    a malformed option (no length octet, runs past its header, Home Address
///                option length not 16); type 2 Hdr Ext Len not 2; AH length below 12 or not a
///                multiple of 8
/// The Home Address option's 8n+6 alignment is not enforced on receive.
Result<Ipv6Packet> decodeIpv6(ByteView packet);

/// Extension headers prependIpv6() can add, in the order of RFC 8200 §4.1 and RFC 6275 §6.3:
/// IPv6 | Routing (type 2) | Destination Options (Home Address) | upper layer.
struct Ipv6Extensions {
  std::optional<Ipv6Address> home_address;          // a Destination Options header with a HAO
  std::optional<Ipv6Address> routing_home_address;  // a type 2 routing header
};

/// Writes the 40-octet IPv6 header as given (Payload Length included) into `out`.
Status encodeIpv6Header(const Ipv6Header& header, ByteWriter& out);

/// Writes the 24-octet Destination Options header carrying a Home Address option at offset 6
/// (8n+6 alignment): Next Header, Hdr Ext Len 2, PadN with 2 data octets (01 02 00 00), C9 10,
/// then the address (RFC 6275 §6.3; reference §2.7).
Status encodeHomeAddressDestinationOptions(const Ipv6Address& home_address,
                                           std::uint8_t next_header, ByteWriter& out);

/// Writes the 24-octet type 2 routing header: Next Header, Hdr Ext Len 2, Routing Type 2,
/// Segments Left 1, 4 reserved zero octets, then the address (RFC 6275 §6.4.1; reference §2.8).
Status encodeType2RoutingHeader(const Ipv6Address& home_address, std::uint8_t next_header,
                                ByteWriter& out);

/// Prepends the IPv6 header and the extension headers of `ext` in front of the upper-layer
/// data in `packet`. `header.next_header` names the upper-layer protocol; the chain's Next
/// Header values and Payload Length are computed (header.payload_length is ignored). NoSpace if
/// the headroom is too small, BadLength if the payload would exceed 65535 octets; the buffer is
/// unchanged on error.
Status prependIpv6(PacketBuffer& packet, const Ipv6Header& header, const Ipv6Extensions& ext = {});

/// The source address of the upper-layer pseudo-header (RFC 8200 §8.1, RFC 6275 §6.3): the
/// Home Address option's address when present, else the IPv6 Source Address.
Ipv6Address ipv6UpperLayerSource(const Ipv6Packet& packet);
/// The final destination for the pseudo-header (RFC 8200 §8.1): the type 2 routing header's
/// address when present (it still has Segments Left 1 on the wire), else the Destination.
Ipv6Address ipv6UpperLayerDestination(const Ipv6Packet& packet);

/// The upper-layer checksum of `packet.upper_layer` as it is (its checksum field must be zero)
/// with the pseudo-header of ipv6UpperLayerSource() / ipv6UpperLayerDestination().
std::uint16_t ipv6UpperLayerChecksum(const Ipv6Packet& packet);
/// True if the upper layer's checksum (in place) verifies with that pseudo-header. Always
/// false for fragments: the checksum covers the reassembled data.
bool ipv6UpperLayerChecksumValid(const Ipv6Packet& packet);
/// Computes and stores the upper-layer checksum of the IPv6 packet in `packet`, whose checksum
/// field sits `checksum_offset` octets into the upper-layer header (UDP 6, ICMPv6 2, MH 4).
/// Errors: the packet does not decode; Unsupported for a fragment; Truncated if the field does
/// not fit in the upper layer.
Status setIpv6UpperLayerChecksum(MutableByteView packet, std::size_t checksum_offset);

/// The source check of a decapsulator after removing an outer header (RFC 4213 §3.6;
/// reference §7.1): false for multicast, loopback (::1), IPv4-compatible (::/96 except ::) and
/// IPv4-mapped (::ffff:0:0/96) sources.
bool isAcceptableTunnelInnerSource(const Ipv6Address& source);

}  // namespace dsmip::wire
