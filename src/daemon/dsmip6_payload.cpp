#include "daemon/dsmip6_payload.hpp"

#include <algorithm>

#include "esp/selector.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv6.hpp"

namespace dsmip::daemon {

namespace {

namespace ip = wire::ip_protocol;

constexpr std::size_t kSourceOffset = 8;        // IPv6 source address (RFC 8200 §3)
constexpr std::size_t kDestinationOffset = 24;  // IPv6 destination address
constexpr std::uint8_t kMhBindingUpdate = 5;    // RFC 6275 §6.1.7

bool hasTunnelModeSa(const esp::Ipsec& ipsec) {
  bool found = false;
  ipsec.sad().forEach([&](const esp::SecurityAssociation& sa) {
    if (sa.mode() == esp::Mode::Tunnel) found = true;
  });
  return found;
}

}  // namespace

Status readdressTunnelEsp(PacketBuffer& esp_packet, std::size_t esp_offset,
                          dsmip6::TunnelHeaders& tunnel, TunnelEnd end) {
  const ByteView bytes = esp_packet.data();
  if (esp_offset != wire::kIpv6HeaderLength || bytes.size() < esp_offset || (bytes[0] >> 4) != 6) {
    return makeError(ErrorCode::InvalidArgument,
                     "payload SA: the tunnel endpoints must be IPv6 (home agent and home address)");
  }
  switch (tunnel.encapsulation) {
    case dsmip6::Encapsulation::Ipv6: {
      // ESP does not cover the outer header (RFC 4303 §3.1.2): the address that follows the
      // mobile node is replaced after ESP processing (draft §4.1).
      const bool home_agent = end == TunnelEnd::HomeAgent;
      const Ipv6Address& address = home_agent ? tunnel.ipv6_destination : tunnel.ipv6_source;
      MutableByteView out = esp_packet.mutableData();
      std::copy(address.bytes.begin(), address.bytes.end(),
                out.begin() +
                    static_cast<std::ptrdiff_t>(home_agent ? kDestinationOffset : kSourceOffset));
      return {};
    }
    case dsmip6::Encapsulation::Ipv4:
    case dsmip6::Encapsulation::Udp:
    case dsmip6::Encapsulation::UdpTlv:
      // The ESP packet is an IPv6 packet between the home agent and the home address: it
      // travels in the binding's IPv4 tunnel like a BU or BA does (RFC 5555 §4.1, §5.2.1).
      tunnel.inner_protocol = ip::kIpv6;
      return dsmip6::prependTunnelHeaders(esp_packet, tunnel);
    case dsmip6::Encapsulation::None:
      break;
  }
  return makeError(ErrorCode::InvalidArgument, "payload SA: no tunnel for the binding");
}

std::string_view outboundEspKindName(OutboundEspKind kind) {
  switch (kind) {
    case OutboundEspKind::NotEsp:
      return "not-esp";
    case OutboundEspKind::BindingUpdate:
      return "binding-update";
    case OutboundEspKind::Payload:
      return "payload";
    case OutboundEspKind::Other:
      return "other";
  }
  return "?";
}

OutboundEspClass classifyOutboundEsp(ByteView packet, const esp::Ipsec& ipsec,
                                     std::span<const Ipv6Address> home_addresses,
                                     const Ipv6Address& home_agent) {
  OutboundEspClass c;
  const auto spi = esp::peekEspSpi(packet);
  if (!spi) return c;
  c.spi = *spi;
  for (const Ipv6Address& home : home_addresses) {
    // "Which SPI protects a BU from this home address to the home agent?" (RFC 4301 §4.4.1:
    // each SPD-S entry points at its SA; the draft's DSMIPv6-IPsec API technique).
    esp::PacketSelectors bu;
    bu.source = home;
    bu.destination = home_agent;
    bu.protocol = esp::kProtocolMobilityHeader;
    bu.message_type = kMhBindingUpdate;
    if (ipsec.spd().findProtectingSpi(bu, esp::Direction::Outbound) == spi) {
      c.kind = OutboundEspKind::BindingUpdate;
      c.home_address = home;
      return c;
    }
  }
  const esp::SecurityAssociation* sa = ipsec.sad().find(*spi, esp::Direction::Outbound);
  c.kind = sa != nullptr && sa->mode() == esp::Mode::Tunnel ? OutboundEspKind::Payload
                                                            : OutboundEspKind::Other;
  return c;
}

EspPayloadStage::EspPayloadStage(EspSignallingFilter& esp, TunnelEnd end)
    : esp_(esp), end_(end), active_(hasTunnelModeSa(esp.ipsec())) {}

void EspPayloadStage::countDrop(std::string_view reason) {
  auto it =
      std::find_if(drops_.begin(), drops_.end(), [&](const auto& e) { return e.first == reason; });
  if (it == drops_.end()) {
    drops_.emplace_back(std::string(reason), 1);
  } else {
    ++it->second;
  }
}

EspPayloadStage::Outcome EspPayloadStage::protect(PacketBuffer& packet,
                                                  dsmip6::TunnelHeaders& tunnel, TimePoint now) {
  if (!active_) return Outcome::Plain;
  const EspSignallingFilter::PayloadOutbound out = esp_.protectPayload(packet, now);
  const esp::OutboundResult& r = out.result;
  switch (r.verdict) {
    case esp::OutboundVerdict::Bypass:
      ++bypassed_;
      return Outcome::Plain;
    case esp::OutboundVerdict::Discard:
      countDrop(out.persist_failed ? "sequence-not-persisted" : esp::dropReasonName(r.reason));
      return Outcome::Dropped;
    case esp::OutboundVerdict::Protected:
      break;
  }
  if (r.mode != esp::Mode::Tunnel) {
    // A transport-mode SA on traffic this node forwards through the tunnel: not a payload SA.
    countDrop("transport-mode-sa");
    return Outcome::Dropped;
  }
  if (!readdressTunnelEsp(packet, r.esp_offset, tunnel, end_)) {
    countDrop("readdress");
    return Outcome::Dropped;
  }
  ++protected_;
  return Outcome::Protected;
}

bool EspPayloadStage::isPayloadEsp(ByteView packet) const {
  if (!active_) return false;
  const auto spi = esp::peekEspSpi(packet);
  if (!spi) return false;
  const esp::SecurityAssociation* sa = esp_.ipsec().sad().find(*spi, esp::Direction::Inbound);
  return sa != nullptr && sa->mode() == esp::Mode::Tunnel;
}

std::optional<dsmip6::TunnelledPacket> EspPayloadStage::open(PacketBuffer& packet,
                                                             const dsmip6::Transport& transport,
                                                             TimePoint now) {
  // The outer header as it came (before ESP processing replaces the packet by the inner one).
  const auto outer = dsmip6::peekIpHeader(packet.data());
  if (!outer) {
    countDrop(esp::dropReasonName(esp::DropReason::BadIpHeader));
    return std::nullopt;
  }
  const esp::InboundResult r = esp_.openPayload(packet, now);
  if (r.verdict != esp::InboundVerdict::Accepted || r.mode != esp::Mode::Tunnel) {
    countDrop(r.verdict == esp::InboundVerdict::Discard ? esp::dropReasonName(r.reason)
                                                        : std::string_view("not-tunnel-mode"));
    return std::nullopt;
  }
  const auto inner = dsmip6::peekIpHeader(packet.data());
  if (!inner) {
    countDrop(esp::dropReasonName(esp::DropReason::BadInnerPacket));
    return std::nullopt;
  }
  // The core checks the decrypted packet as if it had come tunnelled from the same outer
  // addresses: the binding's care-of address (and port), the inner source, ECN.
  dsmip6::TunnelledPacket t;
  t.traffic_class = outer->traffic_class;
  t.protocol = inner->version == 6 ? ip::kIpv6 : ip::kIpv4;
  t.payload = packet.data();
  switch (transport.kind) {
    case dsmip6::TransportKind::Ipv6:
      t.outer = dsmip6::Encapsulation::Ipv6;
      t.ipv6_source = outer->source6;
      t.ipv6_destination = outer->destination6;
      break;
    case dsmip6::TransportKind::UdpIpv4:
      t.outer = dsmip6::Encapsulation::Udp;
      t.ipv4_source = transport.ipv4_source;
      t.ipv4_destination = transport.ipv4_destination;
      break;
    case dsmip6::TransportKind::Ipv4Protocol41:
      t.outer = dsmip6::Encapsulation::Ipv4;
      t.ipv4_source = transport.ipv4_source;
      t.ipv4_destination = transport.ipv4_destination;
      break;
  }
  ++decrypted_;
  return t;
}

bool EspPayloadStage::admitClear(PacketBuffer& packet, TimePoint now) {
  if (!active_) return true;
  // RFC 4301 §5.2: a cleartext packet is looked up in the SPD; a protect entry covering it
  // means it should have come through its SA ("unprotected").
  const esp::InboundResult r = esp_.openPayload(packet, now);
  if (r.verdict == esp::InboundVerdict::Bypass) {
    ++clear_admitted_;
    return true;
  }
  countDrop(r.verdict == esp::InboundVerdict::Discard ? esp::dropReasonName(r.reason)
                                                      : std::string_view("esp-inside-tunnel"));
  return false;
}

NamedCounters EspPayloadStage::counters() const {
  NamedCounters out = {{"payload-protected", protected_},
                       {"payload-bypassed", bypassed_},
                       {"payload-decrypted", decrypted_},
                       {"payload-clear-admitted", clear_admitted_}};
  for (const auto& [reason, count] : drops_) out.emplace_back("payload-drop:" + reason, count);
  return out;
}

}  // namespace dsmip::daemon
