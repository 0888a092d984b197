// The mobile node's per-packet data plane (RFC 6275 §11.3.1, RFC 3963 §5.5, RFC 5555 §4.4.1,
// protocol reference §7): encapsulation of traffic from its home addresses and mobile networks
// towards the home agent, and the checks on what comes back. No allocation per packet.

#include "dsmip6/mobile_node.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/tlv.hpp"

namespace dsmip::dsmip6 {

namespace ip = wire::ip_protocol;

PacketDecision MobileNode::drop(DropReason reason) {
  ++stats_.data_drops[static_cast<std::size_t>(reason)];
  PacketDecision d;
  d.verdict = Verdict::Drop;
  d.drop_reason = reason;
  return d;
}

const MobileNode::Entry* MobileNode::entryForSource(const IpHeaderView& inner) const {
  const Entry& primary = entries_.front();
  if (inner.version == 6) {
    for (const auto& e : entries_) {
      if (e.home_address == inner.source6) return &e;
    }
    if (config_.mobile_router) {
      for (const auto& p : config_.mobile_network_prefixes) {
        if (p.contains(inner.source6)) return &primary;
      }
    }
    return nullptr;
  }
  if (ipv4_home_address_ && ipv4_home_address_->address == inner.source4) return &primary;
  for (const auto& p : ipv4_prefixes_) {
    if (p.contains(inner.source4)) return &primary;
  }
  return nullptr;
}

bool MobileNode::isOurDestination(const IpHeaderView& inner) const {
  if (inner.version == 6) {
    for (const auto& e : entries_) {
      if (e.home_address == inner.destination6) return true;
    }
    if (config_.mobile_router) {
      for (const auto& p : config_.mobile_network_prefixes) {
        if (p.contains(inner.destination6)) return true;
      }
    }
    return false;
  }
  if (ipv4_home_address_ && ipv4_home_address_->address == inner.destination4) return true;
  for (const auto& p : ipv4_prefixes_) {
    if (p.contains(inner.destination4)) return true;
  }
  return false;
}

PacketDecision MobileNode::onTunPacket(ByteView packet) {
  const auto inner = peekIpHeader(packet);
  if (!inner) return drop(DropReason::Malformed);
  if (at_home_) return drop(DropReason::AtHome);
  const Entry* entry = entryForSource(*inner);
  if (!entry) {
    return drop(inner->version == 4 && !ipv4_home_address_ ? DropReason::NoIpv4HomeAddress
                                                           : DropReason::WrongInnerSource);
  }
  const DataPath& path = entry->path;
  PacketDecision d;
  TunnelHeaders& t = d.tunnel;
  t.encapsulation = path.encapsulation;
  t.inner_protocol = inner->version == 6 ? ip::kIpv6 : ip::kIpv4;
  t.traffic_class = outerTrafficClass(inner->traffic_class, config_.tunnel);
  t.hop_limit = config_.tunnel.hop_limit;
  t.udp_checksum = config_.tunnel.udp_checksum;
  switch (path.encapsulation) {
    case Encapsulation::None:
      return drop(DropReason::NoBinding);
    case Encapsulation::Ipv6:
      t.ipv6_source = std::get<Ipv6Address>(path.care_of);
      t.ipv6_destination = path.home_agent;
      break;
    case Encapsulation::Ipv4:
      t.ipv4_source = path.local.address;
      t.ipv4_destination = path.home_agent_ipv4.address;
      break;
    case Encapsulation::Udp:
    case Encapsulation::UdpTlv:
      t.ipv4_source = path.local.address;
      t.ipv4_destination = path.home_agent_ipv4.address;
      t.udp_source_port = path.local.port;
      t.udp_destination_port = path.home_agent_ipv4.port;
      break;
  }
  if (t.encapsulation != Encapsulation::Ipv6) {
    // RFC 4213 §3.2.1 (IPv6 inside: never DF), RFC 2003 §3.1 (IPv4 inside: DF copied).
    t.dont_fragment = inner->version == 4 && inner->dont_fragment;
    t.identification = next_identification_++;
  }
  d.verdict = Verdict::Encapsulate;
  d.inner_offset = 0;
  d.inner_length = inner->length;
  ++stats_.packets_encapsulated;
  stats_.bytes_encapsulated += inner->length;
  return d;
}

PacketDecision MobileNode::onIpv4Packet(ByteView packet) {
  const auto header = peekIpHeader(packet);
  if (!header || header->version != 4) return drop(DropReason::Malformed);
  const std::size_t header_length = std::size_t{packet[0] & 0x0Fu} * 4;
  TunnelledPacket t;
  t.outer = Encapsulation::Ipv4;
  t.ipv4_source = Ipv4Endpoint{header->source4, 0};
  t.ipv4_destination = Ipv4Endpoint{header->destination4, 0};
  t.traffic_class = header->traffic_class;
  t.protocol = header->protocol;
  t.payload = packet.subspan(header_length, header->length - header_length);
  return decapsulate(t, header_length);
}

PacketDecision MobileNode::onTunnelledPacket(const TunnelledPacket& packet) {
  return decapsulate(packet, 0);
}

PacketDecision MobileNode::decapsulate(const TunnelledPacket& t, std::size_t base_offset) {
  // The outer source must be the home agent (address, and port for UDP).
  switch (t.outer) {
    case Encapsulation::Ipv6:
      if (t.ipv6_source != config_.home_agent) return drop(DropReason::WrongOuterSource);
      break;
    case Encapsulation::Ipv4:
      if (!config_.home_agent_ipv4 || t.ipv4_source.address != *config_.home_agent_ipv4) {
        return drop(DropReason::WrongOuterSource);
      }
      break;
    case Encapsulation::Udp:
      if (!config_.home_agent_ipv4 || t.ipv4_source.address != *config_.home_agent_ipv4) {
        return drop(DropReason::WrongOuterSource);
      }
      if (t.ipv4_source.port != config_.home_agent_udp_port) {
        return drop(DropReason::WrongOuterPort);
      }
      break;
    default:
      return drop(DropReason::Malformed);
  }
  ByteView payload = t.payload;
  std::size_t offset = 0;
  std::uint8_t expected_version = 0;
  if (t.outer == Encapsulation::Udp) {
    if (wire::isTlvHeader(payload)) {
      auto tlv = wire::decodeTlv(payload);
      if (!tlv) return drop(DropReason::Malformed);
      if (tlv->header.next_header == ip::kIpv6) {
        expected_version = 6;
      } else if (tlv->header.next_header == ip::kIpv4) {
        expected_version = 4;
      } else {
        return drop(DropReason::UnsupportedPayload);
      }
      offset = wire::kTlvHeaderLength;
    }
  } else if (t.protocol == ip::kIpv6) {
    expected_version = 6;
  } else if (t.protocol == ip::kIpv4) {
    expected_version = 4;
  } else {
    return drop(DropReason::UnsupportedPayload);
  }
  const ByteView inner_bytes = payload.subspan(offset);
  const auto inner = peekIpHeader(inner_bytes);
  if (!inner || (expected_version != 0 && inner->version != expected_version)) {
    return drop(DropReason::Malformed);
  }
  if (!isOurDestination(*inner)) return drop(DropReason::WrongInnerDestination);
  if (inner->version == 6 && inner->source6 == config_.home_agent) {
    // Signalling from the home agent travels like this over IPv4 (BA, BRR, BE in UDP; MPA in
    // UDP or IPv6-in-IPv4): anything carrying a Mobility Header or ESP, or an MPA.
    auto chain = wire::decodeIpv6(inner_bytes.first(inner->length));
    if (!chain) return drop(DropReason::Malformed);
    const std::uint8_t upper = chain->upper_layer_protocol;
    const bool mpa = upper == ip::kIcmpv6 && !chain->upper_layer.empty() &&
                     chain->upper_layer[0] == wire::icmpv6_type::kMobilePrefixAdvertisement;
    if (upper == ip::kMobility || upper == ip::kEsp || mpa) {
      PacketDecision d;
      d.verdict = Verdict::Signalling;
      d.inner_offset = base_offset + offset;
      d.inner_length = inner->length;
      if (t.outer == Encapsulation::Udp) {
        d.transport = Transport::udp(t.ipv4_source, t.ipv4_destination);
      } else if (t.outer == Encapsulation::Ipv4) {
        d.transport = Transport::protocol41(t.ipv4_source.address, t.ipv4_destination.address);
      }
      return d;
    }
  }
  if (!isAcceptableInnerSource(*inner)) return drop(DropReason::InvalidInnerSource);
  const Decapsulated tc =
      decapsulateTrafficClass(inner->traffic_class, t.traffic_class, config_.tunnel.dscp);
  if (tc.drop) return drop(DropReason::EcnNotEctWithCe);
  PacketDecision d;
  if (tc.anomaly != wire::EcnAnomaly::None) {
    ++stats_.ecn_anomalies;
    d.ecn_anomaly = tc.anomaly;
  }
  d.verdict = Verdict::Deliver;
  d.inner_offset = base_offset + offset;
  d.inner_length = inner->length;
  d.rewrite_traffic_class = tc.changed;
  d.traffic_class = tc.traffic_class;
  ++stats_.packets_decapsulated;
  stats_.bytes_decapsulated += inner->length;
  return d;
}

}  // namespace dsmip::dsmip6
