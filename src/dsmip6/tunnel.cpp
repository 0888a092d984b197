#include "dsmip6/tunnel.hpp"

#include <array>

#include "wire/checksum.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/tlv.hpp"
#include "wire/udp.hpp"

namespace dsmip::dsmip6 {

namespace {
constexpr std::size_t kIpv4TosOffset = 1;
constexpr std::size_t kIpv4ChecksumOffset = 10;
constexpr std::uint8_t kIpv4DontFragment = 0x40;  // in the flags octet 6 (RFC 791 §3.1)
}  // namespace

std::string careOfToString(const CareOfAddress& care_of) {
  if (const auto* v4 = std::get_if<Ipv4Address>(&care_of)) return v4->toString();
  return std::get<Ipv6Address>(care_of).toString();
}

std::string_view transportKindName(TransportKind kind) {
  switch (kind) {
    case TransportKind::Ipv6:
      return "ipv6";
    case TransportKind::UdpIpv4:
      return "udp";
    case TransportKind::Ipv4Protocol41:
      return "ipv4-41";
  }
  return "unknown";
}

std::string Transport::toString() const {
  switch (kind) {
    case TransportKind::Ipv6:
      return "ipv6";
    case TransportKind::UdpIpv4:
      return "udp " + ipv4_source.toString() + " -> " + ipv4_destination.toString();
    case TransportKind::Ipv4Protocol41:
      return "ipv4-41 " + ipv4_source.address.toString() + " -> " +
             ipv4_destination.address.toString();
  }
  return "unknown";
}

std::string_view encapsulationName(Encapsulation encapsulation) {
  switch (encapsulation) {
    case Encapsulation::None:
      return "none";
    case Encapsulation::Ipv6:
      return "ipv6";
    case Encapsulation::Ipv4:
      return "ipv4";
    case Encapsulation::Udp:
      return "udp";
    case Encapsulation::UdpTlv:
      return "udp-tlv";
  }
  return "unknown";
}

std::string_view eventKindName(EventKind kind) {
  static constexpr std::array<std::string_view, 31> kNames{
      "started",
      "binding-created",
      "binding-updated",
      "binding-deregistered",
      "binding-expired",
      "binding-removed",
      "binding-rejected",
      "nat-detected",
      "ipv4-home-address-assigned",
      "ipv4-home-address-released",
      "care-of-address-selected",
      "no-care-of-address",
      "fallback-to-ipv4",
      "registered",
      "registration-rejected",
      "retry-without-force-udp",
      "binding-lost",
      "deregistered",
      "returned-home",
      "left-home",
      "ipv4-home-address-acquired",
      "ipv4-home-address-lost",
      "ipv4-home-address-refused",
      "ipv4-home-address-unsupported",
      "home-agent-changed",
      "prefix-discovery",
      "home-prefixes-learned",
      "stopped",
      "binding-revoked",
      "reconfigured",
      "unknown",
  };
  const auto i = static_cast<std::size_t>(kind);
  return i < kNames.size() - 1 ? kNames[i] : kNames.back();
}

std::string_view dropReasonName(DropReason reason) {
  static constexpr std::array<std::string_view, kDropReasonCount> kNames{
      "none",
      "malformed",
      "unsupported-payload",
      "no-binding",
      "wrong-outer-source",
      "wrong-outer-port",
      "wrong-encapsulation",
      "wrong-inner-source",
      "invalid-inner-source",
      "wrong-inner-destination",
      "ecn-not-ect-with-ce",
      "at-home",
      "no-ipv4-home-address",
  };
  const auto i = static_cast<std::size_t>(reason);
  return i < kNames.size() ? kNames[i] : "unknown";
}

std::string_view verdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::Drop:
      return "drop";
    case Verdict::Encapsulate:
      return "encapsulate";
    case Verdict::Deliver:
      return "deliver";
    case Verdict::Signalling:
      return "signalling";
  }
  return "unknown";
}

std::size_t TunnelHeaders::length() const {
  switch (encapsulation) {
    case Encapsulation::None:
      return 0;
    case Encapsulation::Ipv6:
      return wire::kIpv6HeaderLength;
    case Encapsulation::Ipv4:
      return wire::kIpv4MinHeaderLength;
    case Encapsulation::Udp:
      return wire::kIpv4MinHeaderLength + wire::kUdpHeaderLength;
    case Encapsulation::UdpTlv:
      return wire::kIpv4MinHeaderLength + wire::kUdpHeaderLength + wire::kTlvHeaderLength;
  }
  return 0;
}

std::optional<IpHeaderView> peekIpHeader(ByteView packet) {
  if (packet.empty()) return std::nullopt;
  IpHeaderView h;
  h.version = static_cast<std::uint8_t>(packet[0] >> 4);
  if (h.version == 6) {
    if (packet.size() < wire::kIpv6HeaderLength) return std::nullopt;
    ByteReader in{packet};
    const std::uint32_t first = in.u32();
    const std::uint16_t payload_length = in.u16();
    h.protocol = in.u8();
    in.skip(1);
    h.source6.bytes = in.array<16>();
    h.destination6.bytes = in.array<16>();
    h.traffic_class = static_cast<std::uint8_t>(first >> 20);
    h.length = wire::kIpv6HeaderLength + payload_length;
    // Payload Length 0 is a jumbogram (RFC 2675), which no tunnel here carries.
    if (payload_length == 0 && h.protocol == wire::ip_protocol::kHopByHop) return std::nullopt;
    if (h.length > packet.size()) return std::nullopt;
    return h;
  }
  if (h.version == 4) {
    if (packet.size() < wire::kIpv4MinHeaderLength) return std::nullopt;
    const std::size_t header_length = std::size_t{packet[0] & 0x0Fu} * 4;
    if (header_length < wire::kIpv4MinHeaderLength || header_length > packet.size()) {
      return std::nullopt;
    }
    ByteReader in{packet};
    in.skip(1);
    h.traffic_class = in.u8();
    h.length = in.u16();
    in.skip(2);
    h.dont_fragment = (in.u8() & kIpv4DontFragment) != 0;
    in.skip(2);
    h.protocol = in.u8();
    in.skip(2);
    h.source4.bytes = in.array<4>();
    h.destination4.bytes = in.array<4>();
    if (h.length < header_length || h.length > packet.size()) return std::nullopt;
    return h;
  }
  return std::nullopt;
}

Status prependTunnelHeaders(PacketBuffer& packet, const TunnelHeaders& headers) {
  switch (headers.encapsulation) {
    case Encapsulation::None:
      return makeError(ErrorCode::InvalidArgument, "no encapsulation to prepend");
    case Encapsulation::Ipv6: {
      wire::Ipv6Header h;
      h.traffic_class = headers.traffic_class;
      h.next_header = headers.inner_protocol;
      h.hop_limit = headers.hop_limit;
      h.source = headers.ipv6_source;
      h.destination = headers.ipv6_destination;
      return wire::prependIpv6(packet, h);
    }
    case Encapsulation::Udp:
    case Encapsulation::UdpTlv: {
      if (packet.headroom() < headers.length()) {
        return makeError(ErrorCode::NoSpace, "headroom for the udp tunnel headers");
      }
      if (headers.encapsulation == Encapsulation::UdpTlv) {
        auto tlv = wire::prependTlv(packet, headers.inner_protocol);
        if (!tlv) return tlv;
      }
      auto udp = wire::prependUdp(
          packet, headers.udp_source_port, headers.udp_destination_port,
          wire::UdpOverIpv4{headers.ipv4_source, headers.ipv4_destination, headers.udp_checksum});
      if (!udp) return udp;
      wire::Ipv4Header h;
      h.tos = headers.traffic_class;
      h.identification = headers.identification;
      h.dont_fragment = headers.dont_fragment;
      h.ttl = headers.hop_limit;
      h.protocol = wire::ip_protocol::kUdp;
      h.source = headers.ipv4_source;
      h.destination = headers.ipv4_destination;
      return wire::prependIpv4(packet, h);
    }
    case Encapsulation::Ipv4: {
      wire::Ipv4Header h;
      h.tos = headers.traffic_class;
      h.identification = headers.identification;
      h.dont_fragment = headers.dont_fragment;
      h.ttl = headers.hop_limit;
      h.protocol = headers.inner_protocol;
      h.source = headers.ipv4_source;
      h.destination = headers.ipv4_destination;
      return wire::prependIpv4(packet, h);
    }
  }
  return makeError(ErrorCode::InvalidArgument, "unknown encapsulation");
}

Status applyInnerTrafficClass(MutableByteView inner, std::uint8_t traffic_class) {
  auto header = peekIpHeader(inner);
  if (!header)
    return parseError(ErrorCode::BadValue, "inner packet is not a complete ip packet", 0);
  if (header->version == 6) {
    // Version(4) | Traffic Class(8) | Flow Label(20): the class straddles octets 0 and 1.
    inner[0] = static_cast<std::uint8_t>(0x60 | (traffic_class >> 4));
    inner[1] = static_cast<std::uint8_t>(((traffic_class & 0x0F) << 4) | (inner[1] & 0x0F));
    return {};
  }
  const std::size_t header_length = std::size_t{inner[0] & 0x0Fu} * 4;
  inner[kIpv4TosOffset] = traffic_class;
  inner[kIpv4ChecksumOffset] = 0;
  inner[kIpv4ChecksumOffset + 1] = 0;
  const std::uint16_t sum = wire::internetChecksum(ByteView(inner.data(), header_length));
  inner[kIpv4ChecksumOffset] = static_cast<std::uint8_t>(sum >> 8);
  inner[kIpv4ChecksumOffset + 1] = static_cast<std::uint8_t>(sum);
  return {};
}

std::uint8_t outerTrafficClass(std::uint8_t inner_traffic_class, const TunnelPolicy& policy) {
  return wire::makeTrafficClass(wire::encapsulateDscp(wire::dscpOf(inner_traffic_class)),
                                wire::encapsulateEcn(wire::ecnOf(inner_traffic_class), policy.ecn));
}

Decapsulated decapsulateTrafficClass(std::uint8_t inner_traffic_class,
                                     std::uint8_t outer_traffic_class, wire::DscpModel model) {
  const wire::EcnDecapsulation ecn =
      wire::decapsulateEcn(wire::ecnOf(inner_traffic_class), wire::ecnOf(outer_traffic_class));
  Decapsulated d;
  d.drop = ecn.drop;
  d.anomaly = ecn.anomaly;
  d.traffic_class =
      wire::makeTrafficClass(wire::decapsulateDscp(wire::dscpOf(inner_traffic_class),
                                                   wire::dscpOf(outer_traffic_class), model),
                             ecn.outgoing);
  d.changed = d.traffic_class != inner_traffic_class;
  return d;
}

bool isAcceptableInnerSource(const IpHeaderView& inner) {
  if (inner.version == 6) {
    return !inner.source6.isUnspecified() && wire::isAcceptableTunnelInnerSource(inner.source6);
  }
  const Ipv4Address& s = inner.source4;
  return s.isUnicast() && !s.isLoopback();
}

}  // namespace dsmip::dsmip6
