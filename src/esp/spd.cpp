#include "esp/spd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace dsmip::esp {

std::string_view policyActionName(PolicyAction action) {
  switch (action) {
    case PolicyAction::Protect:
      return "protect";
    case PolicyAction::Bypass:
      return "bypass";
    case PolicyAction::Discard:
      return "discard";
  }
  return "unknown";
}

Status validatePolicyEntry(const PolicyEntry& entry) {
  if (entry.name.empty()) return makeError(ErrorCode::InvalidArgument, "name: must not be empty");
  if (!entry.outbound && !entry.inbound) {
    return makeError(ErrorCode::InvalidArgument,
                     "direction: the entry applies to neither inbound nor outbound traffic");
  }
  if (entry.action == PolicyAction::Protect) {
    if (entry.outbound && entry.outbound_spi == 0) {
      return makeError(ErrorCode::InvalidArgument,
                       "outbound_spi: a protect entry for outbound traffic needs the SPI of its "
                       "outbound SA");
    }
    if (entry.inbound && entry.inbound_spi == 0) {
      return makeError(ErrorCode::InvalidArgument,
                       "inbound_spi: a protect entry for inbound traffic needs the SPI of its "
                       "inbound SA");
    }
    if (!entry.outbound && entry.outbound_spi != 0) {
      return makeError(ErrorCode::InvalidArgument,
                       "outbound_spi: set on an entry that does not apply to outbound traffic");
    }
    if (!entry.inbound && entry.inbound_spi != 0) {
      return makeError(ErrorCode::InvalidArgument,
                       "inbound_spi: set on an entry that does not apply to inbound traffic");
    }
  } else if (entry.outbound_spi != 0 || entry.inbound_spi != 0) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("inbound_spi/outbound_spi: only protect entries name SAs, this "
                                 "one is {}",
                                 policyActionName(entry.action)));
  }
  const Selector& s = entry.selector;
  const bool ports = s.protocol && protocolHasPorts(*s.protocol);
  const bool messages = s.protocol && protocolHasMessageType(*s.protocol);
  if (!ports && (!s.local_port.isAny() || !s.remote_port.isAny())) {
    return makeError(ErrorCode::InvalidArgument,
                     "local_port/remote_port: port selectors need protocol tcp, udp or sctp");
  }
  if (s.local_port.first > s.local_port.last || s.remote_port.first > s.remote_port.last) {
    return makeError(ErrorCode::InvalidArgument, "local_port/remote_port: empty range");
  }
  if (!messages && (!s.local_message.isAny() || !s.remote_message.isAny())) {
    return makeError(ErrorCode::InvalidArgument,
                     "message type selectors need protocol mh (135), icmpv6 (58) or icmp (1)");
  }
  for (const MessageRange* m : {&s.local_message, &s.remote_message}) {
    if (m->type_first > m->type_last || m->code_first > m->code_last) {
      return makeError(ErrorCode::InvalidArgument, "message type/code selector: empty range");
    }
  }
  return {};
}

Status Spd::add(PolicyEntry entry) { return insert(entries_.size(), std::move(entry)); }

Status Spd::insert(std::size_t index, PolicyEntry entry) {
  if (auto ok = validatePolicyEntry(entry); !ok) return ok;
  if (find(entry.name) != nullptr) {
    return makeError(ErrorCode::AlreadyExists,
                     fmt::format("name: a policy named \"{}\" already exists", entry.name));
  }
  index = std::min(index, entries_.size());
  entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(index), std::move(entry));
  return {};
}

bool Spd::remove(std::string_view name) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const PolicyEntry& e) { return e.name == name; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

bool Spd::setEnabled(std::string_view name, bool enabled) {
  for (auto& e : entries_) {
    if (e.name == name) {
      e.enabled = enabled;
      return true;
    }
  }
  return false;
}

const PolicyEntry* Spd::lookup(const PacketSelectors& packet, Direction direction) const {
  for (const auto& e : entries_) {
    if (!e.enabled) continue;
    if (direction == Direction::Outbound ? !e.outbound : !e.inbound) continue;
    if (e.selector.matches(packet, direction)) return &e;
  }
  return nullptr;
}

std::optional<std::uint32_t> Spd::findProtectingSpi(const PacketSelectors& traffic,
                                                    Direction direction) const {
  const PolicyEntry* e = lookup(traffic, direction);
  if (e == nullptr || e->action != PolicyAction::Protect) return std::nullopt;
  return direction == Direction::Outbound ? e->outbound_spi : e->inbound_spi;
}

const PolicyEntry* Spd::findBySpi(std::uint32_t spi, Direction direction) const {
  for (const auto& e : entries_) {
    if (!e.enabled || e.action != PolicyAction::Protect) continue;
    if (direction == Direction::Outbound ? (e.outbound && e.outbound_spi == spi)
                                         : (e.inbound && e.inbound_spi == spi)) {
      return &e;
    }
  }
  return nullptr;
}

const PolicyEntry* Spd::matchInboundSa(std::uint32_t inbound_spi,
                                       const PacketSelectors& packet) const {
  for (const auto& e : entries_) {
    if (!e.enabled || e.action != PolicyAction::Protect || !e.inbound) continue;
    if (e.inbound_spi != inbound_spi) continue;
    if (e.selector.matches(packet, Direction::Inbound)) return &e;
  }
  return nullptr;
}

const PolicyEntry* Spd::find(std::string_view name) const {
  for (const auto& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

}  // namespace dsmip::esp
