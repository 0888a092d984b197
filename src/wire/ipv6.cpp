#include "wire/ipv6.hpp"

#include "wire/checksum.hpp"
#include "wire/ip_protocol.hpp"

namespace dsmip::wire {

namespace {
// Field offsets (RFC 8200 §3, §4).
constexpr std::size_t kPayloadLengthOffset = 4;
constexpr std::size_t kExtensionUnit = 8;  // Hdr Ext Len counts 8-octet units beyond the first
constexpr std::size_t kFragmentHeaderLength = 8;  // RFC 8200 §4.5
constexpr std::size_t kAhMinimumLength = 12;      // RFC 4302 §2: fixed fields without the ICV
constexpr std::size_t kRoutingAddressOffset = 8;  // RFC 6275 §6.4.1

constexpr std::uint8_t kPad1 = 0;             // RFC 8200 §4.2
constexpr std::uint8_t kPadN = 1;             // RFC 8200 §4.2
constexpr std::uint8_t kJumboPayload = 0xC2;  // RFC 2675 §2

enum class OptionsHeader : std::uint8_t { HopByHop, DestinationOptions };

// Walks the TLV options of a Hop-by-Hop or Destination Options header occupying
// packet[start, end) (start is the first option, after Next Header and Hdr Ext Len).
Status walkOptions(ByteView packet, std::size_t start, std::size_t end, OptionsHeader kind,
                   Ipv6Packet& out) {
  std::size_t pos = start;
  while (pos < end) {
    const std::uint8_t type = packet[pos];
    if (type == kPad1) {
      ++pos;
      continue;
    }
    if (pos + 2 > end) {
      return parseError(ErrorCode::BadLength, "ipv6 option has no length octet", pos);
    }
    const std::size_t length = packet[pos + 1];
    if (pos + 2 + length > end) {
      return parseError(ErrorCode::BadLength, "ipv6 option runs past its header", pos + 1);
    }
    if (type == kPadN) {
      // Padding; its contents are ignored on receive (RFC 8200 §4.2).
    } else if (kind == OptionsHeader::DestinationOptions && type == kHomeAddressOptionType) {
      if (length != kHomeAddressOptionLength) {
        return parseError(ErrorCode::BadLength, "home address option length is not 16", pos + 1);
      }
      if (out.home_address) {
        return parseError(ErrorCode::BadValue, "second home address option", pos);
      }
      out.home_address = Ipv6Address::fromBytes(packet.subspan(pos + 2, 16));
      out.home_address_offset = pos + 2;
    } else if (kind == OptionsHeader::HopByHop && type == kJumboPayload) {
      return parseError(ErrorCode::Unsupported, "jumbo payload option", pos);
    } else {
      ++out.unknown_option_count;
      if (ipv6OptionAction(type) != Ipv6OptionAction::Skip && !out.discard_option) {
        out.discard_option = Ipv6UnknownOption{type, pos, kind == OptionsHeader::HopByHop};
      }
    }
    pos += 2 + length;
  }
  return {};
}

// The length of the generic extension header (Next Header, Hdr Ext Len, ...) at `pos`, checked
// against the end of the payload.
Result<std::size_t> extensionLength(ByteView packet, std::size_t pos, std::size_t end) {
  if (pos + 2 > end) {
    return parseError(ErrorCode::Truncated, "ipv6 extension header runs past the payload", pos);
  }
  const std::size_t length = (std::size_t{packet[pos + 1]} + 1) * kExtensionUnit;
  if (pos + length > end) {
    return parseError(ErrorCode::Truncated, "ipv6 extension header runs past the payload", pos + 1);
  }
  return length;
}
}  // namespace

Result<Ipv6Packet> decodeIpv6(ByteView packet) {
  if (packet.size() < kIpv6HeaderLength) {
    return parseError(ErrorCode::Truncated, "ipv6 header shorter than 40 octets", 0);
  }
  ByteReader in{packet};
  const std::uint32_t first_word = in.u32();
  if ((first_word >> 28) != 6) {
    return parseError(ErrorCode::BadVersion, "ip version is not 6", 0);
  }
  Ipv6Packet p;
  Ipv6Header& h = p.header;
  h.traffic_class = static_cast<std::uint8_t>(first_word >> 20);
  h.flow_label = first_word & 0xFFFFF;
  h.payload_length = in.u16();
  h.next_header = in.u8();
  h.hop_limit = in.u8();
  h.source.bytes = in.array<16>();
  h.destination.bytes = in.array<16>();
  if (!in.ok()) return parseError(ErrorCode::Truncated, "ipv6 header", in.offset());

  if (h.payload_length == 0 && h.next_header == ip_protocol::kHopByHop) {
    return parseError(ErrorCode::Unsupported, "jumbo payload (payload length 0 with hop-by-hop)",
                      kPayloadLengthOffset);
  }
  const std::size_t end = kIpv6HeaderLength + h.payload_length;
  if (end > packet.size()) {
    return parseError(ErrorCode::Truncated, "ipv6 payload length beyond the buffer",
                      kPayloadLengthOffset);
  }
  p.packet = packet.first(end);

  std::uint8_t next = h.next_header;
  std::size_t pos = kIpv6HeaderLength;
  bool done = false;
  while (!done) {
    switch (next) {
      case ip_protocol::kHopByHop:
      case ip_protocol::kDestinationOptions: {
        const bool hop_by_hop = next == ip_protocol::kHopByHop;
        if (hop_by_hop && pos != kIpv6HeaderLength) {
          return parseError(ErrorCode::BadValue, "hop-by-hop header not after the ipv6 header",
                            pos);
        }
        auto length = extensionLength(packet, pos, end);
        if (!length) return Unexpected{std::move(length).error()};
        auto walked = walkOptions(
            packet, pos + 2, pos + *length,
            hop_by_hop ? OptionsHeader::HopByHop : OptionsHeader::DestinationOptions, p);
        if (!walked) return Unexpected{std::move(walked).error()};
        next = packet[pos];
        pos += *length;
        break;
      }
      case ip_protocol::kRouting: {
        auto length = extensionLength(packet, pos, end);
        if (!length) return Unexpected{std::move(length).error()};
        // Routing Type and Segments Left are within the first 8 octets, which always exist.
        const std::uint8_t routing_type = packet[pos + 2];
        const std::uint8_t segments_left = packet[pos + 3];
        if (routing_type == kRoutingType2) {
          if (packet[pos + 1] != 2) {
            return parseError(ErrorCode::BadLength, "type 2 routing header length is not 2",
                              pos + 1);
          }
          if (segments_left != 1) {
            return parseError(ErrorCode::BadValue, "type 2 routing header segments left is not 1",
                              pos + 3);
          }
          if (p.routing_home_address) {
            return parseError(ErrorCode::BadValue, "second type 2 routing header", pos);
          }
          p.routing_home_address =
              Ipv6Address::fromBytes(packet.subspan(pos + kRoutingAddressOffset, 16));
          p.routing_home_address_offset = pos + kRoutingAddressOffset;
        } else if (!p.other_routing) {
          p.other_routing = Ipv6RoutingInfo{routing_type, segments_left, pos};
        }
        next = packet[pos];
        pos += *length;
        break;
      }
      case ip_protocol::kFragment: {
        if (pos + kFragmentHeaderLength > end) {
          return parseError(ErrorCode::Truncated, "ipv6 fragment header runs past the payload",
                            pos);
        }
        if (p.fragment) {
          return parseError(ErrorCode::BadValue, "second ipv6 fragment header", pos);
        }
        ByteReader fr{packet.subspan(pos, kFragmentHeaderLength)};
        Ipv6FragmentInfo f;
        f.next_header = fr.u8();
        fr.skip(1);  // Reserved: ignored on receive
        const std::uint16_t offset_flags = fr.u16();
        f.identification = fr.u32();
        f.offset = static_cast<std::uint16_t>(offset_flags >> 3);
        f.more_fragments = (offset_flags & 0x0001) != 0;
        f.header_offset = pos;
        p.fragment = f;
        next = f.next_header;
        pos += kFragmentHeaderLength;
        // A non-first fragment carries the middle of the data: nothing further to parse.
        if (!f.isFirst()) done = true;
        break;
      }
      case ip_protocol::kAh: {
        if (pos + kAhMinimumLength > end) {
          return parseError(ErrorCode::Truncated, "authentication header runs past the payload",
                            pos);
        }
        // Payload Len counts 32-bit words minus 2 (RFC 4302 §2.2).
        const std::size_t length = (std::size_t{packet[pos + 1]} + 2) * 4;
        if (length < kAhMinimumLength || length % 8 != 0) {
          return parseError(ErrorCode::BadLength, "authentication header length", pos + 1);
        }
        if (pos + length > end) {
          return parseError(ErrorCode::Truncated, "authentication header runs past the payload",
                            pos + 1);
        }
        if (!p.authentication_header_offset) p.authentication_header_offset = pos;
        next = packet[pos];
        pos += length;
        break;
      }
      default:
        // ESP, No Next Header and every upper-layer protocol end the chain.
        done = true;
        break;
    }
  }
  p.upper_layer_protocol = next;
  p.upper_layer_offset = pos;
  p.upper_layer = packet.subspan(pos, end - pos);
  return p;
}

Status encodeIpv6Header(const Ipv6Header& header, ByteWriter& out) {
  const std::size_t start = out.size();
  out.u32((std::uint32_t{6} << 28) | (std::uint32_t{header.traffic_class} << 20) |
          (header.flow_label & 0xFFFFF));
  out.u16(header.payload_length);
  out.u8(header.next_header);
  out.u8(header.hop_limit);
  out.bytes(header.source.bytes);
  out.bytes(header.destination.bytes);
  if (!out.ok()) return parseError(ErrorCode::NoSpace, "ipv6 header", start);
  return {};
}

Status encodeHomeAddressDestinationOptions(const Ipv6Address& home_address,
                                           std::uint8_t next_header, ByteWriter& out) {
  const std::size_t start = out.size();
  out.u8(next_header);
  out.u8(2);  // Hdr Ext Len: (24 / 8) - 1
  // PadN with two data octets puts the option at offset 6 (8n+6, RFC 6275 §6.3).
  out.u8(kPadN);
  out.u8(2);
  out.u16(0);
  out.u8(kHomeAddressOptionType);
  out.u8(kHomeAddressOptionLength);
  out.bytes(home_address.bytes);
  if (!out.ok()) return parseError(ErrorCode::NoSpace, "home address destination option", start);
  return {};
}

Status encodeType2RoutingHeader(const Ipv6Address& home_address, std::uint8_t next_header,
                                ByteWriter& out) {
  const std::size_t start = out.size();
  out.u8(next_header);
  out.u8(2);  // Hdr Ext Len
  out.u8(kRoutingType2);
  out.u8(1);   // Segments Left
  out.u32(0);  // Reserved
  out.bytes(home_address.bytes);
  if (!out.ok()) return parseError(ErrorCode::NoSpace, "type 2 routing header", start);
  return {};
}

Status prependIpv6(PacketBuffer& packet, const Ipv6Header& header, const Ipv6Extensions& ext) {
  const std::size_t extensions_length =
      (ext.home_address ? kHomeAddressDestinationOptionsLength : 0) +
      (ext.routing_home_address ? kType2RoutingHeaderLength : 0);
  const std::size_t payload_length = packet.size() + extensions_length;
  if (payload_length > 0xFFFF) {
    return parseError(ErrorCode::BadLength, "ipv6 payload would exceed 65535 octets", 0);
  }
  if (packet.headroom() < kIpv6HeaderLength + extensions_length) {
    return parseError(ErrorCode::NoSpace, "headroom for the ipv6 headers", 0);
  }
  // Built from the inside out: Destination Options, then Routing, then the IPv6 header.
  std::uint8_t next = header.next_header;
  if (ext.home_address) {
    ByteWriter out{packet.prepend(kHomeAddressDestinationOptionsLength)};
    auto written = encodeHomeAddressDestinationOptions(*ext.home_address, next, out);
    if (!written) return written;
    next = ip_protocol::kDestinationOptions;
  }
  if (ext.routing_home_address) {
    ByteWriter out{packet.prepend(kType2RoutingHeaderLength)};
    auto written = encodeType2RoutingHeader(*ext.routing_home_address, next, out);
    if (!written) return written;
    next = ip_protocol::kRouting;
  }
  Ipv6Header h = header;
  h.next_header = next;
  h.payload_length = static_cast<std::uint16_t>(payload_length);
  ByteWriter out{packet.prepend(kIpv6HeaderLength)};
  return encodeIpv6Header(h, out);
}

Ipv6Address ipv6UpperLayerSource(const Ipv6Packet& packet) {
  return packet.home_address ? *packet.home_address : packet.header.source;
}

Ipv6Address ipv6UpperLayerDestination(const Ipv6Packet& packet) {
  return packet.routing_home_address ? *packet.routing_home_address : packet.header.destination;
}

std::uint16_t ipv6UpperLayerChecksum(const Ipv6Packet& packet) {
  return ipv6PseudoChecksum(ipv6UpperLayerSource(packet), ipv6UpperLayerDestination(packet),
                            packet.upper_layer_protocol, packet.upper_layer);
}

bool ipv6UpperLayerChecksumValid(const Ipv6Packet& packet) {
  if (packet.fragment) return false;
  return ipv6PseudoChecksumValid(ipv6UpperLayerSource(packet), ipv6UpperLayerDestination(packet),
                                 packet.upper_layer_protocol, packet.upper_layer);
}

Status setIpv6UpperLayerChecksum(MutableByteView packet, std::size_t checksum_offset) {
  auto decoded = decodeIpv6(packet);
  if (!decoded) return Unexpected{std::move(decoded).error()};
  if (decoded->fragment) {
    return parseError(ErrorCode::Unsupported, "upper-layer checksum of a fragment",
                      decoded->fragment->header_offset);
  }
  if (checksum_offset > decoded->upper_layer.size() ||
      decoded->upper_layer.size() - checksum_offset < 2) {
    return parseError(ErrorCode::Truncated, "checksum field beyond the upper layer",
                      decoded->upper_layer_offset);
  }
  const std::size_t at = decoded->upper_layer_offset + checksum_offset;
  packet[at] = 0;
  packet[at + 1] = 0;
  std::uint16_t sum = ipv6UpperLayerChecksum(*decoded);
  // UDP sends a computed zero as all ones: zero means "no checksum" (RFC 768).
  if (sum == 0 && decoded->upper_layer_protocol == ip_protocol::kUdp) sum = 0xFFFF;
  packet[at] = static_cast<std::uint8_t>(sum >> 8);
  packet[at + 1] = static_cast<std::uint8_t>(sum);
  return {};
}

bool isAcceptableTunnelInnerSource(const Ipv6Address& source) {
  return !source.isMulticast() && !source.isLoopback() && !source.isV4Compatible() &&
         !source.isV4Mapped();
}

}  // namespace dsmip::wire
