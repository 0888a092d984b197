#include "esp/packet_view.hpp"

#include <cstring>

#include "wire/checksum.hpp"

namespace dsmip::esp::detail {

namespace {

constexpr std::size_t kFragmentHeaderLength = 8;  // RFC 8200 §4.5

std::uint16_t getU16(ByteView v, std::size_t at) {
  return static_cast<std::uint16_t>((v[at] << 8) | v[at + 1]);
}

void putU16(MutableByteView v, std::size_t at, std::uint16_t value) {
  v[at] = static_cast<std::uint8_t>(value >> 8);
  v[at + 1] = static_cast<std::uint8_t>(value);
}

Unexpected<DropReason> bad() { return Unexpected{DropReason::BadIpHeader}; }

void fixIpv4Checksum(MutableByteView packet) {
  const std::size_t header_length = std::size_t{packet[0] & 0x0Fu} * 4;
  putU16(packet, 10, 0);
  putU16(packet, 10, wire::internetChecksum(packet.first(header_length)));
}

// Destination Options (RFC 8200 §4.6): TLV options; finds a Home Address option.
bool scanDestinationOptions(ByteView header, IpHeaderInfo& info) {
  std::size_t at = 2;
  while (at < header.size()) {
    const std::uint8_t type = header[at];
    if (type == 0) {  // Pad1
      ++at;
      continue;
    }
    if (at + 2 > header.size()) return false;
    const std::size_t length = header[at + 1];
    if (at + 2 + length > header.size()) return false;
    if (type == kHomeAddressOptionType) {
      // RFC 6275 §6.3: 16 octets of data, at most one per packet.
      if (length != 16 || info.home_address) return false;
      info.home_address = Ipv6Address::fromBytes(header.subspan(at + 2, 16));
    }
    at += 2 + length;
  }
  return true;
}

Result<IpHeaderInfo, DropReason> parseIpv6(ByteView packet) {
  if (packet.size() < kIpv6HeaderLength) return bad();
  const std::size_t payload_length = getU16(packet, 4);
  // The length must match the buffer exactly (a jumbogram, RFC 2675, does not: unsupported).
  if (kIpv6HeaderLength + payload_length != packet.size()) return bad();
  IpHeaderInfo info;
  info.version = 6;
  info.traffic_class = static_cast<std::uint8_t>(((packet[0] & 0x0Fu) << 4) | (packet[1] >> 4));
  info.source = Ipv6Address::fromBytes(packet.subspan(8, 16));
  info.destination = Ipv6Address::fromBytes(packet.subspan(24, 16));
  std::size_t at = kIpv6HeaderLength;
  std::size_t next_header_offset = 6;
  std::uint8_t next = packet[6];
  bool first = true;
  for (;;) {
    if (next != kProtocolHopByHop && next != kProtocolRouting && next != kProtocolFragment &&
        next != kProtocolDestinationOptions) {
      break;
    }
    if (next == kProtocolHopByHop && !first) return bad();  // RFC 8200 §4.3: only first
    first = false;
    if (at + 2 > packet.size()) return bad();
    const std::size_t length =
        next == kProtocolFragment ? kFragmentHeaderLength : (std::size_t{packet[at + 1]} + 1) * 8;
    if (at + length > packet.size()) return bad();
    const ByteView header = packet.subspan(at, length);
    if (next == kProtocolDestinationOptions) {
      if (!scanDestinationOptions(header, info)) return bad();
    } else if (next == kProtocolRouting && header[2] == kRoutingType2) {
      // RFC 6275 §6.4.1: Hdr Ext Len 2, one address; one type 2 header per packet.
      if (header[1] != 2 || info.routing_home_address) return bad();
      info.routing_home_address = Ipv6Address::fromBytes(header.subspan(8, 16));
    } else if (next == kProtocolFragment) {
      const std::uint16_t offset_flags = getU16(header, 2);
      info.fragment = true;
      info.first_fragment = (offset_flags & 0xFFF8u) == 0;
    }
    next_header_offset = at;
    next = header[0];
    at += length;
    if (info.fragment && !info.first_fragment) break;  // the rest is fragment data
  }
  info.payload_offset = at;
  info.next_header_offset = next_header_offset;
  info.protocol = next;
  return info;
}

Result<IpHeaderInfo, DropReason> parseIpv4(ByteView packet) {
  if (packet.size() < kIpv4HeaderLength) return bad();
  const std::size_t header_length = std::size_t{packet[0] & 0x0Fu} * 4;
  if (header_length < kIpv4HeaderLength || header_length > packet.size()) return bad();
  if (getU16(packet, 2) != packet.size()) return bad();
  if (wire::internetChecksum(packet.first(header_length)) != 0) return bad();
  IpHeaderInfo info;
  info.version = 4;
  info.traffic_class = packet[1];
  const std::uint16_t flags_offset = getU16(packet, 6);
  info.dont_fragment = (flags_offset & 0x4000u) != 0;
  info.fragment = (flags_offset & 0x3FFFu) != 0;  // MF or a non-zero offset
  info.first_fragment = (flags_offset & 0x1FFFu) == 0;
  info.protocol = packet[9];
  info.next_header_offset = 9;
  info.payload_offset = header_length;
  Ipv4Address src;
  Ipv4Address dst;
  std::memcpy(src.bytes.data(), packet.data() + 12, 4);
  std::memcpy(dst.bytes.data(), packet.data() + 16, 4);
  info.source = src;
  info.destination = dst;
  return info;
}

}  // namespace

Result<IpHeaderInfo, DropReason> parseIpHeader(ByteView packet) {
  if (packet.empty()) return bad();
  switch (packet[0] >> 4) {
    case 6:
      return parseIpv6(packet);
    case 4:
      return parseIpv4(packet);
    default:
      return bad();
  }
}

PacketSelectors packetSelectors(const IpHeaderInfo& info, ByteView packet) {
  PacketSelectors s;
  s.source = info.home_address ? IpAddress{*info.home_address} : info.source;
  s.destination =
      info.routing_home_address ? IpAddress{*info.routing_home_address} : info.destination;
  s.protocol = info.protocol;
  if (!info.first_fragment) return s;  // OPAQUE next-layer values
  const ByteView upper = packet.subspan(info.payload_offset);
  if (protocolHasPorts(info.protocol)) {
    if (upper.size() >= 4) {
      s.source_port = getU16(upper, 0);
      s.destination_port = getU16(upper, 2);
    }
  } else if (info.protocol == kProtocolMobilityHeader) {
    if (upper.size() >= 3) s.message_type = upper[2];  // RFC 6275 §6.1.1: MH Type at offset 2
  } else if (info.protocol == kProtocolIcmpv6 || info.protocol == kProtocolIcmp) {
    if (upper.size() >= 2) {
      s.message_type = upper[0];
      s.message_code = upper[1];
    }
  }
  return s;
}

void setProtocol(MutableByteView packet, const IpHeaderInfo& info, std::uint8_t protocol) {
  packet[info.next_header_offset] = protocol;
  if (info.version == 4) fixIpv4Checksum(packet);
}

bool setLength(MutableByteView packet, std::uint8_t version) {
  if (version == 6) {
    if (packet.size() < kIpv6HeaderLength || packet.size() - kIpv6HeaderLength > 0xFFFF) {
      return false;
    }
    putU16(packet, 4, static_cast<std::uint16_t>(packet.size() - kIpv6HeaderLength));
    return true;
  }
  if (packet.size() > 0xFFFF) return false;
  putU16(packet, 2, static_cast<std::uint16_t>(packet.size()));
  fixIpv4Checksum(packet);
  return true;
}

std::size_t outerHeaderLength(const IpAddress& family) {
  return std::holds_alternative<Ipv6Address>(family) ? kIpv6HeaderLength : kIpv4HeaderLength;
}

void writeOuterHeader(MutableByteView out, const IpAddress& source, const IpAddress& destination,
                      std::size_t total_length, const IpHeaderInfo& inner,
                      std::uint16_t identification) {
  if (const auto* src6 = std::get_if<Ipv6Address>(&source)) {
    const auto& dst6 = std::get<Ipv6Address>(destination);
    out[0] = static_cast<std::uint8_t>(0x60 | (inner.traffic_class >> 4));
    out[1] = static_cast<std::uint8_t>((inner.traffic_class & 0x0F) << 4);  // flow label 0
    out[2] = 0;
    out[3] = 0;
    putU16(out, 4, static_cast<std::uint16_t>(total_length - kIpv6HeaderLength));
    out[6] = kProtocolEsp;
    out[7] = kDefaultHopLimit;
    std::memcpy(out.data() + 8, src6->bytes.data(), 16);
    std::memcpy(out.data() + 24, dst6.bytes.data(), 16);
    return;
  }
  const auto& src4 = std::get<Ipv4Address>(source);
  const auto& dst4 = std::get<Ipv4Address>(destination);
  out[0] = 0x45;
  out[1] = inner.traffic_class;
  putU16(out, 2, static_cast<std::uint16_t>(total_length));
  putU16(out, 4, identification);
  putU16(out, 6, inner.version == 4 && inner.dont_fragment ? 0x4000 : 0);
  out[8] = kDefaultHopLimit;
  out[9] = kProtocolEsp;
  putU16(out, 10, 0);
  std::memcpy(out.data() + 12, src4.bytes.data(), 4);
  std::memcpy(out.data() + 16, dst4.bytes.data(), 4);
  putU16(out, 10, wire::internetChecksum(out.first(kIpv4HeaderLength)));
}

}  // namespace dsmip::esp::detail
