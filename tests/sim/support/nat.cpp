#include "support/nat.hpp"

#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/udp.hpp"

namespace dsmip::sim {

std::optional<Bytes> rewriteUdp(ByteView packet, const Ipv4Endpoint& source,
                                const Ipv4Endpoint& destination) {
  auto ip = wire::decodeIpv4(packet);
  if (!ip || ip->header.protocol != wire::ip_protocol::kUdp || ip->header.isFragment()) {
    return std::nullopt;
  }
  auto udp = wire::decodeUdp(ip->payload);
  if (!udp) return std::nullopt;
  PacketBuffer b(udp->payload.size() + 256, 128);
  if (!b.assign(udp->payload, 128)) return std::nullopt;
  if (!wire::prependUdp(
          b, source.port, destination.port,
          wire::UdpOverIpv4{source.address, destination.address, udp->header.checksum != 0})) {
    return std::nullopt;
  }
  wire::Ipv4Header h = ip->header;
  h.source = source.address;
  h.destination = destination.address;
  if (!wire::prependIpv4(b, h)) return std::nullopt;
  return Bytes(b.data().begin(), b.data().end());
}

namespace {
std::optional<std::pair<Ipv4Endpoint, Ipv4Endpoint>> endpoints(ByteView packet) {
  auto ip = wire::decodeIpv4(packet);
  if (!ip || ip->header.protocol != wire::ip_protocol::kUdp) return std::nullopt;
  auto udp = wire::decodeUdp(ip->payload);
  if (!udp) return std::nullopt;
  return std::make_pair(Ipv4Endpoint{ip->header.source, udp->header.source_port},
                        Ipv4Endpoint{ip->header.destination, udp->header.destination_port});
}
}  // namespace

std::optional<Bytes> Nat::outbound(ByteView packet, TimePoint now) {
  auto ends = endpoints(packet);
  if (!ends) {
    ++dropped_;
    return std::nullopt;
  }
  auto it = mappings_.find(ends->first);
  if (it == mappings_.end() || now - it->second.last_used > idle_timeout_) {
    Mapping m;
    m.external_port = next_port_++;
    it = mappings_.insert_or_assign(ends->first, m).first;
  }
  it->second.last_used = now;
  return rewriteUdp(packet, Ipv4Endpoint{public_, it->second.external_port}, ends->second);
}

std::optional<Bytes> Nat::inbound(ByteView packet, TimePoint now) {
  auto ends = endpoints(packet);
  if (!ends || ends->second.address != public_) {
    ++dropped_;
    return std::nullopt;
  }
  for (auto& [inside, m] : mappings_) {
    if (m.external_port != ends->second.port) continue;
    if (now - m.last_used > idle_timeout_) break;  // expired
    return rewriteUdp(packet, ends->first, inside);
  }
  ++dropped_;
  return std::nullopt;
}

void Nat::rebind() {
  for (auto& [inside, m] : mappings_) m.external_port = next_port_++;
}

}  // namespace dsmip::sim
