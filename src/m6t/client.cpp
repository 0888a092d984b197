#include "m6t/client.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "m6t/addressing.hpp"
#include "m6t/icmp_quote.hpp"
#include "m6t/state_table.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ipv6.hpp"
#include "wire/m6t_keepalive.hpp"

namespace dsmip::m6t {

namespace {
// Draws of a random value before giving up (each refused draw means another client holds that
// value: with 2^48 values, more than one in a row does not happen outside tests).
constexpr int kMaxDraws = 64;

std::string optionalAddress(const std::optional<Ipv6Address>& a) {
  return a ? a->toString() : std::string("none");
}
}  // namespace

std::string_view clientDropName(ClientDrop reason) {
  switch (reason) {
    case ClientDrop::None:
      return "none";
    case ClientDrop::NoTunnel:
      return "no-tunnel";
    case ClientDrop::TunMalformed:
      return "tun-malformed";
    case ClientDrop::WrongSource:
      return "wrong-source";
    case ClientDrop::TooBig:
      return "too-big";
    case ClientDrop::StaleSocket:
      return "stale-socket";
    case ClientDrop::NotFromGateway:
      return "not-from-gateway";
    case ClientDrop::Malformed:
      return "malformed";
    case ClientDrop::WrongDestination:
      return "wrong-destination";
    case ClientDrop::BadInnerSource:
      return "bad-inner-source";
    case ClientDrop::kCount:
      break;
  }
  return "unknown";
}

Status validateClientConfig(const ClientConfig& c) {
  auto bad = [](std::string what) {
    return makeError(ErrorCode::InvalidArgument, std::move(what));
  };
  if (c.gateway.port == 0 || !c.gateway.address.isUnicast()) {
    return bad("gateway: " + c.gateway.toString() + ": needs a unicast IPv4 address and a port");
  }
  if (c.prefix.length != kM6tPrefixLength) {
    return bad("prefix: " + c.prefix.toString() + ": must be a /80 (m6t §2.2)");
  }
  if (c.prefix.address.isMulticast() || c.prefix.address.isLinkLocal() ||
      c.prefix.address.isUnspecified()) {
    return bad("prefix: " + c.prefix.toString() + ": not a unicast prefix");
  }
  if (c.mtu < 1280 || c.mtu > 65535 - 28) {
    return bad("mtu: " + std::to_string(c.mtu) + " is outside 1280..65507");
  }
  if (c.keepalive_interval < std::chrono::milliseconds(100)) {
    return bad("keepalive: must be at least 100ms");
  }
  if (c.dead_after < 1) return bad("dead-after: must be at least 1");
  for (const Ipv6Prefix& r : c.routes) {
    if (r.address.isMulticast() || r.address.isLinkLocal()) {
      return bad("route: " + r.toString() + ": not a unicast destination");
    }
  }
  return {};
}

std::string Ipv4Attachment::toString() const {
  return fmt::format("local {} via {} (interface {})", local.toString(),
                     next_hop.isUnspecified() ? std::string("on-link") : next_hop.toString(),
                     interface_index);
}

Client::Client(ClientConfig config, RandomSource& random, AddressRegistry& registry)
    : config_(std::move(config)), random_(random), registry_(registry), tunnel_mtu_(config_.mtu) {
  config_.prefix = config_.prefix.normalised();
}

Client::~Client() {
  if (address_) registry_.release(*address_);
}

ClientVerdict Client::drop(ClientDrop reason) {
  ++stats_.drops[static_cast<std::size_t>(reason)];
  ClientVerdict v;
  v.drop = reason;
  return v;
}

Actions Client::onAttachment(const std::optional<Ipv4Attachment>& attachment, TimePoint now) {
  if (attachment == attachment_) return {};
  if (!attachment) {
    Actions actions;
    actions.emplace_back(LogEvent{
        LogLevel::Warn,
        fmt::format("IPv4 connectivity lost ({}): tunnel address {} removed, routes withdrawn",
                    attachment_->toString(), optionalAddress(address_))});
    ++stats_.attachments_lost;
    detach(actions);
    attachment_.reset();
    return actions;
  }
  const std::string why = attachment_ ? fmt::format("IPv4 attachment changed from {} to {}",
                                                    attachment_->toString(), attachment->toString())
                                      : fmt::format("IPv4 attachment {}", attachment->toString());
  attachment_ = attachment;
  return readdress(now, why, LogLevel::Info);
}

void Client::detach(Actions& actions) {
  if (address_) {
    actions.emplace_back(RemoveAddress{*address_});
    registry_.release(*address_);
    address_.reset();
    address_since_.reset();
  }
  if (routes_installed_) {
    for (const Ipv6Prefix& r : config_.routes) actions.emplace_back(RemoveRoute{r});
    routes_installed_ = false;
  }
  if (socket_open_) {
    actions.emplace_back(CloseSocket{generation_});
    socket_open_ = false;
  }
  local_.reset();
  established_ = false;
  awaiting_reply_ = false;
  unanswered_ = 0;
}

Actions Client::readdress(TimePoint now, const std::string& why, LogLevel level) {
  Actions actions;
  // m6t §3: 48 fresh random bits behind the /80, never the value in use, never one another
  // client of this host holds (m6t §2.5).
  std::optional<Ipv6Address> fresh;
  for (int i = 0; i < kMaxDraws && !fresh; ++i) {
    const std::uint64_t random = random_.u64() & kRandomMask;
    if (random == 0) continue;
    const Ipv6Address candidate = m6tAddress(config_.prefix, random);
    if (address_ && candidate == *address_) continue;
    if (!registry_.reserve(candidate)) {
      ++stats_.address_collisions_avoided;
      continue;
    }
    fresh = candidate;
  }
  if (!fresh) {
    actions.emplace_back(
        LogEvent{LogLevel::Error,
                 fmt::format("{}: no free tunnel address in {} after {} draws; staying without one",
                             why, config_.prefix.toString(), kMaxDraws)});
    detach(actions);
    return actions;
  }
  const std::optional<Ipv6Address> previous = address_;
  actions.emplace_back(AddAddress{*fresh});
  if (previous) {
    actions.emplace_back(RemoveAddress{*previous});
    registry_.release(*previous);
  }
  for (const Ipv6Prefix& r : config_.routes) actions.emplace_back(InstallRoute{r});
  routes_installed_ = true;
  ++generation_;
  actions.emplace_back(OpenSocket{generation_, attachment_->local, config_.gateway});
  socket_open_ = true;
  local_.reset();
  if (tunnel_mtu_ != config_.mtu) {
    // A new IPv4 path: forget what the old one taught.
    tunnel_mtu_ = config_.mtu;
    actions.emplace_back(SetTunMtu{tunnel_mtu_});
  }
  address_ = fresh;
  address_since_ = now;
  ++stats_.addresses_taken;
  established_ = false;
  awaiting_reply_ = false;
  unanswered_ = 0;
  last_sent_ = now;
  last_received_ = now;
  actions.emplace_back(LogEvent{
      level, fmt::format("{}: tunnel address {} (was {}), gateway {}", why, fresh->toString(),
                         optionalAddress(previous), config_.gateway.toString())});
  return actions;
}

void Client::onSocketOpened(std::uint32_t generation, const Ipv4Endpoint& local) {
  if (generation == generation_ && socket_open_) local_ = local;
}

ClientVerdict Client::onTunPacket(PacketBuffer& packet, TimePoint now) {
  ++stats_.tun_packets_received;
  stats_.tun_bytes_received += packet.size();
  if (!address_ || !socket_open_) return drop(ClientDrop::NoTunnel);
  auto decoded = wire::decodeIpv6(packet.data());
  if (!decoded || decoded->packet.size() != packet.size()) return drop(ClientDrop::TunMalformed);
  if (decoded->header.source != *address_) return drop(ClientDrop::WrongSource);
  if (packet.size() > tunnel_mtu_) {
    const bool icmp_error = decoded->upper_layer_protocol == 58 && !decoded->upper_layer.empty() &&
                            decoded->upper_layer[0] < 128;
    ClientVerdict v = drop(ClientDrop::TooBig);
    if (icmp_error || !icmp_bucket_.tryTake(now)) return v;
    const Ipv6Address destination = decoded->header.source;
    if (!wire::prependIcmpv6Error(packet, wire::icmpv6_type::kPacketTooBig, 0, tunnel_mtu_,
                                  Ipv6Address{}, destination)) {
      return v;
    }
    ++stats_.icmpv6_packet_too_big_sent;
    v.disposition = Disposition::SendIcmpv6;
    v.icmp_destination = destination;
    return v;
  }
  last_sent_ = now;
  ++stats_.datagrams_sent;
  stats_.bytes_sent += packet.size();
  ClientVerdict v;
  v.disposition = Disposition::SendDatagram;
  v.socket = generation_;
  return v;
}

void Client::received(TimePoint now) {
  last_received_ = now;
  established_ = true;
  awaiting_reply_ = false;
  unanswered_ = 0;
}

ClientVerdict Client::onDatagram(std::uint32_t generation, const Ipv4Endpoint& from,
                                 PacketBuffer& packet, TimePoint now) {
  ++stats_.datagrams_received;
  stats_.bytes_received += packet.size();
  if (generation != generation_ || !socket_open_ || !address_) {
    return drop(ClientDrop::StaleSocket);
  }
  if (from != config_.gateway) return drop(ClientDrop::NotFromGateway);
  auto decoded = wire::decodeIpv6(packet.data());
  if (!decoded || decoded->packet.size() != packet.size()) return drop(ClientDrop::Malformed);
  if (decoded->header.destination != *address_) return drop(ClientDrop::WrongDestination);
  if (wire::isM6tKeepaliveReply(*decoded)) {
    ++stats_.keepalive_replies_received;
    keepalive_answered_ = now;
    received(now);
    ClientVerdict v;
    v.disposition = Disposition::Consumed;
    return v;
  }
  if (!wire::isAcceptableTunnelInnerSource(decoded->header.source)) {
    return drop(ClientDrop::BadInnerSource);
  }
  received(now);
  ++stats_.packets_to_tun;
  stats_.bytes_to_tun += packet.size();
  ClientVerdict v;
  v.disposition = Disposition::WriteTun;
  return v;
}

Actions Client::onIcmpv4(ByteView icmp_message, TimePoint now) {
  ++stats_.icmpv4_received;
  Actions actions;
  auto message = decodeFragmentationNeeded(icmp_message);
  if (!message || !local_ || message->destination != config_.gateway ||
      message->source.port != local_->port) {
    ++stats_.icmpv4_ignored;
    return actions;
  }
  const std::uint16_t path_mtu = impliedPathMtu(*message);
  const std::uint32_t lowered = tunnelMtuForPath(path_mtu, config_.mtu);
  if (path_mtu < 68 || lowered >= tunnel_mtu_) {
    ++stats_.icmpv4_ignored;
    return actions;
  }
  actions.emplace_back(SetTunMtu{lowered});
  actions.emplace_back(LogEvent{
      LogLevel::Info,
      fmt::format("ICMPv4 fragmentation-needed: IPv4 path MTU to gateway {} is {}; tunnel MTU "
                  "{} -> {}",
                  config_.gateway.toString(), path_mtu, tunnel_mtu_, lowered)});
  tunnel_mtu_ = lowered;
  mtu_lowered_at_ = now;
  ++stats_.tunnel_mtu_lowered;
  return actions;
}

TimePoint Client::keepaliveDue() const {
  // D8: send when nothing was sent, or nothing received, for a whole interval; never more
  // often than once per interval.
  TimePoint due = std::min(last_sent_, last_received_) + config_.keepalive_interval;
  if (keepalive_sent_) due = std::max(due, *keepalive_sent_ + config_.keepalive_interval);
  return due;
}

Actions Client::reconfigure(const ClientConfig& config, TimePoint now) {
  (void)now;  // the deadlines follow from the new values (nextDeadline)
  config_.keepalive_interval = config.keepalive_interval;
  config_.dead_after = config.dead_after;
  Actions actions;
  actions.emplace_back(
      LogEvent{LogLevel::Info,
               fmt::format("reconfigured: keep-alive every {}, path dead after {} unanswered",
                           formatDuration(config_.keepalive_interval), config_.dead_after)});
  return actions;
}

Actions Client::onTimer(TimePoint now) {
  Actions actions;
  if (tunnel_mtu_ != config_.mtu && now >= mtu_lowered_at_ + config_.path_mtu_timeout) {
    tunnel_mtu_ = config_.mtu;
    actions.emplace_back(SetTunMtu{tunnel_mtu_});
    actions.emplace_back(
        LogEvent{LogLevel::Info,
                 fmt::format("tunnel MTU back to {} (learnt path MTU aged out)", tunnel_mtu_)});
  }
  if (!address_ || !socket_open_) return actions;
  if (awaiting_reply_ && now >= *keepalive_sent_ + replyTimeout()) {
    awaiting_reply_ = false;
    ++unanswered_;
    ++stats_.keepalives_unanswered;
    if (established_ && unanswered_ >= config_.dead_after) {
      ++stats_.paths_declared_dead;
      const std::string why = fmt::format(
          "path to gateway {} dead: {} keep-alives in a row unanswered, nothing received for "
          "{:.1f}s (NAT mapping lost or gateway restarted)",
          config_.gateway.toString(), unanswered_, toSeconds(now - last_received_));
      for (Action& a : readdress(now, why, LogLevel::Warn)) actions.push_back(std::move(a));
      return actions;
    }
  }
  if (now >= keepaliveDue()) {
    PacketBuffer buffer(256, 64);
    if (wire::buildM6tKeepalive(buffer, *address_)) {
      const ByteView bytes = buffer.data();
      actions.emplace_back(
          SendDatagram{generation_, config_.gateway, Bytes(bytes.begin(), bytes.end())});
      keepalive_sent_ = now;
      last_sent_ = now;
      awaiting_reply_ = true;
      ++stats_.keepalives_sent;
      ++stats_.datagrams_sent;
      stats_.bytes_sent += bytes.size();
    }
  }
  return actions;
}

std::optional<TimePoint> Client::nextDeadline() const {
  std::optional<TimePoint> next;
  if (tunnel_mtu_ != config_.mtu) next = mtu_lowered_at_ + config_.path_mtu_timeout;
  if (!address_ || !socket_open_) return next;
  if (awaiting_reply_) next = earliest(next, *keepalive_sent_ + replyTimeout());
  return earliest(next, keepaliveDue());
}

Actions Client::stop() {
  Actions actions;
  detach(actions);
  attachment_.reset();
  return actions;
}

}  // namespace dsmip::m6t
