// InstalledState: perform-and-record, undo in reverse.
#include "platform/installed_state.hpp"

#include <algorithm>
#include <cerrno>

#include "platform/sysctl.hpp"

namespace dsmip::platform {

namespace {

// Errors that mean "already gone": the object, or the interface it hung on, no longer exists.
bool alreadyGone(const Error& e) {
  if (e.code != ErrorCode::SystemError) return false;
  switch (e.system_errno) {
    case ENOENT:         // rule, proxy entry, sysctl of a removed interface
    case ESRCH:          // route
    case EADDRNOTAVAIL:  // address
    case ENODEV:         // interface gone
    case ENXIO:
      return true;
    default:
      return false;
  }
}

// The metric the kernel stores for a route added with `metric` (IPv6 turns 0 into 1024).
std::uint32_t effectiveMetric(const Route& r) {
  if (r.metric == 0 && familyOf(r.destination) == IpFamily::V6) return 1024;
  return r.metric;
}

}  // namespace

InstalledState::~InstalledState() { [[maybe_unused]] auto s = removeAll(); }

Status InstalledState::addAddress(int ifindex, const IpPrefix& address,
                                  const AddressOptions& options, IfExists if_exists) {
  auto s = netlink_->addAddress(ifindex, address, options);
  if (!s) {
    if (!hasErrno(s.error(), EEXIST) || if_exists == IfExists::Fail) return s;
    if (if_exists == IfExists::Keep) return {};
  }
  items_.emplace_back(AddressItem{ifindex, address});
  return {};
}

Status InstalledState::addRoute(const Route& route, IfExists if_exists) {
  auto s = netlink_->addRoute(route, WriteMode::Create);
  if (!s) {
    if (!hasErrno(s.error(), EEXIST) || if_exists == IfExists::Fail) return s;
    if (if_exists == IfExists::Keep) return {};
  }
  items_.emplace_back(RouteItem{route, std::nullopt});
  return {};
}

Status InstalledState::replaceRoute(const Route& route) {
  // Find what the replacement will displace: same table, destination and metric.
  auto existing = netlink_->routes(familyOf(route.destination), route.table);
  if (!existing) return Unexpected{std::move(existing).error()};
  std::optional<Route> replaced;
  const IpPrefix destination = normalised(route.destination);
  for (const Route& r : *existing) {
    if (r.destination == destination && r.metric == effectiveMetric(route) &&
        r.type == RouteType::Unicast) {
      replaced = r;
      break;
    }
  }
  // Replacing our own earlier route: keep the record of what was there before us.
  for (auto it = items_.rbegin(); replaced && it != items_.rend(); ++it) {
    if (const auto* item = std::get_if<RouteItem>(&*it)) {
      if (normalised(item->route.destination) == destination && item->route.table == route.table &&
          effectiveMetric(item->route) == effectiveMetric(route)) {
        replaced = item->replaced;
        items_.erase(std::next(it).base());
        break;
      }
    }
  }
  if (auto s = netlink_->addRoute(route, WriteMode::Replace); !s) return s;
  items_.emplace_back(RouteItem{route, replaced});
  return {};
}

Status InstalledState::addProxyNeighbour(const ProxyNeighbour& entry, IfExists if_exists) {
  // The kernel creates or refreshes proxy entries without reporting EEXIST: look first.
  auto current = netlink_->proxyNeighbours(familyOf(entry.address));
  if (!current) return Unexpected{std::move(current).error()};
  const bool exists = std::find(current->begin(), current->end(), entry) != current->end();
  if (exists) {
    if (if_exists == IfExists::Fail) {
      return osError("netlink: add proxy neighbour", EEXIST, toString(entry.address));
    }
    if (if_exists == IfExists::Keep) return {};
  } else if (auto s = netlink_->addProxyNeighbour(entry); !s) {
    return s;
  }
  items_.emplace_back(ProxyItem{entry});
  return {};
}

Status InstalledState::addRule(const Rule& rule, IfExists if_exists) {
  auto s = netlink_->addRule(rule);
  if (!s) {
    if (!hasErrno(s.error(), EEXIST) || if_exists == IfExists::Fail) return s;
    if (if_exists == IfExists::Keep) return {};
  }
  items_.emplace_back(RuleItem{rule});
  return {};
}

Status InstalledState::setSysctl(const std::string& key, const std::string& value) {
  auto old = readSysctl(key);
  if (!old) return Unexpected{std::move(old).error()};
  if (*old == value) return {};
  if (auto s = writeSysctl(key, value); !s) return s;
  items_.emplace_back(SysctlItem{key, std::move(*old)});
  return {};
}

Status InstalledState::undo(const Item& item) {
  Status s;
  if (const auto* a = std::get_if<AddressItem>(&item)) {
    s = netlink_->deleteAddress(a->ifindex, a->address);
  } else if (const auto* r = std::get_if<RouteItem>(&item)) {
    if (r->replaced) {
      s = netlink_->addRoute(*r->replaced, WriteMode::Replace);
      // The interface of the old route may be gone; then removing ours is all we can do.
      if (!s && alreadyGone(s.error())) s = netlink_->deleteRoute(r->route);
    } else {
      s = netlink_->deleteRoute(r->route);
    }
  } else if (const auto* p = std::get_if<ProxyItem>(&item)) {
    s = netlink_->deleteProxyNeighbour(p->entry);
  } else if (const auto* u = std::get_if<RuleItem>(&item)) {
    s = netlink_->deleteRule(u->rule);
  } else if (const auto* c = std::get_if<SysctlItem>(&item)) {
    s = writeSysctl(c->key, c->old_value);
  }
  if (!s && alreadyGone(s.error())) return {};
  return s;
}

template <typename Match>
Status InstalledState::removeMatching(Match match) {
  for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
    if (!match(*it)) continue;
    const Item item = *it;
    items_.erase(std::next(it).base());
    return undo(item);
  }
  return makeError(ErrorCode::NotFound, "not installed by this daemon");
}

Status InstalledState::removeAddress(int ifindex, const IpPrefix& address) {
  return removeMatching([&](const Item& item) {
    const auto* a = std::get_if<AddressItem>(&item);
    return a != nullptr && a->ifindex == ifindex && a->address == address;
  });
}

Status InstalledState::removeRoute(const Route& route) {
  return removeMatching([&](const Item& item) {
    const auto* r = std::get_if<RouteItem>(&item);
    return r != nullptr && r->route == route;
  });
}

Status InstalledState::removeProxyNeighbour(const ProxyNeighbour& entry) {
  return removeMatching([&](const Item& item) {
    const auto* p = std::get_if<ProxyItem>(&item);
    return p != nullptr && p->entry == entry;
  });
}

Status InstalledState::removeRule(const Rule& rule) {
  return removeMatching([&](const Item& item) {
    const auto* r = std::get_if<RuleItem>(&item);
    return r != nullptr && r->rule == rule;
  });
}

Status InstalledState::restoreSysctl(const std::string& key) {
  // Restoring a key means going back to the value before the first change: undo every
  // recorded change of it, newest first.
  bool found = false;
  Status first_error;
  for (auto it = items_.rbegin(); it != items_.rend();) {
    const auto* c = std::get_if<SysctlItem>(&*it);
    if (c == nullptr || c->key != key) {
      ++it;
      continue;
    }
    found = true;
    const Item item = *it;
    it = std::make_reverse_iterator(items_.erase(std::next(it).base()));
    if (auto s = undo(item); !s && first_error) first_error = s;
  }
  if (!found)
    return makeError(ErrorCode::NotFound, "sysctl " + key + " not changed by this daemon");
  return first_error;
}

Status InstalledState::removeAll() {
  Status first_error;
  while (!items_.empty()) {
    const Item item = std::move(items_.back());
    items_.pop_back();
    if (auto s = undo(item); !s && first_error) first_error = s;
  }
  return first_error;
}

std::vector<std::string> InstalledState::describe() const {
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const Item& item : items_) {
    if (const auto* a = std::get_if<AddressItem>(&item)) {
      out.push_back("address " + toString(a->address) + " dev #" + std::to_string(a->ifindex));
    } else if (const auto* r = std::get_if<RouteItem>(&item)) {
      std::string line = "route " + toString(r->route);
      if (r->replaced) line += " (replacing " + toString(*r->replaced) + ")";
      out.push_back(std::move(line));
    } else if (const auto* p = std::get_if<ProxyItem>(&item)) {
      out.push_back("proxy-neighbour " + toString(p->entry.address) + " dev #" +
                    std::to_string(p->entry.ifindex));
    } else if (const auto* u = std::get_if<RuleItem>(&item)) {
      out.push_back("rule " + toString(u->rule));
    } else if (const auto* c = std::get_if<SysctlItem>(&item)) {
      out.push_back("sysctl " + c->key + " (was " + c->old_value + ")");
    }
  }
  return out;
}

}  // namespace dsmip::platform
