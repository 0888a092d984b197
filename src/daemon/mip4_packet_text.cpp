#include "daemon/mip4_packet_text.hpp"

#include <fmt/format.h>

#include "dsmip4/tunnel.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/mipv4.hpp"

namespace dsmip::daemon {

namespace {

constexpr int kMaxDepth = 3;  // outer, home tunnel, inner

std::string describe(ByteView packet, int depth) {
  if (packet.empty()) return "empty";
  const unsigned version = packet[0] >> 4;
  if (version == 6) {
    auto fields = dsmip4::readIpv6Fields(packet);
    if (!fields) return fmt::format("malformed IPv6 ({} octets)", packet.size());
    return fmt::format("{} > {} nh {}", fields->source.toString(), fields->destination.toString(),
                       fields->next_header);
  }
  if (version != 4) return fmt::format("not IP (version {}, {} octets)", version, packet.size());
  auto ip = wire::decodeIpv4(packet);
  if (!ip) return fmt::format("malformed IPv4 ({} octets)", packet.size());
  std::string out = fmt::format("{} > {} proto {}", ip->header.source.toString(),
                                ip->header.destination.toString(), ip->header.protocol);
  if ((ip->header.protocol == wire::ip_protocol::kIpv4 ||
       ip->header.protocol == wire::ip_protocol::kIpv6) &&
      !ip->header.isNonFirstFragment() && depth < kMaxDepth) {
    out += " [" + describe(ip->payload, depth + 1) + "]";
  }
  return out;
}

}  // namespace

std::string describeIpPacket(ByteView packet) { return describe(packet, 0); }

std::string describeTunnelData(ByteView payload) {
  auto message = wire::decodeTunnelData(payload);
  if (!message) return fmt::format("malformed tunnel data ({} octets)", payload.size());
  return fmt::format("tunnel data nh {} [{}]", message->next_header, describe(message->packet, 1));
}

}  // namespace dsmip::daemon
