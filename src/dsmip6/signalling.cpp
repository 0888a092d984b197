#include "dsmip6/signalling.hpp"

#include <array>

#include "dsmip6/types.hpp"
#include "wire/ip_protocol.hpp"

namespace dsmip::dsmip6 {

namespace {
// Room in front of a signalling message for the IPv6 header and both extension headers.
constexpr std::size_t kSignallingHeadroom = wire::kIpv6HeaderLength +
                                            wire::kType2RoutingHeaderLength +
                                            wire::kHomeAddressDestinationOptionsLength;

Result<Bytes> finish(PacketBuffer& packet, std::uint8_t next_header, const Ipv6Address& source,
                     const Ipv6Address& destination, const wire::Ipv6Extensions& extensions) {
  wire::Ipv6Header header;
  header.next_header = next_header;
  header.hop_limit = kSignallingHopLimit;
  header.source = source;
  header.destination = destination;
  auto status = wire::prependIpv6(packet, header, extensions);
  if (!status) return Unexpected{std::move(status).error()};
  const ByteView bytes = packet.data();
  return Bytes(bytes.begin(), bytes.end());
}
}  // namespace

std::string_view signallingDropName(SignallingDrop drop) {
  static constexpr std::array<std::string_view, kSignallingDropCount> kNames{
      "none",
      "malformed-ipv6",
      "fragment",
      "unknown-option",
      "unexpected-protocol",
      "bad-checksum",
      "bad-payload-proto",
      "bad-header-length",
      "malformed-options",
      "malformed-icmpv6",
      "not-for-us",
      "unprotected",
      "security-association-mismatch",
      "unexpected-message",
      "invalid-home-address",
      "invalid-care-of-address",
      "nonce-indices-in-home-registration",
      "missing-home-address-option",
      "ipv4-not-over-udp",
      "udp-without-ipv4-care-of",
      "not-home-registration",
      "unknown-binding",
      "not-from-home-agent",
      "no-outstanding-update",
  };
  const auto i = static_cast<std::size_t>(drop);
  return i < kNames.size() ? kNames[i] : "unknown";
}

SignallingParse parseSignalling(ByteView packet) {
  SignallingParse out;
  auto ip = wire::decodeIpv6(packet);
  if (!ip) {
    out.drop = SignallingDrop::MalformedIpv6;
    return out;
  }
  out.ipv6_source = ip->header.source;
  if (ip->fragment) {
    out.drop = SignallingDrop::Fragment;
    return out;
  }
  if (ip->discard_option) {
    out.drop = SignallingDrop::UnknownOption;
    return out;
  }
  ParsedSignalling parsed;
  parsed.source = wire::ipv6UpperLayerSource(*ip);
  parsed.destination = wire::ipv6UpperLayerDestination(*ip);
  if (ip->upper_layer_protocol == wire::kMhProtocol) {
    // RFC 6275 §9.2: a wrong checksum is discarded silently, so it is checked before the
    // structural errors that earn an ICMPv6 Parameter Problem.
    if (!wire::verifyMobilityChecksum(parsed.source, parsed.destination, ip->upper_layer)) {
      out.drop = SignallingDrop::BadChecksum;
      return out;
    }
    auto message = wire::decodeMobilityHeader(ip->upper_layer);
    if (!message) {
      const Error& e = message.error();
      if (e.code == ErrorCode::BadValue && e.offset == wire::kMhPayloadProtoOffset) {
        out.drop = SignallingDrop::BadPayloadProto;
        out.parameter_problem_pointer =
            static_cast<std::uint32_t>(ip->upper_layer_offset + wire::kMhPayloadProtoOffset);
      } else if (e.code == ErrorCode::BadLength && e.offset == wire::kMhHeaderLenOffset) {
        out.drop = SignallingDrop::BadHeaderLength;
        out.parameter_problem_pointer =
            static_cast<std::uint32_t>(ip->upper_layer_offset + wire::kMhHeaderLenOffset);
      } else {
        out.drop = SignallingDrop::MalformedOptions;
      }
      return out;
    }
    parsed.mobility = std::move(*message);
  } else if (ip->upper_layer_protocol == wire::ip_protocol::kIcmpv6) {
    auto icmp = wire::decodeIcmpv6(ip->upper_layer, parsed.source, parsed.destination);
    if (!icmp) {
      out.drop = SignallingDrop::MalformedIcmpv6;
      return out;
    }
    parsed.icmpv6 = *icmp;
  } else {
    out.drop = SignallingDrop::UnexpectedProtocol;
    return out;
  }
  parsed.ip = *ip;
  out.packet = std::move(parsed);
  return out;
}

Result<Bytes> buildMobilityPacket(const wire::MobilityMessage& message, const Ipv6Address& source,
                                  const Ipv6Address& destination,
                                  const wire::Ipv6Extensions& extensions) {
  auto size = wire::encodedSize(message);
  if (!size) return Unexpected{std::move(size).error()};
  PacketBuffer packet(kSignallingHeadroom + *size, kSignallingHeadroom);
  // The pseudo-header uses the home address and the final destination (RFC 6275 §6.1.1).
  const Ipv6Address checksum_source = extensions.home_address.value_or(source);
  const Ipv6Address checksum_destination = extensions.routing_home_address.value_or(destination);
  auto status = wire::encodeMobilityHeader(message, checksum_source, checksum_destination, packet);
  if (!status) return Unexpected{std::move(status).error()};
  return finish(packet, wire::kMhProtocol, source, destination, extensions);
}

Result<Bytes> finishIcmpv6Packet(PacketBuffer& icmpv6, const Ipv6Address& source,
                                 const Ipv6Address& destination,
                                 const wire::Ipv6Extensions& extensions) {
  return finish(icmpv6, wire::ip_protocol::kIcmpv6, source, destination, extensions);
}

Result<Bytes> buildParameterProblemPacket(ByteView invoking_packet, std::uint32_t pointer,
                                          const Ipv6Address& source,
                                          const Ipv6Address& destination) {
  PacketBuffer icmp(2048);
  auto status = wire::buildIcmpv6ParameterProblem(
      icmp, invoking_packet, wire::icmpv6_parameter_problem::kErroneousHeaderField, pointer, source,
      destination);
  if (!status) return Unexpected{std::move(status).error()};
  return finishIcmpv6Packet(icmp, source, destination);
}

}  // namespace dsmip::dsmip6
