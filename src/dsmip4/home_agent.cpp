#include "dsmip4/home_agent.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "wire/checksum.hpp"
#include "wire/icmpv4.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"

namespace dsmip::dsmip4 {

namespace {

using wire::RegistrationReplyCode;

constexpr std::size_t kMaxCandidates = 8;  // bindings sharing one outer source we look at

std::uint8_t codeOctet(RegistrationReplyCode code) { return static_cast<std::uint8_t>(code); }

// Highest lifetime a policy lets the HA grant, in wire units (0xFFFF = infinite).
std::uint16_t maxLifetimeUnits(std::chrono::seconds max_lifetime) {
  if (max_lifetime.count() >= wire::kMipv4InfiniteLifetime) return wire::kMipv4InfiniteLifetime;
  return static_cast<std::uint16_t>(max_lifetime.count());
}

std::string spiText(std::uint32_t spi) { return fmt::format("{:#x}", spi); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Configuration

std::string_view requestDiscardName(RequestDiscard reason) {
  switch (reason) {
    case RequestDiscard::Malformed:
      return "malformed";
    case RequestDiscard::UnknownExtension:
      return "unknown-extension";
    case RequestDiscard::NotARequest:
      return "not-a-request";
    case RequestDiscard::UnknownHomeAddress:
      return "unknown-home-address";
    case RequestDiscard::NoAuthentication:
      return "no-authentication";
    case RequestDiscard::BadAuthenticationLayout:
      return "bad-authentication-layout";
  }
  return "unknown";
}

Status validateHomeAgentConfig(const HomeAgentConfig& config) {
  if (!config.address.isUnicast()) {
    return makeError(ErrorCode::InvalidArgument,
                     "address: " + config.address.toString() + " is not a unicast address");
  }
  if (config.port == 0) return makeError(ErrorCode::InvalidArgument, "port: must not be 0");
  if (config.keepalive_interval.count() < 0 || config.keepalive_interval.count() > 0xFFFF) {
    return makeError(ErrorCode::InvalidArgument,
                     "keepalive_interval: must be between 0 and 65535 seconds (RFC 3519 §3.2)");
  }
  if (config.tunnel_ttl == 0) {
    return makeError(ErrorCode::InvalidArgument, "tunnel_ttl: must not be 0");
  }
  std::unordered_map<Ipv4Address, std::size_t> seen;
  for (std::size_t i = 0; i < config.mobile_nodes.size(); ++i) {
    const MobileNodePolicy& mn = config.mobile_nodes[i];
    const std::string key = fmt::format("mobile_nodes[{}]", i);
    if (!mn.home_address.isUnicast()) {
      return makeError(ErrorCode::InvalidArgument,
                       key + ".home_address: " + mn.home_address.toString() + " is not unicast");
    }
    if (mn.home_address == config.address) {
      return makeError(ErrorCode::InvalidArgument,
                       key + ".home_address: is the home agent's own address");
    }
    if (const auto [it, inserted] = seen.emplace(mn.home_address, i); !inserted) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("{}.home_address: {} is also mobile_nodes[{}]", key,
                                   mn.home_address.toString(), it->second));
    }
    if (mn.key.spi < wire::kMipv4MinimumSpi) {
      return makeError(ErrorCode::InvalidArgument,
                       key + ".key.spi: " + spiText(mn.key.spi) +
                           " is reserved (SPIs 0-255 must not be used, RFC 5944 §1.6)");
    }
    if (mn.key.key.empty()) {
      return makeError(ErrorCode::InvalidArgument, key + ".key.key: must not be empty");
    }
    if (mn.identification_tolerance.count() < 1) {
      return makeError(ErrorCode::InvalidArgument,
                       key +
                           ".identification_tolerance: must be at least 1 s (RFC 5944 §5.7 "
                           "recommends more than 3 s)");
    }
    if (mn.max_lifetime.count() < 1) {
      return makeError(ErrorCode::InvalidArgument, key + ".max_lifetime: must be at least 1 s");
    }
    for (std::size_t p = 0; p < mn.prefixes.size(); ++p) {
      if (mn.prefixes[p].prefix.length > 128) {
        return makeError(ErrorCode::InvalidArgument,
                         fmt::format("{}.prefixes[{}]: prefix length above 128", key, p));
      }
    }
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Construction

struct HomeAgent::Request {
  DatagramAddresses addresses;
  wire::RegistrationRequest message;
  std::size_t node = 0;
  TimePoint now;
  std::chrono::nanoseconds unix_time{};
};

struct HomeAgent::UdpTunnelOutcome {
  bool requested = false;  // an understood UDP Tunnel Request extension was present
  bool assent = false;
  bool force = false;
};

struct HomeAgent::PrefixOutcome {
  std::vector<PrefixBinding> accepted;
  std::vector<wire::Mipv4Extension> replies;  // one Prefix Reply per distinct request
};

HomeAgent::HomeAgent(HomeAgentConfig config) : config_(std::move(config)) {
  nodes_.reserve(config_.mobile_nodes.size());
  for (const MobileNodePolicy& policy : config_.mobile_nodes) {
    Node node;
    node.policy = policy;
    for (PrefixGrant& grant : node.policy.prefixes) grant.prefix = grant.prefix.normalised();
    node_by_home_address_.emplace(policy.home_address, nodes_.size());
    nodes_.push_back(std::move(node));
  }
}

// ---------------------------------------------------------------------------------------------
// Registration (RFC 5944 §3.8)

void HomeAgent::discard(RequestDiscard reason) {
  ++stats_.discarded[static_cast<std::size_t>(reason)];
}

void HomeAgent::securityLog(TimePoint now, std::string message, HomeAgentActions& out) {
  // Security exceptions are logged (RFC 5944 §3.8.2.1) but an attacker must not be able to
  // flood the log: lines beyond the bucket are only counted.
  if (!security_log_.allow(now)) return;
  if (security_log_.suppressed() > 0) {
    message += fmt::format(" ({} similar events suppressed)", security_log_.suppressed());
  }
  out.push_back(LogEvent{LogLevel::Warn, std::move(message)});
}

HomeAgentActions HomeAgent::onRegistrationRequest(ByteView payload,
                                                  const DatagramAddresses& addresses, TimePoint now,
                                                  std::chrono::nanoseconds unix_time) {
  HomeAgentActions out;
  ++stats_.requests_received;
  if (peekMipv4MessageType(payload) != wire::Mipv4MessageType::RegistrationRequest) {
    discard(RequestDiscard::NotARequest);
    return out;
  }
  wire::Mipv4AuthLocation auth;
  auto decoded = wire::decodeRegistrationRequest(payload, &auth);
  if (!decoded) {
    // RFC 5944 §1.8: an extension 0–127 that is not understood invalidates the whole message,
    // which is discarded silently; anything else malformed cannot be authenticated either.
    discard(decoded.error().code == ErrorCode::UnknownType ? RequestDiscard::UnknownExtension
                                                           : RequestDiscard::Malformed);
    return out;
  }
  const auto found = node_by_home_address_.find(decoded->home_address);
  if (found == node_by_home_address_.end()) {
    discard(RequestDiscard::UnknownHomeAddress);
    return out;
  }
  Request request{addresses, std::move(*decoded), found->second, now, unix_time};
  Node& node = nodes_[request.node];

  // RFC 5944 §3.8.2.1: exactly one MN-HA authentication extension, first of the
  // authentication extensions. Without one there is nothing to authenticate a reply with.
  if (auth.mobile_home_auth_count == 0) {
    discard(RequestDiscard::NoAuthentication);
    return out;
  }
  if (auth.mobile_home_auth_count > 1 || auth.other_auth_before) {
    discard(RequestDiscard::BadAuthenticationLayout);
    return out;
  }
  if (const Status verified = wire::verifyMobileHomeAuth(payload, auth, node.policy.key);
      !verified) {
    ++stats_.authentication_failures;
    securityLog(now,
                fmt::format("registration for {} from {} failed authentication (SPI {}): {}",
                            request.message.home_address.toString(), addresses.source.toString(),
                            spiText(auth.spi), verified.error().toString()),
                out);
    reject(request, RegistrationReplyCode::HaMobileNodeFailedAuthentication, out);
    return out;
  }

  // RFC 5944 §5.7 timestamps: close to our clock and newer than every accepted one.
  const std::uint64_t our_time = wire::ntpTimestampFromUnix(unix_time);
  const std::uint64_t id = request.message.identification;
  const bool fresh =
      wire::timestampWithinTolerance(id, our_time, node.policy.identification_tolerance) &&
      (!node.last_identification || wire::timestampIsNewer(id, *node.last_identification));
  if (!fresh) {
    ++stats_.identification_mismatches;
    securityLog(now,
                fmt::format("registration for {} from {}: identification {:#018x} is stale or "
                            "replayed (our time {:#018x})",
                            request.message.home_address.toString(), addresses.source.toString(),
                            id, our_time),
                out);
    reject(request, RegistrationReplyCode::HaIdentificationMismatch, out);
    return out;
  }
  // An authentic, fresh request: its Identification may never be accepted again, whatever the
  // outcome of the remaining checks.
  node.last_identification = id;

  const wire::RegistrationRequest& msg = request.message;
  if (msg.flags.hasReservedBits()) {  // RFC 5944 §3.8.2.3
    reject(request, RegistrationReplyCode::HaPoorlyFormedRequest, out);
    return out;
  }
  const Ipv4Address destination = addresses.destination.address;
  const bool to_broadcast =
      destination.isBroadcast() ||
      (config_.home_network && config_.home_network->length < 31 &&
       destination.toU32() ==
           (config_.home_network->address.toU32() | (0xFFFFFFFFu >> config_.home_network->length)));
  if (to_broadcast || msg.home_agent != config_.address) {  // RFC 5944 §3.8.2.2
    reject(request, RegistrationReplyCode::HaUnknownHomeAgentAddress, out);
    return out;
  }
  if (msg.lifetime == 0) {
    acceptDeregistration(request, out);
    return out;
  }
  UdpTunnelOutcome udp;
  if (!decideUdpTunnel(request, udp, out)) return out;
  if (!udp.assent && (msg.flags.minimal_encapsulation || msg.flags.gre_encapsulation)) {
    // Only IP-in-IP (RFC 2003) is offered, the encapsulation every HA MUST support.
    reject(request, RegistrationReplyCode::HaEncapsulationUnavailable, out);
    return out;
  }
  if (!msg.flags.reverse_tunneling && node.policy.require_reverse_tunnel) {
    reject(request, RegistrationReplyCode::HaReverseTunnelMandatory, out);
    return out;
  }
  acceptRegistration(request, udp, out);
  return out;
}

bool HomeAgent::decideUdpTunnel(const Request& request, UdpTunnelOutcome& outcome,
                                HomeAgentActions& out) {
  const wire::RegistrationRequest& msg = request.message;
  for (const auto& e : msg.extensions) {
    if (const auto* unknown = std::get_if<wire::Mipv4UnknownExtension>(&e);
        unknown != nullptr &&
        unknown->type == static_cast<std::uint8_t>(wire::Mipv4ExtensionType::UdpTunnelRequest) &&
        unknown->reason == wire::Mipv4SkipReason::NonZeroReserved) {
      ++stats_.udp_tunnel_requests_skipped;  // decision D9: skipped, as not understood
    }
  }
  const auto* ext = wire::findMipv4Extension<wire::UdpTunnelRequestExtension>(msg.extensions);
  if (ext == nullptr) return true;
  outcome.requested = true;
  // RFC 3519 §4.6.1: the extension is only valid from a MN that decapsulates itself.
  if (!msg.flags.decapsulation_by_mobile_node) {
    reject(request, RegistrationReplyCode::HaPoorlyFormedRequest, out);
    return false;
  }
  std::uint8_t encapsulation = ext->encapsulation;
  if (encapsulation == wire::kUdpTunnelEncapsulationFromFlags) {
    encapsulation = msg.flags.minimal_encapsulation ? wire::kUdpTunnelEncapsulationMinimal
                    : msg.flags.gre_encapsulation   ? wire::kUdpTunnelEncapsulationGre
                                                    : wire::kUdpTunnelEncapsulationIpInIp;
  }
  if (encapsulation != wire::kUdpTunnelEncapsulationIpInIp) {
    reject(request, RegistrationReplyCode::HaUdpEncapsulationUnavailable, out);
    return false;
  }
  if (ext->registered_through_fa) {
    // R: a co-located CoA registered through a FA (RFC 3519 §4.6): the tunnel endpoint would
    // only be known from the first keep-alive. Not offered (see docs/dsmip4.md); the MN is told
    // so with a declining UDP Tunnel Reply.
    return true;
  }
  const Node& node = nodes_[request.node];
  const bool nat = request.addresses.source.address != msg.care_of_address;
  switch (node.policy.udp_tunnel) {
    case UdpTunnelPolicy::Deny:
      if (nat || ext->force) {
        // RFC 3519 §3.1.1, §4.6.1: refusing NAT traversal or forced tunnelling is code 129.
        reject(request, RegistrationReplyCode::HaAdministrativelyProhibited, out);
        return false;
      }
      return true;
    case UdpTunnelPolicy::Allow:
      outcome.assent = nat || ext->force;
      break;
    case UdpTunnelPolicy::Always:
      outcome.assent = true;
      break;
  }
  outcome.force = outcome.assent && ext->force;
  return true;
}

void HomeAgent::decidePrefixes(const Request& request, PrefixOutcome& outcome) {
  const wire::RegistrationRequest& msg = request.message;
  const Node& node = nodes_[request.node];
  // RFC 5454 §3.5: the Tunneling Mode extension is for co-located care-of addresses only.
  const bool to_care_of_requested =
      msg.flags.decapsulation_by_mobile_node &&
      wire::findMipv4Extension<wire::Ipv6TunnelingModeExtension>(msg.extensions) != nullptr;
  std::vector<Ipv6Prefix> answered;  // RFC 5454 §3.3: never two replies for one prefix
  for (const auto& e : msg.extensions) {
    const auto* req = std::get_if<wire::Ipv6PrefixRequestExtension>(&e);
    if (req == nullptr) continue;
    wire::Ipv6PrefixReplyExtension reply;
    reply.prefix_length = req->prefix_length;  // the prefix field MUST match the request's
    reply.prefix = req->prefix;
    const std::optional<Ipv6Prefix> normalised = req->normalisedPrefix();
    if (normalised) {
      const Ipv6Prefix key{normalised->address,
                           req->isLinkLocal() ? std::uint8_t{255} : normalised->length};
      if (std::find(answered.begin(), answered.end(), key) != answered.end()) continue;
      answered.push_back(key);
    }
    PrefixBinding binding;
    binding.requested = *req;
    auto code = wire::Ipv6PrefixReplyCode::RejectedReasonUnspecified;
    if (!normalised) {
      // Prefix lengths 129–254 mean nothing.
    } else if (req->isLinkLocal()) {
      // RFC 5454 §3.7.1: a link-local address for DHCPv6-PD, always over the HoA tunnel.
      if (!req->prefix.isLinkLocal()) {
        code = wire::Ipv6PrefixReplyCode::RejectedReasonUnspecified;
      } else if (!node.policy.allow_link_local) {
        code = wire::Ipv6PrefixReplyCode::RejectedAdministrativelyProhibited;
      } else {
        binding.prefix = *normalised;
        binding.link_local = true;
        binding.mode = Ipv6TunnelMode::ToHomeAddress;
        code = wire::Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress;
      }
    } else {
      const auto grant = std::find_if(
          node.policy.prefixes.begin(), node.policy.prefixes.end(), [&](const PrefixGrant& g) {
            return g.prefix.length <= normalised->length && g.prefix.contains(normalised->address);
          });
      if (grant == node.policy.prefixes.end()) {
        code = wire::Ipv6PrefixReplyCode::RejectedAdministrativelyProhibited;
      } else {
        binding.prefix = *normalised;
        binding.mode = to_care_of_requested && grant->tunnel == PrefixTunnelPolicy::FollowRequest
                           ? Ipv6TunnelMode::ToCareOfAddress
                           : Ipv6TunnelMode::ToHomeAddress;
        code = binding.mode == Ipv6TunnelMode::ToCareOfAddress
                   ? wire::Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress
                   : wire::Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress;
      }
    }
    if (wire::isIpv6PrefixAccepted(code)) {
      if (outcome.accepted.size() >= node.policy.max_prefixes) {
        code = wire::Ipv6PrefixReplyCode::RejectedReasonUnspecified;
      } else if (prefixes_.overlapsOtherNode(binding.prefix, request.node)) {
        // RFC 5454 §3.3: all addresses under a registered prefix belong to one mobile node.
        // Code 8: the prefix may be allowed, it is only taken right now (docs/dsmip4.md).
        ++stats_.prefix_overlaps_refused;
        code = wire::Ipv6PrefixReplyCode::RejectedReasonUnspecified;
      }
    }
    reply.code = code;
    switch (code) {
      case wire::Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress:
        ++stats_.prefixes_accepted_to_home_address;
        break;
      case wire::Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress:
        ++stats_.prefixes_accepted_to_care_of;
        break;
      case wire::Ipv6PrefixReplyCode::RejectedReasonUnspecified:
        ++stats_.prefixes_rejected_unspecified;
        break;
      case wire::Ipv6PrefixReplyCode::RejectedAdministrativelyProhibited:
        ++stats_.prefixes_rejected_prohibited;
        break;
    }
    if (wire::isIpv6PrefixAccepted(code)) outcome.accepted.push_back(binding);
    outcome.replies.emplace_back(reply);
  }
}

void HomeAgent::acceptRegistration(const Request& request, const UdpTunnelOutcome& udp,
                                   HomeAgentActions& out) {
  const wire::RegistrationRequest& msg = request.message;
  Node& node = nodes_[request.node];
  PrefixOutcome prefixes;
  decidePrefixes(request, prefixes);

  const std::uint16_t max_units = maxLifetimeUnits(node.policy.max_lifetime);
  const std::uint16_t granted =
      msg.lifetime == wire::kMipv4InfiniteLifetime
          ? max_units
          : std::min<std::uint16_t>(msg.lifetime, max_units == wire::kMipv4InfiniteLifetime
                                                      ? std::uint16_t{0xFFFE}
                                                      : max_units);

  const bool created = !node.binding.has_value();
  if (created) {
    node.binding.emplace();
    node.binding->created = request.now;
    ++stats_.bindings_created;
    out.push_back(InterceptHomeAddress{msg.home_address, true});
  } else {
    unindexBinding(request.node);
  }
  Binding& binding = *node.binding;
  const bool nat = request.addresses.source.address != msg.care_of_address;
  if (nat) ++stats_.nat_detected;
  binding.care_of_address = msg.care_of_address;
  binding.request_source = request.addresses.source;
  binding.nat_detected = nat;
  binding.reverse_tunnel = msg.flags.reverse_tunneling;
  binding.lifetime = granted;
  binding.identification = msg.identification;
  const bool endpoint_changed = !binding.udp || binding.udp_endpoint != request.addresses.source;
  binding.udp = udp.assent;
  binding.udp_forced = udp.force;
  if (udp.assent) {
    // RFC 3519 §4.6: the effective care-of address is the request's source address and port.
    binding.udp_endpoint = request.addresses.source;
    binding.keepalive_interval = config_.keepalive_interval;
    if (endpoint_changed) binding.last_keepalive.reset();
    ++stats_.udp_tunnels_assented;
  } else {
    binding.udp_endpoint = {};
    binding.keepalive_interval = std::chrono::seconds{0};
    binding.last_keepalive.reset();
    if (udp.requested) ++stats_.udp_tunnels_declined;
  }

  // RFC 5454 §3.8: prefixes left out of this registration are removed.
  for (const PrefixBinding& old : binding.prefixes) {
    const bool kept = std::any_of(prefixes.accepted.begin(), prefixes.accepted.end(),
                                  [&](const PrefixBinding& p) { return p.prefix == old.prefix; });
    if (kept) continue;
    prefixes_.erase(old.prefix);
    ++stats_.prefixes_removed;
    out.push_back(InterceptIpv6Prefix{msg.home_address, old.prefix, old.link_local, false});
  }
  binding.has_care_of_prefix = false;
  for (const PrefixBinding& p : prefixes.accepted) {
    const bool existed =
        std::any_of(binding.prefixes.begin(), binding.prefixes.end(),
                    [&](const PrefixBinding& old) { return old.prefix == p.prefix; });
    prefixes_.insert(p.prefix, PrefixTable::Entry{request.node, p.mode});
    if (!existed) out.push_back(InterceptIpv6Prefix{msg.home_address, p.prefix, p.link_local});
    if (p.mode == Ipv6TunnelMode::ToCareOfAddress) binding.has_care_of_prefix = true;
  }
  binding.prefixes = std::move(prefixes.accepted);
  indexBinding(request.node);
  setExpiry(request.node,
            granted == wire::kMipv4InfiniteLifetime
                ? std::nullopt
                : std::optional<TimePoint>{request.now + std::chrono::seconds{granted}});
  ++stats_.registrations_accepted;

  wire::RegistrationReply reply;
  reply.code = msg.flags.simultaneous_bindings
                   ? RegistrationReplyCode::AcceptedNoSimultaneousBindings
                   : RegistrationReplyCode::Accepted;
  reply.lifetime = granted;
  reply.home_address = msg.home_address;
  reply.home_agent = config_.address;
  reply.identification = msg.identification;
  reply.extensions = std::move(prefixes.replies);
  if (udp.requested) {
    wire::UdpTunnelReplyExtension tunnel_reply;
    tunnel_reply.reply_code = udp.assent ? wire::UdpTunnelReplyCode::WillTunnel
                                         : wire::UdpTunnelReplyCode::DeclinedReasonUnspecified;
    tunnel_reply.force = udp.force;
    tunnel_reply.keepalive_interval =
        udp.assent ? static_cast<std::uint16_t>(config_.keepalive_interval.count()) : 0;
    reply.extensions.emplace_back(tunnel_reply);
  }
  if (created) {
    out.push_back(LogEvent{
        LogLevel::Info,
        fmt::format("{} registered care-of address {} via {} ({}), lifetime {} s, {} prefixes",
                    msg.home_address.toString(), msg.care_of_address.toString(),
                    request.addresses.source.toString(), udp.assent ? "udp tunnel" : "ip-in-ip",
                    granted, binding.prefixes.size())});
  }
  sendReply(request, reply, out);
}

void HomeAgent::acceptDeregistration(const Request& request, HomeAgentActions& out) {
  const wire::RegistrationRequest& msg = request.message;
  Node& node = nodes_[request.node];
  // RFC 5944 §3.8.3.2: lifetime 0 with CoA = home address drops every binding; with another CoA
  // only the binding for that CoA.
  if (node.binding && (msg.care_of_address == msg.home_address ||
                       msg.care_of_address == node.binding->care_of_address)) {
    removeBinding(request.node, out);
    out.push_back(
        LogEvent{LogLevel::Info, fmt::format("{} deregistered", msg.home_address.toString())});
  }
  ++stats_.deregistrations;
  wire::RegistrationReply reply;
  reply.code = msg.flags.simultaneous_bindings
                   ? RegistrationReplyCode::AcceptedNoSimultaneousBindings
                   : RegistrationReplyCode::Accepted;
  reply.lifetime = 0;
  reply.home_address = msg.home_address;
  reply.home_agent = config_.address;
  reply.identification = msg.identification;
  sendReply(request, reply, out);
}

void HomeAgent::reject(const Request& request, RegistrationReplyCode code, HomeAgentActions& out) {
  wire::RegistrationReply reply;
  reply.code = code;
  reply.lifetime = 0;
  reply.home_address = request.message.home_address;
  reply.home_agent = config_.address;
  reply.identification = request.message.identification;
  if (code == RegistrationReplyCode::HaIdentificationMismatch) {
    // RFC 5944 §5.7.1: the low 32 bits copied, the high 32 bits from our clock so that the MN
    // can resynchronise.
    reply.identification = wire::replyIdentification(
        wire::identificationHigh(wire::ntpTimestampFromUnix(request.unix_time)),
        request.message.identification);
  }
  sendReply(request, reply, out);
}

void HomeAgent::sendReply(const Request& request, const wire::RegistrationReply& reply,
                          HomeAgentActions& out) {
  const wire::Mipv4AuthKey& key = nodes_[request.node].policy.key;
  Bytes payload(wire::registrationReplySize(reply) + 6 +
                wire::mipv4AuthenticatorLength(key.algorithm));
  ByteWriter writer{payload};
  if (!wire::encodeAuthenticatedRegistrationReply(reply, key, writer)) {
    // Only possible with a key the configuration check refuses.
    out.push_back(LogEvent{LogLevel::Error, "cannot encode a registration reply"});
    return;
  }
  payload.resize(writer.size());
  ++stats_.replies_sent;
  ++stats_.reply_codes[codeOctet(reply.code)];
  // RFC 5944 §3.8.3.1: to the request's source address and port, from our unicast address and
  // the port the request was sent to.
  out.push_back(SendDatagram{DatagramKind::RegistrationReply,
                             Ipv4Endpoint{config_.address, config_.port}, request.addresses.source,
                             std::move(payload)});
}

// ---------------------------------------------------------------------------------------------
// Bindings and timers

void HomeAgent::indexBinding(std::size_t node) {
  const Binding& b = *nodes_[node].binding;
  if (b.udp) {
    udp_by_endpoint_.emplace(b.udp_endpoint, node);
  } else {
    ip_in_ip_by_care_of_.emplace(b.care_of_address, node);
  }
}

void HomeAgent::unindexBinding(std::size_t node) {
  const Binding& b = *nodes_[node].binding;
  auto erase_from = [node](auto& map, const auto& key) {
    auto [first, last] = map.equal_range(key);
    for (auto it = first; it != last; ++it) {
      if (it->second == node) {
        map.erase(it);
        return;
      }
    }
  };
  if (b.udp) {
    erase_from(udp_by_endpoint_, b.udp_endpoint);
  } else {
    erase_from(ip_in_ip_by_care_of_, b.care_of_address);
  }
}

void HomeAgent::setExpiry(std::size_t node, std::optional<TimePoint> expires) {
  Binding& b = *nodes_[node].binding;
  if (b.expires) expiries_.erase({*b.expires, node});
  b.expires = expires;
  if (expires) expiries_.insert({*expires, node});
}

void HomeAgent::removeBinding(std::size_t node, HomeAgentActions& out) {
  Node& n = nodes_[node];
  if (!n.binding) return;
  unindexBinding(node);
  setExpiry(node, std::nullopt);
  for (const PrefixBinding& p : n.binding->prefixes) {
    prefixes_.erase(p.prefix);
    ++stats_.prefixes_removed;
    out.push_back(InterceptIpv6Prefix{n.policy.home_address, p.prefix, p.link_local, false});
  }
  out.push_back(InterceptHomeAddress{n.policy.home_address, false});
  n.binding.reset();
}

HomeAgentActions HomeAgent::onTimer(TimePoint now) {
  HomeAgentActions out;
  while (!expiries_.empty() && expiries_.begin()->first <= now) {
    const std::size_t node = expiries_.begin()->second;
    ++stats_.bindings_expired;
    out.push_back(LogEvent{
        LogLevel::Info,
        fmt::format("binding of {} expired", nodes_[node].policy.home_address.toString())});
    removeBinding(node, out);
  }
  return out;
}

std::optional<TimePoint> HomeAgent::nextDeadline() const {
  if (expiries_.empty()) return std::nullopt;
  return expiries_.begin()->first;
}

HomeAgentActions HomeAgent::reconfigure(const HomeAgentConfig& config, TimePoint now) {
  (void)now;
  HomeAgentActions out;
  config_.keepalive_interval = config.keepalive_interval;
  config_.tunnel_ttl = config.tunnel_ttl;
  config_.traffic_class = config.traffic_class;
  config_.mobile_nodes = config.mobile_nodes;

  // The new node list: an unchanged policy keeps its node (binding, replay state).
  std::vector<Node> next;
  next.reserve(config_.mobile_nodes.size());
  std::vector<bool> kept(nodes_.size(), false);
  for (const MobileNodePolicy& policy : config_.mobile_nodes) {
    Node node;
    node.policy = policy;
    for (PrefixGrant& grant : node.policy.prefixes) grant.prefix = grant.prefix.normalised();
    const auto old = node_by_home_address_.find(policy.home_address);
    if (old != node_by_home_address_.end() && nodes_[old->second].policy == node.policy) {
      kept[old->second] = true;
    }
    next.push_back(std::move(node));
  }
  std::size_t revoked = 0;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (kept[i] || !nodes_[i].binding) continue;
    const Ipv4Address home_address = nodes_[i].policy.home_address;
    const bool listed =
        std::any_of(config_.mobile_nodes.begin(), config_.mobile_nodes.end(),
                    [&](const MobileNodePolicy& p) { return p.home_address == home_address; });
    ++revoked;
    ++stats_.bindings_revoked;
    out.push_back(LogEvent{LogLevel::Info,
                           fmt::format("binding of {} revoked: its [[mobile-node]] entry was {}",
                                       home_address.toString(), listed ? "changed" : "removed")});
    removeBinding(i, out);
  }
  // Every index refers to node positions: take the kept bindings out of them, move the nodes,
  // and index the bindings again at their new positions.
  std::vector<std::optional<TimePoint>> expiry(nodes_.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].binding) continue;
    unindexBinding(i);
    expiry[i] = nodes_[i].binding->expires;
    setExpiry(i, std::nullopt);
    for (const PrefixBinding& p : nodes_[i].binding->prefixes) prefixes_.erase(p.prefix);
  }
  std::vector<std::optional<TimePoint>> next_expiry(next.size());
  for (std::size_t j = 0; j < next.size(); ++j) {
    const auto old = node_by_home_address_.find(next[j].policy.home_address);
    if (old == node_by_home_address_.end() || !kept[old->second]) continue;
    Node& from = nodes_[old->second];
    next[j].last_identification = from.last_identification;
    next[j].binding = std::move(from.binding);
    next_expiry[j] = expiry[old->second];
  }
  nodes_ = std::move(next);
  node_by_home_address_.clear();
  for (std::size_t j = 0; j < nodes_.size(); ++j) {
    node_by_home_address_.emplace(nodes_[j].policy.home_address, j);
    if (!nodes_[j].binding) continue;
    indexBinding(j);
    setExpiry(j, next_expiry[j]);
    for (const PrefixBinding& p : nodes_[j].binding->prefixes) {
      prefixes_.insert(p.prefix, PrefixTable::Entry{j, p.mode});
    }
  }
  out.push_back(
      LogEvent{LogLevel::Info,
               fmt::format("reconfigured: {} mobile node(s) configured, {} binding(s) revoked",
                           nodes_.size(), revoked)});
  return out;
}

HomeAgentActions HomeAgent::onShutdown(TimePoint /*now*/) {
  HomeAgentActions out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) removeBinding(i, out);
  return out;
}

HomeAgent::Binding* HomeAgent::activeBinding(std::size_t node, TimePoint now) {
  std::optional<Binding>& b = nodes_[node].binding;
  if (!b) return nullptr;
  // Between the expiry and the daemon's next onTimer() the binding must already be unusable.
  if (b->expires && *b->expires <= now) return nullptr;
  return &*b;
}

// ---------------------------------------------------------------------------------------------
// Data plane: home side → mobile node

wire::Ipv4Header HomeAgent::tunnelHeader(const Ipv4Address& destination, std::uint8_t protocol,
                                         std::uint8_t tos, bool dont_fragment) {
  wire::Ipv4Header h;
  h.tos = tos;
  h.identification = next_ip_identification_++;
  h.dont_fragment = dont_fragment;
  h.ttl = config_.tunnel_ttl;
  h.protocol = protocol;
  h.source = config_.address;
  h.destination = destination;
  return h;
}

void HomeAgent::encapsulateTo(const Binding& binding, const Ipv4Address& home_address, bool ipv6,
                              Ipv6TunnelMode mode, std::uint8_t inner_tos, bool inner_dont_fragment,
                              Encapsulation& out) {
  std::uint8_t tos = outerTos(inner_tos, config_.traffic_class);
  bool dont_fragment = inner_dont_fragment;
  bool carries_ipv6 = ipv6;
  out.home_tunnel.reset();
  if (ipv6 && mode == Ipv6TunnelMode::ToHomeAddress) {
    // RFC 5454 §3.3.2 case 1: IPv6 in IPv4 to the home address first (RFC 4213: no DF).
    out.home_tunnel = tunnelHeader(home_address, wire::ip_protocol::kIpv6, tos, false);
    carries_ipv6 = false;
    dont_fragment = false;
  }
  if (carries_ipv6) dont_fragment = false;  // RFC 4213 §3.2.1 static MTU
  if (binding.udp) {
    out.udp = UdpEncapsulation{
        carries_ipv6 ? wire::kTunnelDataNextHeaderIpv6 : wire::kTunnelDataNextHeaderIpv4,
        config_.port, binding.udp_endpoint.port};
    out.outer =
        tunnelHeader(binding.udp_endpoint.address, wire::ip_protocol::kUdp, tos, dont_fragment);
  } else {
    out.udp.reset();
    out.outer = tunnelHeader(binding.care_of_address,
                             carries_ipv6 ? wire::ip_protocol::kIpv6 : wire::ip_protocol::kIpv4,
                             tos, dont_fragment);
  }
}

SendDecision HomeAgent::forwardFromHome(PacketBuffer& packet, TimePoint now) {
  SendDecision decision;
  const ByteView data = packet.data();
  auto drop = [&](DropReason reason) {
    decision.verdict = SendVerdict::Drop;
    decision.reason = reason;
    stats_.forward_drops.add(reason);
    return decision;
  };
  if (data.empty()) return drop(DropReason::Malformed);
  const unsigned version = data[0] >> 4;
  if (version == 4) {
    auto ip = wire::decodeIpv4(data);
    if (!ip) return drop(DropReason::Malformed);
    const auto it = node_by_home_address_.find(ip->header.destination);
    if (it == node_by_home_address_.end()) return drop(DropReason::NoBinding);
    Binding* binding = activeBinding(it->second, now);
    if (binding == nullptr) return drop(DropReason::NoBinding);
    decision.home_address = it->first;
    encapsulateTo(*binding, it->first, false, Ipv6TunnelMode::ToHomeAddress, ip->header.tos,
                  ip->header.dont_fragment, decision.encapsulation);
    ++binding->packets_to;
    ++stats_.forwarded_ipv4;
  } else if (version == 6) {
    auto fields = readIpv6Fields(data);
    if (!fields) return drop(DropReason::Malformed);
    const PrefixTable::Entry* entry = prefixes_.find(fields->destination);
    if (entry == nullptr) return drop(DropReason::NoBinding);
    Binding* binding = activeBinding(entry->node, now);
    if (binding == nullptr) return drop(DropReason::NoBinding);
    decision.home_address = nodes_[entry->node].policy.home_address;
    encapsulateTo(*binding, decision.home_address, true, entry->mode, fields->traffic_class, false,
                  decision.encapsulation);
    ++binding->packets_to;
    ++stats_.forwarded_ipv6;
  } else {
    return drop(DropReason::UnsupportedProtocol);
  }
  decision.verdict = SendVerdict::Tunnel;
  return decision;
}

// ---------------------------------------------------------------------------------------------
// Data plane: mobile node → home side (RFC 3024 §4.2.1, RFC 3519 §4.3, RFC 5454 §3.3.2, §4)

ReceiveDecision HomeAgent::dropReverse(DropReason reason, const Ipv4Address& home_address) {
  ReceiveDecision d;
  d.verdict = ReceiveVerdict::Drop;
  d.reason = reason;
  d.home_address = home_address;
  stats_.reverse_drops.add(reason);
  if (reason == DropReason::SpoofedInnerIpv4Source ||
      reason == DropReason::SpoofedInnerIpv6Source) {
    ++stats_.security_events;
  }
  return d;
}

ReceiveDecision HomeAgent::onTunnelPacket(PacketBuffer& packet, TimePoint now) {
  auto outer = wire::decodeIpv4(packet.data());
  if (!outer) return dropReverse(DropReason::Malformed, {});
  // Raw sockets see reassembled datagrams; a fragment here cannot be decapsulated.
  if (outer->header.isFragment()) return dropReverse(DropReason::Malformed, {});
  if (outer->header.destination != config_.address) {
    return dropReverse(DropReason::WrongOuterDestination, {});
  }
  const std::uint8_t protocol = outer->header.protocol;
  if (protocol != wire::ip_protocol::kIpv4 && protocol != wire::ip_protocol::kIpv6) {
    return dropReverse(DropReason::UnsupportedProtocol, {});
  }
  const Ipv4Address source = outer->header.source;
  const std::size_t offset = outer->headerLength();
  const std::uint8_t tos = outer->header.tos;
  // The packet could be trimmed to outer->payload: trailing octets beyond Total Length.
  const std::size_t inner_size = outer->payload.size();
  if (packet.size() > offset + inner_size &&
      !packet.trimBack(packet.size() - offset - inner_size)) {
    return dropReverse(DropReason::Malformed, {});
  }

  std::array<std::size_t, kMaxCandidates> candidates{};
  std::size_t count = 0;
  auto [first, last] = ip_in_ip_by_care_of_.equal_range(source);
  for (auto it = first; it != last && count < kMaxCandidates; ++it) {
    if (activeBinding(it->second, now) != nullptr) candidates[count++] = it->second;
  }
  if (count == 0 && protocol == wire::ip_protocol::kIpv6) {
    // RFC 5454 §3.3.2: IPv6 tunnelled from the IPv4 home address (the inner layer of a double
    // encapsulation whose IPv4 packet the kernel had to reassemble first).
    const auto home = node_by_home_address_.find(source);
    if (home != node_by_home_address_.end() && activeBinding(home->second, now) != nullptr) {
      candidates[count++] = home->second;
      return receiveIpv6Inner(packet, offset, std::span(candidates.data(), count), tos, true, now);
    }
  }
  if (count == 0) {
    if (udp_by_endpoint_.empty()) return dropReverse(DropReason::WrongOuterSource, {});
    for (const auto& [endpoint, node] : udp_by_endpoint_) {
      // The MN of a UDP binding must keep using UDP (RFC 3519 §4.7).
      if (endpoint.address == source) {
        return dropReverse(DropReason::TransportMismatch, nodes_[node].policy.home_address);
      }
    }
    return dropReverse(DropReason::WrongOuterSource, {});
  }
  const std::span<const std::size_t> span(candidates.data(), count);
  if (protocol == wire::ip_protocol::kIpv4) {
    return receiveIpv4Inner(packet, offset, span, tos, false, now);
  }
  return receiveIpv6Inner(packet, offset, span, tos, false, now);
}

ReceiveDecision HomeAgent::onUdpTunnelData(PacketBuffer& payload,
                                           const DatagramAddresses& addresses,
                                           std::optional<std::uint8_t> outer_tos, TimePoint now) {
  if (!addresses.destination.address.isUnspecified() &&
      addresses.destination.address != config_.address) {
    return dropReverse(DropReason::WrongOuterDestination, {});
  }
  auto data = wire::decodeTunnelData(payload.data());
  if (!data) return dropReverse(DropReason::Malformed, {});
  std::array<std::size_t, kMaxCandidates> candidates{};
  std::size_t count = 0;
  // RFC 3519 §4.3: the source address and port must be exactly those of the tunnel.
  auto [first, last] = udp_by_endpoint_.equal_range(addresses.source);
  for (auto it = first; it != last && count < kMaxCandidates; ++it) {
    if (activeBinding(it->second, now) != nullptr) candidates[count++] = it->second;
  }
  if (count == 0) {
    const auto ipip = ip_in_ip_by_care_of_.find(addresses.source.address);
    if (ipip != ip_in_ip_by_care_of_.end()) {
      return dropReverse(DropReason::TransportMismatch, nodes_[ipip->second].policy.home_address);
    }
    return dropReverse(DropReason::WrongUdpEndpoint, {});
  }
  const std::span<const std::size_t> span(candidates.data(), count);
  const std::size_t offset = wire::kTunnelDataHeaderSize;
  switch (data->next_header) {
    case wire::kTunnelDataNextHeaderIpv4:
      return receiveIpv4Inner(payload, offset, span, outer_tos, true, now);
    case wire::kTunnelDataNextHeaderIpv6: {
      // RFC 3519 §3.3: the Next Header must match the binding's mode; IPv6 straight in UDP is
      // only used for prefixes registered with code 1.
      bool any = false;
      for (const std::size_t n : span) any = any || nodes_[n].binding->has_care_of_prefix;
      if (!any) {
        return dropReverse(DropReason::NextHeaderMismatch, nodes_[span[0]].policy.home_address);
      }
      return receiveIpv6Inner(payload, offset, span, outer_tos, false, now);
    }
    default:
      return dropReverse(DropReason::NextHeaderMismatch, nodes_[span[0]].policy.home_address);
  }
}

ReceiveDecision HomeAgent::receiveIpv4Inner(PacketBuffer& packet, std::size_t offset,
                                            std::span<const std::size_t> candidates,
                                            std::optional<std::uint8_t> outer_tos, bool via_udp,
                                            TimePoint now) {
  const ByteView inner_bytes = packet.data().subspan(offset);
  auto inner = wire::decodeIpv4(inner_bytes);
  if (!inner) return dropReverse(DropReason::Malformed, nodes_[candidates[0]].policy.home_address);
  // RFC 3024 §4.2.1: the inner source must be the home address of the MN at that CoA.
  const auto match = std::find_if(candidates.begin(), candidates.end(), [&](std::size_t n) {
    return nodes_[n].policy.home_address == inner->header.source;
  });
  if (match == candidates.end()) {
    return dropReverse(DropReason::SpoofedInnerIpv4Source,
                       nodes_[candidates[0]].policy.home_address);
  }
  const std::size_t node = *match;
  const Ipv4Address home_address = nodes_[node].policy.home_address;
  if (inner->header.destination == config_.address && !inner->header.isFragment()) {
    if (via_udp && inner->header.protocol == wire::ip_protocol::kIcmp) {
      auto icmp = wire::decodeIcmpv4(inner->payload);
      if (icmp && icmp->type == wire::icmpv4_type::kEchoRequest) {
        return answerKeepalive(packet, offset, node, now);
      }
    }
    if (inner->header.protocol == wire::ip_protocol::kIpv6) {
      // RFC 5454 §3.3.2: IPv6 tunnelled from the home address inside the IPv4 tunnel. Apply the
      // outer traffic class to the middle header first, then decapsulate the IPv6 packet.
      std::optional<std::uint8_t> middle_tos = inner->header.tos;
      if (outer_tos) {
        const EgressTrafficClass middle =
            decapsulatedTrafficClass(inner->header.tos, *outer_tos, config_.traffic_class.dscp);
        if (middle.drop) return dropReverse(DropReason::EcnCeOnNotEct, home_address);
        if (middle.anomaly != wire::EcnAnomaly::None) ++stats_.ecn_anomalies;
        middle_tos = middle.traffic_class;
      }
      const std::size_t middle_size = inner->headerLength() + inner->payload.size();
      if (packet.size() > offset + middle_size &&
          !packet.trimBack(packet.size() - offset - middle_size)) {
        return dropReverse(DropReason::Malformed, home_address);
      }
      const std::array<std::size_t, 1> only{node};
      return receiveIpv6Inner(packet, offset + inner->headerLength(), only, middle_tos, true, now);
    }
  }
  EgressTrafficClass egress;
  if (outer_tos) {
    egress = decapsulatedTrafficClass(inner->header.tos, *outer_tos, config_.traffic_class.dscp);
    if (egress.drop) return dropReverse(DropReason::EcnCeOnNotEct, home_address);
  }
  const std::size_t inner_size = inner->headerLength() + inner->payload.size();
  if (!packet.trimFront(offset) ||
      (packet.size() > inner_size && !packet.trimBack(packet.size() - inner_size))) {
    return dropReverse(DropReason::Malformed, home_address);
  }
  if (outer_tos) {
    (void)rewriteInnerTrafficClass(packet.mutableData(), *outer_tos, config_.traffic_class.dscp);
    if (egress.anomaly != wire::EcnAnomaly::None) ++stats_.ecn_anomalies;
  }
  ++nodes_[node].binding->packets_from;
  ++stats_.reverse_ipv4;
  ReceiveDecision d;
  d.verdict = ReceiveVerdict::Deliver;
  d.home_address = home_address;
  d.ecn_anomaly = egress.anomaly;
  return d;
}

ReceiveDecision HomeAgent::receiveIpv6Inner(PacketBuffer& packet, std::size_t offset,
                                            std::span<const std::size_t> candidates,
                                            std::optional<std::uint8_t> outer_tos,
                                            bool from_home_address, TimePoint /*now*/) {
  const Ipv4Address first_home = nodes_[candidates[0]].policy.home_address;
  auto fields = readIpv6Fields(packet.data().subspan(offset));
  if (!fields) return dropReverse(DropReason::Malformed, first_home);
  // RFC 5454 §3.3.2, §4: the inner source must fall in a prefix registered by this MN; an
  // address of another MN's prefix or of none is a security exception.
  const PrefixTable::Entry* entry = prefixes_.find(fields->source);
  const auto match = entry == nullptr
                         ? candidates.end()
                         : std::find(candidates.begin(), candidates.end(), entry->node);
  if (match == candidates.end()) {
    return dropReverse(DropReason::SpoofedInnerIpv6Source, first_home);
  }
  const Ipv4Address home_address = nodes_[entry->node].policy.home_address;
  // A prefix registered with code 0 is accepted from the home address only; every prefix may
  // use the home-address tunnel (MLD, RFC 5454 §3.3.3; link-local, §3.7.1).
  if (!from_home_address && entry->mode != Ipv6TunnelMode::ToCareOfAddress) {
    return dropReverse(DropReason::TunnelModeMismatch, home_address);
  }
  if (!wire::isAcceptableTunnelInnerSource(fields->source)) {
    return dropReverse(DropReason::UnacceptableInnerSource, home_address);
  }
  EgressTrafficClass egress;
  if (outer_tos) {
    egress =
        decapsulatedTrafficClass(fields->traffic_class, *outer_tos, config_.traffic_class.dscp);
    if (egress.drop) return dropReverse(DropReason::EcnCeOnNotEct, home_address);
  }
  if (!packet.trimFront(offset)) return dropReverse(DropReason::Malformed, home_address);
  // RFC 4213 §3.6: the length comes from the IPv6 header (the IPv4 packet may be padded).
  const std::size_t ipv6_size =
      wire::kIpv6HeaderLength + ((std::size_t{packet.data()[4]} << 8) | packet.data()[5]);
  if (packet.size() > ipv6_size && !packet.trimBack(packet.size() - ipv6_size)) {
    return dropReverse(DropReason::Malformed, home_address);
  }
  if (outer_tos) {
    (void)rewriteInnerTrafficClass(packet.mutableData(), *outer_tos, config_.traffic_class.dscp);
    if (egress.anomaly != wire::EcnAnomaly::None) ++stats_.ecn_anomalies;
  }
  ++nodes_[entry->node].binding->packets_from;
  ++stats_.reverse_ipv6;
  ReceiveDecision d;
  d.verdict = ReceiveVerdict::Deliver;
  d.home_address = home_address;
  d.ecn_anomaly = egress.anomaly;
  return d;
}

ReceiveDecision HomeAgent::answerKeepalive(PacketBuffer& packet, std::size_t offset,
                                           std::size_t node, TimePoint now) {
  // RFC 3519 §4.9: the HA answers the MN's UDP-encapsulated ICMP Echo Request through the same
  // tunnel. The request becomes the reply in place: addresses swapped, type 0, checksums redone.
  Binding& binding = *nodes_[node].binding;
  const Ipv4Address home_address = nodes_[node].policy.home_address;
  if (!packet.trimFront(offset)) return dropReverse(DropReason::Malformed, home_address);
  MutableByteView ip = packet.mutableData();
  const std::size_t header_length = static_cast<std::size_t>(ip[0] & 0x0F) * 4;
  const std::size_t total = (std::size_t{ip[2]} << 8) | ip[3];
  if (packet.size() > total && !packet.trimBack(packet.size() - total)) {
    return dropReverse(DropReason::Malformed, home_address);
  }
  ip = packet.mutableData();
  for (std::size_t i = 0; i < 4; ++i) std::swap(ip[12 + i], ip[16 + i]);
  ip[8] = config_.tunnel_ttl;
  ip[10] = 0;
  ip[11] = 0;
  const std::uint16_t ip_checksum = wire::internetChecksum(ip.first(header_length));
  ip[10] = static_cast<std::uint8_t>(ip_checksum >> 8);
  ip[11] = static_cast<std::uint8_t>(ip_checksum);
  MutableByteView icmp = ip.subspan(header_length);
  icmp[0] = wire::icmpv4_type::kEchoReply;
  icmp[2] = 0;
  icmp[3] = 0;
  const std::uint16_t icmp_checksum = wire::internetChecksum(icmp);
  icmp[2] = static_cast<std::uint8_t>(icmp_checksum >> 8);
  icmp[3] = static_cast<std::uint8_t>(icmp_checksum);

  binding.last_keepalive = now;
  ++stats_.keepalives_received;
  ReceiveDecision d;
  d.verdict = ReceiveVerdict::Reply;
  d.home_address = home_address;
  d.reply.udp =
      UdpEncapsulation{wire::kTunnelDataNextHeaderIpv4, config_.port, binding.udp_endpoint.port};
  d.reply.outer = tunnelHeader(binding.udp_endpoint.address, wire::ip_protocol::kUdp, 0, false);
  return d;
}

// ---------------------------------------------------------------------------------------------
// Snapshot

HomeAgentSnapshot HomeAgent::snapshot(TimePoint now) const {
  HomeAgentSnapshot s;
  s.address = config_.address;
  s.mobile_nodes = nodes_.size();
  s.stats = stats_;
  for (const Node& node : nodes_) {
    if (!node.binding) continue;
    const Binding& b = *node.binding;
    HomeAgentBindingInfo info;
    info.home_address = node.policy.home_address;
    info.care_of_address = b.care_of_address;
    info.request_source = b.request_source;
    info.nat_detected = b.nat_detected;
    info.transport = b.udp ? TunnelTransport::Udp : TunnelTransport::IpInIp;
    if (b.udp) info.udp_endpoint = b.udp_endpoint;
    info.udp_forced = b.udp_forced;
    info.keepalive_interval = b.keepalive_interval;
    if (b.last_keepalive) info.since_last_keepalive = now - *b.last_keepalive;
    info.reverse_tunnel = b.reverse_tunnel;
    info.lifetime = b.lifetime;
    if (b.expires) info.remaining = std::max(Duration{0}, *b.expires - now);
    info.age = now - b.created;
    info.identification = b.identification;
    for (const PrefixBinding& p : b.prefixes) {
      info.prefixes.push_back(HomeAgentPrefixInfo{p.prefix, p.link_local, p.mode});
    }
    info.packets_to_mobile_node = b.packets_to;
    info.packets_from_mobile_node = b.packets_from;
    s.bindings.push_back(std::move(info));
  }
  return s;
}

}  // namespace dsmip::dsmip4
