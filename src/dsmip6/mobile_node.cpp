#include "dsmip6/mobile_node.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "wire/icmpv6.hpp"

namespace dsmip::dsmip6 {

namespace {

using wire::BindingAckStatus;

// De-registration attempts from home when the mobile node does not know whether the home agent
// has a binding (at start): 1.5 + 3 + 6 + 12 s of trying.
constexpr unsigned kUnknownBindingDeregistrationAttempts = 4;
// Mobile Prefix Solicitations sent before giving up (INITIAL_SOLICIT_TIMER 3 s, doubling).
constexpr unsigned kMobilePrefixSolicitationAttempts = 4;

std::string describe(const CareOfCandidate& c) {
  return careOfToString(c.address) + (c.interface.empty() ? "" : " on " + c.interface);
}

std::string statusText(BindingAckStatus status) {
  return fmt::format("{} ({})", static_cast<unsigned>(status), wire::baStatusName(status));
}

}  // namespace

std::string_view addressPlaceName(AddressPlace place) {
  return place == AddressPlace::Tun ? "tun" : "home-link";
}

std::string_view registrationStateName(RegistrationState state) {
  switch (state) {
    case RegistrationState::Idle:
      return "idle";
    case RegistrationState::Registering:
      return "registering";
    case RegistrationState::Registered:
      return "registered";
    case RegistrationState::Refreshing:
      return "refreshing";
    case RegistrationState::Deregistering:
      return "deregistering";
    case RegistrationState::AtHome:
      return "at-home";
    case RegistrationState::Rejected:
      return "rejected";
  }
  return "unknown";
}

MobileNode::MobileNode(MobileNodeConfig config, RandomSource& random)
    : config_(std::move(config)), random_(random) {
  const auto first = config_.initial_sequence.value_or(static_cast<std::uint16_t>(random_.u32()));
  for (std::size_t i = 0; i < config_.home_addresses.size(); ++i) {
    Entry e;
    e.home_address = config_.home_addresses[i];
    e.primary = i == 0;
    e.sequence = static_cast<std::uint16_t>(first - 1);  // the first BU carries `first`
    entries_.push_back(std::move(e));
  }
  ipv4_prefix_grants_.resize(config_.ipv4_mobile_network_prefixes.size());
  next_identification_ = static_cast<std::uint16_t>(random_.u32());
  mps_identifier_ = static_cast<std::uint16_t>(random_.u32());
}

void MobileNode::event(EventKind kind, LogLevel level, std::string message,
                       MobileNodeActions& out) {
  out.push_back(Event{kind, level, std::move(message)});
}

void MobileNode::dropSignalling(SignallingDrop reason) {
  ++stats_.signalling_drops[static_cast<std::size_t>(reason)];
}

MobileNode::Entry* MobileNode::entryFor(const Ipv6Address& home_address) {
  for (auto& e : entries_) {
    if (e.home_address == home_address) return &e;
  }
  return nullptr;
}

// --- Care-of address selection (RFC 5555 §4.4.1) --------------------------------------------

bool MobileNode::usable(const CareOfCandidate& candidate) const {
  if (const auto* a6 = std::get_if<Ipv6Address>(&candidate.address)) {
    return a6->isUnicastRoutable() && !config_.home_prefix.contains(*a6);
  }
  const auto& a4 = std::get<Ipv4Address>(candidate.address);
  // An IPv4 care-of address needs the home agent's IPv4 address and the UDP socket.
  return a4.isUnicast() && !a4.isLoopback() && config_.home_agent_ipv4 &&
         config_.local_udp_port != 0;
}

std::optional<CareOfCandidate> MobileNode::pickCareOf() const {
  std::optional<CareOfCandidate> best6;
  std::optional<CareOfCandidate> best4;
  std::optional<CareOfCandidate> current;
  for (const auto& c : candidates_) {
    if (!usable(c)) continue;
    if (std::find(failed_care_of_.begin(), failed_care_of_.end(), c.address) !=
        failed_care_of_.end()) {
      continue;
    }
    if (care_of_ && care_of_->address == c.address) current = c;
    auto& best = isIpv4(c.address) ? best4 : best6;
    if (!best || c.preference < best->preference) best = c;
  }
  // IPv6 first (RFC 5555 §2.3.1); after a fallback, or when the last registration used IPv4,
  // stay with IPv4 (§4.4.1: keep the family after a move).
  const bool prefer_ipv4 = ipv6_failed_ || last_family_ipv4_.value_or(false);
  const auto& preferred = prefer_ipv4 ? best4 : best6;
  const auto& other = prefer_ipv4 ? best6 : best4;
  // Only one care-of address is registered at a time: keep the current one while it exists
  // and is of the preferred family (or that family has nothing).
  if (current && (isIpv4(current->address) == prefer_ipv4 || !preferred)) return current;
  return preferred ? preferred : other;
}

void MobileNode::placeHomeAddresses(AddressPlace place, MobileNodeActions& out) {
  const std::string interface = place == AddressPlace::HomeLink ? home_interface_ : "";
  if (placement_ == place && placement_interface_ == interface) return;
  if (placement_) {
    for (const auto& e : entries_) {
      out.push_back(ConfigureHomeAddress{
          e.home_address,
          *placement_ == AddressPlace::Tun ? std::uint8_t{128} : config_.home_prefix.length,
          *placement_, placement_interface_, false});
    }
  }
  for (const auto& e : entries_) {
    out.push_back(ConfigureHomeAddress{
        e.home_address, place == AddressPlace::Tun ? std::uint8_t{128} : config_.home_prefix.length,
        place, interface, true});
  }
  placement_ = place;
  placement_interface_ = interface;
}

MobileNodeActions MobileNode::onCareOfAddresses(const std::vector<CareOfCandidate>& candidates,
                                                TimePoint now) {
  MobileNodeActions out;
  if (stopping_) {
    candidates_ = candidates;
    return out;
  }
  const bool moved =
      care_of_ && std::none_of(candidates.begin(), candidates.end(), [&](const CareOfCandidate& c) {
        return c.address == care_of_->address;
      });
  candidates_ = candidates;
  if (moved) {
    // A new network: the IPv6 fallback and refused care-of addresses were about the old one.
    ipv6_failed_ = false;
    failed_care_of_.clear();
  }
  selectCareOf(now, out);
  return out;
}

void MobileNode::selectCareOf(TimePoint now, MobileNodeActions& out) {
  const auto home = std::find_if(candidates_.begin(), candidates_.end(), [&](const auto& c) {
    const auto* a6 = std::get_if<Ipv6Address>(&c.address);
    return a6 && config_.home_prefix.contains(*a6);
  });
  if (home != candidates_.end()) {
    home_interface_ = home->interface;
    if (!at_home_) {
      at_home_ = true;
      care_of_.reset();
      event(EventKind::ReturnedHome, LogLevel::Info,
            "at home on " +
                (home_interface_.empty() ? std::string("the home link") : home_interface_),
            out);
      // The care-of address is gone, so the tunnel leads nowhere: the home addresses move to
      // the home link at once (the daemon announces them there with unsolicited Neighbor
      // Advertisements, Override set) and the data paths are cleared, before the
      // de-registration BU leaves from the home address. RFC 6275 §11.5.4 has the mobile node
      // claim the address after the BA; claiming it first only shortens the interruption, and
      // the home agent's proxy advertisements (Override clear) do not displace ours.
      for (auto& e : entries_) setPath(e, DataPath{}, out);
      placeHomeAddresses(AddressPlace::HomeLink, out);
      // RFC 6275 §11.5.5: de-register from home (also at start: a binding may be left over).
      for (auto& e : entries_) {
        if (e.state == RegistrationState::AtHome) continue;
        if (e.permanent) {
          e.state = RegistrationState::AtHome;
          continue;
        }
        startDeregistration(e, now, out);
      }
      if (ipv4_home_address_) loseIpv4(out);
    } else {
      placeHomeAddresses(AddressPlace::HomeLink, out);  // the home link may have changed
    }
    return;
  }
  if (at_home_) {
    at_home_ = false;
    event(EventKind::LeftHome, LogLevel::Info, "left the home link", out);
    for (auto& e : entries_) {
      if (e.state == RegistrationState::AtHome) e.state = RegistrationState::Idle;
    }
  }
  placeHomeAddresses(AddressPlace::Tun, out);
  const auto chosen = pickCareOf();
  if (!chosen) {
    if (care_of_ || !no_care_of_reported_) {
      event(EventKind::NoCareOfAddress, LogLevel::Warn, "no usable care-of address", out);
      no_care_of_reported_ = true;
    }
    care_of_.reset();
    return;
  }
  no_care_of_reported_ = false;
  if (care_of_ && care_of_->address == chosen->address) {
    care_of_ = chosen;  // same address; interface or preference may have changed
    return;
  }
  care_of_ = chosen;
  event(EventKind::CareOfAddressSelected, LogLevel::Info, "care-of address " + describe(*chosen),
        out);
  for (auto& e : entries_) {
    if (e.permanent) continue;
    startRegistration(e, now, out);
  }
}

// --- Binding Updates -------------------------------------------------------------------------

void MobileNode::startRegistration(Entry& entry, TimePoint now, MobileNodeActions& out) {
  if (!care_of_) return;
  entry.state = RegistrationState::Registering;
  entry.deregistration = false;
  entry.from_home = false;
  entry.keepalive = false;
  entry.attempts = 0;
  entry.attempt_limit = 0;
  // RFC 6275 §11.8: a longer first timeout when the home agent has no binding yet (DAD).
  entry.timeout = entry.has_binding ? config_.initial_bindack_timeout
                                    : config_.initial_bindack_timeout_first_reg;
  entry.target = care_of_;
  entry.retry_at = TimePoint::max();
  sendBindingUpdate(entry, now, out);
}

void MobileNode::startDeregistration(Entry& entry, TimePoint now, MobileNodeActions& out) {
  entry.state = RegistrationState::Deregistering;
  entry.deregistration = true;
  entry.keepalive = false;
  entry.from_home = at_home_;
  entry.target = at_home_ ? std::nullopt : care_of_;
  if (!at_home_ && !care_of_) {
    // Nowhere to send it from: the binding expires on its own.
    finishDeregistration(entry, false, now, out);
    return;
  }
  entry.attempts = 0;
  entry.timeout = entry.has_binding ? config_.initial_bindack_timeout
                                    : config_.initial_bindack_timeout_first_reg;
  if (stopping_) {
    entry.attempt_limit = config_.deregistration_attempts;
  } else if (!entry.has_binding) {
    entry.attempt_limit = kUnknownBindingDeregistrationAttempts;
  } else {
    entry.attempt_limit = 0;  // until acknowledged or the binding has expired
  }
  sendBindingUpdate(entry, now, out);
}

bool MobileNode::rateLimited(TimePoint now, TimePoint& next_slot) const {
  // MAX_UPDATE_RATE (RFC 6275 §11.8): the oldest of the last three BUs must be a second old.
  const auto& oldest = recent_updates_[recent_index_];
  if (oldest && *oldest + std::chrono::seconds(1) > now) {
    next_slot = *oldest + std::chrono::seconds(1);
    return true;
  }
  return false;
}

std::vector<wire::MobilityOption> MobileNode::ipv4Options(std::vector<Ipv4Request>& sent) const {
  std::vector<wire::MobilityOption> options;
  sent.clear();
  // A home agent that ignored the option before does not get it again (reference 3.11).
  if (ipv4_unsupported_) return options;
  switch (config_.ipv4_home_address_mode) {
    case Ipv4HomeAddressMode::None:
      break;
    case Ipv4HomeAddressMode::Static:
      options.push_back(wire::Ipv4HomeAddressOption{32, false, config_.ipv4_home_address});
      sent.push_back(Ipv4Request{false, 0});
      break;
    case Ipv4HomeAddressMode::Dynamic:
      // 0.0.0.0 asks for one; afterwards the assigned address is refreshed (RFC 5555 §2.5).
      options.push_back(wire::Ipv4HomeAddressOption{
          32, false, ipv4_home_address_ ? ipv4_home_address_->address : Ipv4Address{}});
      sent.push_back(Ipv4Request{false, 0});
      break;
  }
  for (std::size_t i = 0; i < config_.ipv4_mobile_network_prefixes.size(); ++i) {
    const auto& grant = ipv4_prefix_grants_[i];
    const Ipv4Prefix& wanted = config_.ipv4_mobile_network_prefixes[i];
    // The first request carries P and the wanted length; refreshes the allocated prefix.
    if (grant) {
      options.push_back(wire::Ipv4HomeAddressOption{grant->length, false, grant->address});
    } else {
      options.push_back(wire::Ipv4HomeAddressOption{wanted.length, true, wanted.address});
    }
    sent.push_back(Ipv4Request{true, i});
  }
  return options;
}

void MobileNode::sendBindingUpdate(Entry& entry, TimePoint now, MobileNodeActions& out) {
  TimePoint slot;
  if (rateLimited(now, slot)) {
    entry.outstanding = true;
    entry.send_pending = true;
    entry.retransmit_at = slot;
    ++stats_.rate_limited;
    return;
  }
  entry.send_pending = false;
  const bool ipv4 = entry.target && isIpv4(entry.target->address);
  if (ipv4 && !config_.home_agent_ipv4) {
    // The home agent's IPv4 address went away (DNS) while this BU waited: nothing to send to.
    entry.outstanding = true;
    entry.retransmit_at = TimePoint::max();
    return;
  }
  wire::BindingUpdate bu;
  bu.sequence = ++entry.sequence;
  bu.set(wire::kBuFlagAcknowledge);
  bu.set(wire::kBuFlagHomeRegistration);
  const bool router = entry.primary && config_.mobile_router && !router_refused_;
  if (router) bu.set(wire::kBuFlagMobileRouter);
  if (config_.key_management) bu.set(wire::kBuFlagKeyManagement);
  if (config_.link_local_compatibility) bu.set(wire::kBuFlagLinkLocal);
  if (ipv4 && config_.force_udp && !force_udp_refused_) bu.set(wire::kBuFlagForceUdp);
  if (ipv4 && config_.tlv_header) bu.set(wire::kBuFlagTlvHeader);
  bu.lifetime_units = entry.deregistration ? 0 : wire::mhLifetimeUnits(config_.binding_lifetime);
  if (!entry.from_home) {
    // The care-of address travels in an option: ESP does not cover the IPv6 source
    // (RFC 6275 §11.7.1); from IPv4 it is the IPv4 CoA option (RFC 5555 §4.4.2).
    if (ipv4) {
      bu.options.push_back(
          wire::Ipv4CareOfAddressOption{std::get<Ipv4Address>(entry.target->address)});
    } else {
      bu.options.push_back(
          wire::AlternateCareOfAddressOption{std::get<Ipv6Address>(entry.target->address)});
    }
  }
  entry.ipv4_sent.clear();
  if (entry.primary && !entry.deregistration) {
    for (auto& option : ipv4Options(entry.ipv4_sent)) bu.options.push_back(std::move(option));
    if (router && config_.nemo_mode == NemoMode::Explicit) {
      for (const auto& p : config_.mobile_network_prefixes) {
        bu.options.push_back(wire::MobileNetworkPrefixOption{p.length, p.address});
      }
    }
  }
  Result<Bytes> packet = Unexpected{Error{}};
  Transport transport;
  if (entry.from_home) {
    packet = buildMobilityPacket(bu, entry.home_address, config_.home_agent);
  } else if (!ipv4) {
    wire::Ipv6Extensions ext;
    ext.home_address = entry.home_address;
    packet = buildMobilityPacket(bu, std::get<Ipv6Address>(entry.target->address),
                                 config_.home_agent, ext);
  } else {
    // From an IPv4 network: sourced from the home address, no Home Address option, always in
    // UDP (RFC 5555 §4.2, decision D6).
    packet = buildMobilityPacket(bu, entry.home_address, config_.home_agent);
    transport = Transport::udp(
        Ipv4Endpoint{std::get<Ipv4Address>(entry.target->address), config_.local_udp_port},
        Ipv4Endpoint{*config_.home_agent_ipv4, config_.home_agent_udp_port});
  }
  entry.flags_sent = bu.flags;
  entry.outstanding = true;
  entry.sent_at = now;
  ++entry.attempts;
  entry.retransmit_at = now + entry.timeout;
  recent_updates_[recent_index_] = now;
  recent_index_ = (recent_index_ + 1) % recent_updates_.size();
  if (!packet) return;
  ++stats_.binding_updates_sent;
  if (entry.keepalive) ++stats_.nat_keepalives;
  out.push_back(SendSignalling{std::move(*packet), transport});
}

void MobileNode::retransmit(Entry& entry, TimePoint now, MobileNodeActions& out) {
  if (entry.send_pending) {
    sendBindingUpdate(entry, now, out);
    return;
  }
  if (!entry.from_home && !care_of_) {
    entry.retransmit_at = TimePoint::max();  // waits for a care-of address
    return;
  }
  if (entry.deregistration) {
    const bool limit = entry.attempt_limit != 0 && entry.attempts >= entry.attempt_limit;
    const bool gone = entry.has_binding && entry.expires_at <= now;
    if (limit || gone) {
      finishDeregistration(entry, false, now, out);
      return;
    }
  } else if (entry.primary && entry.target && !isIpv4(entry.target->address) && !ipv6_failed_ &&
             entry.attempts >= config_.ipv6_attempts_before_ipv4) {
    // RFC 5555 §4.4.1: no BA after 3 BUs from the IPv6 care-of address: try IPv4.
    const bool have_ipv4 = std::any_of(candidates_.begin(), candidates_.end(), [&](const auto& c) {
      return isIpv4(c.address) && usable(c);
    });
    if (have_ipv4) {
      ipv6_failed_ = true;
      ++stats_.fallbacks_to_ipv4;
      event(EventKind::FallbackToIpv4, LogLevel::Warn,
            fmt::format("no binding acknowledgement after {} attempts from {}: trying IPv4",
                        entry.attempts, careOfToString(entry.target->address)),
            out);
      selectCareOf(now, out);
      return;
    }
  }
  entry.timeout = std::min(entry.timeout * 2, config_.max_bindack_timeout);
  if (!entry.from_home && !entry.deregistration) entry.target = care_of_;
  ++stats_.retransmissions;
  sendBindingUpdate(entry, now, out);
}

// --- Receiving -------------------------------------------------------------------------------

MobileNodeActions MobileNode::onSignalling(ByteView packet, const Inbound& inbound, TimePoint now) {
  MobileNodeActions out;
  SignallingParse parse = parseSignalling(packet);
  if (!parse.packet) {
    dropSignalling(parse.drop);
    return out;
  }
  const ParsedSignalling& p = *parse.packet;
  if (config_.require_esp && !inbound.esp_protected) {
    dropSignalling(SignallingDrop::Unprotected);
    return out;
  }
  if (p.ip.header.source != config_.home_agent) {
    dropSignalling(SignallingDrop::NotFromHomeAgent);
    return out;
  }
  Entry* entry = entryFor(p.destination);
  if (p.mobility) {
    // A Binding Error goes to the offending packet's source (a care-of address) and names the
    // home address in its body (RFC 6275 §9.3.3).
    if (const auto* be = std::get_if<wire::BindingError>(&*p.mobility)) {
      if (Entry* named = entryFor(be->home_address)) entry = named;
      const auto* coa = care_of_ ? std::get_if<Ipv6Address>(&care_of_->address) : nullptr;
      if (!entry && coa && *coa == p.destination) entry = &entries_.front();
    }
  }
  if (!entry) {
    dropSignalling(SignallingDrop::NotForUs);
    return out;
  }
  if (p.icmpv6) {
    if (p.icmpv6->type == wire::icmpv6_type::kMobilePrefixAdvertisement) {
      const auto& mpa = std::get<wire::MobilePrefixAdvertisement>(p.icmpv6->body);
      if (!mps_outstanding_ || mpa.identifier != mps_identifier_) {
        dropSignalling(SignallingDrop::UnexpectedMessage);
        return out;
      }
      mps_outstanding_ = false;
      ++stats_.mobile_prefix_advertisements_received;
      home_prefixes_.clear();
      for (const wire::PrefixInformation info : mpa.prefixes) home_prefixes_.push_back(info);
      bool home_prefix_valid = false;
      for (const auto& info : home_prefixes_) {
        const Ipv6Prefix learned = Ipv6Prefix{info.prefix, info.prefix_length}.normalised();
        if (learned.contains(entry->home_address) && info.valid_lifetime > 0) {
          home_prefix_valid = true;
        }
      }
      event(EventKind::HomePrefixesLearned, home_prefix_valid ? LogLevel::Info : LogLevel::Warn,
            fmt::format("{} home prefix(es) advertised{}", home_prefixes_.size(),
                        home_prefix_valid ? "" : "; the home address's prefix is not among them"),
            out);
      return out;
    }
    dropSignalling(SignallingDrop::UnexpectedMessage);
    return out;
  }
  const wire::MobilityMessage& message = *p.mobility;
  if (const auto* ack = std::get_if<wire::BindingAck>(&message)) {
    onBindingAck(*entry, *ack, now, out);
  } else if (const auto* be = std::get_if<wire::BindingError>(&message)) {
    ++stats_.binding_errors_received;
    if (be->status == wire::BindingErrorStatus::UnknownBindingForHomeAddress) {
      // The home agent has no binding for us (RFC 6275 §11.3.6): register again.
      if (!at_home_ && !stopping_ && entry->state != RegistrationState::Rejected &&
          entry->state != RegistrationState::Deregistering) {
        if (entry->has_binding) bindingLost(*entry, now, out);
        if (!entry->outstanding) startRegistration(*entry, now, out);
      }
    } else {
      reject(*entry, now, false, "the home agent does not recognise the binding update", out);
    }
  } else if (std::holds_alternative<wire::BindingRefreshRequest>(message)) {
    ++stats_.refresh_requests_received;
    // RFC 6275 §11.7.4: answer with a home registration BU.
    const bool busy = entry->outstanding || at_home_ || stopping_ || !care_of_ ||
                      entry->state == RegistrationState::Rejected ||
                      entry->state == RegistrationState::Idle;
    if (!busy) {
      const bool registered = entry->state == RegistrationState::Registered;
      if (registered) {
        entry->state = RegistrationState::Refreshing;
        entry->attempts = 0;
        entry->attempt_limit = 0;
        entry->keepalive = false;
        entry->timeout = config_.initial_bindack_timeout;
        entry->target = care_of_;
        sendBindingUpdate(*entry, now, out);
      } else {
        startRegistration(*entry, now, out);
      }
    }
  } else if (const auto* unknown = std::get_if<wire::UnknownMobilityMessage>(&message)) {
    (void)unknown;
    dropSignalling(SignallingDrop::UnexpectedMessage);
    // RFC 6275 §9.2: Binding Error 2 to the source, rate-limited.
    if (error_limiter_.tryTake(now)) {
      wire::BindingError error;
      error.status = wire::BindingErrorStatus::UnrecognizedMhType;
      error.home_address = p.ip.home_address.value_or(Ipv6Address{});
      auto bytes = buildMobilityPacket(error, p.ip.header.destination, p.ip.header.source);
      if (bytes) {
        ++stats_.binding_errors_sent;
        Transport reply = inbound.transport;
        std::swap(reply.ipv4_source, reply.ipv4_destination);
        out.push_back(SendSignalling{std::move(*bytes), reply});
      }
    }
  } else {
    dropSignalling(SignallingDrop::UnexpectedMessage);
  }
  return out;
}

void MobileNode::onBindingAck(Entry& entry, const wire::BindingAck& ack, TimePoint now,
                              MobileNodeActions& out) {
  ++stats_.binding_acks_received;
  ++stats_.binding_ack_status[static_cast<std::size_t>(ack.status)];
  if (ack.status == BindingAckStatus::SequenceNumberOutOfWindow) {
    // RFC 6275 §11.7.3: adopt the home agent's last accepted number and go on from it.
    entry.sequence = ack.sequence;
    entry.last_status = ack.status;
    if (entry.outstanding && !entry.send_pending) {
      entry.attempts = 0;
      sendBindingUpdate(entry, now, out);
    }
    return;
  }
  if (!entry.outstanding || entry.send_pending || ack.sequence != entry.sequence) {
    dropSignalling(SignallingDrop::NoOutstandingUpdate);
    return;
  }
  entry.outstanding = false;
  entry.retransmit_at = TimePoint::max();
  entry.last_status = ack.status;
  if (ack.accepted()) {
    if (entry.deregistration) {
      finishDeregistration(entry, true, now, out);
    } else {
      acceptBinding(entry, ack, now, out);
    }
    return;
  }
  handleRejection(entry, ack, now, out);
}

void MobileNode::acceptBinding(Entry& entry, const wire::BindingAck& ack, TimePoint now,
                               MobileNodeActions& out) {
  if ((entry.flags_sent & wire::kBuFlagMobileRouter) && !ack.has(wire::kBaFlagMobileRouter)) {
    // RFC 3963 §5.3: status 0 without R: this home agent does not support mobile routers.
    entry.reject_after_deregistration = true;
    entry.has_binding = true;
    event(EventKind::RegistrationRejected, LogLevel::Error,
          "the home agent accepted " + entry.home_address.toString() +
              " without the R flag: it does not support mobile routers; de-registering",
          out);
    startDeregistration(entry, now, out);
    return;
  }
  const Duration granted = ack.lifetime();
  if (granted <= Duration::zero()) {
    // Accepted but nothing bound: keep trying with the normal back-off.
    entry.outstanding = true;
    entry.retransmit_at = now + entry.timeout;
    return;
  }
  const CareOfCandidate target = *entry.target;
  const bool ipv4 = isIpv4(target.address);
  const bool moved = !entry.registered || entry.registered->address != target.address;
  const bool had_binding = entry.registered.has_value();
  entry.registered = target;
  entry.has_binding = true;
  entry.granted = granted;
  // RFC 6275 §11.7.3: the lifetime counts from when the BU was sent.
  entry.expires_at = entry.sent_at + granted;
  Duration refresh = granted - granted / 5;
  if (const auto* bra = wire::findOption<wire::BindingRefreshAdviceOption>(ack.options)) {
    if (bra->refreshInterval() > Duration::zero() && bra->refreshInterval() < granted) {
      refresh = std::min(refresh, bra->refreshInterval());
    }
  }
  entry.refresh_at = entry.sent_at + refresh;
  entry.refresh_is_keepalive = false;

  DataPath path;
  path.care_of = target.address;
  path.interface = target.interface;
  entry.keepalive_interval.reset();
  if (!ipv4) {
    path.encapsulation = Encapsulation::Ipv6;
    path.home_agent = config_.home_agent;
  } else {
    // Decision D4: UDP when the BA shows a NAT (refresh ≠ all ones) or F, or we forced it.
    const auto* nat = wire::findOption<wire::NatDetectionOption>(ack.options);
    const bool nat_detected = nat && nat->natDetected();
    const bool udp =
        (entry.flags_sent & wire::kBuFlagForceUdp) || !nat || nat_detected || nat->force_udp;
    const bool tlv = (entry.flags_sent & wire::kBuFlagTlvHeader) && ack.has(wire::kBaFlagTlvHeader);
    path.encapsulation =
        udp ? (tlv ? Encapsulation::UdpTlv : Encapsulation::Udp) : Encapsulation::Ipv4;
    path.local = Ipv4Endpoint{std::get<Ipv4Address>(target.address), config_.local_udp_port};
    path.home_agent_ipv4 =
        Ipv4Endpoint{config_.home_agent_ipv4.value_or(Ipv4Address{}), config_.home_agent_udp_port};
    path.nat_detected = nat_detected;
    // Keep-alives (RFC 5555 §4.3): the suggested time, 0 = default; all ones = none needed. A BA
    // without the option (non-conforming) gets them too, as the path may still be NATed.
    if (!nat || nat_detected) {
      const Duration interval = (!nat || nat->refresh_time == wire::kNatRefreshUseDefault)
                                    ? config_.nat_keepalive
                                    : Duration(std::chrono::seconds(nat->refresh_time));
      entry.keepalive_interval = interval;
      if (now + interval < entry.refresh_at) {
        entry.refresh_at = now + interval;
        entry.refresh_is_keepalive = true;
      }
    }
    if (nat_detected && (moved || !entry.path.nat_detected)) {
      event(EventKind::NatDetected, LogLevel::Info,
            fmt::format("nat between {} and the home agent: udp encapsulation, keep-alive {}s",
                        careOfToString(target.address),
                        std::chrono::duration_cast<std::chrono::seconds>(
                            entry.keepalive_interval.value_or(Duration::zero()))
                            .count()),
            out);
    }
  }
  setPath(entry, path, out);
  if (entry.primary) processIpv4Acks(entry, ack, out);
  entry.state = RegistrationState::Registered;
  entry.attempts = 0;
  entry.keepalive = false;
  last_family_ipv4_ = ipv4;
  if (moved) {
    ++stats_.registrations;
    if (had_binding) ++stats_.handovers;
    event(
        EventKind::Registered, LogLevel::Info,
        fmt::format("{} registered at care-of {} ({}, lifetime {}s)", entry.home_address.toString(),
                    describe(target), encapsulationName(path.encapsulation),
                    std::chrono::duration_cast<std::chrono::seconds>(granted).count()),
        out);
  } else {
    ++stats_.refreshes;
  }
  if (ack.status == BindingAckStatus::AcceptedPrefixDiscoveryNecessary && entry.primary &&
      !mps_outstanding_) {
    // RFC 6275 §11.7.3: status 1: find out about the home prefixes.
    event(EventKind::PrefixDiscovery, LogLevel::Info,
          "home prefix deprecated: sending a mobile prefix solicitation", out);
    mps_attempts_ = 0;
    mps_timeout_ = kInitialSolicitTimer;
    sendMobilePrefixSolicitation(now, out);
  }
}

void MobileNode::handleRejection(Entry& entry, const wire::BindingAck& ack, TimePoint now,
                                 MobileNodeActions& out) {
  const BindingAckStatus status = ack.status;
  if (entry.deregistration) {
    // 133 (no binding) or another refusal: there is nothing to remove any more.
    finishDeregistration(entry, true, now, out);
    return;
  }
  // Decision D2: a rejected F-flagged BU with 144 or 129 is retried once without F.
  if ((status == wire::kBaStatusCannotForceUdp ||
       status == BindingAckStatus::AdministrativelyProhibited) &&
      (entry.flags_sent & wire::kBuFlagForceUdp) && !force_udp_refused_) {
    force_udp_refused_ = true;
    event(EventKind::RetryWithoutForceUdp, LogLevel::Warn,
          "home agent refused forced UDP encapsulation (" + statusText(status) +
              "): retrying without F",
          out);
    entry.attempts = 0;
    sendBindingUpdate(entry, now, out);
    return;
  }
  switch (status) {
    case BindingAckStatus::MobileRouterOperationNotPermitted:
      // RFC 3963 §5.4: not allowed as a mobile router; register the home address as a host.
      if ((entry.flags_sent & wire::kBuFlagMobileRouter) && !router_refused_) {
        router_refused_ = true;
        event(EventKind::RegistrationRejected, LogLevel::Warn,
              "mobile router operation not permitted (140): registering as a host", out);
        entry.attempts = 0;
        sendBindingUpdate(entry, now, out);
        return;
      }
      break;
    case BindingAckStatus::RegistrationTypeChangeDisallowed:
      // The home agent's entry has another R (or H): remove it, then register afresh.
      entry.reregister_after_deregistration = true;
      event(EventKind::RegistrationRejected, LogLevel::Warn,
            "registration type change disallowed (139): de-registering first", out);
      startDeregistration(entry, now, out);
      return;
    case BindingAckStatus::InvalidCareOfAddress: {
      // 174: this care-of address is no good for the home agent; use another one.
      if (entry.target) failed_care_of_.push_back(entry.target->address);
      event(EventKind::RegistrationRejected, LogLevel::Warn,
            "care-of address " +
                (entry.target ? careOfToString(entry.target->address) : std::string("?")) +
                " refused (174)",
            out);
      care_of_.reset();
      selectCareOf(now, out);
      if (!care_of_) reject(entry, now, false, "no other care-of address", out);
      return;
    }
    case BindingAckStatus::DuplicateAddressDetectionFailed:
      // RFC 6275 §11.7.3: this home address MUST NOT be used again.
      reject(entry, now, true, "duplicate address detection failed (134)", out);
      return;
    case BindingAckStatus::ReasonUnspecified:
    case BindingAckStatus::InsufficientResources:
      // Transient: the retransmission (with a new sequence number) tries again.
      entry.outstanding = true;
      entry.retransmit_at = entry.sent_at + entry.timeout;
      return;
    default:
      break;
  }
  reject(entry, now, false, statusText(status), out);
}

void MobileNode::reject(Entry& entry, TimePoint now, bool permanent, std::string_view why,
                        MobileNodeActions& out) {
  entry.state = RegistrationState::Rejected;
  entry.outstanding = false;
  entry.send_pending = false;
  entry.retransmit_at = TimePoint::max();
  entry.permanent = permanent;
  entry.retry_at = permanent ? TimePoint::max() : now + config_.retry_after_rejection;
  event(EventKind::RegistrationRejected, LogLevel::Error,
        fmt::format("registration of {} rejected: {}{}", entry.home_address.toString(), why,
                    permanent ? " (never retried)" : ""),
        out);
}

void MobileNode::finishDeregistration(Entry& entry, bool acknowledged, TimePoint now,
                                      MobileNodeActions& out) {
  entry.outstanding = false;
  entry.send_pending = false;
  entry.retransmit_at = TimePoint::max();
  entry.deregistration = false;
  entry.has_binding = false;
  entry.registered.reset();
  entry.expires_at = TimePoint::max();
  entry.refresh_at = TimePoint::max();
  entry.keepalive_interval.reset();
  setPath(entry, DataPath{}, out);
  if (entry.primary) loseIpv4(out);
  if (acknowledged) {
    ++stats_.deregistrations;
    event(EventKind::Deregistered, LogLevel::Info, entry.home_address.toString() + " de-registered",
          out);
  }
  if (entry.reregister_after_deregistration) {
    entry.reregister_after_deregistration = false;
    entry.state = RegistrationState::Idle;
    if (!at_home_ && !stopping_) startRegistration(entry, now, out);
    return;
  }
  if (entry.reject_after_deregistration) {
    entry.reject_after_deregistration = false;
    reject(entry, now, false, "the home agent does not support mobile routers", out);
    return;
  }
  entry.state = at_home_ ? RegistrationState::AtHome : RegistrationState::Idle;
  if (at_home_ && std::all_of(entries_.begin(), entries_.end(), [](const Entry& e) {
        return e.state == RegistrationState::AtHome;
      })) {
    // The home agent no longer defends the home addresses: they live on the home link now.
    placeHomeAddresses(AddressPlace::HomeLink, out);
  }
  checkFinished(out);
}

void MobileNode::bindingLost(Entry& entry, TimePoint now, MobileNodeActions& out) {
  (void)now;
  ++stats_.bindings_lost;
  event(EventKind::BindingLost, LogLevel::Warn,
        "binding of " + entry.home_address.toString() + " lost", out);
  entry.has_binding = false;
  entry.registered.reset();
  entry.expires_at = TimePoint::max();
  entry.refresh_at = TimePoint::max();
  entry.keepalive_interval.reset();
  setPath(entry, DataPath{}, out);
  // The dynamic IPv4 home address went with the binding: ask for one again (0.0.0.0).
  if (entry.primary) loseIpv4(out);
  if (entry.state == RegistrationState::Registered) entry.state = RegistrationState::Idle;
}

void MobileNode::loseIpv4(MobileNodeActions& out) {
  if (ipv4_home_address_) {
    out.push_back(ConfigureIpv4HomeAddress{ipv4_home_address_->address, ipv4_home_address_->length,
                                           AddressPlace::Tun, "", false});
    event(EventKind::Ipv4HomeAddressLost, LogLevel::Info,
          "ipv4 home address " + ipv4_home_address_->address.toString() + " removed", out);
    ipv4_home_address_.reset();
  }
  for (const auto& p : ipv4_prefixes_) out.push_back(ConfigureIpv4Prefix{p, false});
  ipv4_prefixes_.clear();
  for (auto& g : ipv4_prefix_grants_) g.reset();
}

void MobileNode::processIpv4Acks(Entry& entry, const wire::BindingAck& ack,
                                 MobileNodeActions& out) {
  const auto acks = wire::findAllOptions<wire::Ipv4AddressAckOption>(ack.options);
  if (entry.ipv4_sent.empty()) return;
  if (acks.empty()) {
    // RFC 5555 §2.3.1: the home agent does not support the option; keep it out (reference
    // 3.11) until the home agent changes.
    ipv4_unsupported_ = true;
    event(EventKind::Ipv4HomeAddressUnsupported, LogLevel::Warn,
          "the home agent ignored the ipv4 home address option", out);
    loseIpv4(out);
    return;
  }
  // The acknowledgements answer the options in order (RFC 5555 §4.5).
  for (std::size_t i = 0; i < entry.ipv4_sent.size() && i < acks.size(); ++i) {
    const Ipv4Request& request = entry.ipv4_sent[i];
    const wire::Ipv4AddressAckOption& a = *acks[i];
    const bool success = wire::isIpv4AckSuccess(a.status);
    if (!request.prefix) {
      if (success) {
        const Ipv4Prefix granted{a.home_address, 32};
        if (ipv4_home_address_ != granted) {
          if (ipv4_home_address_) loseIpv4(out);
          ipv4_home_address_ = granted;
          out.push_back(ConfigureIpv4HomeAddress{a.home_address, 32, AddressPlace::Tun, "", true});
          event(EventKind::Ipv4HomeAddressAcquired, LogLevel::Info,
                "ipv4 home address " + a.home_address.toString(), out);
        }
      } else {
        event(EventKind::Ipv4HomeAddressRefused, LogLevel::Warn,
              fmt::format("ipv4 home address refused: {} ({})", static_cast<unsigned>(a.status),
                          wire::ipv4AckStatusName(a.status)),
              out);
        if (ipv4_home_address_) {
          out.push_back(ConfigureIpv4HomeAddress{ipv4_home_address_->address,
                                                 ipv4_home_address_->length, AddressPlace::Tun, "",
                                                 false});
          ipv4_home_address_.reset();  // a dynamic one is asked for again with 0.0.0.0
        }
      }
      continue;
    }
    auto& grant = ipv4_prefix_grants_[request.index];
    if (success && a.prefix_length >= 1 && a.prefix_length <= 32) {
      const Ipv4Prefix prefix = Ipv4Prefix{a.home_address, a.prefix_length}.normalised();
      if (grant != prefix) {
        if (grant) {
          out.push_back(ConfigureIpv4Prefix{*grant, false});
          std::erase(ipv4_prefixes_, *grant);
        }
        grant = prefix;
        ipv4_prefixes_.push_back(prefix);
        out.push_back(ConfigureIpv4Prefix{prefix, true});
      }
    } else if (grant) {
      out.push_back(ConfigureIpv4Prefix{*grant, false});
      std::erase(ipv4_prefixes_, *grant);
      grant.reset();
    }
  }
}

void MobileNode::setPath(Entry& entry, const DataPath& path, MobileNodeActions& out) {
  if (entry.path == path) return;
  entry.path = path;
  out.push_back(SetDataPath{entry.home_address, path});
}

void MobileNode::sendMobilePrefixSolicitation(TimePoint now, MobileNodeActions& out) {
  const Entry& primary = entries_.front();
  if (!care_of_) return;
  ++mps_identifier_;
  ++mps_attempts_;
  mps_outstanding_ = true;
  mps_at_ = now + mps_timeout_;
  PacketBuffer icmp(512);
  if (!wire::buildMobilePrefixSolicitation(icmp, mps_identifier_, primary.home_address,
                                           config_.home_agent)) {
    return;
  }
  Result<Bytes> packet = Unexpected{Error{}};
  Transport transport;
  if (const auto* coa6 = std::get_if<Ipv6Address>(&care_of_->address)) {
    wire::Ipv6Extensions ext;
    ext.home_address = primary.home_address;
    packet = finishIcmpv6Packet(icmp, *coa6, config_.home_agent, ext);
  } else if (config_.home_agent_ipv4) {
    // From IPv4 the home address is the source already (the Home Address option of RFC 5555
    // §2.2 would repeat it); UDP when the tunnel is UDP, else IPv6-in-IPv4.
    packet = finishIcmpv6Packet(icmp, primary.home_address, config_.home_agent);
    const Ipv4Address coa4 = std::get<Ipv4Address>(care_of_->address);
    if (primary.path.encapsulation == Encapsulation::Ipv4) {
      transport = Transport::protocol41(coa4, *config_.home_agent_ipv4);
    } else {
      transport =
          Transport::udp(Ipv4Endpoint{coa4, config_.local_udp_port},
                         Ipv4Endpoint{*config_.home_agent_ipv4, config_.home_agent_udp_port});
    }
  }
  if (!packet) return;
  ++stats_.mobile_prefix_solicitations_sent;
  out.push_back(SendSignalling{std::move(*packet), transport});
}

void MobileNode::checkFinished(MobileNodeActions& out) {
  if (!stopping_ || finished_) return;
  for (const auto& e : entries_) {
    if (e.outstanding) return;
  }
  finished_ = true;
  if (placement_ == AddressPlace::Tun) {
    for (const auto& e : entries_) {
      out.push_back(ConfigureHomeAddress{e.home_address, 128, AddressPlace::Tun, "", false});
    }
    placement_.reset();
  }
  event(EventKind::Stopped, LogLevel::Info, "mobile node stopped", out);
}

// --- Timers and control ----------------------------------------------------------------------

MobileNodeActions MobileNode::reconfigure(const MobileNodeConfig& config, TimePoint now) {
  (void)now;  // armed timers run out; the new values apply from their next use
  config_.initial_bindack_timeout_first_reg = config.initial_bindack_timeout_first_reg;
  config_.initial_bindack_timeout = config.initial_bindack_timeout;
  config_.max_bindack_timeout = config.max_bindack_timeout;
  config_.nat_keepalive = config.nat_keepalive;
  config_.ipv6_attempts_before_ipv4 = config.ipv6_attempts_before_ipv4;
  config_.retry_after_rejection = config.retry_after_rejection;
  config_.deregistration_attempts = config.deregistration_attempts;
  config_.tunnel = config.tunnel;
  MobileNodeActions out;
  event(EventKind::Reconfigured, LogLevel::Info,
        "reconfigured: retransmission, keep-alive and tunnel header settings", out);
  return out;
}

MobileNodeActions MobileNode::onTimer(TimePoint now) {
  MobileNodeActions out;
  for (auto& e : entries_) {
    if (e.has_binding && e.expires_at <= now && !e.deregistration) bindingLost(e, now, out);
    if (e.outstanding && e.retransmit_at <= now) {
      retransmit(e, now, out);
      continue;
    }
    if (e.state == RegistrationState::Registered && e.refresh_at <= now) {
      if (!care_of_) {
        e.refresh_at = TimePoint::max();  // refreshed when a care-of address comes back
        continue;
      }
      e.state = RegistrationState::Refreshing;
      e.keepalive = e.refresh_is_keepalive;
      e.attempts = 0;
      e.attempt_limit = 0;
      e.timeout = config_.initial_bindack_timeout;
      e.target = care_of_;
      sendBindingUpdate(e, now, out);
      continue;
    }
    if (e.state == RegistrationState::Rejected && e.retry_at <= now) {
      e.retry_at = TimePoint::max();
      if (!at_home_ && care_of_ && !stopping_) startRegistration(e, now, out);
    }
  }
  if (mps_outstanding_ && mps_at_ <= now) {
    if (mps_attempts_ >= kMobilePrefixSolicitationAttempts) {
      mps_outstanding_ = false;
    } else {
      mps_timeout_ *= 2;
      sendMobilePrefixSolicitation(now, out);
    }
  }
  return out;
}

std::optional<TimePoint> MobileNode::nextDeadline() const {
  std::optional<TimePoint> next;
  const auto consider = [&](TimePoint t) {
    if (t != TimePoint::max()) next = earliest(next, t);
  };
  for (const auto& e : entries_) {
    if (e.outstanding) consider(e.retransmit_at);
    if (e.state == RegistrationState::Registered) consider(e.refresh_at);
    if (e.has_binding && !e.deregistration) consider(e.expires_at);
    if (e.state == RegistrationState::Rejected) consider(e.retry_at);
  }
  if (mps_outstanding_) consider(mps_at_);
  return next;
}

MobileNodeActions MobileNode::onHomeAgentAddresses(const Ipv6Address& home_agent,
                                                   std::optional<Ipv4Address> home_agent_ipv4,
                                                   TimePoint now) {
  MobileNodeActions out;
  if (home_agent == config_.home_agent && home_agent_ipv4 == config_.home_agent_ipv4) return out;
  const bool new_agent = home_agent != config_.home_agent;
  config_.home_agent = home_agent;
  config_.home_agent_ipv4 = home_agent_ipv4;
  event(EventKind::HomeAgentChanged, LogLevel::Info,
        "home agent " + home_agent.toString() +
            (home_agent_ipv4 ? " / " + home_agent_ipv4->toString() : std::string()),
        out);
  if (stopping_) return out;
  if (new_agent) {
    // Another home agent: nothing is known about it.
    ipv4_unsupported_ = false;
    force_udp_refused_ = false;
    router_refused_ = false;
    for (auto& e : entries_) {
      e.has_binding = false;
      e.registered.reset();
      e.expires_at = TimePoint::max();
      e.refresh_at = TimePoint::max();
      e.permanent = false;
      setPath(e, DataPath{}, out);
      if (e.state != RegistrationState::AtHome) e.state = RegistrationState::Idle;
    }
    loseIpv4(out);
    if (!at_home_) {
      care_of_.reset();
      selectCareOf(now, out);
    }
    return out;
  }
  // Only the IPv4 address changed: it may make an IPv4 care-of address usable or unusable.
  if (!at_home_) {
    const auto chosen = pickCareOf();
    if (!chosen || !care_of_ || chosen->address != care_of_->address ||
        (isIpv4(care_of_->address) && std::none_of(entries_.begin(), entries_.end(),
                                                   [](const Entry& e) { return e.outstanding; }))) {
      care_of_.reset();
      selectCareOf(now, out);
    }
  }
  return out;
}

MobileNodeActions MobileNode::onStop(TimePoint now) {
  MobileNodeActions out;
  if (stopping_) return out;
  stopping_ = true;
  for (auto& e : entries_) {
    if (at_home_) {
      if (e.outstanding) e.attempt_limit = config_.deregistration_attempts;
      continue;
    }
    if ((e.has_binding || e.outstanding) && care_of_) {
      startDeregistration(e, now, out);
    } else {
      e.outstanding = false;
      e.send_pending = false;
      e.state = RegistrationState::Idle;
    }
  }
  checkFinished(out);
  return out;
}

// --- Snapshot --------------------------------------------------------------------------------

MobileNodeSnapshot MobileNode::snapshot(TimePoint now) const {
  MobileNodeSnapshot s;
  s.care_of = care_of_;
  s.at_home = at_home_;
  s.home_interface = home_interface_;
  s.home_agent = config_.home_agent;
  s.home_agent_ipv4 = config_.home_agent_ipv4;
  s.ipv4_home_address = ipv4_home_address_;
  s.ipv4_prefixes = ipv4_prefixes_;
  s.ipv4_home_address_unsupported = ipv4_unsupported_;
  s.home_prefixes = home_prefixes_;
  s.stats = stats_;
  const auto left = [&](TimePoint t) -> std::optional<Duration> {
    if (t == TimePoint::max()) return std::nullopt;
    return t > now ? t - now : Duration::zero();
  };
  for (const auto& e : entries_) {
    BindingUpdateListSnapshot b;
    b.home_address = e.home_address;
    b.state = e.state;
    if (e.registered) b.registered_care_of = e.registered->address;
    if (e.outstanding && e.target) b.pending_care_of = e.target->address;
    b.sequence = e.sequence;
    b.lifetime = e.granted;
    if (e.has_binding) b.lifetime_left = left(e.expires_at);
    if (e.state == RegistrationState::Registered) b.next_refresh = left(e.refresh_at);
    if (e.outstanding) b.next_retransmission = left(e.retransmit_at);
    b.attempts = e.attempts;
    b.last_status = e.last_status;
    b.path = e.path;
    s.entries.push_back(std::move(b));
  }
  const Entry& primary = entries_.front();
  s.encapsulation = primary.path.encapsulation;
  s.nat_detected = primary.path.nat_detected;
  s.nat_keepalive = primary.keepalive_interval;
  return s;
}

}  // namespace dsmip::dsmip6
