// The home agent's per-packet data plane (RFC 6275 §10.4, RFC 3963 §6.3, RFC 5555 §4.5.1,
// protocol reference §7): encapsulation of intercepted traffic towards the care-of address, and
// the ingress checks on reverse-tunnelled traffic. No allocation per packet.

#include <algorithm>

#include "dsmip6/home_agent.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/tlv.hpp"

namespace dsmip::dsmip6 {

namespace ip = wire::ip_protocol;

PacketDecision HomeAgent::drop(DropReason reason) {
  ++stats_.data_drops[static_cast<std::size_t>(reason)];
  PacketDecision d;
  d.verdict = Verdict::Drop;
  d.drop_reason = reason;
  return d;
}

PacketDecision HomeAgent::onTunPacket(ByteView packet) {
  const auto header = peekIpHeader(packet);
  if (!header) return drop(DropReason::Malformed);
  if (header->version == 6) {
    if (header->destination6 == config_.address) {
      // For the home agent itself: a reverse tunnel over IPv6 (RFC 2473, RFC 5555 §4.5.1), or
      // signalling (BU with a Home Address option, Mobile Prefix Solicitation, …).
      if (header->protocol == ip::kIpv6 || header->protocol == ip::kIpv4) {
        TunnelledPacket t;
        t.outer = Encapsulation::Ipv6;
        t.ipv6_source = header->source6;
        t.ipv6_destination = header->destination6;
        t.traffic_class = header->traffic_class;
        t.protocol = header->protocol;
        t.payload =
            packet.subspan(wire::kIpv6HeaderLength, header->length - wire::kIpv6HeaderLength);
        return decapsulate(t, wire::kIpv6HeaderLength);
      }
      PacketDecision d;
      d.verdict = Verdict::Signalling;
      d.inner_offset = 0;
      d.inner_length = header->length;
      d.transport = Transport::ipv6();
      return d;
    }
    BindingCacheEntry* entry = cache_.lookupIpv6(header->destination6);
    if (!entry) return drop(DropReason::NoBinding);
    return encapsulate(*entry, *header);
  }
  BindingCacheEntry* entry = cache_.lookupIpv4(header->destination4);
  if (!entry) return drop(DropReason::NoBinding);
  return encapsulate(*entry, *header);
}

PacketDecision HomeAgent::onIpv4Packet(ByteView packet) {
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

PacketDecision HomeAgent::onTunnelledPacket(const TunnelledPacket& packet) {
  return decapsulate(packet, 0);
}

PacketDecision HomeAgent::encapsulate(BindingCacheEntry& entry, const IpHeaderView& inner) {
  PacketDecision d;
  TunnelHeaders& t = d.tunnel;
  t.encapsulation = entry.encapsulation;
  t.inner_protocol = inner.version == 6 ? ip::kIpv6 : ip::kIpv4;
  t.traffic_class = outerTrafficClass(inner.traffic_class, config_.tunnel);
  t.hop_limit = config_.tunnel.hop_limit;
  t.udp_checksum = config_.tunnel.udp_checksum;
  const Ipv4Address local = entry.local_ipv4.isUnspecified()
                                ? config_.ipv4_address.value_or(Ipv4Address{})
                                : entry.local_ipv4;
  switch (entry.encapsulation) {
    case Encapsulation::Ipv6:
      t.ipv6_source = config_.address;
      t.ipv6_destination = std::get<Ipv6Address>(entry.care_of);
      break;
    case Encapsulation::Ipv4:
      t.ipv4_source = local;
      t.ipv4_destination = std::get<Ipv4Address>(entry.care_of);
      break;
    case Encapsulation::Udp:
    case Encapsulation::UdpTlv:
      // To the address and port the BU came from: the NAT's mapping (RFC 5555 §4.5).
      t.ipv4_source = local;
      t.ipv4_destination = entry.udp_endpoint->address;
      t.udp_source_port = config_.udp_port;
      t.udp_destination_port = entry.udp_endpoint->port;
      break;
    case Encapsulation::None:
      return drop(DropReason::NoBinding);
  }
  if (t.encapsulation != Encapsulation::Ipv6) {
    // RFC 4213 §3.2.1: never DF for IPv6 inside (static tunnel MTU); RFC 2003 §3.1: DF copied
    // from an IPv4 inner header.
    t.dont_fragment = inner.version == 4 && inner.dont_fragment;
    t.identification = next_identification_++;
  }
  d.verdict = Verdict::Encapsulate;
  d.inner_offset = 0;
  d.inner_length = inner.length;
  ++entry.packets_to_mobile_node;
  entry.bytes_to_mobile_node += inner.length;
  ++stats_.packets_encapsulated;
  stats_.bytes_encapsulated += inner.length;
  return d;
}

PacketDecision HomeAgent::decapsulate(const TunnelledPacket& t, std::size_t base_offset) {
  ByteView payload = t.payload;
  std::size_t offset = 0;
  std::uint8_t expected_version = 0;  // 0: read the version nibble (RFC 5555 §4.1)
  if (t.outer == Encapsulation::Udp) {
    if (wire::isTlvHeader(payload)) {
      auto tlv = wire::decodeTlv(payload);
      if (!tlv) return drop(DropReason::Malformed);
      if (tlv->header.next_header == ip::kIpv6) {
        expected_version = 6;
      } else if (tlv->header.next_header == ip::kIpv4) {
        expected_version = 4;
      } else {
        return drop(DropReason::UnsupportedPayload);  // ESP / GRE in the TLV header
      }
      offset = wire::kTlvHeaderLength;
    }
  } else if (t.outer == Encapsulation::Ipv6 || t.outer == Encapsulation::Ipv4) {
    if (t.protocol == ip::kIpv6) {
      expected_version = 6;
    } else if (t.protocol == ip::kIpv4) {
      expected_version = 4;
    } else {
      return drop(DropReason::UnsupportedPayload);
    }
  } else {
    return drop(DropReason::Malformed);
  }
  const auto inner = peekIpHeader(payload.subspan(offset));
  if (!inner || (expected_version != 0 && inner->version != expected_version)) {
    return drop(DropReason::Malformed);
  }
  if (inner->version == 6 && inner->destination6 == config_.address) {
    // Signalling for the home agent (a BU from an IPv4 network, …): no binding check here —
    // the BU of a moving or NATed mobile node comes from a new outer address by design.
    PacketDecision d;
    d.verdict = Verdict::Signalling;
    d.inner_offset = base_offset + offset;
    d.inner_length = inner->length;
    if (t.outer == Encapsulation::Udp) {
      d.transport = Transport::udp(t.ipv4_source, t.ipv4_destination);
    } else if (t.outer == Encapsulation::Ipv4) {
      d.transport = Transport::protocol41(t.ipv4_source.address, t.ipv4_destination.address);
    } else {
      d.transport = Transport::ipv6();
    }
    ++stats_.signalling_from_tunnel;
    return d;
  }
  if (!isAcceptableInnerSource(*inner)) return drop(DropReason::InvalidInnerSource);
  BindingCacheEntry* entry =
      inner->version == 6 ? cache_.lookupIpv6(inner->source6) : cache_.lookupIpv4(inner->source4);
  if (!entry) {
    if (inner->version == 6) queueRefreshRequest(inner->source6, t);
    return drop(DropReason::WrongInnerSource);
  }
  // The outer source (and port) must be the binding's (RFC 6275 §10.4.5, RFC 5555 §4.5).
  switch (t.outer) {
    case Encapsulation::Ipv6: {
      const auto* coa = std::get_if<Ipv6Address>(&entry->care_of);
      if (!coa) return drop(DropReason::WrongEncapsulation);
      if (*coa != t.ipv6_source) return drop(DropReason::WrongOuterSource);
      break;
    }
    case Encapsulation::Ipv4: {
      const auto* coa = std::get_if<Ipv4Address>(&entry->care_of);
      if (!coa || entry->nat_detected) return drop(DropReason::WrongEncapsulation);
      if (*coa != t.ipv4_source.address) return drop(DropReason::WrongOuterSource);
      break;
    }
    default: {
      if (!entry->udp_endpoint) return drop(DropReason::WrongEncapsulation);
      if (entry->udp_endpoint->address != t.ipv4_source.address) {
        return drop(DropReason::WrongOuterSource);
      }
      if (entry->udp_endpoint->port != t.ipv4_source.port) {
        return drop(DropReason::WrongOuterPort);
      }
      break;
    }
  }
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
  ++entry->packets_from_mobile_node;
  entry->bytes_from_mobile_node += inner->length;
  ++stats_.packets_decapsulated;
  stats_.bytes_decapsulated += inner->length;
  return d;
}

bool HomeAgent::mayRefreshRequest(const Ipv6Address& home_address) const {
  for (const auto& p : pending_refresh_requests_) {
    if (p.home_address == home_address) return false;
  }
  for (const auto& h : refresh_hold_offs_) {
    if (h.home_address == home_address && h.until > last_now_) return false;
  }
  return true;
}

void HomeAgent::queueRefreshRequest(const Ipv6Address& home_address, const TunnelledPacket& t) {
  // Reverse-tunnelled traffic from one of our mobile nodes without a binding (the home agent
  // restarted, or the binding expired): a Binding Refresh Request makes it re-register
  // (RFC 6275 §11.7.4) instead of waiting for its next refresh. Sent from onTimer().
  if (pending_refresh_requests_.size() >= pending_refresh_requests_.capacity()) return;
  if (!mayRefreshRequest(home_address) || !policyFor(home_address)) return;
  PendingRefreshRequest r;
  r.home_address = home_address;
  switch (t.outer) {
    case Encapsulation::Ipv6:
      r.destination = t.ipv6_source;
      r.transport = Transport::ipv6();
      break;
    case Encapsulation::Ipv4:
      r.destination = home_address;
      r.transport = Transport::protocol41(t.ipv4_destination.address, t.ipv4_source.address);
      break;
    default:
      r.destination = home_address;
      r.transport = Transport::udp(t.ipv4_destination, t.ipv4_source);
      break;
  }
  pending_refresh_requests_.push_back(r);
}

}  // namespace dsmip::dsmip6
