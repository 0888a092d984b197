#pragma once
// Internal to the ESP module: the little IP header walking IPsec processing needs, bounds-checked
// and self-contained (the wire codecs may replace it later). It finds, in an IPv6 packet, the
// end of the extension headers (Hop-by-Hop, Routing, Fragment, Destination Options: all of them
// stay before ESP in transport mode, so a Home Address option stays before ESP as RFC 6275 §6.3
// and RFC 3776 §3.1 require), the Home Address option and type 2 routing header addresses, and
// in an IPv4 packet the end of the header. It also writes the few fields IPsec changes.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "esp/selector.hpp"
#include "esp/types.hpp"

namespace dsmip::esp::detail {

inline constexpr std::size_t kIpv6HeaderLength = 40;
inline constexpr std::size_t kIpv4HeaderLength = 20;         // without options
inline constexpr std::uint8_t kHomeAddressOptionType = 201;  // RFC 6275 §6.3
inline constexpr std::uint8_t kRoutingType2 = 2;             // RFC 6275 §6.4
inline constexpr std::uint8_t kDefaultHopLimit = 64;         // outer headers (RFC 2473 §6.3)

struct IpHeaderInfo {
  std::uint8_t version = 0;
  IpAddress source;
  IpAddress destination;
  std::optional<Ipv6Address> home_address;          // Home Address option (RFC 6275 §6.3)
  std::optional<Ipv6Address> routing_home_address;  // type 2 routing header (RFC 6275 §6.4)
  std::size_t payload_offset = 0;      // first octet after the IP header and extension headers
  std::size_t next_header_offset = 0;  // the octet naming the protocol at payload_offset
  std::uint8_t protocol = 0;           // the protocol at payload_offset (50 for ESP)
  bool fragment = false;           // the packet is a fragment (RFC 8200 §4.5, RFC 791 MF/offset)
  bool first_fragment = true;      // fragment offset 0: the upper-layer header is present
  std::uint8_t traffic_class = 0;  // IPv6 traffic class, IPv4 type of service
  bool dont_fragment = false;      // IPv4 DF
};

/// Parses the IP header (and IPv6 extension headers) of a whole packet. The IP length field must
/// equal the buffer length. Errors: BadIpHeader.
Result<IpHeaderInfo, DropReason> parseIpHeader(ByteView packet);

/// The SPD selector values of a parsed packet (HAO as source, type 2 RH address as destination).
PacketSelectors packetSelectors(const IpHeaderInfo& info, ByteView packet);

/// Writes `protocol` at info.next_header_offset (IPv4: and recomputes the header checksum).
void setProtocol(MutableByteView packet, const IpHeaderInfo& info, std::uint8_t protocol);
/// Sets the IPv6 payload length / IPv4 total length (and checksum) from the buffer length;
/// false if it does not fit the 16-bit field.
bool setLength(MutableByteView packet, std::uint8_t version);

/// Length of the outer header tunnel mode prepends for endpoints of this family.
std::size_t outerHeaderLength(const IpAddress& family);
/// Writes an outer IPv6 or IPv4 header (next header ESP) into `out` (outerHeaderLength octets)
/// for a packet of `total_length` octets including the outer header. The traffic class / TOS is
/// copied from the inner packet (RFC 4301 §5.1.2.1: DSCP copied, ECN copied as in RFC 6040's
/// normal mode); hop limit / TTL 64; IPv4: DF copied from an inner IPv4 packet, identification
/// from the caller.
void writeOuterHeader(MutableByteView out, const IpAddress& source, const IpAddress& destination,
                      std::size_t total_length, const IpHeaderInfo& inner,
                      std::uint16_t identification);

}  // namespace dsmip::esp::detail
