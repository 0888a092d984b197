#include "dsmip6/home_agent.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "wire/icmpv6.hpp"
#include "wire/ip_protocol.hpp"

namespace dsmip::dsmip6 {

namespace {

using wire::BindingAckStatus;

constexpr std::size_t kPendingRefreshCapacity = 64;
constexpr std::size_t kHoldOffCapacity = 256;
// One unsolicited Binding Refresh Request per home address per second (MAX_UPDATE_RATE spirit).
constexpr Duration kRefreshRequestHoldOff = std::chrono::seconds(1);

// The reverse of an inbound transport: where a reply goes.
Transport replyTransport(const Transport& inbound) {
  switch (inbound.kind) {
    case TransportKind::Ipv6:
      return Transport::ipv6();
    case TransportKind::UdpIpv4:
      return Transport::udp(inbound.ipv4_destination, inbound.ipv4_source);
    case TransportKind::Ipv4Protocol41:
      return Transport::protocol41(inbound.ipv4_destination.address, inbound.ipv4_source.address);
  }
  return Transport::ipv6();
}

// fe80::/64 with the interface identifier of `a` (RFC 6275 §10.3.1, the L flag).
Ipv6Address linkLocalOf(const Ipv6Address& a) {
  Ipv6Address ll;
  ll.bytes[0] = 0xfe;
  ll.bytes[1] = 0x80;
  for (std::size_t i = 8; i < 16; ++i) ll.bytes[i] = a.bytes[i];
  return ll;
}

bool isStatusAlwaysSent(BindingAckStatus status) {
  // RFC 6275 §9.5.4: these go back even when the BU did not ask for a BA.
  return status == BindingAckStatus::SequenceNumberOutOfWindow ||
         status == BindingAckStatus::InsufficientResources ||
         status == BindingAckStatus::ExpiredHomeNonceIndex ||
         status == BindingAckStatus::ExpiredCareOfNonceIndex ||
         status == BindingAckStatus::ExpiredNonces;
}

std::uint32_t lifetimeSeconds(std::optional<TimePoint> until, TimePoint now) {
  if (!until) return 0xFFFFFFFFu;  // infinity (RFC 4861 §4.6.2)
  if (*until <= now) return 0;
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(*until - now).count();
  return s >= 0xFFFFFFFFLL ? 0xFFFFFFFEu : static_cast<std::uint32_t>(s);
}

bool contains(const std::vector<Ipv6Prefix>& v, const Ipv6Prefix& p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}

bool containsPrefix(const std::vector<Ipv4Binding>& v, const Ipv4Prefix& p) {
  return std::any_of(v.begin(), v.end(), [&](const Ipv4Binding& b) { return b.prefix == p; });
}

}  // namespace

// Everything the BU processing steps share.
struct HomeAgent::BuContext {
  const ParsedSignalling& packet;
  const wire::BindingUpdate& bu;
  const Inbound& inbound;
  Ipv6Address home_address;
  CareOfAddress care_of;
  bool via_udp = false;
  bool nat = false;
  const MobileNodePolicy* policy = nullptr;
  BindingCacheEntry* entry = nullptr;  // existing entry (active or de-registered)
  std::vector<Ipv6Prefix> prefixes;    // mobile network prefixes to forward
};

HomeAgent::HomeAgent(HomeAgentConfig config, RandomSource& random)
    : config_(std::move(config)),
      random_(random),
      error_limiter_(config_.error_rate, std::max(1.0, 2 * config_.error_rate)) {
  if (config_.ipv4_pool) pool_ = Ipv4AddressPool(*config_.ipv4_pool);
  for (const auto& p : config_.home_prefixes) prefixes_.push_back(PrefixLifetime{p, {}, {}});
  for (std::size_t i = 0; i < config_.mobile_nodes.size(); ++i) {
    policy_index_.emplace(config_.mobile_nodes[i].home_address, i);
  }
  any_policy_.dynamic_ipv4 = config_.any_home_address_dynamic_ipv4;
  pending_refresh_requests_.reserve(kPendingRefreshCapacity);
  refresh_hold_offs_.reserve(kHoldOffCapacity);
  next_identification_ = static_cast<std::uint16_t>(random_.u32());
}

HomeAgentActions HomeAgent::onStart(TimePoint now) {
  last_now_ = std::max(last_now_, now);
  HomeAgentActions out;
  out.push_back(InterceptIpv6Address{config_.address, true, true});
  event(EventKind::Started, LogLevel::Info,
        fmt::format("home agent {} serving {} home prefix(es)", config_.address.toString(),
                    config_.home_prefixes.size()),
        out);
  return out;
}

HomeAgentActions HomeAgent::onStop(TimePoint now) {
  last_now_ = std::max(last_now_, now);
  HomeAgentActions out;
  cache_.forEach([&](const BindingCacheEntry& entry) {
    if (!entry.active()) return;
    out.push_back(InterceptIpv6Address{entry.home_address, false, entry.mobile_router});
    if (entry.link_local) {
      out.push_back(InterceptIpv6Address{linkLocalOf(entry.home_address), false, false});
    }
    for (const auto& p : entry.mobile_network_prefixes) out.push_back(RouteIpv6Prefix{p, false});
    for (const auto& b : entry.ipv4) {
      if (b.prefix.length == 32) {
        out.push_back(InterceptIpv4Address{b.prefix.address, false});
      } else {
        out.push_back(RouteIpv4Prefix{b.prefix, false});
      }
    }
  });
  out.push_back(InterceptIpv6Address{config_.address, false, true});
  return out;
}

void HomeAgent::event(EventKind kind, LogLevel level, std::string message, HomeAgentActions& out) {
  out.push_back(Event{kind, level, std::move(message)});
}

void HomeAgent::dropSignalling(SignallingDrop reason) {
  ++stats_.signalling_drops[static_cast<std::size_t>(reason)];
}

const MobileNodePolicy* HomeAgent::policyFor(const Ipv6Address& home_address) const {
  auto it = policy_index_.find(home_address);
  if (it != policy_index_.end()) return &config_.mobile_nodes[it->second];
  if (config_.accept_any_home_address) {
    for (const auto& p : config_.home_prefixes) {
      if (p.contains(home_address)) return &any_policy_;
    }
  }
  return nullptr;
}

const HomeAgent::PrefixLifetime* HomeAgent::homePrefixFor(const Ipv6Address& address,
                                                          TimePoint now) const {
  for (const auto& p : prefixes_) {
    if (!p.prefix.contains(address)) continue;
    // A prefix with less than one lifetime unit left is no longer a home prefix.
    if (p.valid_until && *p.valid_until - now < wire::kMhLifetimeUnit) continue;
    return &p;
  }
  return nullptr;
}

bool HomeAgent::duplicateAddress(const Ipv6Address& home_address, bool link_local,
                                 const BindingCacheEntry* self) const {
  // The DSMIPv6 daemon cannot run DAD on the home link from userspace (RFC 6275 §10.3.1);
  // it checks what it knows to be in use instead (docs/dsmip6.md).
  if (home_address == config_.address) return true;
  const auto& reserved = config_.reserved_addresses;
  if (std::find(reserved.begin(), reserved.end(), home_address) != reserved.end()) return true;
  if (link_local) {
    const Ipv6Address ll = linkLocalOf(home_address);
    if (ll == linkLocalOf(config_.address)) return true;
    if (std::find(reserved.begin(), reserved.end(), ll) != reserved.end()) return true;
    const bool own = self && self->active() && self->link_local;
    const auto count = std::count(link_locals_.begin(), link_locals_.end(), ll);
    if (count > (own ? 1 : 0)) return true;
  }
  return false;
}

// --- Signalling ------------------------------------------------------------------------------

HomeAgentActions HomeAgent::onSignalling(ByteView packet, const Inbound& inbound, TimePoint now) {
  last_now_ = std::max(last_now_, now);
  HomeAgentActions out;
  ++stats_.signalling_received;
  SignallingParse parse = parseSignalling(packet);
  if (!parse.packet) {
    dropSignalling(parse.drop);
    if (parse.parameter_problem_pointer && parse.ipv6_source &&
        parse.ipv6_source->isUnicastRoutable()) {
      if (!error_limiter_.tryTake(now)) {
        ++stats_.rate_limited;
        return out;
      }
      // RFC 6275 §9.2: straight to the packet's source, no binding cache lookup.
      auto problem = buildParameterProblemPacket(packet, *parse.parameter_problem_pointer,
                                                 config_.address, *parse.ipv6_source);
      if (problem) {
        ++stats_.parameter_problems_sent;
        out.push_back(SendSignalling{std::move(*problem), replyTransport(inbound.transport)});
      }
    }
    return out;
  }
  const ParsedSignalling& p = *parse.packet;
  if (config_.require_esp && !inbound.esp_protected) {
    dropSignalling(SignallingDrop::Unprotected);
    return out;
  }
  if (p.destination != config_.address || p.ip.routing_home_address) {
    dropSignalling(SignallingDrop::NotForUs);
    return out;
  }
  // RFC 6275 §9.3.1: a Home Address option on anything but MH (or ESP, already removed) needs
  // a binding whose care-of address is the packet's source.
  if (p.ip.home_address && !p.mobility && !inbound.esp_protected) {
    const BindingCacheEntry* entry = cache_.find(*p.ip.home_address);
    const auto* coa = entry ? std::get_if<Ipv6Address>(&entry->care_of) : nullptr;
    if (!entry || !entry->active() || !coa || *coa != p.ip.header.source) {
      dropSignalling(SignallingDrop::UnknownBinding);
      sendBindingError(p, inbound, wire::BindingErrorStatus::UnknownBindingForHomeAddress, now,
                       out);
      return out;
    }
  }
  if (p.mobility) {
    if (const auto* bu = std::get_if<wire::BindingUpdate>(&*p.mobility)) {
      processBindingUpdate(p, *bu, inbound, now, out);
    } else if (std::holds_alternative<wire::UnknownMobilityMessage>(*p.mobility)) {
      dropSignalling(SignallingDrop::UnexpectedMessage);
      sendBindingError(p, inbound, wire::BindingErrorStatus::UnrecognizedMhType, now, out);
    } else {
      dropSignalling(SignallingDrop::UnexpectedMessage);
    }
    return out;
  }
  switch (p.icmpv6->type) {
    case wire::icmpv6_type::kMobilePrefixSolicitation:
      processMobilePrefixSolicitation(p, inbound, now, out);
      break;
    case wire::icmpv6_type::kEchoRequest:
      processEchoRequest(p, inbound, out);
      break;
    default:
      dropSignalling(SignallingDrop::UnexpectedMessage);
      break;
  }
  return out;
}

void HomeAgent::processBindingUpdate(const ParsedSignalling& packet, const wire::BindingUpdate& bu,
                                     const Inbound& inbound, TimePoint now, HomeAgentActions& out) {
  ++stats_.binding_updates_received;
  BuContext ctx{packet, bu, inbound, {}, {}, false, false, nullptr, nullptr, {}};
  ctx.via_udp = inbound.transport.kind == TransportKind::UdpIpv4;
  // The home address: the Home Address option, else the source (RFC 6275 §9.5.1; a UDP BU
  // from an IPv4 network is sourced from the home address, decision D6).
  ctx.home_address = packet.ip.home_address.value_or(packet.ip.header.source);
  if (!ctx.home_address.isUnicastRoutable()) {
    dropSignalling(SignallingDrop::InvalidHomeAddress);
    return;
  }
  if (inbound.esp_home_address && *inbound.esp_home_address != ctx.home_address) {
    dropSignalling(SignallingDrop::SecurityAssociationMismatch);
    return;
  }
  // The care-of address: IPv4 CoA option (RFC 5555 §3.1.2), Alternate CoA option, or source.
  if (const auto* v4 = wire::findOption<wire::Ipv4CareOfAddressOption>(bu.options)) {
    if (!ctx.via_udp) {
      dropSignalling(SignallingDrop::Ipv4NotOverUdp);
      return;
    }
    ctx.care_of = v4->care_of_address;
    // NAT detection: outer IPv4 source against the IPv4 CoA option (RFC 5555 §4.2, §4.5).
    ctx.nat = inbound.transport.ipv4_source.address != v4->care_of_address;
  } else {
    if (ctx.via_udp) {
      dropSignalling(SignallingDrop::UdpWithoutIpv4CareOf);
      return;
    }
    if (inbound.transport.kind != TransportKind::Ipv6) {
      dropSignalling(SignallingDrop::Ipv4NotOverUdp);
      return;
    }
    const auto* alternate = wire::findOption<wire::AlternateCareOfAddressOption>(bu.options);
    const Ipv6Address coa = alternate ? alternate->care_of_address : packet.ip.header.source;
    if (!coa.isUnicastRoutable()) {
      dropSignalling(SignallingDrop::InvalidCareOfAddress);
      return;
    }
    ctx.care_of = coa;
  }
  const bool home = bu.has(wire::kBuFlagHomeRegistration);
  if (home && wire::findOption<wire::NonceIndicesOption>(bu.options)) {
    dropSignalling(SignallingDrop::NonceIndicesInHomeRegistration);
    return;
  }
  ctx.entry = cache_.find(ctx.home_address);
  if (!home && !ctx.entry) {
    // A correspondent registration: no route optimisation here, and without return
    // routability it could not be authorised anyway (RFC 6275 §9.5.1).
    if (bu.has(wire::kBuFlagMobileRouter)) {
      reject(ctx, BindingAckStatus::MobileRouterOperationNotPermitted, now, out);
      return;
    }
    dropSignalling(SignallingDrop::NotHomeRegistration);
    return;
  }
  // Sequence number (RFC 6275 §9.5.1), also against a de-registered entry.
  if (ctx.entry && !isNewerSequence(bu.sequence, ctx.entry->sequence)) {
    reject(ctx, BindingAckStatus::SequenceNumberOutOfWindow, now, out);
    return;
  }
  if (!home) {
    // R needs H (RFC 3963 §6.2); otherwise the entry's H differs (RFC 6275 §9.5.1: 139).
    reject(ctx,
           bu.has(wire::kBuFlagMobileRouter) ? BindingAckStatus::MobileRouterOperationNotPermitted
                                             : BindingAckStatus::RegistrationTypeChangeDisallowed,
           now, out);
    return;
  }
  const auto* coa6 = std::get_if<Ipv6Address>(&ctx.care_of);
  const bool deregistration = bu.lifetime_units == 0 || (coa6 && *coa6 == ctx.home_address);

  // RFC 6275 §10.3.1, in order.
  if (!config_.home_registration) {
    reject(ctx, BindingAckStatus::HomeRegistrationNotSupported, now, out);
    return;
  }
  if (!homePrefixFor(ctx.home_address, now)) {
    reject(ctx, BindingAckStatus::NotHomeSubnet, now, out);
    return;
  }
  ctx.policy = policyFor(ctx.home_address);
  if (!ctx.policy) {
    reject(ctx, BindingAckStatus::AdministrativelyProhibited, now, out);
    return;
  }
  if (deregistration) {
    if (!ctx.entry || !ctx.entry->active()) {
      reject(ctx, BindingAckStatus::NotHomeAgentForThisMobileNode, now, out);
      return;
    }
    acceptDeregistration(ctx, *ctx.entry, now, out);
    return;
  }
  // A home registration from away carries a Home Address option, except over UDP/IPv4 with an
  // IPv4 CoA option (decision D6).
  if (!ctx.via_udp && !packet.ip.home_address) {
    dropSignalling(SignallingDrop::MissingHomeAddressOption);
    return;
  }
  const bool active_entry = ctx.entry && ctx.entry->active();
  const bool router = bu.has(wire::kBuFlagMobileRouter);
  if (router && !ctx.policy->mobile_router) {
    reject(ctx, BindingAckStatus::MobileRouterOperationNotPermitted, now, out);
    return;
  }
  if (active_entry && ctx.entry->mobile_router != router) {
    reject(ctx, BindingAckStatus::RegistrationTypeChangeDisallowed, now, out);  // RFC 3963 §6.2
    return;
  }
  if (!active_entry && cache_.activeCount() >= config_.max_bindings) {
    reject(ctx, BindingAckStatus::InsufficientResources, now, out);
    return;
  }
  const bool link_local = bu.has(wire::kBuFlagLinkLocal);
  if ((!active_entry || (link_local && !ctx.entry->link_local)) &&
      duplicateAddress(ctx.home_address, link_local, ctx.entry)) {
    reject(ctx, BindingAckStatus::DuplicateAddressDetectionFailed, now, out);
    return;
  }
  // A care-of address the home agent cannot use: inside a home prefix (the MN is at home, so
  // this is no registration) or one of its own addresses (RFC 6275 §6.1.8, status 174).
  if (coa6) {
    const bool own = *coa6 == config_.address;
    const bool at_home = homePrefixFor(*coa6, now) != nullptr;
    if (own || at_home) {
      reject(ctx, BindingAckStatus::InvalidCareOfAddress, now, out);
      return;
    }
  } else {
    const Ipv4Address& coa4 = std::get<Ipv4Address>(ctx.care_of);
    if (!coa4.isUnicast() || coa4.isLoopback() ||
        (config_.ipv4_address && coa4 == *config_.ipv4_address)) {
      reject(ctx, BindingAckStatus::InvalidCareOfAddress, now, out);
      return;
    }
  }
  // NEMO (RFC 3963 §6.2): explicit mode lists the prefixes, implicit mode uses the config.
  if (router) {
    const auto options = wire::findAllOptions<wire::MobileNetworkPrefixOption>(bu.options);
    if (!options.empty()) {
      for (const auto* option : options) {
        const Ipv6Prefix prefix = option->toPrefix().normalised();
        bool valid = wire::validateMobileNetworkPrefixOption(*option).has_value() &&
                     prefix.address.isUnicastRoutable();
        for (const auto& h : config_.home_prefixes) valid = valid && !h.overlaps(prefix);
        BindingCacheEntry* owner = cache_.ownerOfIpv6Prefix(prefix);
        if (owner && owner != ctx.entry && owner->active()) valid = false;
        if (!valid) {
          reject(ctx, BindingAckStatus::InvalidPrefix, now, out);
          return;
        }
      }
      for (const auto* option : options) {
        const Ipv6Prefix prefix = option->toPrefix().normalised();
        const bool authorised =
            std::any_of(ctx.policy->mobile_network_prefixes.begin(),
                        ctx.policy->mobile_network_prefixes.end(), [&](const Ipv6Prefix& mine) {
                          return mine.length <= prefix.length && mine.contains(prefix.address);
                        });
        if (!authorised) {
          reject(ctx, BindingAckStatus::NotAuthorizedForPrefix, now, out);
          return;
        }
        if (!contains(ctx.prefixes, prefix)) ctx.prefixes.push_back(prefix);
      }
    } else {
      if (ctx.policy->mobile_network_prefixes.empty()) {
        reject(ctx, BindingAckStatus::ForwardingSetupFailed, now, out);
        return;
      }
      for (const auto& prefix : ctx.policy->mobile_network_prefixes) {
        BindingCacheEntry* owner = cache_.ownerOfIpv6Prefix(prefix);
        if (owner && owner != ctx.entry && owner->active()) {
          reject(ctx, BindingAckStatus::ForwardingSetupFailed, now, out);
          return;
        }
        ctx.prefixes.push_back(prefix.normalised());
      }
    }
  }
  // RFC 5555 §4.5: F asks for UDP, which needs an IPv4 care-of address and the policy's consent
  // (decision D2: refusal is status 144).
  if (bu.has(wire::kBuFlagForceUdp) && (coa6 || config_.force_udp == ForceUdpPolicy::Refuse)) {
    reject(ctx, wire::kBaStatusCannotForceUdp, now, out);
    return;
  }
  acceptRegistration(ctx, now, out);
}

void HomeAgent::reject(BuContext& ctx, BindingAckStatus status, TimePoint now,
                       HomeAgentActions& out) {
  const bool home = ctx.bu.has(wire::kBuFlagHomeRegistration);
  if (reject_log_limiter_.allow(now)) {
    event(EventKind::BindingRejected, LogLevel::Warn,
          fmt::format("binding update for {} from {} rejected: {} ({})",
                      ctx.home_address.toString(), ctx.inbound.transport.toString(),
                      static_cast<unsigned>(status), wire::baStatusName(status)),
          out);
  }
  // RFC 6275 §9.5.4: always for a home registration; otherwise when asked or for the codes
  // that must be reported anyway.
  if (!home && !ctx.bu.has(wire::kBuFlagAcknowledge) && !isStatusAlwaysSent(status)) {
    ++stats_.binding_ack_status[static_cast<std::size_t>(status)];
    return;
  }
  wire::BindingAck ack;
  ack.status = status;
  // 135 carries the last accepted sequence number (RFC 6275 §9.5.1).
  ack.sequence = status == BindingAckStatus::SequenceNumberOutOfWindow && ctx.entry
                     ? ctx.entry->sequence
                     : ctx.bu.sequence;
  ack.lifetime_units = 0;
  sendBindingAck(ctx, ack, out);
}

void HomeAgent::sendBindingAck(const BuContext& ctx, const wire::BindingAck& ack_in,
                               HomeAgentActions& out) {
  wire::BindingAck ack = ack_in;
  if (ctx.via_udp) {
    // Every BA answering a UDP-encapsulated BU carries the NAT Detection option (RFC 5555
    // §4.2); all ones means no NAT (§3.2.2).
    wire::NatDetectionOption nat;
    nat.force_udp = config_.require_udp;
    nat.refresh_time =
        ctx.nat ? static_cast<std::uint32_t>(
                      std::chrono::duration_cast<std::chrono::seconds>(config_.nat_refresh_time)
                          .count())
                : wire::kNatRefreshNoNat;
    ack.options.push_back(nat);
  }
  Result<Bytes> bytes = Unexpected{Error{}};
  Transport transport;
  if (ctx.via_udp) {
    // The inner destination is the home address; no routing header (decision D5).
    bytes = buildMobilityPacket(ack, config_.address, ctx.home_address);
    transport = replyTransport(ctx.inbound.transport);
  } else {
    // To the BU's source; with a type 2 routing header when the BU had a Home Address option
    // (RFC 6275 §9.5.4).
    wire::Ipv6Extensions ext;
    if (ctx.packet.ip.home_address && ctx.packet.ip.header.source != ctx.home_address) {
      ext.routing_home_address = ctx.home_address;
    }
    bytes = buildMobilityPacket(ack, config_.address, ctx.packet.ip.header.source, ext);
    transport = Transport::ipv6();
  }
  if (!bytes) return;
  ++stats_.binding_acks_sent;
  ++stats_.binding_ack_status[static_cast<std::size_t>(ack.status)];
  for (const auto& option : ack.options) {
    if (const auto* v4 = std::get_if<wire::Ipv4AddressAckOption>(&option)) {
      ++stats_.ipv4_ack_status[static_cast<std::size_t>(v4->status)];
    }
  }
  out.push_back(SendSignalling{std::move(*bytes), transport});
}

void HomeAgent::acceptRegistration(BuContext& ctx, TimePoint now, HomeAgentActions& out) {
  const wire::BindingUpdate& bu = ctx.bu;
  const MobileNodePolicy& policy = *ctx.policy;
  // --- IPv4 home address options (RFC 5555 §4.5) ---
  std::vector<wire::Ipv4AddressAckOption> acks;
  std::vector<Ipv4Binding> ipv4;
  std::vector<Ipv4Prefix> prefixes_given;
  bool address_given = false;
  for (const auto* option : wire::findAllOptions<wire::Ipv4HomeAddressOption>(bu.options)) {
    wire::Ipv4AddressAckOption ack;
    ack.home_address = option->home_address;
    ack.prefix_length = 0;
    const auto fail = [&](wire::Ipv4AckStatus status) {
      ack.status = status;
      ack.prefix_length = 0;
      acks.push_back(ack);
    };
    if (!wire::validateIpv4HomeAddressOption(*option)) {
      fail(wire::Ipv4AckStatus::FailureReasonUnspecified);  // Prefix-len 0 or above 32
      continue;
    }
    const Ipv4Prefix asked = Ipv4Prefix{option->home_address, option->prefix_length}.normalised();
    const bool prefix_request =
        option->prefix_requested ||
        (!option->home_address.isUnspecified() && option->prefix_length < 32);
    if (prefix_request) {
      const auto& mine = policy.ipv4_mobile_network_prefixes;
      if (mine.empty()) {
        fail(wire::Ipv4AckStatus::PrefixAllocationUnauthorized);
        continue;
      }
      std::optional<Ipv4Prefix> chosen;
      if (option->home_address.isUnspecified()) {
        // Prefer a configured prefix of the requested length, else any one not yet given
        // (RFC 5555 §4.5: SHOULD allocate the requested length).
        for (int pass = 0; pass < 2 && !chosen; ++pass) {
          for (const auto& p : mine) {
            if (std::find(prefixes_given.begin(), prefixes_given.end(), p) != prefixes_given.end())
              continue;
            if (pass == 0 && p.length != option->prefix_length) continue;
            chosen = p;
            break;
          }
        }
      } else if (std::find(mine.begin(), mine.end(), asked) != mine.end()) {
        chosen = asked;
      }
      if (!chosen) {
        fail(wire::Ipv4AckStatus::PrefixAllocationUnauthorized);
        continue;
      }
      prefixes_given.push_back(*chosen);
      ipv4.push_back(Ipv4Binding{*chosen, false});
      ack.status = wire::Ipv4AckStatus::Success;
      ack.prefix_length = chosen->length;
      ack.home_address = chosen->address;
      acks.push_back(ack);
      continue;
    }
    if (address_given) {
      fail(wire::Ipv4AckStatus::FailureReasonUnspecified);  // one IPv4 home address per MN
      continue;
    }
    std::optional<Ipv4Binding> binding;
    if (option->home_address.isUnspecified()) {
      // A dynamic request (0.0.0.0): the static address if there is one, else the pool.
      if (policy.ipv4_home_address) {
        binding = Ipv4Binding{Ipv4Prefix{*policy.ipv4_home_address, 32}, false};
      } else if (policy.dynamic_ipv4) {
        auto leased = pool_.allocate(ctx.home_address);
        if (!leased) {
          fail(wire::Ipv4AckStatus::DynamicIpv4HomeAddressNotAvailable);
          continue;
        }
        binding = Ipv4Binding{Ipv4Prefix{*leased, 32}, true};
      } else {
        fail(wire::Ipv4AckStatus::AdministrativelyProhibited);
        continue;
      }
    } else if (!option->home_address.isUnicast() || option->home_address.isLoopback()) {
      fail(wire::Ipv4AckStatus::InvalidIpv4Address);
      continue;
    } else if (policy.ipv4_home_address && *policy.ipv4_home_address == option->home_address) {
      binding = Ipv4Binding{Ipv4Prefix{option->home_address, 32}, false};
    } else if (policy.dynamic_ipv4 &&
               pool_.allocateSpecific(option->home_address, ctx.home_address)) {
      binding = Ipv4Binding{Ipv4Prefix{option->home_address, 32}, true};
    } else if (!policy.ipv4_home_address && !policy.dynamic_ipv4) {
      fail(wire::Ipv4AckStatus::AdministrativelyProhibited);
      continue;
    } else {
      // Not the address allocated to the mobile node owning this HoA (RFC 5555 §4.5, §5).
      fail(wire::Ipv4AckStatus::IncorrectIpv4HomeAddress);
      continue;
    }
    address_given = true;
    ipv4.push_back(*binding);
    ack.status = wire::Ipv4AckStatus::Success;
    ack.prefix_length = 32;
    ack.home_address = binding->prefix.address;
    acks.push_back(ack);
  }

  // --- Lifetime and status (RFC 6275 §10.3.1) ---
  const PrefixLifetime* home_prefix = homePrefixFor(ctx.home_address, now);
  Duration granted = std::min(bu.lifetime(), config_.max_binding_lifetime);
  if (home_prefix->valid_until) granted = std::min(granted, *home_prefix->valid_until - now);
  granted = wire::mhLifetime(wire::mhLifetimeUnits(granted));  // whole units, rounded down
  const bool deprecated =
      home_prefix->preferred_until && *home_prefix->preferred_until < now + granted;

  // --- Encapsulation (RFC 5555 §4.2, §4.5; decision D3) ---
  const bool v4 = isIpv4(ctx.care_of);
  const bool force = bu.has(wire::kBuFlagForceUdp) || config_.require_udp;
  const bool tlv = v4 && bu.has(wire::kBuFlagTlvHeader) && config_.tlv_header;
  Encapsulation encapsulation = Encapsulation::Ipv6;
  if (v4) {
    encapsulation = (ctx.nat || force) ? (tlv ? Encapsulation::UdpTlv : Encapsulation::Udp)
                                       : Encapsulation::Ipv4;
  }

  // --- The entry ---
  BindingCacheEntry* entry = ctx.entry;
  const bool created = !entry || !entry->active();
  if (!entry) {
    entry = &cache_.insert(ctx.home_address);
    entry->created_at = now;
  } else if (!entry->active()) {
    cache_.setState(*entry, BindingState::Active);
    entry->created_at = now;
    entry->packets_to_mobile_node = entry->bytes_to_mobile_node = 0;
    entry->packets_from_mobile_node = entry->bytes_from_mobile_node = 0;
  }
  const CareOfAddress old_care_of = entry->care_of;
  const auto old_endpoint = entry->udp_endpoint;
  const Encapsulation old_encapsulation = entry->encapsulation;
  const bool old_nat = entry->nat_detected;
  const bool router = bu.has(wire::kBuFlagMobileRouter);
  const bool link_local = bu.has(wire::kBuFlagLinkLocal);

  if (created) {
    ++stats_.bindings_created;
    out.push_back(InterceptIpv6Address{ctx.home_address, true, router});
  }
  if (link_local && (created || !entry->link_local)) {
    link_locals_.push_back(linkLocalOf(ctx.home_address));
    out.push_back(InterceptIpv6Address{linkLocalOf(ctx.home_address), true, false});
  } else if (!link_local && !created && entry->link_local) {
    const Ipv6Address ll = linkLocalOf(ctx.home_address);
    auto it = std::find(link_locals_.begin(), link_locals_.end(), ll);
    if (it != link_locals_.end()) link_locals_.erase(it);
    out.push_back(InterceptIpv6Address{ll, false, false});
  }
  // Mobile network prefixes: stop forwarding those missing from this BU (RFC 3963 §6.2).
  for (const auto& p : entry->mobile_network_prefixes) {
    if (!contains(ctx.prefixes, p)) {
      if (cache_.ownerOfIpv6Prefix(p) == entry) cache_.unindexIpv6Prefix(p);
      out.push_back(RouteIpv6Prefix{p, false});
    }
  }
  for (const auto& p : ctx.prefixes) {
    if (!contains(entry->mobile_network_prefixes, p)) {
      cache_.indexIpv6Prefix(p, entry);
      out.push_back(RouteIpv6Prefix{p, true});
    }
  }
  entry->mobile_network_prefixes = ctx.prefixes;
  // IPv4 bindings: a BU without an IPv4 HoA option removes the IPv4 binding (RFC 5555 §4.4.2.1).
  releaseIpv4(*entry, ipv4, out);
  for (const auto& b : ipv4) {
    if (containsPrefix(entry->ipv4, b.prefix)) continue;
    cache_.indexIpv4(b.prefix, entry);
    if (b.prefix.length == 32) {
      out.push_back(InterceptIpv4Address{b.prefix.address, true});
      if (b.dynamic) {
        event(EventKind::Ipv4HomeAddressAssigned, LogLevel::Info,
              fmt::format("ipv4 home address {} leased to {}", b.prefix.address.toString(),
                          ctx.home_address.toString()),
              out);
      }
    } else {
      out.push_back(RouteIpv4Prefix{b.prefix, true});
    }
  }
  entry->ipv4 = ipv4;

  entry->care_of = ctx.care_of;
  entry->udp_endpoint.reset();
  if (ctx.via_udp) {
    entry->udp_endpoint = ctx.inbound.transport.ipv4_source;
    entry->local_ipv4 = ctx.inbound.transport.ipv4_destination.address;
  }
  entry->encapsulation = encapsulation;
  entry->nat_detected = ctx.nat;
  entry->sequence = bu.sequence;
  entry->flags = bu.flags;
  entry->mobile_router = router;
  entry->link_local = link_local;
  entry->refresh_requested = false;
  entry->lifetime = granted;
  entry->updated_at = now;
  entry->expires_at = now + granted;
  scheduleEntry(*entry);

  if (ctx.nat) {
    ++stats_.nat_detected;
    if (created || !old_nat || old_endpoint != entry->udp_endpoint) {
      event(EventKind::NatDetected, LogLevel::Info,
            fmt::format("nat detected for {}: care-of {} seen as {}", ctx.home_address.toString(),
                        careOfToString(ctx.care_of), entry->udp_endpoint->toString()),
            out);
    }
  }
  const auto describe = [&] {
    std::string where = careOfToString(entry->care_of);
    if (entry->udp_endpoint) where += " via " + entry->udp_endpoint->toString();
    return fmt::format("{} care-of {} encapsulation {} lifetime {}s", ctx.home_address.toString(),
                       where, encapsulationName(entry->encapsulation),
                       std::chrono::duration_cast<std::chrono::seconds>(granted).count());
  };
  if (created) {
    event(EventKind::BindingCreated, LogLevel::Info, "binding created: " + describe(), out);
  } else if (old_care_of != entry->care_of || old_endpoint != entry->udp_endpoint ||
             old_encapsulation != entry->encapsulation) {
    event(EventKind::BindingUpdated, LogLevel::Info, "binding moved: " + describe(), out);
  }

  // --- The acknowledgement ---
  wire::BindingAck ack;
  ack.status =
      deprecated ? BindingAckStatus::AcceptedPrefixDiscoveryNecessary : BindingAckStatus::Accepted;
  ack.sequence = bu.sequence;
  ack.lifetime_units = wire::mhLifetimeUnits(granted);
  if (bu.has(wire::kBuFlagKeyManagement) && config_.key_management_mobility) {
    ack.set(wire::kBaFlagKeyManagement);
  }
  if (router) ack.set(wire::kBaFlagMobileRouter);  // forwarding is set up (RFC 3963 §4.2)
  if (tlv) ack.set(wire::kBaFlagTlvHeader);
  for (const auto& a : acks) ack.options.push_back(a);
  if (config_.refresh_advice > Duration::zero() && granted > wire::kMhLifetimeUnit) {
    // Smaller than the lifetime (RFC 6275 §6.2.4).
    const std::uint16_t units =
        std::min<std::uint16_t>(wire::mhLifetimeUnits(config_.refresh_advice),
                                static_cast<std::uint16_t>(wire::mhLifetimeUnits(granted) - 1));
    if (units > 0) ack.options.push_back(wire::BindingRefreshAdviceOption{units});
  }
  sendBindingAck(ctx, ack, out);
}

void HomeAgent::acceptDeregistration(BuContext& ctx, BindingCacheEntry& entry, TimePoint now,
                                     HomeAgentActions& out) {
  // Stop intercepting first, so that a BA to a home address on the home link leaves by the
  // home link rather than the TUN (RFC 6275 §10.3.2).
  removeForwarding(entry, out);
  cache_.setState(entry, BindingState::Deregistered);
  entry.sequence = ctx.bu.sequence;
  entry.flags = ctx.bu.flags;
  entry.updated_at = now;
  entry.expires_at = now + kMaxDeleteBceTimeout;
  scheduleEntry(entry);
  ++stats_.bindings_deregistered;
  event(EventKind::BindingDeregistered, LogLevel::Info,
        fmt::format("binding deregistered: {} (from {})", ctx.home_address.toString(),
                    careOfToString(ctx.care_of)),
        out);
  wire::BindingAck ack;
  ack.status = BindingAckStatus::Accepted;
  ack.sequence = ctx.bu.sequence;
  ack.lifetime_units = 0;  // no Binding Refresh Advice either
  if (ctx.bu.has(wire::kBuFlagKeyManagement) && config_.key_management_mobility) {
    ack.set(wire::kBaFlagKeyManagement);
  }
  if (ctx.bu.has(wire::kBuFlagMobileRouter) && ctx.policy->mobile_router) {
    ack.set(wire::kBaFlagMobileRouter);
  }
  sendBindingAck(ctx, ack, out);
}

void HomeAgent::removeForwarding(BindingCacheEntry& entry, HomeAgentActions& out) {
  if (entry.active()) {
    out.push_back(InterceptIpv6Address{entry.home_address, false, entry.mobile_router});
  }
  if (entry.link_local) {
    const Ipv6Address ll = linkLocalOf(entry.home_address);
    auto it = std::find(link_locals_.begin(), link_locals_.end(), ll);
    if (it != link_locals_.end()) link_locals_.erase(it);
    out.push_back(InterceptIpv6Address{ll, false, false});
    entry.link_local = false;
  }
  for (const auto& p : entry.mobile_network_prefixes) {
    if (cache_.ownerOfIpv6Prefix(p) == &entry) cache_.unindexIpv6Prefix(p);
    out.push_back(RouteIpv6Prefix{p, false});
  }
  entry.mobile_network_prefixes.clear();
  releaseIpv4(entry, {}, out);
  entry.ipv4.clear();
  entry.encapsulation = Encapsulation::None;
}

void HomeAgent::releaseIpv4(BindingCacheEntry& entry, const std::vector<Ipv4Binding>& keep,
                            HomeAgentActions& out) {
  for (const auto& b : entry.ipv4) {
    if (containsPrefix(keep, b.prefix)) continue;
    cache_.unindexIpv4(b.prefix);
    if (b.prefix.length == 32) {
      out.push_back(InterceptIpv4Address{b.prefix.address, false});
    } else {
      out.push_back(RouteIpv4Prefix{b.prefix, false});
    }
    if (b.dynamic) {
      pool_.release(entry.home_address);
      event(EventKind::Ipv4HomeAddressReleased, LogLevel::Info,
            fmt::format("ipv4 home address {} released by {}", b.prefix.address.toString(),
                        entry.home_address.toString()),
            out);
    }
  }
}

void HomeAgent::scheduleEntry(BindingCacheEntry& entry) {
  TimePoint when = entry.expires_at;
  if (entry.active() && config_.refresh_request_lead > Duration::zero() &&
      !entry.refresh_requested && config_.refresh_request_lead < entry.lifetime) {
    when = entry.expires_at - config_.refresh_request_lead;
  }
  cache_.schedule(entry, when);
}

HomeAgentActions HomeAgent::reconfigure(const HomeAgentConfig& config, TimePoint now) {
  last_now_ = std::max(last_now_, now);
  HomeAgentActions out;
  HomeAgentConfig next = config;
  // What sockets, routes and the pool were built on stays as it runs.
  next.home_prefixes = config_.home_prefixes;
  next.address = config_.address;
  next.ipv4_address = config_.ipv4_address;
  next.udp_port = config_.udp_port;
  next.ipv4_pool = config_.ipv4_pool;
  next.require_esp = config_.require_esp;

  // The allowance each binding was accepted under, before the switch.
  std::vector<std::pair<Ipv6Address, MobileNodePolicy>> before;
  cache_.forEach([&](const BindingCacheEntry& entry) {
    const MobileNodePolicy* p = policyFor(entry.home_address);
    before.emplace_back(entry.home_address, p != nullptr ? *p : MobileNodePolicy{});
  });

  const bool rate_changed = next.error_rate != config_.error_rate;
  config_ = std::move(next);
  policy_index_.clear();
  for (std::size_t i = 0; i < config_.mobile_nodes.size(); ++i) {
    policy_index_.emplace(config_.mobile_nodes[i].home_address, i);
  }
  any_policy_ = MobileNodePolicy{};
  any_policy_.dynamic_ipv4 = config_.any_home_address_dynamic_ipv4;
  if (rate_changed) {
    error_limiter_ = TokenBucket(config_.error_rate, std::max(1.0, 2 * config_.error_rate));
  }

  std::size_t revoked = 0;
  for (const auto& [home_address, old_policy] : before) {
    BindingCacheEntry* entry = cache_.find(home_address);
    if (entry == nullptr) continue;
    const MobileNodePolicy* now_policy = policyFor(home_address);
    if (now_policy != nullptr && *now_policy == old_policy) {
      scheduleEntry(*entry);  // refresh_request_lead may have changed
      continue;
    }
    ++stats_.bindings_revoked;
    ++revoked;
    removeForwarding(*entry, out);
    event(EventKind::BindingRevoked, LogLevel::Info,
          fmt::format("binding revoked: {} (care-of {}): its [[mobile_node]] entry {}",
                      home_address.toString(), careOfToString(entry->care_of),
                      now_policy == nullptr ? "was removed" : "changed"),
          out);
    cache_.erase(home_address);
  }
  event(EventKind::Reconfigured, LogLevel::Info,
        fmt::format("reconfigured: {} mobile node(s) configured, {} binding(s) revoked",
                    config_.mobile_nodes.size(), revoked),
        out);
  return out;
}

void HomeAgent::expire(BindingCacheEntry& entry, TimePoint now, HomeAgentActions& out) {
  (void)now;
  ++stats_.bindings_expired;
  removeForwarding(entry, out);
  event(EventKind::BindingExpired, LogLevel::Info,
        fmt::format("binding expired: {} (care-of {})", entry.home_address.toString(),
                    careOfToString(entry.care_of)),
        out);
  cache_.erase(entry.home_address);
}

// --- Other signalling ------------------------------------------------------------------------

void HomeAgent::sendBindingError(const ParsedSignalling& packet, const Inbound& inbound,
                                 wire::BindingErrorStatus status, TimePoint now,
                                 HomeAgentActions& out) {
  // RFC 6275 §9.3.3: to the IPv6 source, never a non-unicast one; rate-limited like ICMPv6.
  const Ipv6Address& to = packet.ip.header.source;
  if (!to.isUnicastRoutable()) return;
  if (!error_limiter_.tryTake(now)) {
    ++stats_.rate_limited;
    return;
  }
  wire::BindingError be;
  be.status = status;
  be.home_address = packet.ip.home_address.value_or(Ipv6Address{});
  auto bytes = buildMobilityPacket(be, config_.address, to);
  if (!bytes) return;
  ++stats_.binding_errors_sent;
  out.push_back(SendSignalling{std::move(*bytes), replyTransport(inbound.transport)});
}

void HomeAgent::sendRefreshRequest(const Ipv6Address& home_address, const Ipv6Address& destination,
                                   const Transport& transport, HomeAgentActions& out) {
  wire::Ipv6Extensions ext;
  if (destination != home_address) ext.routing_home_address = home_address;
  auto bytes =
      buildMobilityPacket(wire::BindingRefreshRequest{}, config_.address, destination, ext);
  if (!bytes) return;
  ++stats_.refresh_requests_sent;
  out.push_back(SendSignalling{std::move(*bytes), transport});
}

void HomeAgent::refreshRequestForEntry(const BindingCacheEntry& entry, HomeAgentActions& out) {
  if (const auto* coa = std::get_if<Ipv6Address>(&entry.care_of)) {
    sendRefreshRequest(entry.home_address, *coa, Transport::ipv6(), out);
  } else if (entry.udp_endpoint) {
    sendRefreshRequest(
        entry.home_address, entry.home_address,
        Transport::udp(Ipv4Endpoint{entry.local_ipv4, config_.udp_port}, *entry.udp_endpoint), out);
  }
}

void HomeAgent::processMobilePrefixSolicitation(const ParsedSignalling& packet,
                                                const Inbound& inbound, TimePoint now,
                                                HomeAgentActions& out) {
  // RFC 6275 §10.6.2: answer with the home prefixes; to the care-of address with a type 2
  // routing header when the solicitation carried a Home Address option.
  const auto& solicitation = std::get<wire::MobilePrefixSolicitation>(packet.icmpv6->body);
  std::vector<wire::PrefixInformation> prefixes;
  for (const auto& p : prefixes_) {
    wire::PrefixInformation info;
    info.prefix_length = p.prefix.length;
    info.on_link = true;
    info.autonomous = true;
    info.valid_lifetime = lifetimeSeconds(p.valid_until, now);
    info.preferred_lifetime = lifetimeSeconds(p.preferred_until, now);
    info.prefix = p.prefix.normalised().address;
    prefixes.push_back(info);
  }
  const Ipv6Address& to = packet.ip.header.source;
  const Ipv6Address final_destination = packet.source;
  wire::Ipv6Extensions ext;
  if (packet.ip.home_address) ext.routing_home_address = *packet.ip.home_address;
  PacketBuffer icmp(2048);
  auto built = wire::buildMobilePrefixAdvertisement(icmp, solicitation.identifier, false, false,
                                                    prefixes, config_.address, final_destination);
  if (!built) return;
  auto bytes = finishIcmpv6Packet(icmp, config_.address, to, ext);
  if (!bytes) return;
  ++stats_.mobile_prefix_advertisements_sent;
  out.push_back(SendSignalling{std::move(*bytes), replyTransport(inbound.transport)});
}

void HomeAgent::processEchoRequest(const ParsedSignalling& packet, const Inbound& inbound,
                                   HomeAgentActions& out) {
  const auto& echo = std::get<wire::Icmpv6Echo>(packet.icmpv6->body);
  PacketBuffer reply(echo.data.size() + 256, 128);
  if (!reply.assign(echo.data, 128)) return;
  wire::Ipv6Extensions ext;
  if (packet.ip.home_address) ext.routing_home_address = *packet.ip.home_address;
  if (!wire::prependIcmpv6EchoReply(reply, echo.identifier, echo.sequence, config_.address,
                                    packet.source)) {
    return;
  }
  auto bytes = finishIcmpv6Packet(reply, config_.address, packet.ip.header.source, ext);
  if (!bytes) return;
  ++stats_.echo_replies_sent;
  out.push_back(SendSignalling{std::move(*bytes), replyTransport(inbound.transport)});
}

// --- Timers ----------------------------------------------------------------------------------

HomeAgentActions HomeAgent::onTimer(TimePoint now) {
  last_now_ = std::max(last_now_, now);
  HomeAgentActions out;
  for (const Ipv6Address& home_address : cache_.takeDue(now)) {
    BindingCacheEntry* entry = cache_.find(home_address);
    if (!entry) continue;
    if (!entry->active()) {
      if (entry->expires_at <= now) {
        event(EventKind::BindingRemoved, LogLevel::Debug,
              "binding cache entry removed: " + home_address.toString(), out);
        cache_.erase(home_address);
      } else {
        scheduleEntry(*entry);
      }
      continue;
    }
    if (entry->expires_at <= now) {
      expire(*entry, now, out);
      continue;
    }
    if (config_.refresh_request_lead > Duration::zero() && !entry->refresh_requested &&
        now >= entry->expires_at - config_.refresh_request_lead) {
      // RFC 6275 §10.3.1 allows a BRR when the binding nears its end.
      entry->refresh_requested = true;
      refreshRequestForEntry(*entry, out);
    }
    scheduleEntry(*entry);
  }
  for (const auto& request : pending_refresh_requests_) {
    if (!error_limiter_.tryTake(now)) {
      ++stats_.rate_limited;
      continue;
    }
    sendRefreshRequest(request.home_address, request.destination, request.transport, out);
    if (refresh_hold_offs_.size() < kHoldOffCapacity) {
      refresh_hold_offs_.push_back(HoldOff{request.home_address, now + kRefreshRequestHoldOff});
    }
  }
  pending_refresh_requests_.clear();
  std::erase_if(refresh_hold_offs_, [&](const HoldOff& h) { return h.until <= now; });
  return out;
}

std::optional<TimePoint> HomeAgent::nextDeadline() const {
  std::optional<TimePoint> next = cache_.nextDeadline();
  if (!pending_refresh_requests_.empty()) next = earliest(next, last_now_);
  for (const auto& h : refresh_hold_offs_) next = earliest(next, h.until);
  return next;
}

HomeAgentActions HomeAgent::onHomePrefixLifetime(const Ipv6Prefix& prefix, Duration valid_lifetime,
                                                 Duration preferred_lifetime, TimePoint now) {
  last_now_ = std::max(last_now_, now);
  HomeAgentActions out;
  const Ipv6Prefix wanted = prefix.normalised();
  for (auto& p : prefixes_) {
    if (p.prefix.normalised() != wanted) continue;
    // Infinity (0xffffffff seconds) is passed as Duration::max().
    p.valid_until = valid_lifetime == Duration::max()
                        ? std::nullopt
                        : std::optional<TimePoint>(now + valid_lifetime);
    p.preferred_until = preferred_lifetime == Duration::max()
                            ? std::nullopt
                            : std::optional<TimePoint>(now + preferred_lifetime);
  }
  return out;
}

// --- Snapshot --------------------------------------------------------------------------------

HomeAgentSnapshot HomeAgent::snapshot(TimePoint now, std::size_t max_bindings) const {
  HomeAgentSnapshot s;
  s.address = config_.address;
  s.ipv4_address = config_.ipv4_address;
  s.binding_count = cache_.size();
  s.active_bindings = cache_.activeCount();
  s.ipv4_pool_size = pool_.size();
  s.ipv4_pool_leased = pool_.leased();
  s.stats = stats_;
  std::vector<const BindingCacheEntry*> entries;
  entries.reserve(cache_.size());
  cache_.forEach([&](const BindingCacheEntry& e) { entries.push_back(&e); });
  const std::size_t n = std::min(max_bindings, entries.size());
  std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(n),
                    entries.end(), [](const BindingCacheEntry* a, const BindingCacheEntry* b) {
                      return a->home_address < b->home_address;
                    });
  for (std::size_t i = 0; i < n; ++i) {
    const BindingCacheEntry& e = *entries[i];
    BindingSnapshot b;
    b.home_address = e.home_address;
    b.state = e.state;
    b.care_of = e.care_of;
    b.udp_endpoint = e.udp_endpoint;
    b.nat_detected = e.nat_detected;
    b.encapsulation = e.encapsulation;
    b.lifetime = e.lifetime;
    b.lifetime_left = e.expires_at > now ? e.expires_at - now : Duration::zero();
    b.sequence = e.sequence;
    b.flags = e.flags;
    for (const auto& v4 : e.ipv4) {
      if (v4.prefix.length == 32) {
        b.ipv4_home_address = v4.prefix.address;
        b.ipv4_dynamic = v4.dynamic;
      } else {
        b.ipv4_prefixes.push_back(v4.prefix);
      }
    }
    b.mobile_network_prefixes = e.mobile_network_prefixes;
    b.packets_to_mobile_node = e.packets_to_mobile_node;
    b.bytes_to_mobile_node = e.bytes_to_mobile_node;
    b.packets_from_mobile_node = e.packets_from_mobile_node;
    b.bytes_from_mobile_node = e.bytes_from_mobile_node;
    s.bindings.push_back(std::move(b));
  }
  return s;
}

}  // namespace dsmip::dsmip6
