#include "m6t/icmp_quote.hpp"

#include <algorithm>
#include <array>

#include "wire/icmpv4.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/udp.hpp"

namespace dsmip::m6t {

Result<FragmentationNeeded> decodeFragmentationNeeded(ByteView icmp_message) {
  auto icmp = wire::decodeIcmpv4(icmp_message);
  if (!icmp) return Unexpected{icmp.error()};
  if (icmp->type != wire::icmpv4_type::kDestinationUnreachable ||
      icmp->code != wire::icmpv4_unreachable::kFragmentationNeeded) {
    return parseError(ErrorCode::Unsupported, "not a fragmentation-needed message", 0);
  }
  const auto& unreachable = std::get<wire::Icmpv4DestinationUnreachable>(icmp->body);
  const ByteView quote = unreachable.invoking_packet;
  // The quote is cut short by design: read the IPv4 header by hand rather than through
  // decodeIpv4(), which would reject the truncated Total Length.
  ByteReader in{quote, wire::kIcmpv4HeaderLength};
  const std::uint8_t version_ihl = in.u8();
  in.skip(1);
  const std::uint16_t total_length = in.u16();
  in.skip(5);
  const std::uint8_t protocol = in.u8();
  in.skip(2);
  const auto source = in.array<4>();
  const auto destination = in.array<4>();
  if (!in.ok()) return parseError(ErrorCode::Truncated, "quoted IPv4 header", in.offset());
  if ((version_ihl >> 4) != 4) {
    return parseError(ErrorCode::BadVersion, "quoted packet is not IPv4",
                      wire::kIcmpv4HeaderLength);
  }
  const std::size_t header_length = std::size_t{version_ihl & 0x0Fu} * 4;
  if (header_length < wire::kIpv4MinHeaderLength) {
    return parseError(ErrorCode::BadLength, "quoted IPv4 header length", wire::kIcmpv4HeaderLength);
  }
  if (protocol != wire::ip_protocol::kUdp) {
    return parseError(ErrorCode::Unsupported, "quoted packet is not UDP",
                      wire::kIcmpv4HeaderLength + 9);
  }
  ByteReader rest{quote, wire::kIcmpv4HeaderLength};
  rest.skip(header_length);
  const std::uint16_t source_port = rest.u16();
  const std::uint16_t destination_port = rest.u16();
  rest.skip(4);
  if (!rest.ok()) return parseError(ErrorCode::Truncated, "quoted UDP header", rest.offset());

  FragmentationNeeded out;
  out.next_hop_mtu = unreachable.next_hop_mtu;
  out.source = Ipv4Endpoint{Ipv4Address{source}, source_port};
  out.destination = Ipv4Endpoint{Ipv4Address{destination}, destination_port};
  out.quoted_total_length = total_length;
  // The inner IPv6 header, if quoted: version 6, addresses at offsets 8 and 24.
  const ByteView inner = rest.remainingView();
  if (inner.size() >= wire::kIpv6HeaderLength && (inner[0] >> 4) == 6) {
    out.inner_source = Ipv6Address::fromBytes(inner.subspan(8, 16));
    out.inner_destination = Ipv6Address::fromBytes(inner.subspan(24, 16));
  }
  return out;
}

std::uint16_t impliedPathMtu(const FragmentationNeeded& message) {
  if (message.next_hop_mtu != 0) return message.next_hop_mtu;
  // RFC 1191 §7 table of MTU plateaus: the largest one below the quoted datagram's length.
  static constexpr std::array<std::uint16_t, 10> kPlateaus{32000, 17914, 8166, 4352, 2002,
                                                           1492,  1006,  508,  296,  68};
  for (const std::uint16_t plateau : kPlateaus) {
    if (plateau < message.quoted_total_length) return plateau;
  }
  return 0;
}

std::uint32_t tunnelMtuForPath(std::uint32_t ipv4_path_mtu, std::uint32_t configured_mtu) {
  constexpr std::uint32_t kOverhead = 20 + 8;  // IPv4 + UDP
  const std::uint32_t inner = ipv4_path_mtu > kOverhead ? ipv4_path_mtu - kOverhead : 0;
  return std::clamp<std::uint32_t>(inner, static_cast<std::uint32_t>(wire::kIpv6MinimumMtu),
                                   std::max<std::uint32_t>(configured_mtu, 1280));
}

}  // namespace dsmip::m6t
