#include "support/dsmip6_world.hpp"

#include <algorithm>

#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/udp.hpp"

namespace dsmip::sim {

namespace ip = wire::ip_protocol;
using namespace std::chrono_literals;

namespace {

Ipv6Address v6(std::string_view t) { return Ipv6Address::parse(t).value(); }
Ipv4Address v4(std::string_view t) { return Ipv4Address::parse(t).value(); }

constexpr std::uint16_t kPingPort = 7;
constexpr std::uint16_t kPingSourcePort = 7000;
constexpr std::uint16_t kProbeSourcePort = 7001;
constexpr std::uint16_t kMnUdpPort = 5000;

Bytes toBytes(const PacketBuffer& b) { return Bytes(b.data().begin(), b.data().end()); }

// A UDP "ping" with an 8-octet sequence number, over IPv6 or IPv4.
Bytes pingPacket(const Ipv6Address& src, const Ipv6Address& dst, std::uint64_t seq,
                 std::uint16_t sport, std::uint16_t dport) {
  PacketBuffer b(512);
  Bytes payload(8);
  ByteWriter w{payload};
  w.u64(seq);
  (void)b.assign(payload);
  (void)wire::prependUdp(b, sport, dport, wire::UdpOverIpv6{src, dst});
  wire::Ipv6Header h;
  h.next_header = ip::kUdp;
  h.source = src;
  h.destination = dst;
  (void)wire::prependIpv6(b, h);
  return toBytes(b);
}
Bytes pingPacket(const Ipv4Address& src, const Ipv4Address& dst, std::uint64_t seq,
                 std::uint16_t sport, std::uint16_t dport) {
  PacketBuffer b(512);
  Bytes payload(8);
  ByteWriter w{payload};
  w.u64(seq);
  (void)b.assign(payload);
  (void)wire::prependUdp(b, sport, dport, wire::UdpOverIpv4{src, dst, true});
  wire::Ipv4Header h;
  h.protocol = ip::kUdp;
  h.source = src;
  h.destination = dst;
  (void)wire::prependIpv4(b, h);
  return toBytes(b);
}

}  // namespace

std::string_view attachmentName(Attachment a) {
  switch (a) {
    case Attachment::None:
      return "none";
    case Attachment::Home:
      return "home";
    case Attachment::Ipv6:
      return "ipv6";
    case Attachment::Ipv6Second:
      return "ipv6-second";
    case Attachment::PublicIpv4:
      return "public-ipv4";
    case Attachment::NatIpv4:
      return "nat-ipv4";
    case Attachment::DualStack:
      return "dual-stack";
    case Attachment::M6t:
      return "m6t";
  }
  return "?";
}

const WorldAddresses& worldAddresses() {
  static const WorldAddresses a{
      v6("2001:db8:1::1"),    v4("198.51.100.1"),    Ipv6Prefix::parse("2001:db8:1::/64").value(),
      v6("2001:db8:1::100"),  v6("2001:db8:99::9"),  v4("198.18.0.99"),
      v6("2001:db8:2::100"),  v6("2001:db8:3::100"), v6("fd00:1::100"),
      v6("2001:db8:1::abcd"), v4("192.0.2.10"),      v4("10.0.0.2"),
      v4("203.0.113.5"),
  };
  return a;
}

Dsmip6World::Options Dsmip6World::defaultOptions() {
  const WorldAddresses& a = worldAddresses();
  Options o;
  dsmip6::HomeAgentConfig& ha = o.home_agent;
  ha.home_prefixes = {a.home_prefix};
  ha.address = a.home_agent;
  ha.ipv4_address = a.home_agent_ipv4;
  ha.ipv4_pool = dsmip6::Ipv4Range{v4("10.2.0.1"), v4("10.2.0.10")};
  ha.max_binding_lifetime = 600s;
  dsmip6::MobileNodePolicy policy;
  policy.home_address = a.home_address;
  policy.dynamic_ipv4 = true;
  ha.mobile_nodes = {policy};
  dsmip6::MobileNodeConfig& mn = o.mobile_node;
  mn.home_addresses = {a.home_address};
  mn.home_prefix = a.home_prefix;
  mn.home_agent = a.home_agent;
  mn.home_agent_ipv4 = a.home_agent_ipv4;
  mn.local_udp_port = kMnUdpPort;
  mn.ipv4_home_address_mode = dsmip6::Ipv4HomeAddressMode::Dynamic;
  mn.binding_lifetime = 300s;
  return o;
}

Dsmip6World::Dsmip6World(Options options)
    : options_(std::move(options)),
      random_(options_.seed),
      link_random_(options_.seed * 7919 + 1),
      ha_(std::make_unique<dsmip6::HomeAgent>(options_.home_agent, random_)),
      mn_(std::make_unique<dsmip6::MobileNode>(options_.mobile_node, random_)),
      ha_timer_(
          scheduler_, [this] { return ha_->nextDeadline(); },
          [this] { haExecute(ha_->onTimer(scheduler_.now())); }),
      mn_timer_(
          scheduler_, [this] { return mn_->nextDeadline(); },
          [this] { mnExecute(mn_->onTimer(scheduler_.now())); }),
      nat_(worldAddresses().nat_public, options_.nat_idle_timeout) {
  ha_link_.up.delay = ha_link_.down.delay = options_.core_delay;
  cn_link_.up.delay = cn_link_.down.delay = options_.core_delay;
  haExecute(ha_->onStart(scheduler_.now()));
}

// --- Links and routing -----------------------------------------------------------------------

LinkDirection& Dsmip6World::upOf(Node n) {
  switch (n) {
    case Node::MobileNode:
      return access_.up;
    case Node::HomeAgent:
      return ha_link_.up;
    default:
      return cn_link_.up;
  }
}

LinkDirection& Dsmip6World::downOf(Node n) {
  switch (n) {
    case Node::MobileNode:
    case Node::NatPublic:
      return access_.down;
    case Node::HomeAgent:
      return ha_link_.down;
    default:
      return cn_link_.down;
  }
}

std::optional<Dsmip6World::Node> Dsmip6World::route(ByteView packet) const {
  const WorldAddresses& a = worldAddresses();
  const auto h = dsmip6::peekIpHeader(packet);
  if (!h) return std::nullopt;
  if (h->version == 6) {
    const Ipv6Address& d = h->destination6;
    if (d == a.home_agent || intercepted6_.count(d)) return Node::HomeAgent;
    for (const auto& p : routed6_) {
      if (p.contains(d)) return Node::HomeAgent;
    }
    if (d == a.correspondent) return Node::Correspondent;
    // The home link: the home address reaches the MN there when nobody proxies it.
    if (attachment_ == Attachment::Home && (d == a.home_address || d == a.home_link_address)) {
      return Node::MobileNode;
    }
    const bool v6net = attachment_ == Attachment::Ipv6 || attachment_ == Attachment::DualStack;
    if (v6net && d == a.coa_ipv6) return Node::MobileNode;
    if (attachment_ == Attachment::Ipv6Second && d == a.coa_ipv6_second) return Node::MobileNode;
    if (attachment_ == Attachment::M6t && d == a.coa_m6t) return Node::MobileNode;
    return std::nullopt;
  }
  const Ipv4Address& d = h->destination4;
  if (d == a.home_agent_ipv4 || intercepted4_.count(d)) return Node::HomeAgent;
  for (const auto& p : routed4_) {
    if (p.contains(d)) return Node::HomeAgent;
  }
  if (d == a.correspondent_ipv4) return Node::Correspondent;
  if (d == a.nat_public) return Node::NatPublic;
  const bool public4 =
      attachment_ == Attachment::PublicIpv4 || attachment_ == Attachment::DualStack;
  if (public4 && d == a.coa_public_ipv4) return Node::MobileNode;
  return std::nullopt;
}

void Dsmip6World::transmit(Node from, Bytes packet) {
  if (from == Node::MobileNode && access_.ipv6_blocked && !packet.empty() && packet[0] >> 4 == 6) {
    ++lost_;
    return;
  }
  LinkDirection& up = upOf(from);
  if (up.blocked || (up.loss > 0 && link_random_.below(1'000'000) < up.loss * 1e6)) {
    ++lost_;
    return;
  }
  Duration delay = up.delay;
  if (from == Node::MobileNode && attachment_ == Attachment::NatIpv4) {
    // Through the NAT on the way out.
    auto translated = nat_.outbound(packet, scheduler_.now());
    if (!translated) {
      ++lost_;
      return;
    }
    packet = std::move(*translated);
  }
  const auto to = route(packet);
  if (!to) {
    ++lost_;
    return;
  }
  if (*to == Node::MobileNode && access_.ipv6_blocked && packet[0] >> 4 == 6) {
    ++lost_;
    return;
  }
  LinkDirection& down = downOf(*to);
  if (down.blocked || (down.loss > 0 && link_random_.below(1'000'000) < down.loss * 1e6)) {
    ++lost_;
    return;
  }
  delay += down.delay;
  scheduler_.after(
      delay, [this, to = *to, p = std::move(packet)]() mutable { deliver(to, std::move(p)); });
}

void Dsmip6World::deliver(Node to, Bytes packet) {
  switch (to) {
    case Node::MobileNode:
      mnReceive(packet);
      break;
    case Node::HomeAgent:
      haReceive(packet);
      break;
    case Node::Correspondent:
      cnReceive(packet);
      break;
    case Node::NatPublic: {
      // Into the NAT; its inside is the MN's access network when the MN is there.
      auto translated = nat_.inbound(packet, scheduler_.now());
      if (!translated || attachment_ != Attachment::NatIpv4) {
        ++lost_;
        return;
      }
      mnReceive(*translated);
      break;
    }
  }
}

bool Dsmip6World::mnOwns(ByteView packet) const {
  const WorldAddresses& a = worldAddresses();
  const auto h = dsmip6::peekIpHeader(packet);
  if (!h) return false;
  if (h->version == 6) {
    const Ipv6Address& s = h->source6;
    switch (attachment_) {
      case Attachment::Home:
        return s == a.home_address || s == a.home_link_address;
      case Attachment::Ipv6:
      case Attachment::DualStack:
        return s == a.coa_ipv6;
      case Attachment::Ipv6Second:
        return s == a.coa_ipv6_second;
      case Attachment::M6t:
        return s == a.coa_m6t;
      default:
        return false;
    }
  }
  switch (attachment_) {
    case Attachment::PublicIpv4:
    case Attachment::DualStack:
      return h->source4 == a.coa_public_ipv4;
    case Attachment::NatIpv4:
      return h->source4 == a.coa_private_ipv4;
    default:
      return false;
  }
}

// --- Mobile node glue ------------------------------------------------------------------------

void Dsmip6World::attach(Attachment where) {
  const WorldAddresses& a = worldAddresses();
  attachment_ = where;
  std::vector<dsmip6::CareOfCandidate> candidates;
  switch (where) {
    case Attachment::None:
      break;
    case Attachment::Home:
      candidates.push_back({a.home_link_address, "home0", 0});
      break;
    case Attachment::Ipv6:
      candidates.push_back({a.coa_ipv6, "eth0", 0});
      break;
    case Attachment::Ipv6Second:
      candidates.push_back({a.coa_ipv6_second, "eth1", 0});
      break;
    case Attachment::PublicIpv4:
      candidates.push_back({a.coa_public_ipv4, "eth0", 0});
      break;
    case Attachment::NatIpv4:
      candidates.push_back({a.coa_private_ipv4, "wlan0", 0});
      break;
    case Attachment::DualStack:
      candidates.push_back({a.coa_ipv6, "eth0", 0});
      candidates.push_back({a.coa_public_ipv4, "eth0", 0});
      break;
    case Attachment::M6t:
      candidates.push_back({a.coa_m6t, "m6t0", 0});
      break;
  }
  mnExecute(mn_->onCareOfAddresses(candidates, scheduler_.now()));
}

void Dsmip6World::stopMobileNode() { mnExecute(mn_->onStop(scheduler_.now())); }

Bytes Dsmip6World::wrap(const dsmip6::SendSignalling& send) const {
  const dsmip6::Transport& t = send.transport;
  if (t.kind == dsmip6::TransportKind::Ipv6) return send.packet;
  PacketBuffer b(send.packet.size() + 256, 128);
  (void)b.assign(send.packet, 128);
  wire::Ipv4Header h;
  h.source = t.ipv4_source.address;
  h.destination = t.ipv4_destination.address;
  if (t.kind == dsmip6::TransportKind::UdpIpv4) {
    (void)wire::prependUdp(b, t.ipv4_source.port, t.ipv4_destination.port,
                           wire::UdpOverIpv4{h.source, h.destination, true});
    h.protocol = ip::kUdp;
  } else {
    h.protocol = ip::kIpv6;
  }
  (void)wire::prependIpv4(b, h);
  return toBytes(b);
}

void Dsmip6World::mnTransmit(Bytes packet) {
  if (!mnOwns(packet)) {
    ++lost_;  // a source of a network the MN has left: dropped at its first hop
    return;
  }
  transmit(Node::MobileNode, std::move(packet));
}

void Dsmip6World::mnExecute(const dsmip6::MobileNodeActions& actions) {
  for (const auto& action : actions) {
    if (const auto* send = std::get_if<dsmip6::SendSignalling>(&action)) {
      mnTransmit(wrap(*send));
    } else if (const auto* hoa = std::get_if<dsmip6::ConfigureHomeAddress>(&action)) {
      if (hoa->enable) {
        mn_home_place_ = hoa->place;
      } else if (mn_home_place_ == hoa->place) {
        mn_home_place_.reset();
      }
    } else if (const auto* v4a = std::get_if<dsmip6::ConfigureIpv4HomeAddress>(&action)) {
      if (v4a->enable) {
        mn_ipv4_ = v4a->address;
      } else if (mn_ipv4_ == v4a->address) {
        mn_ipv4_.reset();
      }
    } else if (const auto* e = std::get_if<dsmip6::Event>(&action)) {
      events_.emplace_back(scheduler_.now(), *e);
    }
  }
  mn_timer_.arm();
}

void Dsmip6World::mnSendApp(Bytes packet) {
  if (mn_home_place_ == dsmip6::AddressPlace::HomeLink) {
    mnTransmit(std::move(packet));  // at home: no tunnel
    return;
  }
  const dsmip6::PacketDecision d = mn_->onTunPacket(packet);
  if (d.verdict != dsmip6::Verdict::Encapsulate) return;
  PacketBuffer b(packet.size() + 256, 128);
  (void)b.assign(packet, 128);
  if (!dsmip6::prependTunnelHeaders(b, d.tunnel)) return;
  mnTransmit(toBytes(b));
}

void Dsmip6World::mnReceive(const Bytes& packet) {
  const auto h = dsmip6::peekIpHeader(packet);
  if (!h) return;
  dsmip6::PacketDecision d;
  ByteView input = packet;
  Bytes owned;
  if (h->version == 6) {
    auto chain = wire::decodeIpv6(packet);
    if (!chain) return;
    const std::uint8_t upper = chain->upper_layer_protocol;
    if ((upper == ip::kIpv6 || upper == ip::kIpv4) && !chain->routing_home_address) {
      dsmip6::TunnelledPacket t;
      t.outer = dsmip6::Encapsulation::Ipv6;
      t.ipv6_source = chain->header.source;
      t.ipv6_destination = chain->header.destination;
      t.traffic_class = chain->header.traffic_class;
      t.protocol = upper;
      t.payload = chain->upper_layer;
      d = mn_->onTunnelledPacket(t);
      if (d.verdict != dsmip6::Verdict::Drop) {
        owned.assign(t.payload.begin(), t.payload.end());
        input = owned;
      }
    } else if (upper == ip::kUdp && attachment_ == Attachment::Home &&
               chain->header.destination == worldAddresses().home_address) {
      appReceive(packet);  // at home, directly
      return;
    } else {
      mnExecute(mn_->onSignalling(packet, dsmip6::Inbound{}, scheduler_.now()));
      return;
    }
  } else {
    auto v4 = wire::decodeIpv4(packet);
    if (!v4) return;
    if (v4->header.protocol == ip::kUdp) {
      auto udp = wire::decodeUdp(v4->payload);
      if (!udp || udp->header.destination_port != kMnUdpPort) return;
      dsmip6::TunnelledPacket t;
      t.outer = dsmip6::Encapsulation::Udp;
      t.ipv4_source = Ipv4Endpoint{v4->header.source, udp->header.source_port};
      t.ipv4_destination = Ipv4Endpoint{v4->header.destination, udp->header.destination_port};
      t.traffic_class = v4->header.tos;
      t.payload = udp->payload;
      d = mn_->onTunnelledPacket(t);
      owned.assign(t.payload.begin(), t.payload.end());
      input = owned;
    } else {
      d = mn_->onIpv4Packet(packet);
    }
  }
  if (d.verdict == dsmip6::Verdict::Signalling) {
    mnExecute(mn_->onSignalling(d.inner(input), dsmip6::Inbound{d.transport, false, {}},
                                scheduler_.now()));
  } else if (d.verdict == dsmip6::Verdict::Deliver) {
    Bytes inner(d.inner(input).begin(), d.inner(input).end());
    if (d.rewrite_traffic_class) (void)dsmip6::applyInnerTrafficClass(inner, d.traffic_class);
    appReceive(inner);
  }
}

void Dsmip6World::appReceive(ByteView inner) {
  const auto h = dsmip6::peekIpHeader(inner);
  if (!h) return;
  ByteView udp_bytes;
  if (h->version == 6) {
    auto chain = wire::decodeIpv6(inner);
    if (!chain || chain->upper_layer_protocol != ip::kUdp) return;
    udp_bytes = chain->upper_layer;
  } else {
    auto v4 = wire::decodeIpv4(inner);
    if (!v4 || v4->header.protocol != ip::kUdp) return;
    udp_bytes = v4->payload;
  }
  auto udp = wire::decodeUdp(udp_bytes);
  if (!udp || udp->payload.size() != 8) return;
  ByteReader r{udp->payload};
  const std::uint64_t seq = r.u64();
  if (udp->header.destination_port == kPingPort) {
    // A probe from the correspondent: answer it from the home address.
    if (h->version == 6) {
      mnSendApp(pingPacket(h->destination6, h->source6, seq, kPingPort, udp->header.source_port));
    } else {
      mnSendApp(pingPacket(h->destination4, h->source4, seq, kPingPort, udp->header.source_port));
    }
    return;
  }
  if (udp->header.source_port != kPingPort) return;
  auto& records = h->version == 6 ? pings6_ : pings4_;
  if (seq < records.size() && !records[seq].received) records[seq].received = scheduler_.now();
}

// --- Home agent glue -------------------------------------------------------------------------

void Dsmip6World::haExecute(const dsmip6::HomeAgentActions& actions) {
  for (const auto& action : actions) {
    if (const auto* send = std::get_if<dsmip6::SendSignalling>(&action)) {
      transmit(Node::HomeAgent, wrap(*send));
    } else if (const auto* i6 = std::get_if<dsmip6::InterceptIpv6Address>(&action)) {
      if (i6->enable) {
        intercepted6_.insert(i6->address);
      } else {
        intercepted6_.erase(i6->address);
      }
    } else if (const auto* i4 = std::get_if<dsmip6::InterceptIpv4Address>(&action)) {
      if (i4->enable) {
        intercepted4_.insert(i4->address);
      } else {
        intercepted4_.erase(i4->address);
      }
    } else if (const auto* r6 = std::get_if<dsmip6::RouteIpv6Prefix>(&action)) {
      if (r6->enable) {
        routed6_.push_back(r6->prefix);
      } else {
        std::erase(routed6_, r6->prefix);
      }
    } else if (const auto* r4 = std::get_if<dsmip6::RouteIpv4Prefix>(&action)) {
      if (r4->enable) {
        routed4_.push_back(r4->prefix);
      } else {
        std::erase(routed4_, r4->prefix);
      }
    } else if (const auto* e = std::get_if<dsmip6::Event>(&action)) {
      events_.emplace_back(scheduler_.now(), *e);
    }
  }
  ha_timer_.arm();
}

void Dsmip6World::haHandle(const dsmip6::PacketDecision& d, ByteView input) {
  switch (d.verdict) {
    case dsmip6::Verdict::Drop:
      break;
    case dsmip6::Verdict::Encapsulate: {
      PacketBuffer b(input.size() + 256, 128);
      (void)b.assign(d.inner(input), 128);
      if (dsmip6::prependTunnelHeaders(b, d.tunnel)) transmit(Node::HomeAgent, toBytes(b));
      break;
    }
    case dsmip6::Verdict::Deliver: {
      Bytes inner(d.inner(input).begin(), d.inner(input).end());
      if (d.rewrite_traffic_class) (void)dsmip6::applyInnerTrafficClass(inner, d.traffic_class);
      transmit(Node::HomeAgent, std::move(inner));  // out of the home agent's TUN
      break;
    }
    case dsmip6::Verdict::Signalling:
      haExecute(ha_->onSignalling(d.inner(input), dsmip6::Inbound{d.transport, false, {}},
                                  scheduler_.now()));
      break;
  }
  ha_timer_.arm();
}

void Dsmip6World::haReceive(const Bytes& packet) {
  const WorldAddresses& a = worldAddresses();
  const auto h = dsmip6::peekIpHeader(packet);
  if (!h) return;
  if (h->version == 6 || h->destination4 != a.home_agent_ipv4) {
    // Intercepted traffic and anything for the home agent's IPv6 address: its TUN.
    haHandle(ha_->onTunPacket(packet), packet);
    return;
  }
  auto v4 = wire::decodeIpv4(packet);
  if (!v4) return;
  if (v4->header.protocol == ip::kUdp) {
    auto udp = wire::decodeUdp(v4->payload);
    if (!udp || udp->header.destination_port != dsmip6::kDsmipv6UdpPort) return;
    dsmip6::TunnelledPacket t;
    t.outer = dsmip6::Encapsulation::Udp;
    t.ipv4_source = Ipv4Endpoint{v4->header.source, udp->header.source_port};
    t.ipv4_destination = Ipv4Endpoint{v4->header.destination, udp->header.destination_port};
    t.traffic_class = v4->header.tos;
    t.payload = udp->payload;
    const Bytes payload(udp->payload.begin(), udp->payload.end());
    t.payload = payload;
    haHandle(ha_->onTunnelledPacket(t), payload);
    return;
  }
  haHandle(ha_->onIpv4Packet(packet), packet);
}

void Dsmip6World::restartHomeAgent() {
  intercepted6_.clear();
  intercepted4_.clear();
  routed6_.clear();
  routed4_.clear();
  ha_ = std::make_unique<dsmip6::HomeAgent>(options_.home_agent, random_);
  haExecute(ha_->onStart(scheduler_.now()));
}

// --- Correspondent and ping ------------------------------------------------------------------

void Dsmip6World::cnReceive(const Bytes& packet) {
  const auto h = dsmip6::peekIpHeader(packet);
  if (!h) return;
  ByteView udp_bytes;
  if (h->version == 6) {
    auto chain = wire::decodeIpv6(packet);
    if (!chain || chain->upper_layer_protocol != ip::kUdp) return;
    udp_bytes = chain->upper_layer;
  } else {
    auto v4 = wire::decodeIpv4(packet);
    if (!v4 || v4->header.protocol != ip::kUdp) return;
    udp_bytes = v4->payload;
  }
  auto udp = wire::decodeUdp(udp_bytes);
  if (!udp || udp->payload.size() != 8) return;
  ByteReader r{udp->payload};
  const std::uint64_t seq = r.u64();
  if (udp->header.destination_port == kProbeSourcePort && udp->header.source_port == kPingPort) {
    auto& probes = h->version == 6 ? probes6_ : probes4_;
    if (seq < probes.size() && !probes[seq].received) probes[seq].received = scheduler_.now();
    return;
  }
  if (udp->header.destination_port != kPingPort) return;
  if (h->version == 6) {
    transmit(Node::Correspondent,
             pingPacket(h->destination6, h->source6, seq, kPingPort, udp->header.source_port));
  } else {
    transmit(Node::Correspondent,
             pingPacket(h->destination4, h->source4, seq, kPingPort, udp->header.source_port));
  }
}

std::size_t Dsmip6World::probeFromCorrespondent(bool ipv4) {
  const WorldAddresses& a = worldAddresses();
  auto& probes = ipv4 ? probes4_ : probes6_;
  probes.push_back(PingRecord{scheduler_.now(), std::nullopt});
  const std::size_t seq = probes.size() - 1;
  if (ipv4) {
    if (!mn_ipv4_) return seq;
    transmit(Node::Correspondent,
             pingPacket(a.correspondent_ipv4, *mn_ipv4_, seq, kProbeSourcePort, kPingPort));
  } else {
    transmit(Node::Correspondent,
             pingPacket(a.correspondent, a.home_address, seq, kProbeSourcePort, kPingPort));
  }
  return seq;
}

bool Dsmip6World::probeAnswered(std::size_t probe, bool ipv4) const {
  const auto& probes = ipv4 ? probes4_ : probes6_;
  return probe < probes.size() && probes[probe].received.has_value();
}

void Dsmip6World::startPing(Duration interval) {
  ping_interval_ = interval;
  const std::uint64_t generation = ++ping_generation_;
  scheduler_.after(Duration::zero(), [this, generation] { pingTick(generation); });
}

void Dsmip6World::stopPing() { ++ping_generation_; }

void Dsmip6World::pingTick(std::uint64_t generation) {
  if (generation != ping_generation_) return;
  const WorldAddresses& a = worldAddresses();
  pings6_.push_back(PingRecord{scheduler_.now(), std::nullopt});
  mnSendApp(
      pingPacket(a.home_address, a.correspondent, pings6_.size() - 1, kPingSourcePort, kPingPort));
  if (mn_ipv4_) {
    pings4_.push_back(PingRecord{scheduler_.now(), std::nullopt});
    mnSendApp(pingPacket(*mn_ipv4_, a.correspondent_ipv4, pings4_.size() - 1, kPingSourcePort,
                         kPingPort));
  }
  scheduler_.after(ping_interval_, [this, generation] { pingTick(generation); });
}

HandoverMeasure Dsmip6World::measure(TimePoint event, Duration after, bool ipv4,
                                     Duration before) const {
  const auto& records = ipv4 ? pings4_ : pings6_;
  std::vector<TimePoint> replies;
  std::size_t lost = 0;
  for (const auto& r : records) {
    if (r.sent < event - before || r.sent > event + after) continue;
    if (!r.received) {
      ++lost;
      continue;
    }
    replies.push_back(*r.received);
  }
  std::sort(replies.begin(), replies.end());
  HandoverMeasure m;
  m.lost = lost;
  for (std::size_t i = 1; i < replies.size(); ++i) {
    m.interruption = std::max(m.interruption, replies[i] - replies[i - 1]);
  }
  return m;
}

std::size_t Dsmip6World::repliesBetween(TimePoint from, TimePoint to, bool ipv4) const {
  const auto& records = ipv4 ? pings4_ : pings6_;
  return static_cast<std::size_t>(std::count_if(records.begin(), records.end(), [&](const auto& r) {
    return r.received && *r.received >= from && *r.received < to;
  }));
}

std::size_t Dsmip6World::countEvents(dsmip6::EventKind kind) const {
  return static_cast<std::size_t>(std::count_if(
      events_.begin(), events_.end(), [&](const auto& e) { return e.second.kind == kind; }));
}

}  // namespace dsmip::sim
