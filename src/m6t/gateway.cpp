#include "m6t/gateway.hpp"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "m6t/icmp_quote.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv6.hpp"
#include "wire/m6t_keepalive.hpp"

namespace dsmip::m6t {

namespace {

SipKey drawKey(RandomSource& random) { return SipKey{random.u64(), random.u64()}; }

// Per-state expiry lines are debug output; a mass expiry is summarised beyond this many.
constexpr std::size_t kMaxExpiryLines = 16;

std::string_view kindName(StateKind kind) {
  return kind == StateKind::Active ? "active" : "temporary";
}

}  // namespace

std::string_view gatewayDropName(GatewayDrop reason) {
  switch (reason) {
    case GatewayDrop::None:
      return "none";
    case GatewayDrop::Malformed:
      return "malformed";
    case GatewayDrop::SourceNotInPrefix:
      return "source-not-in-prefix";
    case GatewayDrop::DestinationNotHomeAgent:
      return "destination-not-home-agent";
    case GatewayDrop::StateMismatch:
      return "state-mismatch";
    case GatewayDrop::RateLimited:
      return "rate-limited";
    case GatewayDrop::TableFull:
      return "table-full";
    case GatewayDrop::KeepaliveNoState:
      return "keepalive-no-state";
    case GatewayDrop::KeepaliveNotActive:
      return "keepalive-not-active";
    case GatewayDrop::KeepaliveMismatch:
      return "keepalive-mismatch";
    case GatewayDrop::TunMalformed:
      return "tun-malformed";
    case GatewayDrop::TunMulticast:
      return "tun-multicast";
    case GatewayDrop::SourceNotHomeAgent:
      return "source-not-home-agent";
    case GatewayDrop::NoState:
      return "no-state";
    case GatewayDrop::TooBig:
      return "too-big";
    case GatewayDrop::kCount:
      break;
  }
  return "unknown";
}

Status validateGatewayConfig(const GatewayConfig& c) {
  auto bad = [](std::string what) {
    return makeError(ErrorCode::InvalidArgument, std::move(what));
  };
  if (c.listen.empty()) return bad("listen: at least one IPV4:PORT is needed");
  for (std::size_t i = 0; i < c.listen.size(); ++i) {
    if (c.listen[i].port == 0) {
      return bad("listen: " + c.listen[i].toString() + ": the port must not be 0");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (c.listen[j] == c.listen[i]) return bad("listen: " + c.listen[i].toString() + " twice");
    }
  }
  if (c.prefixes.empty()) return bad("prefix: at least one IPV6/LEN is needed");
  for (const Ipv6Prefix& p : c.prefixes) {
    if (p.length > 128) return bad("prefix: " + p.toString() + ": length above 128");
    if (p.address.isMulticast() || p.address.isLinkLocal() || p.length < 8) {
      return bad("prefix: " + p.toString() + ": not a unicast prefix of /8 or longer");
    }
  }
  if (c.home_agents.empty()) return bad("home-agent: at least one IPV6 address is needed");
  for (const Ipv6Address& ha : c.home_agents) {
    if (!ha.isUnicastRoutable())
      return bad("home-agent: " + ha.toString() + ": not a unicast address");
    for (const Ipv6Prefix& p : c.prefixes) {
      if (p.contains(ha)) {
        return bad("home-agent: " + ha.toString() + " lies inside the mobile-node prefix " +
                   p.toString());
      }
    }
  }
  if (c.mtu < 1280 || c.mtu > kMaxTunnelMtu) {
    return bad("mtu: " + std::to_string(c.mtu) + " is outside 1280.." +
               std::to_string(kMaxTunnelMtu));
  }
  if (c.temporary_lifetime <= Duration{0}) return bad("temporary-lifetime: must be above 0");
  if (c.active_lifetime <= Duration{0}) return bad("active-lifetime: must be above 0");
  if (c.rate_limit < 0) return bad("rate-limit: must not be negative");
  if (c.rate_limit_burst < 1) return bad("rate-limit-burst: must be at least 1");
  if (c.max_states < 1 || c.max_states > 0xFFFF'FFF0u) {
    return bad("max-states: must be between 1 and 4294967280");
  }
  return {};
}

Gateway::Gateway(GatewayConfig config, RandomSource& random)
    : config_(std::move(config)),
      states_(drawKey(random), config_.max_states),
      limiter_(drawKey(random), config_.rate_limit, config_.rate_limit_burst, config_.max_states),
      icmp_bucket_(config_.icmp_rate_limit, std::max(1.0, config_.icmp_rate_limit)) {
  for (Ipv6Prefix& p : config_.prefixes) p = p.normalised();
}

bool Gateway::inPrefixes(const Ipv6Address& a) const {
  return std::any_of(config_.prefixes.begin(), config_.prefixes.end(),
                     [&](const Ipv6Prefix& p) { return p.contains(a); });
}

bool Gateway::isHomeAgent(const Ipv6Address& a) const {
  return std::find(config_.home_agents.begin(), config_.home_agents.end(), a) !=
         config_.home_agents.end();
}

GatewayVerdict Gateway::drop(GatewayDrop reason, const Ipv6Address& mobile_node) {
  ++stats_.drops[static_cast<std::size_t>(reason)];
  GatewayVerdict v;
  v.disposition = Disposition::Drop;
  v.drop = reason;
  v.mobile_node = mobile_node;
  return v;
}

std::uint32_t Gateway::tunnelMtu(const GatewayState& state, TimePoint now) const {
  if (state.path_mtu == 0 || now >= state.path_mtu_learnt + config_.path_mtu_timeout) {
    return config_.mtu;
  }
  return tunnelMtuForPath(state.path_mtu, config_.mtu);
}

GatewayVerdict Gateway::onDatagram(SocketId socket, const Ipv4Endpoint& from, PacketBuffer& packet,
                                   TimePoint now) {
  ++stats_.datagrams_received;
  stats_.datagram_bytes_received += packet.size();
  auto decoded = wire::decodeIpv6(packet.data());
  // The datagram must be exactly one IPv6 packet (m6t §2: nothing between UDP and IPv6).
  if (!decoded || decoded->packet.size() != packet.size()) return drop(GatewayDrop::Malformed);
  const Ipv6Address source = decoded->header.source;
  const Ipv6Address destination = decoded->header.destination;

  if (wire::isM6tKeepalive(*decoded)) return onKeepalive(socket, from, source, packet, now);

  // Sanity checks before any state is created (m6t §6.1.3).
  if (!inPrefixes(source) || !wire::isAcceptableTunnelInnerSource(source)) {
    return drop(GatewayDrop::SourceNotInPrefix, source);
  }
  if (!isHomeAgent(destination)) return drop(GatewayDrop::DestinationNotHomeAgent, source);

  GatewayVerdict verdict;
  GatewayState* state = states_.find(source);
  if (state != nullptr) {
    // States are never updated (m6t §2.4, §6.1.1): a different IPv4 side is dropped.
    if (state->endpoint != from || state->socket != socket) {
      return drop(GatewayDrop::StateMismatch, source);
    }
  } else {
    if (!limiter_.allow(from.address, now)) return drop(GatewayDrop::RateLimited, source);
    verdict.event = GatewayEvent::StateCreated;
    if (states_.size() >= states_.maxStates()) {
      if (!states_.evictOldestTemporary()) return drop(GatewayDrop::TableFull, source);
      ++stats_.temporary_states_evicted;
      verdict.event = GatewayEvent::StateCreatedAfterEviction;
    }
    GatewayState fresh;
    fresh.mobile_node = source;
    fresh.endpoint = from;
    fresh.socket = socket;
    fresh.created = now;
    fresh.last_activity = now;
    state = &states_.insertTemporary(fresh);
    ++stats_.states_created;
  }
  state->last_activity = now;
  ++state->packets_from_mn;
  state->bytes_from_mn += packet.size();
  ++stats_.packets_to_home_agents;
  stats_.bytes_to_home_agents += packet.size();
  verdict.disposition = Disposition::WriteTun;
  verdict.mobile_node = source;
  return verdict;
}

GatewayVerdict Gateway::onKeepalive(SocketId socket, const Ipv4Endpoint& from,
                                    const Ipv6Address& source, PacketBuffer& packet,
                                    TimePoint now) {
  // m6t §2.3: answer only for an active state whose IPv4 parameters match; otherwise drop
  // silently.
  ++stats_.keepalives_received;
  GatewayState* state = states_.find(source);
  if (state == nullptr) return drop(GatewayDrop::KeepaliveNoState, source);
  if (state->endpoint != from || state->socket != socket) {
    return drop(GatewayDrop::KeepaliveMismatch, source);
  }
  if (state->kind != StateKind::Active) return drop(GatewayDrop::KeepaliveNotActive, source);
  state->last_activity = now;
  ++state->packets_from_mn;
  state->bytes_from_mn += packet.size();
  if (!wire::buildM6tKeepaliveReply(packet, source)) return drop(GatewayDrop::Malformed, source);
  ++state->packets_to_mn;
  state->bytes_to_mn += packet.size();
  ++stats_.keepalive_replies_sent;
  GatewayVerdict v;
  v.disposition = Disposition::SendDatagram;
  v.socket = socket;
  v.to = from;
  v.mobile_node = source;
  return v;
}

GatewayVerdict Gateway::icmpError(PacketBuffer& packet, GatewayDrop reason, std::uint8_t type,
                                  std::uint8_t code, std::uint32_t parameter,
                                  const Ipv6Address& destination, const Ipv6Address& mobile_node,
                                  std::uint64_t& sent_counter, TimePoint now) {
  GatewayVerdict v = drop(reason, mobile_node);
  if (!icmp_bucket_.tryTake(now)) {
    ++stats_.icmpv6_rate_limited;
    return v;
  }
  // The kernel's raw ICMPv6 socket picks the source and rewrites the checksum.
  if (!wire::prependIcmpv6Error(packet, type, code, parameter, Ipv6Address{}, destination)) {
    return v;
  }
  ++sent_counter;
  v.disposition = Disposition::SendIcmpv6;
  v.icmp_destination = destination;
  return v;
}

GatewayVerdict Gateway::onTunPacket(PacketBuffer& packet, TimePoint now) {
  ++stats_.tun_packets_received;
  stats_.tun_bytes_received += packet.size();
  auto decoded = wire::decodeIpv6(packet.data());
  if (!decoded) return drop(GatewayDrop::TunMalformed);
  const Ipv6Address source = decoded->header.source;
  const Ipv6Address destination = decoded->header.destination;
  if (destination.isMulticast()) return drop(GatewayDrop::TunMulticast, destination);
  // An ICMPv6 error (RFC 4443 §2.1: type < 128) from a router between here and the HA must
  // reach the MN (PMTUD at the IPv6 level, m6t §2.6); everything else must come from a HA.
  const bool icmp_error = decoded->upper_layer_protocol == wire::ip_protocol::kIcmpv6 &&
                          !decoded->isNonFirstFragment() && !decoded->upper_layer.empty() &&
                          decoded->upper_layer[0] < 128;
  const bool from_home_agent = isHomeAgent(source);
  if (!from_home_agent && !icmp_error) return drop(GatewayDrop::SourceNotHomeAgent, destination);
  // Errors about errors, and errors to non-unicast sources, are never sent (RFC 4443 §2.4 (e)).
  const bool may_answer = !icmp_error && source.isUnicastRoutable();

  GatewayState* state = states_.find(destination);
  if (state == nullptr) {
    if (!may_answer) return drop(GatewayDrop::NoState, destination);
    return icmpError(packet, GatewayDrop::NoState, wire::icmpv6_type::kDestinationUnreachable,
                     wire::icmpv6_unreachable::kAddressUnreachable, 0, source, destination,
                     stats_.icmpv6_unreachable_sent, now);
  }
  const std::uint32_t mtu = tunnelMtu(*state, now);
  if (packet.size() > mtu) {
    if (!may_answer) return drop(GatewayDrop::TooBig, destination);
    return icmpError(packet, GatewayDrop::TooBig, wire::icmpv6_type::kPacketTooBig, 0, mtu, source,
                     destination, stats_.icmpv6_packet_too_big_sent, now);
  }
  GatewayVerdict v;
  if (state->kind == StateKind::Temporary && from_home_agent) {
    // m6t §3: the HA answered the MN's first packet: the state becomes active.
    states_.activate(destination, now + config_.active_lifetime);
    ++stats_.states_activated;
    v.event = GatewayEvent::StateActivated;
  }
  state->last_activity = now;
  ++state->packets_to_mn;
  state->bytes_to_mn += packet.size();
  ++stats_.packets_to_mobile_nodes;
  stats_.bytes_to_mobile_nodes += packet.size();
  v.disposition = Disposition::SendDatagram;
  v.socket = state->socket;
  v.to = state->endpoint;
  v.mobile_node = destination;
  return v;
}

Actions Gateway::onIcmpv4(ByteView icmp_message, TimePoint now) {
  ++stats_.icmpv4_received;
  Actions actions;
  auto message = decodeFragmentationNeeded(icmp_message);
  if (!message || !message->inner_destination) {
    ++stats_.icmpv4_ignored;
    return actions;
  }
  // It must quote a datagram we sent: from one of our listening ports to the endpoint of the
  // state of the quoted inner destination, through that state's socket.
  GatewayState* state = states_.find(*message->inner_destination);
  if (state == nullptr || state->endpoint != message->destination ||
      state->socket >= config_.listen.size() ||
      config_.listen[state->socket].port != message->source.port) {
    ++stats_.icmpv4_ignored;
    return actions;
  }
  const std::uint16_t path_mtu = impliedPathMtu(*message);
  const std::uint32_t before = tunnelMtu(*state, now);
  if (path_mtu < 68 || tunnelMtuForPath(path_mtu, config_.mtu) >= before) {
    ++stats_.icmpv4_ignored;
    return actions;
  }
  state->path_mtu = path_mtu;
  state->path_mtu_learnt = now;
  ++stats_.path_mtu_lowered;
  actions.emplace_back(LogEvent{
      LogLevel::Info,
      fmt::format("path MTU to {} ({}) lowered to {} by ICMPv4 fragmentation-needed: tunnel MTU "
                  "{} -> {}",
                  state->endpoint.toString(), state->mobile_node.toString(), path_mtu, before,
                  tunnelMtu(*state, now))});
  return actions;
}

Actions Gateway::reconfigure(const GatewayConfig& config, TimePoint now) {
  (void)now;  // lifetimes count from each state's creation or last activity
  Actions actions;
  const bool rate_changed = config.rate_limit != config_.rate_limit ||
                            config.rate_limit_burst != config_.rate_limit_burst;
  const bool shorter = config.active_lifetime < config_.active_lifetime;
  config_.temporary_lifetime = config.temporary_lifetime;
  config_.active_lifetime = config.active_lifetime;
  // Active states are checked at their last activity + the lifetime: earlier now.
  if (shorter) states_.rescheduleActive(config_.active_lifetime);
  config_.home_agents = config.home_agents;
  config_.rate_limit = config.rate_limit;
  config_.rate_limit_burst = config.rate_limit_burst;
  if (rate_changed) limiter_.reset(config_.rate_limit, config_.rate_limit_burst);
  actions.emplace_back(LogEvent{
      LogLevel::Info,
      fmt::format(
          "reconfigured: {} state(s) kept, {} home agent(s), temporary lifetime {}, "
          "active lifetime {}, rate limit {}/s burst {}",
          states_.size(), config_.home_agents.size(), formatDuration(config_.temporary_lifetime),
          formatDuration(config_.active_lifetime), config_.rate_limit, config_.rate_limit_burst)});
  return actions;
}

Actions Gateway::onTimer(TimePoint now) {
  Actions actions;
  std::size_t temporary = 0;
  std::size_t active = 0;
  states_.expire(
      now, config_.temporary_lifetime, config_.active_lifetime, [&](const GatewayState& s) {
        if (s.kind == StateKind::Active) {
          ++active;
        } else {
          ++temporary;
        }
        if (temporary + active <= kMaxExpiryLines) {
          actions.emplace_back(LogEvent{
              LogLevel::Debug, fmt::format("state expired: {} at {} ({}, {} packets in, {} out)",
                                           s.mobile_node.toString(), s.endpoint.toString(),
                                           kindName(s.kind), s.packets_from_mn, s.packets_to_mn)});
        }
      });
  stats_.temporary_states_expired += temporary;
  stats_.active_states_expired += active;
  if (temporary + active > kMaxExpiryLines) {
    actions.emplace_back(LogEvent{
        LogLevel::Debug, fmt::format("{} more states expired ({} temporary, {} active in all)",
                                     temporary + active - kMaxExpiryLines, temporary, active)});
  }
  limiter_.onTimer(now);
  return actions;
}

std::optional<TimePoint> Gateway::nextDeadline() const {
  return earliest(states_.nextDeadline(config_.temporary_lifetime), limiter_.nextDeadline());
}

}  // namespace dsmip::m6t
