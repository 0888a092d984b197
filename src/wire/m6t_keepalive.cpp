#include "wire/m6t_keepalive.hpp"

#include "wire/ip_protocol.hpp"

namespace dsmip::wire {

namespace {
Status build(PacketBuffer& out, const Ipv6Address& source, const Ipv6Address& destination) {
  if (!out.assign({})) return parseError(ErrorCode::NoSpace, "m6t keep-alive", 0);
  Ipv6Header h;
  h.next_header = ip_protocol::kNoNextHeader;
  h.hop_limit = kM6tKeepaliveHopLimit;
  h.source = source;
  h.destination = destination;
  return prependIpv6(out, h);
}
}  // namespace

M6tKeepaliveKind classifyM6tKeepalive(const Ipv6Packet& packet) {
  const Ipv6Header& h = packet.header;
  if (h.next_header != ip_protocol::kNoNextHeader || h.payload_length != 0) {
    return M6tKeepaliveKind::None;
  }
  if (h.destination == kM6tKeepaliveAddress) return M6tKeepaliveKind::Request;
  if (h.source == kM6tKeepaliveAddress) return M6tKeepaliveKind::Reply;
  return M6tKeepaliveKind::None;
}

bool isM6tKeepalive(const Ipv6Packet& packet) {
  return classifyM6tKeepalive(packet) == M6tKeepaliveKind::Request;
}

bool isM6tKeepaliveReply(const Ipv6Packet& packet) {
  return classifyM6tKeepalive(packet) == M6tKeepaliveKind::Reply;
}

Status buildM6tKeepalive(PacketBuffer& out, const Ipv6Address& source) {
  return build(out, source, kM6tKeepaliveAddress);
}

Status buildM6tKeepaliveReply(PacketBuffer& out, const Ipv6Address& mobile_node) {
  return build(out, kM6tKeepaliveAddress, mobile_node);
}

}  // namespace dsmip::wire
