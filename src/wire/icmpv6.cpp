#include "wire/icmpv6.hpp"

#include <algorithm>

#include "wire/checksum.hpp"
#include "wire/ip_protocol.hpp"

namespace dsmip::wire {

namespace {
constexpr std::size_t kChecksumOffset = 2;
constexpr std::size_t kBodyOffset = 4;    // after Type, Code, Checksum
constexpr std::size_t kNdOptionUnit = 8;  // ND option lengths count 8-octet units (RFC 4861 §4.6)
constexpr std::size_t kAddressLength = 16;

constexpr std::uint8_t kPrefixOnLinkFlag = 0x80;         // L
constexpr std::uint8_t kPrefixAutonomousFlag = 0x40;     // A
constexpr std::uint8_t kPrefixRouterAddressFlag = 0x20;  // R (RFC 6275 §7.2)
constexpr std::uint16_t kManagedFlag = 0x8000;           // M (RFC 6275 §6.8)
constexpr std::uint16_t kOtherFlag = 0x4000;             // O
constexpr std::uint16_t kMobileRouterFlag = 0x8000;      // R of HAAD (RFC 3963 §7.1, §7.2)

// Validates the ND options of a Mobile Prefix Advertisement starting at `base` in the message.
Status validateNdOptions(ByteView options, std::size_t base) {
  std::size_t pos = 0;
  while (pos < options.size()) {
    if (options.size() - pos < 2) {
      return parseError(ErrorCode::BadLength, "nd option has no length octet", base + pos);
    }
    const std::size_t length = std::size_t{options[pos + 1]} * kNdOptionUnit;
    if (length == 0) {
      return parseError(ErrorCode::BadLength, "nd option of length 0", base + pos + 1);
    }
    if (length > options.size() - pos) {
      return parseError(ErrorCode::BadLength, "nd option runs past the message", base + pos + 1);
    }
    if (options[pos] == kPrefixInformationOptionType && length != kPrefixInformationOptionLength) {
      return parseError(ErrorCode::BadLength, "prefix information option length is not 4",
                        base + pos + 1);
    }
    pos += length;
  }
  return {};
}

void storeChecksum(MutableByteView message, const Ipv6Address& source,
                   const Ipv6Address& destination) {
  message[kChecksumOffset] = 0;
  message[kChecksumOffset + 1] = 0;
  const std::uint16_t sum = ipv6PseudoChecksum(source, destination, ip_protocol::kIcmpv6, message);
  message[kChecksumOffset] = static_cast<std::uint8_t>(sum >> 8);
  message[kChecksumOffset + 1] = static_cast<std::uint8_t>(sum);
}

// Prepends the 8-octet header (type, code, zero checksum, 32-bit word) and sets the checksum.
Status prependHeader(PacketBuffer& packet, std::uint8_t type, std::uint8_t code, std::uint32_t word,
                     const Ipv6Address& source, const Ipv6Address& destination) {
  if (packet.size() + kIcmpv6HeaderLength > 0xFFFF) {
    return parseError(ErrorCode::BadLength, "icmpv6 message would exceed 65535 octets", 0);
  }
  MutableByteView space = packet.prepend(kIcmpv6HeaderLength);
  if (space.empty()) return parseError(ErrorCode::NoSpace, "headroom for the icmpv6 header", 0);
  ByteWriter out{space};
  out.u8(type);
  out.u8(code);
  out.u16(0);
  out.u32(word);
  storeChecksum(packet.mutableData(), source, destination);
  return {};
}

Status buildError(PacketBuffer& out, ByteView invoking_packet, std::uint8_t type, std::uint8_t code,
                  std::uint32_t parameter, const Ipv6Address& source,
                  const Ipv6Address& destination) {
  if (!out.assign(invoking_packet.first(std::min(invoking_packet.size(), kIcmpv6MaxQuote)))) {
    return parseError(ErrorCode::NoSpace, "icmpv6 quoted packet", 0);
  }
  return prependHeader(out, type, code, parameter, source, destination);
}

// Replaces the content of `out` with `length` octets to be written; empty if it cannot.
MutableByteView startMessage(PacketBuffer& out, std::size_t length) {
  if (!out.assign({})) return {};
  return out.append(length);
}
}  // namespace

std::size_t PrefixInformationList::size() const {
  std::size_t n = 0;
  for (auto it = begin(); it != end(); ++it) ++n;
  return n;
}

void PrefixInformationList::Iterator::settle() {
  // Options were validated: every length is non-zero and in bounds. The checks below only keep
  // a list built from an unvalidated view from reading out of bounds.
  while (pos_ + 2 <= options_.size()) {
    const std::size_t length = std::size_t{options_[pos_ + 1]} * kNdOptionUnit;
    if (length == 0 || length > options_.size() - pos_) break;
    if (options_[pos_] == kPrefixInformationOptionType &&
        length == kPrefixInformationOptionLength) {
      return;
    }
    pos_ += length;
  }
  pos_ = options_.size();
}

PrefixInformation PrefixInformationList::Iterator::operator*() const {
  ByteReader in{options_.subspan(pos_, kPrefixInformationOptionLength)};
  in.skip(2);  // Type, Length
  PrefixInformation p;
  p.prefix_length = in.u8();
  const std::uint8_t flags = in.u8();
  p.on_link = (flags & kPrefixOnLinkFlag) != 0;
  p.autonomous = (flags & kPrefixAutonomousFlag) != 0;
  p.router_address = (flags & kPrefixRouterAddressFlag) != 0;
  p.valid_lifetime = in.u32();
  p.preferred_lifetime = in.u32();
  in.skip(4);  // Reserved2
  p.prefix.bytes = in.array<16>();
  return p;
}

PrefixInformationList::Iterator& PrefixInformationList::Iterator::operator++() {
  pos_ += kPrefixInformationOptionLength;
  settle();
  return *this;
}

Result<Icmpv6Message> decodeIcmpv6(ByteView message, const Ipv6Address& source,
                                   const Ipv6Address& destination) {
  ByteReader in{message};
  Icmpv6Message m;
  m.type = in.u8();
  m.code = in.u8();
  m.checksum = in.u16();
  if (!in.ok()) return parseError(ErrorCode::Truncated, "icmpv6 message shorter than 4", 0);
  if (!ipv6PseudoChecksumValid(source, destination, ip_protocol::kIcmpv6, message)) {
    return parseError(ErrorCode::BadChecksum, "icmpv6 checksum", kChecksumOffset);
  }
  switch (m.type) {
    case icmpv6_type::kDestinationUnreachable:
    case icmpv6_type::kPacketTooBig:
    case icmpv6_type::kTimeExceeded:
    case icmpv6_type::kParameterProblem:
    case icmpv6_type::kEchoRequest:
    case icmpv6_type::kEchoReply:
    case icmpv6_type::kHomeAgentAddressDiscoveryRequest:
    case icmpv6_type::kHomeAgentAddressDiscoveryReply:
    case icmpv6_type::kMobilePrefixSolicitation:
    case icmpv6_type::kMobilePrefixAdvertisement:
      break;
    default:
      m.body = Icmpv6Other{message.subspan(kBodyOffset)};
      return m;
  }
  const std::uint32_t word = in.u32();
  if (!in.ok()) {
    return parseError(ErrorCode::Truncated, "icmpv6 message shorter than 8", kBodyOffset);
  }
  const auto high = static_cast<std::uint16_t>(word >> 16);
  const auto low = static_cast<std::uint16_t>(word);
  const ByteView rest = in.rest();
  switch (m.type) {
    case icmpv6_type::kDestinationUnreachable:
      m.body = Icmpv6DestinationUnreachable{rest};
      break;
    case icmpv6_type::kPacketTooBig:
      m.body = Icmpv6PacketTooBig{word, rest};
      break;
    case icmpv6_type::kTimeExceeded:
      m.body = Icmpv6TimeExceeded{rest};
      break;
    case icmpv6_type::kParameterProblem:
      m.body = Icmpv6ParameterProblem{word, rest};
      break;
    case icmpv6_type::kEchoRequest:
    case icmpv6_type::kEchoReply:
      m.body = Icmpv6Echo{high, low, rest};
      break;
    case icmpv6_type::kHomeAgentAddressDiscoveryRequest:
      // Identifier | Reserved; anything after is ignored.
      m.body = HomeAgentAddressDiscoveryRequest{high, (low & kMobileRouterFlag) != 0};
      break;
    case icmpv6_type::kHomeAgentAddressDiscoveryReply:
      if (rest.size() % kAddressLength != 0) {
        return parseError(ErrorCode::BadLength, "home agent list not a multiple of 16 octets",
                          kIcmpv6HeaderLength);
      }
      m.body = HomeAgentAddressDiscoveryReply{high, (low & kMobileRouterFlag) != 0,
                                              Ipv6AddressList{rest}};
      break;
    case icmpv6_type::kMobilePrefixSolicitation:
      m.body = MobilePrefixSolicitation{high};
      break;
    case icmpv6_type::kMobilePrefixAdvertisement: {
      auto valid = validateNdOptions(rest, kIcmpv6HeaderLength);
      if (!valid) return Unexpected{std::move(valid).error()};
      m.body = MobilePrefixAdvertisement{high, (low & kManagedFlag) != 0, (low & kOtherFlag) != 0,
                                         rest, PrefixInformationList{rest}};
      break;
    }
    default:
      break;  // not reached: filtered above
  }
  return m;
}

std::string_view icmpv6TypeName(std::uint8_t type) {
  switch (type) {
    case icmpv6_type::kDestinationUnreachable:
      return "destination-unreachable";
    case icmpv6_type::kPacketTooBig:
      return "packet-too-big";
    case icmpv6_type::kTimeExceeded:
      return "time-exceeded";
    case icmpv6_type::kParameterProblem:
      return "parameter-problem";
    case icmpv6_type::kEchoRequest:
      return "echo-request";
    case icmpv6_type::kEchoReply:
      return "echo-reply";
    case icmpv6_type::kHomeAgentAddressDiscoveryRequest:
      return "haad-request";
    case icmpv6_type::kHomeAgentAddressDiscoveryReply:
      return "haad-reply";
    case icmpv6_type::kMobilePrefixSolicitation:
      return "mobile-prefix-solicitation";
    case icmpv6_type::kMobilePrefixAdvertisement:
      return "mobile-prefix-advertisement";
    default:
      return "unknown";
  }
}

Status prependIcmpv6Error(PacketBuffer& packet, std::uint8_t type, std::uint8_t code,
                          std::uint32_t parameter, const Ipv6Address& source,
                          const Ipv6Address& destination) {
  if (packet.size() > kIcmpv6MaxQuote) {
    (void)packet.trimBack(packet.size() - kIcmpv6MaxQuote);  // cannot fail: size is larger
  }
  return prependHeader(packet, type, code, parameter, source, destination);
}

Status buildIcmpv6PacketTooBig(PacketBuffer& out, ByteView invoking_packet, std::uint32_t mtu,
                               const Ipv6Address& source, const Ipv6Address& destination) {
  return buildError(out, invoking_packet, icmpv6_type::kPacketTooBig, 0, mtu, source, destination);
}

Status buildIcmpv6DestinationUnreachable(PacketBuffer& out, ByteView invoking_packet,
                                         std::uint8_t code, const Ipv6Address& source,
                                         const Ipv6Address& destination) {
  return buildError(out, invoking_packet, icmpv6_type::kDestinationUnreachable, code, 0, source,
                    destination);
}

Status buildIcmpv6TimeExceeded(PacketBuffer& out, ByteView invoking_packet, std::uint8_t code,
                               const Ipv6Address& source, const Ipv6Address& destination) {
  return buildError(out, invoking_packet, icmpv6_type::kTimeExceeded, code, 0, source, destination);
}

Status buildIcmpv6ParameterProblem(PacketBuffer& out, ByteView invoking_packet, std::uint8_t code,
                                   std::uint32_t pointer, const Ipv6Address& source,
                                   const Ipv6Address& destination) {
  return buildError(out, invoking_packet, icmpv6_type::kParameterProblem, code, pointer, source,
                    destination);
}

Status prependIcmpv6EchoRequest(PacketBuffer& packet, std::uint16_t identifier,
                                std::uint16_t sequence, const Ipv6Address& source,
                                const Ipv6Address& destination) {
  return prependHeader(packet, icmpv6_type::kEchoRequest, 0,
                       (std::uint32_t{identifier} << 16) | sequence, source, destination);
}

Status prependIcmpv6EchoReply(PacketBuffer& packet, std::uint16_t identifier,
                              std::uint16_t sequence, const Ipv6Address& source,
                              const Ipv6Address& destination) {
  return prependHeader(packet, icmpv6_type::kEchoReply, 0,
                       (std::uint32_t{identifier} << 16) | sequence, source, destination);
}

Status buildHomeAgentAddressDiscoveryRequest(PacketBuffer& out, std::uint16_t identifier,
                                             bool mobile_router, const Ipv6Address& source,
                                             const Ipv6Address& destination) {
  if (!out.assign({})) return parseError(ErrorCode::NoSpace, "haad request", 0);
  return prependHeader(out, icmpv6_type::kHomeAgentAddressDiscoveryRequest, 0,
                       (std::uint32_t{identifier} << 16) | (mobile_router ? kMobileRouterFlag : 0u),
                       source, destination);
}

Status buildHomeAgentAddressDiscoveryReply(PacketBuffer& out, std::uint16_t identifier,
                                           bool mobile_router,
                                           std::span<const Ipv6Address> home_agents,
                                           const Ipv6Address& source,
                                           const Ipv6Address& destination) {
  const std::size_t length = home_agents.size() * kAddressLength;
  if (length + kIcmpv6HeaderLength > 0xFFFF) {
    return parseError(ErrorCode::BadLength, "haad reply would exceed 65535 octets", 0);
  }
  MutableByteView body = startMessage(out, length);
  if (body.size() != length) return parseError(ErrorCode::NoSpace, "haad reply", 0);
  ByteWriter w{body};
  for (const Ipv6Address& a : home_agents) w.bytes(a.bytes);
  return prependHeader(out, icmpv6_type::kHomeAgentAddressDiscoveryReply, 0,
                       (std::uint32_t{identifier} << 16) | (mobile_router ? kMobileRouterFlag : 0u),
                       source, destination);
}

Status buildMobilePrefixSolicitation(PacketBuffer& out, std::uint16_t identifier,
                                     const Ipv6Address& source, const Ipv6Address& destination) {
  if (!out.assign({})) return parseError(ErrorCode::NoSpace, "mobile prefix solicitation", 0);
  return prependHeader(out, icmpv6_type::kMobilePrefixSolicitation, 0,
                       std::uint32_t{identifier} << 16, source, destination);
}

Status buildMobilePrefixAdvertisement(PacketBuffer& out, std::uint16_t identifier, bool managed,
                                      bool other, std::span<const PrefixInformation> prefixes,
                                      const Ipv6Address& source, const Ipv6Address& destination) {
  const std::size_t length = prefixes.size() * kPrefixInformationOptionLength;
  if (length + kIcmpv6HeaderLength > 0xFFFF) {
    return parseError(ErrorCode::BadLength, "mobile prefix advertisement too long", 0);
  }
  MutableByteView body = startMessage(out, length);
  if (body.size() != length) {
    return parseError(ErrorCode::NoSpace, "mobile prefix advertisement", 0);
  }
  ByteWriter w{body};
  for (const PrefixInformation& p : prefixes) {
    w.u8(kPrefixInformationOptionType);
    w.u8(kPrefixInformationOptionLength / kNdOptionUnit);
    w.u8(p.prefix_length);
    std::uint8_t flags = 0;
    if (p.on_link) flags |= kPrefixOnLinkFlag;
    if (p.autonomous) flags |= kPrefixAutonomousFlag;
    if (p.router_address) flags |= kPrefixRouterAddressFlag;
    w.u8(flags);
    w.u32(p.valid_lifetime);
    w.u32(p.preferred_lifetime);
    w.u32(0);  // Reserved2
    w.bytes(p.prefix.bytes);
  }
  std::uint16_t flags = 0;
  if (managed) flags |= kManagedFlag;
  if (other) flags |= kOtherFlag;
  return prependHeader(out, icmpv6_type::kMobilePrefixAdvertisement, 0,
                       (std::uint32_t{identifier} << 16) | flags, source, destination);
}

}  // namespace dsmip::wire
