#include "dsmip4/tunnel.hpp"

#include "wire/checksum.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv6.hpp"
#include "wire/udp.hpp"

namespace dsmip::dsmip4 {

std::string_view ipv6TunnelModeName(Ipv6TunnelMode mode) {
  switch (mode) {
    case Ipv6TunnelMode::ToHomeAddress:
      return "home-address";
    case Ipv6TunnelMode::ToCareOfAddress:
      return "care-of-address";
  }
  return "unknown";
}

std::string_view tunnelTransportName(TunnelTransport transport) {
  switch (transport) {
    case TunnelTransport::IpInIp:
      return "ip-in-ip";
    case TunnelTransport::Udp:
      return "udp";
  }
  return "unknown";
}

std::size_t Encapsulation::overhead() const {
  std::size_t n = wire::kIpv4MinHeaderLength;
  if (home_tunnel) n += wire::kIpv4MinHeaderLength;
  if (udp) n += wire::kUdpHeaderLength + wire::kTunnelDataHeaderSize;
  return n;
}

Ipv4Endpoint Encapsulation::destination() const {
  return Ipv4Endpoint{outer.destination, udp ? udp->destination_port : std::uint16_t{0}};
}

Status prependInnerLayers(PacketBuffer& packet, const Encapsulation& encapsulation) {
  if (encapsulation.home_tunnel) {
    if (auto s = wire::prependIpv4(packet, *encapsulation.home_tunnel); !s) return s;
  }
  if (encapsulation.udp) {
    if (auto s = wire::prependTunnelData(packet, encapsulation.udp->next_header); !s) return s;
  }
  return {};
}

Status applyEncapsulation(PacketBuffer& packet, const Encapsulation& encapsulation) {
  if (auto s = prependInnerLayers(packet, encapsulation); !s) return s;
  if (encapsulation.udp) {
    const wire::UdpOverIpv4 context{encapsulation.outer.source, encapsulation.outer.destination,
                                    true};
    if (auto s = wire::prependUdp(packet, encapsulation.udp->source_port,
                                  encapsulation.udp->destination_port, context);
        !s) {
      return s;
    }
  }
  return wire::prependIpv4(packet, encapsulation.outer);
}

std::string_view dropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::Malformed:
      return "malformed";
    case DropReason::UnsupportedProtocol:
      return "unsupported-protocol";
    case DropReason::NoBinding:
      return "no-binding";
    case DropReason::NotRegisteredSource:
      return "not-registered-source";
    case DropReason::WrongOuterSource:
      return "wrong-outer-source";
    case DropReason::WrongOuterDestination:
      return "wrong-outer-destination";
    case DropReason::WrongUdpEndpoint:
      return "wrong-udp-endpoint";
    case DropReason::TransportMismatch:
      return "transport-mismatch";
    case DropReason::NextHeaderMismatch:
      return "next-header-mismatch";
    case DropReason::TunnelModeMismatch:
      return "tunnel-mode-mismatch";
    case DropReason::SpoofedInnerIpv4Source:
      return "spoofed-inner-ipv4-source";
    case DropReason::SpoofedInnerIpv6Source:
      return "spoofed-inner-ipv6-source";
    case DropReason::WrongInnerDestination:
      return "wrong-inner-destination";
    case DropReason::UnacceptableInnerSource:
      return "unacceptable-inner-source";
    case DropReason::EcnCeOnNotEct:
      return "ecn-ce-on-not-ect";
    case DropReason::EncapsulationFailed:
      return "encapsulation-failed";
  }
  return "unknown";
}

std::uint64_t DropCounters::total() const {
  std::uint64_t n = 0;
  for (const std::uint64_t c : counts) n += c;
  return n;
}

EgressTrafficClass decapsulatedTrafficClass(std::uint8_t inner_traffic_class,
                                            std::uint8_t outer_tos, wire::DscpModel model) {
  EgressTrafficClass result;
  const wire::EcnDecapsulation ecn =
      wire::decapsulateEcn(wire::ecnOf(inner_traffic_class), wire::ecnOf(outer_tos));
  result.anomaly = ecn.anomaly;
  result.drop = ecn.drop;
  const std::uint8_t dscp =
      wire::decapsulateDscp(wire::dscpOf(inner_traffic_class), wire::dscpOf(outer_tos), model);
  result.traffic_class = wire::makeTrafficClass(dscp, ecn.outgoing);
  return result;
}

EgressTrafficClass rewriteInnerTrafficClass(MutableByteView inner, std::uint8_t outer_tos,
                                            wire::DscpModel model) {
  if (inner.size() < 2) return {};
  const unsigned version = inner[0] >> 4;
  const std::uint8_t traffic_class =
      version == 4 ? inner[1]
                   : static_cast<std::uint8_t>(((inner[0] & 0x0F) << 4) | (inner[1] >> 4));
  const EgressTrafficClass result = decapsulatedTrafficClass(traffic_class, outer_tos, model);
  if (result.drop || result.traffic_class == traffic_class) return result;
  const std::uint8_t rewritten = result.traffic_class;
  if (version == 4) {
    const std::size_t header_length = static_cast<std::size_t>(inner[0] & 0x0F) * 4;
    if (header_length < wire::kIpv4MinHeaderLength || header_length > inner.size()) return result;
    inner[1] = rewritten;
    inner[10] = 0;
    inner[11] = 0;
    const std::uint16_t checksum = wire::internetChecksum(inner.first(header_length));
    inner[10] = static_cast<std::uint8_t>(checksum >> 8);
    inner[11] = static_cast<std::uint8_t>(checksum);
  } else {
    inner[0] = static_cast<std::uint8_t>((inner[0] & 0xF0) | (rewritten >> 4));
    inner[1] = static_cast<std::uint8_t>((inner[1] & 0x0F) | ((rewritten & 0x0F) << 4));
  }
  return result;
}

Result<Ipv6Fields> readIpv6Fields(ByteView packet) {
  if (packet.size() < wire::kIpv6HeaderLength) {
    return parseError(ErrorCode::Truncated, "ipv6 header", 0);
  }
  ByteReader in{packet};
  const std::uint32_t first = in.u32();
  const std::uint16_t payload_length = in.u16();
  Ipv6Fields fields;
  fields.next_header = in.u8();
  in.skip(1);  // hop limit
  fields.source = Ipv6Address::fromBytes(in.bytes(16));
  fields.destination = Ipv6Address::fromBytes(in.bytes(16));
  if ((first >> 28) != 6) return parseError(ErrorCode::BadVersion, "ipv6 version", 0);
  if (payload_length > packet.size() - wire::kIpv6HeaderLength) {
    return parseError(ErrorCode::Truncated, "ipv6 payload length beyond the packet", 4);
  }
  fields.traffic_class = static_cast<std::uint8_t>(first >> 20);
  return fields;
}

std::optional<wire::Mipv4MessageType> peekMipv4MessageType(ByteView payload) {
  if (payload.empty()) return std::nullopt;
  switch (payload[0]) {
    case static_cast<std::uint8_t>(wire::Mipv4MessageType::RegistrationRequest):
      return wire::Mipv4MessageType::RegistrationRequest;
    case static_cast<std::uint8_t>(wire::Mipv4MessageType::RegistrationReply):
      return wire::Mipv4MessageType::RegistrationReply;
    case static_cast<std::uint8_t>(wire::Mipv4MessageType::TunnelData):
      return wire::Mipv4MessageType::TunnelData;
    default:
      return std::nullopt;
  }
}

Ipv6Address tunnelLinkLocalAddress(const Ipv4Address& address) {
  Ipv6Address a;
  a.bytes[0] = 0xfe;
  a.bytes[1] = 0x80;
  for (std::size_t i = 0; i < 4; ++i) a.bytes[12 + i] = address.bytes[i];
  return a;
}

}  // namespace dsmip::dsmip4
