#include "esp/ipsec.hpp"

#include <utility>

#include "esp/packet_view.hpp"

namespace dsmip::esp {

namespace {

constexpr std::size_t kMaxIpLength = 0xFFFF;

// Whether a packet of `total` octets fits the 16-bit length field of its IP version.
bool fitsIpLength(std::size_t total, std::uint8_t version) {
  return version == 6 ? total - detail::kIpv6HeaderLength <= kMaxIpLength : total <= kMaxIpLength;
}

}  // namespace

std::optional<std::uint32_t> peekEspSpi(ByteView ip_packet) {
  auto info = detail::parseIpHeader(ip_packet);
  if (!info || info->protocol != kProtocolEsp || info->fragment) return std::nullopt;
  return readSpi(ip_packet.subspan(info->payload_offset));
}

Ipsec::Ipsec(RandomSource& random)
    : random_(random), ipv4_identification_(static_cast<std::uint16_t>(random.u32())) {}

OutboundResult Ipsec::dropOutbound(DropReason reason) {
  ++at(stats_.outbound_drops, reason);
  OutboundResult r;
  r.verdict = OutboundVerdict::Discard;
  r.reason = reason;
  return r;
}

InboundResult Ipsec::dropInbound(DropReason reason, std::uint32_t spi) {
  ++at(stats_.inbound_drops, reason);
  InboundResult r;
  r.verdict = InboundVerdict::Discard;
  r.reason = reason;
  r.spi = spi;
  return r;
}

void Ipsec::collectEvents(SecurityAssociation& sa) {
  for (auto& e : sa.takeEvents()) events_.push_back(e);
}

std::vector<SaEvent> Ipsec::takeEvents() { return std::exchange(events_, {}); }

void Ipsec::onTimer(TimePoint now) {
  for (auto& e : sad_.onTimer(now)) events_.push_back(e);
}

OutboundResult Ipsec::outbound(PacketBuffer& packet, TimePoint now) {
  auto info = detail::parseIpHeader(packet.data());
  if (!info) return dropOutbound(info.error());
  const PacketSelectors selectors = detail::packetSelectors(*info, packet.data());
  const PolicyEntry* policy = spd_.lookup(selectors, Direction::Outbound);
  if (policy == nullptr) return dropOutbound(DropReason::NoPolicy);
  if (policy->action == PolicyAction::Bypass) {
    ++stats_.outbound_bypassed;
    OutboundResult r;
    r.verdict = OutboundVerdict::Bypass;
    return r;
  }
  if (policy->action == PolicyAction::Discard) return dropOutbound(DropReason::PolicyDiscard);
  SecurityAssociation* sa = sad_.find(policy->outbound_spi, Direction::Outbound);
  if (sa == nullptr) return dropOutbound(DropReason::NoSa);

  OutboundResult r;
  r.verdict = OutboundVerdict::Protected;
  r.spi = sa->spi();
  r.mode = sa->mode();
  if (sa->mode() == Mode::Transport) {
    // RFC 4303 §3.3.4: transport mode applies ESP to whole packets only; fragment afterwards.
    if (info->fragment) return dropOutbound(DropReason::Fragment);
    const std::size_t payload = packet.size() - info->payload_offset;
    if (!fitsIpLength(packet.size() + sealOverhead(sa->suite(), payload), info->version)) {
      return dropOutbound(DropReason::TooBig);
    }
    auto sealed = seal(*sa, packet, info->payload_offset, info->protocol, now, random_);
    collectEvents(*sa);
    if (!sealed) return dropOutbound(sealed.error());
    // The headers before ESP now say "ESP follows" and count the ESP packet.
    (void)detail::setLength(packet.mutableData(), info->version);
    detail::setProtocol(packet.mutableData(), *info, kProtocolEsp);
    r.esp_offset = info->payload_offset;
  } else {
    const TunnelEndpoints& tunnel = *sa->tunnel();
    const std::size_t outer_length = detail::outerHeaderLength(tunnel.local);
    const std::size_t total =
        outer_length + packet.size() + sealOverhead(sa->suite(), packet.size());
    if (!fitsIpLength(total, std::holds_alternative<Ipv6Address>(tunnel.local) ? 6 : 4)) {
      return dropOutbound(DropReason::TooBig);
    }
    if (packet.headroom() < outer_length + kEspHeaderLength + suiteInfo(sa->suite()).iv_length) {
      return dropOutbound(DropReason::NoSpace);
    }
    const std::uint8_t inner = info->version == 6 ? kProtocolIpv6 : kProtocolIpv4;
    auto sealed = seal(*sa, packet, 0, inner, now, random_);
    collectEvents(*sa);
    if (!sealed) return dropOutbound(sealed.error());
    MutableByteView outer = packet.prepend(outer_length);
    detail::writeOuterHeader(outer, tunnel.local, tunnel.remote, packet.size(), *info,
                             ipv4_identification_++);
    r.esp_offset = outer_length;
  }
  r.sequence = sa->lastSequence();
  ++stats_.outbound_protected;
  return r;
}

InboundResult Ipsec::checkDecrypted(std::uint32_t spi, const OpenedEsp& opened, Mode mode,
                                    ByteView packet) {
  auto info = detail::parseIpHeader(packet);
  if (!info) return dropInbound(DropReason::BadInnerPacket, spi);
  // RFC 4301 §5.2 step 4: the packet must be one the SA was made for.
  const PacketSelectors selectors = detail::packetSelectors(*info, packet);
  if (spd_.matchInboundSa(spi, selectors) == nullptr) {
    return dropInbound(DropReason::SelectorMismatch, spi);
  }
  ++stats_.inbound_accepted;
  InboundResult r;
  r.verdict = InboundVerdict::Accepted;
  r.spi = spi;
  r.sequence = opened.sequence;
  r.mode = mode;
  return r;
}

InboundResult Ipsec::finishTunnel(SecurityAssociation& sa, PacketBuffer& packet, TimePoint now) {
  const std::uint32_t spi = sa.spi();
  auto opened = open(sa, packet, 0, now);
  collectEvents(sa);
  if (!opened) return dropInbound(opened.error(), spi);
  const ByteView inner = packet.data();
  const std::uint8_t expected_version = opened->next_header == kProtocolIpv6   ? 6
                                        : opened->next_header == kProtocolIpv4 ? 4
                                                                               : 0;
  if (expected_version == 0 || inner.empty() || (inner[0] >> 4) != expected_version) {
    return dropInbound(DropReason::BadInnerPacket, spi);
  }
  return checkDecrypted(spi, *opened, Mode::Tunnel, inner);
}

InboundResult Ipsec::inbound(PacketBuffer& packet, TimePoint now) {
  auto info = detail::parseIpHeader(packet.data());
  if (!info) return dropInbound(info.error());
  if (info->protocol != kProtocolEsp) {
    const PacketSelectors selectors = detail::packetSelectors(*info, packet.data());
    const PolicyEntry* policy = spd_.lookup(selectors, Direction::Inbound);
    if (policy == nullptr) return dropInbound(DropReason::NoPolicy);
    switch (policy->action) {
      case PolicyAction::Bypass: {
        ++stats_.inbound_bypassed;
        InboundResult r;
        r.verdict = InboundVerdict::Bypass;
        return r;
      }
      case PolicyAction::Discard:
        return dropInbound(DropReason::PolicyDiscard);
      case PolicyAction::Protect:
        // RFC 4301 §5.2 step 3: cleartext that policy says must be protected.
        return dropInbound(DropReason::Unprotected);
    }
  }
  // RFC 4303 §3.4.1: ESP is processed on reassembled packets only.
  if (info->fragment) return dropInbound(DropReason::Fragment);
  const auto spi = readSpi(packet.data().subspan(info->payload_offset));
  if (!spi) return dropInbound(DropReason::Truncated);
  SecurityAssociation* sa = sad_.find(*spi, Direction::Inbound);
  if (sa == nullptr) return dropInbound(DropReason::UnknownSpi, *spi);

  if (sa->mode() == Mode::Tunnel) {
    // The outer header has served its purpose; the SA is found by SPI alone (RFC 4301 §4.1), so
    // a peer that moved (a new outer source) is accepted, as RFC 4877 §4.3 asks.
    (void)packet.trimFront(info->payload_offset);
    return finishTunnel(*sa, packet, now);
  }
  auto opened = open(*sa, packet, info->payload_offset, now);
  collectEvents(*sa);
  if (!opened) return dropInbound(opened.error(), *spi);
  detail::setProtocol(packet.mutableData(), *info, opened->next_header);
  (void)detail::setLength(packet.mutableData(), info->version);
  return checkDecrypted(*spi, *opened, Mode::Transport, packet.data());
}

InboundResult Ipsec::inboundEsp(PacketBuffer& packet, TimePoint now) {
  const auto spi = readSpi(packet.data());
  if (!spi) return dropInbound(DropReason::Truncated);
  SecurityAssociation* sa = sad_.find(*spi, Direction::Inbound);
  if (sa == nullptr) return dropInbound(DropReason::UnknownSpi, *spi);
  if (sa->mode() != Mode::Tunnel) return dropInbound(DropReason::ModeMismatch, *spi);
  return finishTunnel(*sa, packet, now);
}

}  // namespace dsmip::esp
