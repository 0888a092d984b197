#include "wire/icmpv4.hpp"

#include <algorithm>

#include "wire/checksum.hpp"

namespace dsmip::wire {

namespace {
constexpr std::size_t kChecksumOffset = 2;

Status prependHeader(PacketBuffer& packet, std::uint8_t type, std::uint8_t code,
                     std::uint32_t rest) {
  if (packet.size() + kIcmpv4HeaderLength > 0xFFFF) {
    return parseError(ErrorCode::BadLength, "icmpv4 message would exceed 65535 octets", 0);
  }
  MutableByteView space = packet.prepend(kIcmpv4HeaderLength);
  if (space.empty()) return parseError(ErrorCode::NoSpace, "headroom for the icmpv4 header", 0);
  ByteWriter out{space};
  out.u8(type);
  out.u8(code);
  out.u16(0);
  out.u32(rest);
  const std::uint16_t sum = internetChecksum(packet.data());
  space[kChecksumOffset] = static_cast<std::uint8_t>(sum >> 8);
  space[kChecksumOffset + 1] = static_cast<std::uint8_t>(sum);
  return {};
}

Status buildError(PacketBuffer& out, ByteView invoking_packet, std::uint8_t type, std::uint8_t code,
                  std::uint32_t rest) {
  if (!out.assign(invoking_packet.first(std::min(invoking_packet.size(), kIcmpv4MaxQuote)))) {
    return parseError(ErrorCode::NoSpace, "icmpv4 quoted packet", 0);
  }
  return prependHeader(out, type, code, rest);
}
}  // namespace

Result<Icmpv4Message> decodeIcmpv4(ByteView message) {
  ByteReader in{message};
  Icmpv4Message m;
  m.type = in.u8();
  m.code = in.u8();
  m.checksum = in.u16();
  const std::uint32_t rest = in.u32();
  if (!in.ok()) return parseError(ErrorCode::Truncated, "icmpv4 message shorter than 8", 0);
  if (internetChecksum(message) != 0) {
    return parseError(ErrorCode::BadChecksum, "icmpv4 checksum", kChecksumOffset);
  }
  const ByteView data = in.rest();
  switch (m.type) {
    case icmpv4_type::kEchoRequest:
    case icmpv4_type::kEchoReply:
      m.body = Icmpv4Echo{static_cast<std::uint16_t>(rest >> 16), static_cast<std::uint16_t>(rest),
                          data};
      break;
    case icmpv4_type::kDestinationUnreachable:
      m.body = Icmpv4DestinationUnreachable{m.code == icmpv4_unreachable::kFragmentationNeeded
                                                ? static_cast<std::uint16_t>(rest)
                                                : std::uint16_t{0},
                                            data};
      break;
    case icmpv4_type::kTimeExceeded:
      m.body = Icmpv4TimeExceeded{data};
      break;
    default:
      m.body = Icmpv4Other{message.subspan(4)};
      break;
  }
  return m;
}

std::string_view icmpv4TypeName(std::uint8_t type) {
  switch (type) {
    case icmpv4_type::kEchoReply:
      return "echo-reply";
    case icmpv4_type::kDestinationUnreachable:
      return "destination-unreachable";
    case icmpv4_type::kEchoRequest:
      return "echo-request";
    case icmpv4_type::kTimeExceeded:
      return "time-exceeded";
    default:
      return "unknown";
  }
}

Status prependIcmpv4EchoRequest(PacketBuffer& packet, std::uint16_t identifier,
                                std::uint16_t sequence) {
  return prependHeader(packet, icmpv4_type::kEchoRequest, 0,
                       (std::uint32_t{identifier} << 16) | sequence);
}

Status prependIcmpv4EchoReply(PacketBuffer& packet, std::uint16_t identifier,
                              std::uint16_t sequence) {
  return prependHeader(packet, icmpv4_type::kEchoReply, 0,
                       (std::uint32_t{identifier} << 16) | sequence);
}

Status prependIcmpv4Error(PacketBuffer& packet, std::uint8_t type, std::uint8_t code,
                          std::uint32_t rest) {
  if (packet.size() > kIcmpv4MaxQuote) {
    (void)packet.trimBack(packet.size() - kIcmpv4MaxQuote);  // cannot fail: size is larger
  }
  return prependHeader(packet, type, code, rest);
}

Status buildIcmpv4FragmentationNeeded(PacketBuffer& out, ByteView invoking_packet,
                                      std::uint16_t next_hop_mtu) {
  return buildError(out, invoking_packet, icmpv4_type::kDestinationUnreachable,
                    icmpv4_unreachable::kFragmentationNeeded, next_hop_mtu);
}

Status buildIcmpv4DestinationUnreachable(PacketBuffer& out, ByteView invoking_packet,
                                         std::uint8_t code) {
  return buildError(out, invoking_packet, icmpv4_type::kDestinationUnreachable, code, 0);
}

Status buildIcmpv4TimeExceeded(PacketBuffer& out, ByteView invoking_packet, std::uint8_t code) {
  return buildError(out, invoking_packet, icmpv4_type::kTimeExceeded, code, 0);
}

}  // namespace dsmip::wire
