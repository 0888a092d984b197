#include "dsmip4/mobile_node.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "wire/icmpv4.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/mipv4_identification.hpp"

namespace dsmip::dsmip4 {

namespace {

constexpr std::size_t kRememberedTransmissions = 8;  // replies to older ones are still matched

std::uint16_t lifetimeUnits(std::chrono::seconds lifetime) {
  if (lifetime.count() >= wire::kMipv4InfiniteLifetime) return wire::kMipv4InfiniteLifetime;
  return static_cast<std::uint16_t>(lifetime.count());
}

// The TUN address of a prefix: the configured one, the link-local address itself, or ::1.
Ipv6Address tunAddress(const PrefixRequest& request) {
  if (request.address) return *request.address;
  if (request.link_local) return request.prefix.address;
  Ipv6Address a = request.prefix.normalised().address;
  if (request.prefix.length < 128) a.bytes[15] = static_cast<std::uint8_t>(a.bytes[15] | 1);
  return a;
}

Ipv6Prefix configuredPrefix(const PrefixRequest& request) {
  if (request.link_local) return Ipv6Prefix{request.prefix.address, 128};
  return request.prefix.normalised();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Names and configuration

std::string_view mobileNodeStateName(MobileNodeState state) {
  switch (state) {
    case MobileNodeState::Idle:
      return "idle";
    case MobileNodeState::Registering:
      return "registering";
    case MobileNodeState::Registered:
      return "registered";
    case MobileNodeState::Rejected:
      return "rejected";
    case MobileNodeState::Deregistering:
      return "deregistering";
    case MobileNodeState::AtHome:
      return "at-home";
    case MobileNodeState::Stopped:
      return "stopped";
  }
  return "unknown";
}

std::string_view replyDiscardName(ReplyDiscard reason) {
  switch (reason) {
    case ReplyDiscard::Malformed:
      return "malformed";
    case ReplyDiscard::NotFromHomeAgent:
      return "not-from-home-agent";
    case ReplyDiscard::Unexpected:
      return "unexpected";
    case ReplyDiscard::IdentificationMismatch:
      return "identification-mismatch";
    case ReplyDiscard::Authentication:
      return "authentication";
  }
  return "unknown";
}

std::string_view prefixStatusName(PrefixStatus status) {
  switch (status) {
    case PrefixStatus::Pending:
      return "pending";
    case PrefixStatus::Accepted:
      return "accepted";
    case PrefixStatus::Rejected:
      return "rejected";
    case PrefixStatus::NoReply:
      return "no-reply";
    case PrefixStatus::Unsupported:
      return "unsupported";
  }
  return "unknown";
}

Status validateMobileNodeConfig(const MobileNodeConfig& config) {
  auto invalid = [](std::string detail) { return makeError(ErrorCode::InvalidArgument, detail); };
  if (!config.home_address.isUnicast()) {
    return invalid("home_address: " + config.home_address.toString() + " is not unicast");
  }
  if (!config.home_agent.isUnicast()) {
    return invalid("home_agent: " + config.home_agent.toString() + " is not unicast");
  }
  if (config.home_agent == config.home_address) {
    return invalid("home_agent: equals the home address");
  }
  if (config.home_agent_port == 0) return invalid("home_agent_port: must not be 0");
  if (config.key.spi < wire::kMipv4MinimumSpi) {
    return invalid(fmt::format(
        "key.spi: {:#x} is reserved (SPIs 0-255 must not be used, RFC 5944 §1.6)", config.key.spi));
  }
  if (config.key.key.empty()) return invalid("key.key: must not be empty");
  if (config.lifetime.count() < 1) return invalid("lifetime: must be at least 1 s");
  for (std::size_t i = 0; i < config.prefixes.size(); ++i) {
    const PrefixRequest& p = config.prefixes[i];
    if (p.link_local && !p.prefix.address.isLinkLocal()) {
      return invalid(fmt::format("prefixes[{}]: {} is not a link-local address", i,
                                 p.prefix.address.toString()));
    }
    if (!p.link_local && p.prefix.length > 128) {
      return invalid(fmt::format("prefixes[{}]: prefix length above 128", i));
    }
    if (!p.link_local && p.address && !p.prefix.contains(*p.address)) {
      return invalid(fmt::format("prefixes[{}].address: {} is outside {}", i, p.address->toString(),
                                 p.prefix.toString()));
    }
  }
  if (config.keepalive_interval.count() < 1 || config.keepalive_interval.count() > 0xFFFF) {
    return invalid("keepalive_interval: must be between 1 and 65535 seconds");
  }
  if (config.keepalive_reply_timeout <= Duration{0}) {
    return invalid("keepalive_reply_timeout: must be positive");
  }
  if (config.keepalive_max_misses < 1) return invalid("keepalive_max_misses: must be at least 1");
  if (config.initial_retransmission < std::chrono::seconds{1}) {
    return invalid("initial_retransmission: must be at least 1 s (RFC 5944 §3.6.3)");
  }
  if (config.max_retransmission < config.initial_retransmission) {
    return invalid("max_retransmission: must not be below initial_retransmission");
  }
  if (config.reregistration_percent < 1 || config.reregistration_percent > 99) {
    return invalid("reregistration_percent: must be between 1 and 99");
  }
  if (config.rejection_retry < std::chrono::seconds{1}) {
    return invalid("rejection_retry: must be at least 1 s");
  }
  if (config.deregistration_attempts < 1) {
    return invalid("deregistration_attempts: must be at least 1");
  }
  if (config.tunnel_ttl == 0) return invalid("tunnel_ttl: must not be 0");
  return {};
}

// ---------------------------------------------------------------------------------------------
// Construction and events

MobileNode::MobileNode(MobileNodeConfig config, RandomSource& random)
    : config_(std::move(config)), random_(random) {
  for (const PrefixRequest& request : config_.prefixes) {
    PrefixState s;
    s.request = request;
    s.address = tunAddress(request);
    prefixes_.push_back(s);
  }
  keepalive_identifier_ = static_cast<std::uint16_t>(random_.u32());
  data_path_.home_agent = Ipv4Endpoint{config_.home_agent, config_.home_agent_port};
}

MobileNodeActions MobileNode::onCareOfChange(const std::optional<CareOfAddress>& care_of,
                                             TimePoint now, std::chrono::nanoseconds unix_time) {
  MobileNodeActions out;
  if (state_ == MobileNodeState::Stopped || care_of == care_of_) return out;
  care_of_ = care_of;
  if (stopping_) {
    // The deregistration under way keeps its own source; a lost link only ends it sooner.
    if (!care_of_) finishDeregistration(out);
    return out;
  }
  if (!care_of_) {
    attempt_.reset();
    retry_at_.reset();
    state_ = MobileNodeState::Idle;
    out.push_back(LogEvent{LogLevel::Info, "no care-of address: waiting for connectivity"});
    updateDataPath(now, out);
    return out;
  }
  // A movement is a new address, also when an outage came in between.
  if (last_care_of_address_ && *last_care_of_address_ != care_of_->address) ++stats_.movements;
  last_care_of_address_ = care_of_->address;
  // A NAT on the new path is a new mapping: keep-alive state starts over.
  keepalive_outstanding_since_.reset();
  keepalive_misses_ = 0;
  if (care_of_->address == config_.home_address) {
    // RFC 5944 §3.6.1.2: back on the home link, deregister every binding (CoA = HoA).
    out.push_back(LogEvent{LogLevel::Info, "on the home link: deregistering"});
    unconfigureAll(out);
    state_ = MobileNodeState::Deregistering;
    startAttempt(true, now, unix_time, out);
    updateDataPath(now, out);
    return out;
  }
  out.push_back(
      LogEvent{LogLevel::Info, fmt::format("care-of address {} on {}: registering",
                                           care_of_->address.toString(), care_of_->interface)});
  state_ = MobileNodeState::Registering;
  startAttempt(false, now, unix_time, out);
  updateDataPath(now, out);
  return out;
}

MobileNodeActions MobileNode::setPrefixRequests(std::vector<PrefixRequest> prefixes, TimePoint now,
                                                std::chrono::nanoseconds unix_time) {
  MobileNodeActions out;
  std::vector<PrefixState> states;
  for (const PrefixRequest& request : prefixes) {
    const auto old = std::find_if(prefixes_.begin(), prefixes_.end(),
                                  [&](const PrefixState& s) { return s.request == request; });
    if (old != prefixes_.end()) {
      states.push_back(*old);
      old->configured = false;  // moved: not to be removed below
    } else {
      PrefixState s;
      s.request = request;
      s.address = tunAddress(request);
      states.push_back(s);
    }
  }
  for (const PrefixState& s : prefixes_) {
    if (s.configured) {
      out.push_back(ConfigureIpv6Prefix{configuredPrefix(s.request), s.address,
                                        s.request.link_local, s.configured_mode, false});
    }
  }
  config_.prefixes = std::move(prefixes);
  prefixes_ = std::move(states);
  const bool away = care_of_ && care_of_->address != config_.home_address;
  if (away && !stopping_ &&
      (state_ == MobileNodeState::Registering || state_ == MobileNodeState::Registered ||
       state_ == MobileNodeState::Rejected)) {
    state_ = MobileNodeState::Registering;
    startAttempt(false, now, unix_time, out);
  } else if (state_ != MobileNodeState::Deregistering) {
    attempt_.reset();
  }
  updateDataPath(now, out);
  return out;
}

MobileNodeActions MobileNode::onStop(TimePoint now, std::chrono::nanoseconds unix_time) {
  MobileNodeActions out;
  if (state_ == MobileNodeState::Stopped) return out;
  stopping_ = true;
  const bool away = care_of_ && care_of_->address != config_.home_address;
  if (away && (binding_ || attempt_)) {
    state_ = MobileNodeState::Deregistering;
    startAttempt(true, now, unix_time, out);
    return out;
  }
  finishDeregistration(out);
  updateDataPath(now, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Requests (RFC 5944 §3.6.1, RFC 5454 §3.1, RFC 3519 §3.1)

void MobileNode::startAttempt(bool deregistration, TimePoint now,
                              std::chrono::nanoseconds unix_time, MobileNodeActions& out) {
  Attempt a;
  a.deregistration = deregistration;
  a.source = *care_of_;
  if (deregistration) {
    // Lifetime 0 with CoA = home address removes every binding (RFC 5944 §3.6.1.2).
    a.care_of_field = config_.home_address;
  } else {
    a.care_of_field = care_of_->address;
    for (std::size_t i = 0; i < prefixes_.size(); ++i) {
      const PrefixRequest& r = prefixes_[i].request;
      wire::Ipv6PrefixRequestExtension e;
      if (r.link_local) {
        e.prefix_length = wire::kDsmipv4LinkLocalPrefixLength;
        e.prefix = r.prefix.address;
      } else {
        e.prefix_length = r.prefix.length;
        e.prefix = r.prefix.normalised().address;  // insignificant bits sent as 0 (§2.1)
      }
      a.prefixes.push_back(e);
      a.prefix_indices.push_back(i);
    }
    // RFC 5454 §3.5: exactly one Tunneling Mode extension, co-located mode only (always here).
    a.tunneling_mode = config_.request_tunnel_to_care_of && !a.prefixes.empty();
    a.udp_request = config_.request_udp_tunnel && !udp_request_refused_;
    a.udp_force = a.udp_request && config_.force_udp_tunnel && !udp_force_refused_;
  }
  a.interval = config_.initial_retransmission;
  attempt_ = std::move(a);
  retry_at_.reset();
  sendRequest(now, unix_time, out);
}

std::uint64_t MobileNode::nextIdentification(std::chrono::nanoseconds unix_time) {
  // RFC 5944 §5.7: an NTP timestamp, in the HA's time after a resynchronisation, with the bits
  // below our clock's precision random, and always greater than the previous one.
  std::uint64_t id = wire::ntpTimestampFromUnix(unix_time) +
                     (static_cast<std::uint64_t>(clock_offset_seconds_) << 32);
  id = wire::randomiseImpreciseFractionBits(id, 30, random_.u32());
  if (identification_floor_ && !wire::timestampIsNewer(id, *identification_floor_)) {
    id = *identification_floor_ + 1;
  }
  identification_floor_ = id;
  return id;
}

void MobileNode::sendRequest(TimePoint now, std::chrono::nanoseconds unix_time,
                             MobileNodeActions& out) {
  Attempt& a = *attempt_;
  wire::RegistrationRequest request;
  // Co-located care-of address: the MN decapsulates (D) and reverse-tunnels (T) itself
  // (RFC 5944 §3.6.1.2, RFC 3024; both required with a UDP Tunnel Request, RFC 3519 §3.1.5).
  request.flags.decapsulation_by_mobile_node = true;
  request.flags.reverse_tunneling = true;
  request.lifetime = a.deregistration ? std::uint16_t{0} : lifetimeUnits(config_.lifetime);
  request.home_address = config_.home_address;
  request.home_agent = config_.home_agent;
  request.care_of_address = a.care_of_field;
  request.identification = nextIdentification(unix_time);
  // Extensions for the HA, before the MN-HA authentication (RFC 5944 §3.6.1.3, RFC 5454 §3.1).
  for (const auto& e : a.prefixes) request.extensions.emplace_back(e);
  if (a.tunneling_mode) request.extensions.emplace_back(wire::Ipv6TunnelingModeExtension{});
  if (a.udp_request) {
    wire::UdpTunnelRequestExtension udp;
    udp.force = a.udp_force;
    udp.encapsulation = wire::kUdpTunnelEncapsulationFromFlags;  // RFC 5454 §3.9
    request.extensions.emplace_back(udp);
  }
  Bytes payload(wire::registrationRequestSize(request) + 6 +
                wire::mipv4AuthenticatorLength(config_.key.algorithm));
  ByteWriter writer{payload};
  if (!wire::encodeAuthenticatedRegistrationRequest(request, config_.key, writer)) {
    out.push_back(LogEvent{LogLevel::Error, "cannot encode a registration request"});
  } else {
    payload.resize(writer.size());
    out.push_back(SendDatagram{
        DatagramKind::RegistrationRequest, Ipv4Endpoint{a.source.address, a.source.port},
        Ipv4Endpoint{config_.home_agent, config_.home_agent_port}, std::move(payload)});
    last_sent_to_home_agent_ = now;
  }
  a.sent.push_back(SentRequest{request.identification, now, request.lifetime});
  if (a.sent.size() > kRememberedTransmissions) a.sent.erase(a.sent.begin());
  if (a.transmissions > 0) ++stats_.retransmissions;
  ++a.transmissions;
  ++stats_.requests_sent;
  // RFC 5944 §3.6.3: at least 1 s, doubling, never more than the requested lifetime.
  a.next_send = now + a.interval;
  Duration cap = config_.max_retransmission;
  if (!a.deregistration && request.lifetime != wire::kMipv4InfiniteLifetime) {
    cap = std::min<Duration>(cap, std::chrono::seconds{request.lifetime});
  }
  a.interval = std::max(std::min<Duration>(a.interval * 2, cap), config_.initial_retransmission);
}

// ---------------------------------------------------------------------------------------------
// Replies (RFC 5944 §3.6.2, RFC 5454 §3.5, RFC 3519 §3.2)

MobileNodeActions MobileNode::onRegistrationReply(ByteView payload, const Ipv4Endpoint& source,
                                                  TimePoint now,
                                                  std::chrono::nanoseconds unix_time) {
  MobileNodeActions out;
  ++stats_.replies_received;
  auto discard = [&](ReplyDiscard reason) {
    ++stats_.replies_discarded[static_cast<std::size_t>(reason)];
    return out;
  };
  if (source.address != config_.home_agent || source.port != config_.home_agent_port) {
    return discard(ReplyDiscard::NotFromHomeAgent);
  }
  wire::Mipv4AuthLocation auth;
  auto decoded = wire::decodeRegistrationReply(payload, &auth);
  if (!decoded) return discard(ReplyDiscard::Malformed);
  const wire::RegistrationReply& reply = *decoded;
  if (!attempt_ || reply.home_address != config_.home_address) {
    return discard(ReplyDiscard::Unexpected);
  }
  const auto sent =
      std::find_if(attempt_->sent.begin(), attempt_->sent.end(), [&](const SentRequest& s) {
        return wire::identificationLowMatches(s.identification, reply.identification);
      });
  if (sent == attempt_->sent.end()) return discard(ReplyDiscard::IdentificationMismatch);
  if (auth.mobile_home_auth_count != 1 || auth.other_auth_before ||
      !wire::verifyMobileHomeAuth(payload, auth, config_.key)) {
    return discard(ReplyDiscard::Authentication);
  }
  const SentRequest matched = *sent;
  const auto code = static_cast<std::uint8_t>(reply.code);
  ++stats_.reply_codes[code];
  last_reply_code_ = code;

  if (reply.code == wire::RegistrationReplyCode::HaIdentificationMismatch) {
    // RFC 5944 §5.7.1: take the HA's clock (high 32 bits) and register again.
    ++stats_.resynchronisations;
    const std::uint32_t ours = wire::identificationHigh(wire::ntpTimestampFromUnix(unix_time));
    clock_offset_seconds_ = static_cast<std::int32_t>(
        static_cast<std::uint32_t>(wire::identificationHigh(reply.identification) - ours));
    // The HA compares with what it accepted last, not with what we sent since.
    identification_floor_ = last_accepted_identification_;
    out.push_back(
        LogEvent{LogLevel::Warn, fmt::format("identification mismatch: resynchronised to the home "
                                             "agent's clock (offset {} s)",
                                             clock_offset_seconds_)});
    // Once at once; if the HA keeps refusing, the retransmission back-off paces the retries.
    if (++attempt_->consecutive_resyncs == 1) sendRequest(now, unix_time, out);
    return out;
  }
  if (wire::isRegistrationAccepted(reply.code)) {
    if (attempt_->deregistration) {
      ++stats_.deregistrations;
      out.push_back(LogEvent{LogLevel::Info, "deregistered"});
      finishDeregistration(out);
    } else {
      handleAccepted(reply, matched, now, out);
    }
  } else {
    handleRejected(reply, now, unix_time, out);
  }
  updateDataPath(now, out);
  return out;
}

void MobileNode::handleAccepted(const wire::RegistrationReply& reply, const SentRequest& sent,
                                TimePoint now, MobileNodeActions& out) {
  // RFC 5944 §3.6.2.2: never more than requested, counted from when the request was sent.
  std::uint16_t granted = reply.lifetime;
  if (sent.lifetime != wire::kMipv4InfiniteLifetime &&
      (granted == wire::kMipv4InfiniteLifetime || granted > sent.lifetime)) {
    granted = sent.lifetime;
  }
  Binding b;
  b.lifetime = granted;
  if (granted != wire::kMipv4InfiniteLifetime) {
    const Duration lifetime = std::chrono::seconds{granted};
    b.expires = sent.sent + lifetime;
    const TimePoint refresh = sent.sent + lifetime * config_.reregistration_percent / 100;
    // A reply that came very late must not make the refresh immediate and endless.
    b.refresh_at = std::min(std::max(refresh, now + config_.initial_retransmission), *b.expires);
  }
  // RFC 3519 §3.1.1: UDP tunnelling only after an assenting UDP Tunnel Reply.
  const auto* tunnel = wire::findMipv4Extension<wire::UdpTunnelReplyExtension>(reply.extensions);
  b.udp = attempt_->udp_request && tunnel != nullptr && wire::isUdpTunnelAssent(tunnel->reply_code);
  if (b.udp) {
    b.udp_forced = tunnel->force;
    b.keepalive_interval = tunnel->keepalive_interval != 0
                               ? std::chrono::seconds{tunnel->keepalive_interval}
                               : config_.keepalive_interval;
  }
  const bool was_valid = bindingValid(now);
  applyPrefixReplies(reply, out);
  attempt_.reset();
  binding_ = b;
  last_accepted_identification_ = sent.identification;
  state_ = MobileNodeState::Registered;
  ++stats_.registrations;
  keepalive_outstanding_since_.reset();
  keepalive_misses_ = 0;
  if (!home_address_configured_) {
    out.push_back(ConfigureHomeAddress{config_.home_address, true});
    home_address_configured_ = true;
  }
  configurePrefixes(out);
  if (!was_valid) {
    out.push_back(LogEvent{
        LogLevel::Info,
        fmt::format("registered with {} from {}: lifetime {} s, {}", config_.home_agent.toString(),
                    care_of_->address.toString(), granted,
                    b.udp ? fmt::format("udp tunnel, keep-alive {} s", b.keepalive_interval.count())
                          : std::string("ip-in-ip"))});
  }
}

void MobileNode::applyPrefixReplies(const wire::RegistrationReply& reply, MobileNodeActions& out) {
  const Attempt& a = *attempt_;
  if (a.prefixes.empty()) return;
  std::vector<const wire::Ipv6PrefixReplyExtension*> replies;
  for (const auto& e : reply.extensions) {
    if (const auto* r = std::get_if<wire::Ipv6PrefixReplyExtension>(&e)) replies.push_back(r);
  }
  // RFC 5454 §3.5 case 1: no Prefix Reply at all → the HA ignored the extensions.
  const bool supported = !replies.empty();
  if (!supported && supports_dsmipv4_ != false) {
    out.push_back(LogEvent{LogLevel::Warn,
                           "the home agent does not support DSMIPv4 (no IPv6 Prefix Reply): "
                           "IPv4 only"});
  }
  supports_dsmipv4_ = supported;
  for (std::size_t k = 0; k < a.prefixes.size(); ++k) {
    PrefixState& state = prefixes_[a.prefix_indices[k]];
    const wire::Ipv6PrefixRequestExtension& requested = a.prefixes[k];
    state.reply_code.reset();
    if (!supported) {
      state.status = PrefixStatus::Unsupported;
      continue;
    }
    // RFC 5454 §3.5 case 2: match each reply with a request by its prefix field.
    const auto match = std::find_if(replies.begin(), replies.end(), [&](const auto* r) {
      return r->prefix_length == requested.prefix_length &&
             r->normalisedPrefix() == requested.normalisedPrefix();
    });
    if (match == replies.end()) {
      state.status = PrefixStatus::NoReply;  // "MUST assume that these prefixes are rejected"
      continue;
    }
    state.reply_code = static_cast<std::uint8_t>((*match)->code);
    if (wire::isIpv6PrefixAccepted((*match)->code)) {
      state.status = PrefixStatus::Accepted;
      // Code 1 with a co-located CoA: tunnel to the CoA. Code 0 and the reserved accept codes
      // 2–7 (meaning unknown): the home-address tunnel, which works in every case.
      state.mode = (*match)->code == wire::Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress
                       ? Ipv6TunnelMode::ToCareOfAddress
                       : Ipv6TunnelMode::ToHomeAddress;
    } else {
      state.status = PrefixStatus::Rejected;
    }
  }
  for (const PrefixState& s : prefixes_) {
    if (s.status == PrefixStatus::Rejected || s.status == PrefixStatus::NoReply) {
      out.push_back(LogEvent{
          LogLevel::Warn,
          fmt::format("prefix {} refused by the home agent ({})",
                      configuredPrefix(s.request).toString(),
                      s.reply_code ? wire::ipv6PrefixReplyCodeName(
                                         static_cast<wire::Ipv6PrefixReplyCode>(*s.reply_code))
                                   : std::string_view("no reply"))});
    }
  }
}

void MobileNode::configurePrefixes(MobileNodeActions& out) {
  for (PrefixState& s : prefixes_) {
    const bool wanted = s.status == PrefixStatus::Accepted;
    if (wanted && (!s.configured || s.configured_mode != s.mode)) {
      out.push_back(ConfigureIpv6Prefix{configuredPrefix(s.request), s.address,
                                        s.request.link_local, s.mode, true});
      s.configured = true;
      s.configured_mode = s.mode;
    } else if (!wanted && s.configured) {
      out.push_back(ConfigureIpv6Prefix{configuredPrefix(s.request), s.address,
                                        s.request.link_local, s.configured_mode, false});
      s.configured = false;
    }
  }
}

void MobileNode::unconfigureAll(MobileNodeActions& out) {
  for (PrefixState& s : prefixes_) {
    if (s.configured) {
      out.push_back(ConfigureIpv6Prefix{configuredPrefix(s.request), s.address,
                                        s.request.link_local, s.configured_mode, false});
      s.configured = false;
    }
    s.status = PrefixStatus::Pending;
    s.reply_code.reset();
  }
  if (home_address_configured_) {
    out.push_back(ConfigureHomeAddress{config_.home_address, false});
    home_address_configured_ = false;
  }
}

void MobileNode::handleRejected(const wire::RegistrationReply& reply, TimePoint now,
                                std::chrono::nanoseconds unix_time, MobileNodeActions& out) {
  ++stats_.rejections;
  const auto code = static_cast<std::uint8_t>(reply.code);
  if (attempt_->deregistration) {
    out.push_back(
        LogEvent{LogLevel::Warn, fmt::format("deregistration refused ({} {})", code,
                                             wire::registrationReplyCodeName(reply.code))});
    finishDeregistration(out);
    return;
  }
  if (reply.code == wire::RegistrationReplyCode::HaAdministrativelyProhibited &&
      attempt_->udp_force && !udp_force_refused_) {
    // RFC 3519 §3.1.1: 129 refuses forced UDP tunnelling; try once more without F (as D2).
    udp_force_refused_ = true;
    out.push_back(LogEvent{LogLevel::Warn,
                           "forced UDP tunnelling refused (129): retrying "
                           "without F"});
    startAttempt(false, now, unix_time, out);
    return;
  }
  if (reply.code == wire::RegistrationReplyCode::HaUdpEncapsulationUnavailable &&
      attempt_->udp_request && !udp_request_refused_) {
    udp_request_refused_ = true;
    out.push_back(LogEvent{LogLevel::Warn,
                           "UDP tunnelling unavailable (142): retrying "
                           "without the UDP Tunnel Request"});
    startAttempt(false, now, unix_time, out);
    return;
  }
  attempt_.reset();
  state_ = MobileNodeState::Rejected;
  retry_at_ = now + config_.rejection_retry;
  out.push_back(
      LogEvent{LogLevel::Warn, fmt::format("registration refused ({} {}): retrying in {}", code,
                                           wire::registrationReplyCodeName(reply.code),
                                           formatDuration(config_.rejection_retry))});
}

void MobileNode::finishDeregistration(MobileNodeActions& out) {
  attempt_.reset();
  binding_.reset();
  retry_at_.reset();
  keepalive_outstanding_since_.reset();
  keepalive_misses_ = 0;
  unconfigureAll(out);
  state_ = stopping_ ? MobileNodeState::Stopped : MobileNodeState::AtHome;
}

// ---------------------------------------------------------------------------------------------
// Timers

MobileNodeActions MobileNode::reconfigure(const MobileNodeConfig& config, TimePoint now) {
  (void)now;  // timers already armed run out; the new values apply from their next use
  config_.keepalive_interval = config.keepalive_interval;
  config_.keepalive_reply_timeout = config.keepalive_reply_timeout;
  config_.keepalive_max_misses = config.keepalive_max_misses;
  config_.initial_retransmission = config.initial_retransmission;
  config_.max_retransmission = config.max_retransmission;
  config_.reregistration_percent = config.reregistration_percent;
  config_.rejection_retry = config.rejection_retry;
  config_.deregistration_attempts = config.deregistration_attempts;
  config_.tunnel_ttl = config.tunnel_ttl;
  config_.traffic_class = config.traffic_class;
  MobileNodeActions out;
  out.push_back(LogEvent{LogLevel::Info, "reconfigured: timers and tunnel header policy"});
  return out;
}

MobileNodeActions MobileNode::onTimer(TimePoint now, std::chrono::nanoseconds unix_time) {
  MobileNodeActions out;
  if (state_ == MobileNodeState::Stopped) return out;
  if (binding_ && binding_->expires && now >= *binding_->expires) {
    ++stats_.bindings_expired;
    binding_.reset();
    keepalive_outstanding_since_.reset();
    keepalive_misses_ = 0;
    out.push_back(LogEvent{LogLevel::Warn, "binding expired"});
    if (state_ == MobileNodeState::Registered) state_ = MobileNodeState::Registering;
    if (state_ == MobileNodeState::Registering && !attempt_ && care_of_) {
      startAttempt(false, now, unix_time, out);
    }
  }
  if (attempt_ && now >= attempt_->next_send) {
    if (attempt_->deregistration && attempt_->transmissions >= config_.deregistration_attempts) {
      out.push_back(LogEvent{LogLevel::Warn, "no reply to the deregistration: giving up"});
      finishDeregistration(out);
    } else {
      sendRequest(now, unix_time, out);
    }
  }
  if (state_ == MobileNodeState::Rejected && retry_at_ && now >= *retry_at_ && care_of_) {
    state_ = MobileNodeState::Registering;
    startAttempt(false, now, unix_time, out);
  }
  if (state_ == MobileNodeState::Registered && !attempt_ && binding_ && binding_->refresh_at &&
      now >= *binding_->refresh_at) {
    state_ = MobileNodeState::Registering;
    startAttempt(false, now, unix_time, out);
  }
  if (bindingValid(now) && binding_->udp && care_of_ && !stopping_) {
    if (keepalive_outstanding_since_) {
      if (now >= *keepalive_outstanding_since_ + config_.keepalive_reply_timeout) {
        if (++keepalive_misses_ >= config_.keepalive_max_misses) {
          // The path (typically the NAT mapping) is gone: a registration from our port makes a
          // new mapping and tells the HA where it is (RFC 3519 §4.6).
          ++stats_.keepalive_failures;
          keepalive_outstanding_since_.reset();
          keepalive_misses_ = 0;
          out.push_back(LogEvent{LogLevel::Warn, "keep-alives unanswered: re-registering"});
          if (!attempt_) {
            state_ = MobileNodeState::Registering;
            startAttempt(false, now, unix_time, out);
          }
        } else {
          sendKeepalive(now, out);
        }
      }
    } else if (last_sent_to_home_agent_ &&
               now >= *last_sent_to_home_agent_ + binding_->keepalive_interval) {
      sendKeepalive(now, out);
    }
  }
  updateDataPath(now, out);
  return out;
}

std::optional<TimePoint> MobileNode::keepaliveDeadline() const {
  if (!binding_ || !binding_->udp || !care_of_ || stopping_) return std::nullopt;
  if (keepalive_outstanding_since_) {
    return *keepalive_outstanding_since_ + config_.keepalive_reply_timeout;
  }
  if (last_sent_to_home_agent_) return *last_sent_to_home_agent_ + binding_->keepalive_interval;
  return std::nullopt;
}

std::optional<TimePoint> MobileNode::nextDeadline() const {
  if (state_ == MobileNodeState::Stopped) return std::nullopt;
  std::optional<TimePoint> next;
  if (attempt_) next = earliest(next, attempt_->next_send);
  if (binding_) {
    next = earliest(next, binding_->expires);
    if (state_ == MobileNodeState::Registered && !attempt_) {
      next = earliest(next, binding_->refresh_at);
    }
  }
  if (state_ == MobileNodeState::Rejected && care_of_) next = earliest(next, retry_at_);
  return earliest(next, keepaliveDeadline());
}

void MobileNode::sendKeepalive(TimePoint now, MobileNodeActions& out) {
  // RFC 3519 §4.9: an ICMP Echo Request from the home address to the HA, in Tunnel Data (Next
  // Header 4), from the registration port.
  PacketBuffer buffer(256, 128);
  wire::Ipv4Header ip =
      tunnelHeader(config_.home_address, config_.home_agent, wire::ip_protocol::kIcmp, 0, false);
  if (!wire::prependIcmpv4EchoRequest(buffer, keepalive_identifier_, ++keepalive_sequence_) ||
      !wire::prependIpv4(buffer, ip) ||
      !wire::prependTunnelData(buffer, wire::kTunnelDataNextHeaderIpv4)) {
    out.push_back(LogEvent{LogLevel::Error, "cannot build a keep-alive"});
    return;
  }
  out.push_back(SendDatagram{DatagramKind::Keepalive,
                             Ipv4Endpoint{care_of_->address, care_of_->port},
                             Ipv4Endpoint{config_.home_agent, config_.home_agent_port},
                             Bytes(buffer.data().begin(), buffer.data().end())});
  ++stats_.keepalives_sent;
  last_sent_to_home_agent_ = now;
  keepalive_outstanding_since_ = now;
}

// ---------------------------------------------------------------------------------------------
// State helpers

bool MobileNode::bindingValid(TimePoint now) const {
  return binding_.has_value() && (!binding_->expires || now < *binding_->expires);
}

bool MobileNode::dataPathActive(TimePoint now) const {
  return bindingValid(now) && care_of_ && care_of_->address != config_.home_address &&
         state_ != MobileNodeState::AtHome && state_ != MobileNodeState::Stopped;
}

bool MobileNode::hasCareOfPrefix() const {
  return std::any_of(prefixes_.begin(), prefixes_.end(), [](const PrefixState& s) {
    return s.status == PrefixStatus::Accepted && s.mode == Ipv6TunnelMode::ToCareOfAddress;
  });
}

const MobileNode::PrefixState* MobileNode::prefixFor(const Ipv6Address& address) const {
  const PrefixState* best = nullptr;
  std::uint8_t best_length = 0;
  for (const PrefixState& s : prefixes_) {
    if (s.status != PrefixStatus::Accepted) continue;
    const Ipv6Prefix p = configuredPrefix(s.request);
    if (!p.contains(address)) continue;
    if (best == nullptr || p.length > best_length) {
      best = &s;
      best_length = p.length;
    }
  }
  return best;
}

void MobileNode::updateDataPath(TimePoint now, MobileNodeActions& out) {
  MobileNodeDataPath path;
  path.active = dataPathActive(now);
  path.transport = binding_ && binding_->udp ? TunnelTransport::Udp : TunnelTransport::IpInIp;
  if (care_of_) path.care_of = *care_of_;
  path.home_agent = Ipv4Endpoint{config_.home_agent, config_.home_agent_port};
  for (const PrefixState& s : prefixes_) {
    if (s.status == PrefixStatus::Accepted) {
      path.prefixes.push_back(PrefixPath{configuredPrefix(s.request), s.mode});
    }
  }
  if (path == data_path_) return;
  data_path_ = path;
  out.push_back(DataPathChanged{std::move(path)});
}

wire::Ipv4Header MobileNode::tunnelHeader(const Ipv4Address& source, const Ipv4Address& destination,
                                          std::uint8_t protocol, std::uint8_t tos,
                                          bool dont_fragment) {
  wire::Ipv4Header h;
  h.tos = tos;
  h.identification = next_ip_identification_++;
  h.dont_fragment = dont_fragment;
  h.ttl = config_.tunnel_ttl;
  h.protocol = protocol;
  h.source = source;
  h.destination = destination;
  return h;
}

void MobileNode::noteReceivedFromHomeAgent() {
  keepalive_outstanding_since_.reset();
  keepalive_misses_ = 0;
}

// ---------------------------------------------------------------------------------------------
// Data plane

SendDecision MobileNode::encapsulate(PacketBuffer& packet, TimePoint now) {
  SendDecision d;
  auto drop = [&](DropReason reason) {
    d.verdict = SendVerdict::Drop;
    d.reason = reason;
    stats_.send_drops.add(reason);
    return d;
  };
  if (!dataPathActive(now)) return drop(DropReason::NoBinding);
  const ByteView data = packet.data();
  if (data.empty()) return drop(DropReason::Malformed);
  std::uint8_t tos = 0;
  bool dont_fragment = false;
  bool carries_ipv6 = false;
  d.encapsulation.home_tunnel.reset();
  const unsigned version = data[0] >> 4;
  if (version == 4) {
    auto ip = wire::decodeIpv4(data);
    if (!ip) return drop(DropReason::Malformed);
    // RFC 3024: only the home address is reverse-tunnelled.
    if (ip->header.source != config_.home_address) return drop(DropReason::NotRegisteredSource);
    tos = outerTos(ip->header.tos, config_.traffic_class);
    dont_fragment = ip->header.dont_fragment;
    ++stats_.sent_ipv4;
  } else if (version == 6) {
    auto fields = readIpv6Fields(data);
    if (!fields) return drop(DropReason::Malformed);
    const PrefixState* prefix = prefixFor(fields->source);
    if (prefix == nullptr) return drop(DropReason::NotRegisteredSource);
    Ipv6TunnelMode mode = prefix->mode;
    // RFC 5454 §3.3.3 (MLD) and §3.7.1 (link-local, DHCPv6): over the home-address tunnel.
    if (fields->destination.isMulticast() || fields->source.isLinkLocal()) {
      mode = Ipv6TunnelMode::ToHomeAddress;
    }
    tos = outerTos(fields->traffic_class, config_.traffic_class);
    if (mode == Ipv6TunnelMode::ToHomeAddress) {
      d.encapsulation.home_tunnel = tunnelHeader(config_.home_address, config_.home_agent,
                                                 wire::ip_protocol::kIpv6, tos, false);
    } else {
      carries_ipv6 = true;
    }
    ++stats_.sent_ipv6;
  } else {
    return drop(DropReason::UnsupportedProtocol);
  }
  if (binding_->udp) {
    d.encapsulation.udp = UdpEncapsulation{
        carries_ipv6 ? wire::kTunnelDataNextHeaderIpv6 : wire::kTunnelDataNextHeaderIpv4,
        care_of_->port, config_.home_agent_port};
    d.encapsulation.outer = tunnelHeader(care_of_->address, config_.home_agent,
                                         wire::ip_protocol::kUdp, tos, dont_fragment);
  } else {
    d.encapsulation.udp.reset();
    d.encapsulation.outer = tunnelHeader(
        care_of_->address, config_.home_agent,
        carries_ipv6 ? wire::ip_protocol::kIpv6 : wire::ip_protocol::kIpv4, tos, dont_fragment);
  }
  d.verdict = SendVerdict::Tunnel;
  d.home_address = config_.home_address;
  last_sent_to_home_agent_ = now;
  return d;
}

ReceiveDecision MobileNode::dropReceived(DropReason reason) {
  ReceiveDecision d;
  d.verdict = ReceiveVerdict::Drop;
  d.reason = reason;
  d.home_address = config_.home_address;
  stats_.receive_drops.add(reason);
  return d;
}

ReceiveDecision MobileNode::onTunnelPacket(PacketBuffer& packet, TimePoint now) {
  auto outer = wire::decodeIpv4(packet.data());
  if (!outer || outer->header.isFragment()) return dropReceived(DropReason::Malformed);
  // RFC 4213 §3.6, RFC 2003: only from the configured tunnel peer.
  if (outer->header.source != config_.home_agent) return dropReceived(DropReason::WrongOuterSource);
  if (!dataPathActive(now)) return dropReceived(DropReason::NoBinding);
  const std::uint8_t protocol = outer->header.protocol;
  const Ipv4Address destination = outer->header.destination;
  const std::size_t offset = outer->headerLength();
  const std::uint8_t tos = outer->header.tos;
  const std::size_t inner_size = outer->payload.size();
  if (packet.size() > offset + inner_size &&
      !packet.trimBack(packet.size() - offset - inner_size)) {
    return dropReceived(DropReason::Malformed);
  }
  if (protocol == wire::ip_protocol::kIpv4) {
    if (destination != care_of_->address) return dropReceived(DropReason::WrongOuterDestination);
    if (binding_->udp) return dropReceived(DropReason::TransportMismatch);
    return receiveIpv4Inner(packet, offset, tos, false);
  }
  if (protocol == wire::ip_protocol::kIpv6) {
    if (destination == care_of_->address) {
      if (binding_->udp) return dropReceived(DropReason::TransportMismatch);
      return receiveIpv6Inner(packet, offset, tos, false);
    }
    if (destination == config_.home_address) {
      // The inner layer of a double encapsulation whose IPv4 packet was reassembled first.
      return receiveIpv6Inner(packet, offset, tos, true);
    }
    return dropReceived(DropReason::WrongOuterDestination);
  }
  return dropReceived(DropReason::UnsupportedProtocol);
}

ReceiveDecision MobileNode::onUdpTunnelData(PacketBuffer& payload, const Ipv4Endpoint& source,
                                            std::optional<std::uint8_t> outer_tos, TimePoint now) {
  // RFC 3519 §4.3: the HA's address and port exactly.
  if (source != Ipv4Endpoint{config_.home_agent, config_.home_agent_port}) {
    return dropReceived(DropReason::WrongUdpEndpoint);
  }
  if (!dataPathActive(now)) return dropReceived(DropReason::NoBinding);
  if (!binding_->udp) return dropReceived(DropReason::TransportMismatch);
  auto data = wire::decodeTunnelData(payload.data());
  if (!data) return dropReceived(DropReason::Malformed);
  const std::size_t offset = wire::kTunnelDataHeaderSize;
  switch (data->next_header) {
    case wire::kTunnelDataNextHeaderIpv4:
      return receiveIpv4Inner(payload, offset, outer_tos, true);
    case wire::kTunnelDataNextHeaderIpv6:
      // RFC 3519 §3.3: IPv6 straight in UDP only for prefixes registered with code 1.
      if (!hasCareOfPrefix()) return dropReceived(DropReason::NextHeaderMismatch);
      return receiveIpv6Inner(payload, offset, outer_tos, false);
    default:
      return dropReceived(DropReason::NextHeaderMismatch);
  }
}

ReceiveDecision MobileNode::receiveIpv4Inner(PacketBuffer& packet, std::size_t offset,
                                             std::optional<std::uint8_t> outer_tos, bool via_udp) {
  auto inner = wire::decodeIpv4(packet.data().subspan(offset));
  if (!inner) return dropReceived(DropReason::Malformed);
  if (inner->header.destination != config_.home_address) {
    return dropReceived(DropReason::WrongInnerDestination);
  }
  const bool from_home_agent = inner->header.source == config_.home_agent;
  if (via_udp && from_home_agent && inner->header.protocol == wire::ip_protocol::kIcmp &&
      !inner->header.isFragment()) {
    auto icmp = wire::decodeIcmpv4(inner->payload);
    if (icmp && icmp->type == wire::icmpv4_type::kEchoReply) {
      const auto* echo = std::get_if<wire::Icmpv4Echo>(&icmp->body);
      if (echo != nullptr && echo->identifier == keepalive_identifier_) {
        ++stats_.keepalive_replies;
        noteReceivedFromHomeAgent();
        ReceiveDecision d;
        d.verdict = ReceiveVerdict::Consumed;
        d.home_address = config_.home_address;
        return d;
      }
    }
  }
  if (from_home_agent && inner->header.protocol == wire::ip_protocol::kIpv6 &&
      !inner->header.isFragment()) {
    // RFC 5454 §3.3.2: IPv6 tunnelled to the home address inside the IPv4 tunnel.
    std::optional<std::uint8_t> middle_tos = inner->header.tos;
    if (outer_tos) {
      const EgressTrafficClass middle =
          decapsulatedTrafficClass(inner->header.tos, *outer_tos, config_.traffic_class.dscp);
      if (middle.drop) return dropReceived(DropReason::EcnCeOnNotEct);
      if (middle.anomaly != wire::EcnAnomaly::None) ++stats_.ecn_anomalies;
      middle_tos = middle.traffic_class;
    }
    const std::size_t middle_size = inner->headerLength() + inner->payload.size();
    if (packet.size() > offset + middle_size &&
        !packet.trimBack(packet.size() - offset - middle_size)) {
      return dropReceived(DropReason::Malformed);
    }
    return receiveIpv6Inner(packet, offset + inner->headerLength(), middle_tos, true);
  }
  EgressTrafficClass egress;
  if (outer_tos) {
    egress = decapsulatedTrafficClass(inner->header.tos, *outer_tos, config_.traffic_class.dscp);
    if (egress.drop) return dropReceived(DropReason::EcnCeOnNotEct);
  }
  const std::size_t inner_size = inner->headerLength() + inner->payload.size();
  if (!packet.trimFront(offset) ||
      (packet.size() > inner_size && !packet.trimBack(packet.size() - inner_size))) {
    return dropReceived(DropReason::Malformed);
  }
  if (outer_tos) {
    (void)rewriteInnerTrafficClass(packet.mutableData(), *outer_tos, config_.traffic_class.dscp);
    if (egress.anomaly != wire::EcnAnomaly::None) ++stats_.ecn_anomalies;
  }
  ++stats_.received_ipv4;
  noteReceivedFromHomeAgent();
  ReceiveDecision d;
  d.verdict = ReceiveVerdict::Deliver;
  d.home_address = config_.home_address;
  d.ecn_anomaly = egress.anomaly;
  return d;
}

ReceiveDecision MobileNode::receiveIpv6Inner(PacketBuffer& packet, std::size_t offset,
                                             std::optional<std::uint8_t> outer_tos,
                                             bool from_home_tunnel) {
  auto fields = readIpv6Fields(packet.data().subspan(offset));
  if (!fields) return dropReceived(DropReason::Malformed);
  if (!wire::isAcceptableTunnelInnerSource(fields->source)) {
    return dropReceived(DropReason::UnacceptableInnerSource);
  }
  const PrefixState* prefix = prefixFor(fields->destination);
  if (prefix == nullptr) {
    // Multicast (MLD, RFC 5454 §3.3.3) only comes over the home-address tunnel.
    if (!(from_home_tunnel && fields->destination.isMulticast())) {
      return dropReceived(DropReason::WrongInnerDestination);
    }
  } else if (!from_home_tunnel && prefix->mode != Ipv6TunnelMode::ToCareOfAddress) {
    return dropReceived(DropReason::TunnelModeMismatch);
  }
  EgressTrafficClass egress;
  if (outer_tos) {
    egress =
        decapsulatedTrafficClass(fields->traffic_class, *outer_tos, config_.traffic_class.dscp);
    if (egress.drop) return dropReceived(DropReason::EcnCeOnNotEct);
  }
  if (!packet.trimFront(offset)) return dropReceived(DropReason::Malformed);
  const std::size_t ipv6_size =
      wire::kIpv6HeaderLength + ((std::size_t{packet.data()[4]} << 8) | packet.data()[5]);
  if (packet.size() > ipv6_size && !packet.trimBack(packet.size() - ipv6_size)) {
    return dropReceived(DropReason::Malformed);
  }
  if (outer_tos) {
    (void)rewriteInnerTrafficClass(packet.mutableData(), *outer_tos, config_.traffic_class.dscp);
    if (egress.anomaly != wire::EcnAnomaly::None) ++stats_.ecn_anomalies;
  }
  ++stats_.received_ipv6;
  noteReceivedFromHomeAgent();
  ReceiveDecision d;
  d.verdict = ReceiveVerdict::Deliver;
  d.home_address = config_.home_address;
  d.ecn_anomaly = egress.anomaly;
  return d;
}

// ---------------------------------------------------------------------------------------------
// Snapshot

MobileNodeSnapshot MobileNode::snapshot(TimePoint now) const {
  MobileNodeSnapshot s;
  s.state = state_;
  s.home_address = config_.home_address;
  s.home_agent = Ipv4Endpoint{config_.home_agent, config_.home_agent_port};
  s.care_of = care_of_;
  s.binding_valid = bindingValid(now);
  if (binding_) {
    s.granted_lifetime = binding_->lifetime;
    if (s.binding_valid && binding_->expires) s.remaining = *binding_->expires - now;
    s.transport = binding_->udp ? TunnelTransport::Udp : TunnelTransport::IpInIp;
    s.udp_forced = binding_->udp_forced;
    s.keepalive_interval = binding_->keepalive_interval;
  }
  std::optional<TimePoint> next;
  if (attempt_) {
    next = attempt_->next_send;
    s.transmissions = attempt_->transmissions;
  } else if (state_ == MobileNodeState::Rejected) {
    next = retry_at_;
  } else if (state_ == MobileNodeState::Registered && binding_) {
    next = binding_->refresh_at;
  }
  if (next) s.next_registration = std::max(Duration{0}, *next - now);
  s.last_reply_code = last_reply_code_;
  s.home_agent_supports_dsmipv4 = supports_dsmipv4_;
  if (const auto k = keepaliveDeadline(); k && s.binding_valid) {
    s.next_keepalive = std::max(Duration{0}, *k - now);
  }
  s.keepalive_misses = keepalive_misses_;
  for (const PrefixState& p : prefixes_) {
    MobileNodePrefixInfo info;
    info.request = p.request;
    info.address = p.address;
    info.status = p.status;
    if (p.status == PrefixStatus::Accepted) info.mode = p.mode;
    info.reply_code = p.reply_code;
    s.prefixes.push_back(info);
  }
  s.stats = stats_;
  return s;
}

}  // namespace dsmip::dsmip4
