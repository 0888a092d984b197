#include "daemon/mip4_system.hpp"

#include <fmt/format.h>

namespace dsmip::daemon {

namespace {

platform::Route routeInto(int ifindex, const platform::IpPrefix& destination, std::uint32_t table) {
  platform::Route r;
  r.destination = platform::normalised(destination);
  r.ifindex = ifindex;
  r.table = table;
  return r;
}

Ipv6Prefix linkLocalPrefix() { return *Ipv6Prefix::parse("fe80::/64"); }

}  // namespace

SystemChanges HomeAgentSystem::plan(const dsmip4::InterceptHomeAddress& action) {
  SystemChanges out;
  const platform::IpPrefix host = Ipv4Prefix{action.home_address, 32};
  const platform::ProxyNeighbour proxy{home_, action.home_address};
  const bool present = home_addresses_.contains(action.home_address);
  if (action.enable && !present) {
    // The route first: proxy ARP only answers for addresses routed through another interface.
    out.emplace_back(AddRoute{routeInto(tun_, host, platform::kMainTable)});
    out.emplace_back(AddProxyNeighbour{proxy});
    out.emplace_back(AnnounceAddress{action.home_address});
    home_addresses_.emplace(action.home_address, true);
  } else if (!action.enable && present) {
    out.emplace_back(RemoveProxyNeighbour{proxy});
    out.emplace_back(RemoveRoute{routeInto(tun_, host, platform::kMainTable)});
    home_addresses_.erase(action.home_address);
  }
  return out;
}

SystemChanges HomeAgentSystem::plan(const dsmip4::InterceptIpv6Prefix& action) {
  SystemChanges out;
  const Ipv6Prefix prefix = action.prefix.normalised();
  const bool present = prefixes_.contains(prefix);
  if (action.enable && !present) {
    out.emplace_back(AddRoute{routeInto(tun_, prefix, platform::kMainTable)});
    prefixes_.emplace(prefix, action.link_local);
  } else if (!action.enable && present) {
    out.emplace_back(RemoveRoute{routeInto(tun_, prefix, platform::kMainTable)});
    prefixes_.erase(prefix);
  }
  return out;
}

platform::Route MobileNodeSystem::tunRoute(const platform::IpPrefix& destination,
                                           std::uint32_t table) const {
  return routeInto(config_.tun_ifindex, destination, table);
}

platform::Rule MobileNodeSystem::fromRule(const platform::IpPrefix& source) const {
  platform::Rule rule;
  rule.family = platform::familyOf(source);
  rule.source = platform::normalised(source);
  rule.table = config_.table;
  rule.priority = config_.rule_priority;
  return rule;
}

std::size_t MobileNodeSystem::globalPrefixes() const {
  std::size_t n = 0;
  for (const auto& [prefix, configured] : prefixes_) n += configured.link_local ? 0 : 1;
  return n;
}

SystemChanges MobileNodeSystem::start() const {
  return {AddRoute{tunRoute(Ipv4Prefix{}, config_.table)},
          AddRoute{tunRoute(Ipv6Prefix{}, config_.table)}};
}

SystemChanges MobileNodeSystem::plan(const dsmip4::ConfigureHomeAddress& action) {
  SystemChanges out;
  const platform::IpPrefix host = Ipv4Prefix{action.home_address, 32};
  if (action.enable && !home_address_) {
    out.emplace_back(AddAddress{config_.tun_ifindex, host});
    out.emplace_back(AddRule{fromRule(host)});
    for (const Ipv4Prefix& r : config_.routes4) {
      out.emplace_back(AddRoute{tunRoute(r, platform::kMainTable)});
    }
    home_address_ = action.home_address;
  } else if (!action.enable && home_address_) {
    const platform::IpPrefix old = Ipv4Prefix{*home_address_, 32};
    for (auto it = config_.routes4.rbegin(); it != config_.routes4.rend(); ++it) {
      out.emplace_back(RemoveRoute{tunRoute(*it, platform::kMainTable)});
    }
    out.emplace_back(RemoveRule{fromRule(old)});
    out.emplace_back(RemoveAddress{config_.tun_ifindex, old});
    home_address_.reset();
  }
  return out;
}

SystemChanges MobileNodeSystem::plan(const dsmip4::ConfigureIpv6Prefix& action) {
  SystemChanges out;
  const Ipv6Prefix prefix = action.prefix.normalised();
  const bool present = prefixes_.contains(prefix);
  if (action.enable && !present) {
    out.emplace_back(AddAddress{config_.tun_ifindex, Ipv6Prefix{action.address, 128}});
    if (action.link_local) {
      // Link-local registrations (RFC 5454 §3.7.1) carry DHCPv6 on the tunnel's own link: the
      // address and the link's fe80::/64, so that the home agent's fe80::HA is reachable.
      out.emplace_back(AddRoute{tunRoute(linkLocalPrefix(), platform::kMainTable)});
    } else {
      // Global prefixes are routed and select the tunnel's table.
      out.emplace_back(AddRoute{tunRoute(prefix, platform::kMainTable)});
      out.emplace_back(AddRule{fromRule(prefix)});
      if (globalPrefixes() == 0) {
        for (const Ipv6Prefix& r : config_.routes6) {
          out.emplace_back(AddRoute{tunRoute(r, platform::kMainTable)});
        }
      }
    }
    prefixes_.emplace(prefix, ConfiguredPrefix{action.address, action.link_local});
  } else if (!action.enable && present) {
    const ConfiguredPrefix configured = prefixes_.at(prefix);
    prefixes_.erase(prefix);
    if (configured.link_local) {
      out.emplace_back(RemoveRoute{tunRoute(linkLocalPrefix(), platform::kMainTable)});
    } else {
      if (globalPrefixes() == 0) {
        for (auto it = config_.routes6.rbegin(); it != config_.routes6.rend(); ++it) {
          out.emplace_back(RemoveRoute{tunRoute(*it, platform::kMainTable)});
        }
      }
      out.emplace_back(RemoveRule{fromRule(prefix)});
      out.emplace_back(RemoveRoute{tunRoute(prefix, platform::kMainTable)});
    }
    out.emplace_back(RemoveAddress{config_.tun_ifindex, Ipv6Prefix{configured.address, 128}});
  }
  return out;
}

Status applySystemChange(platform::InstalledState& installed, const SystemChange& change) {
  using platform::IfExists;
  auto tolerateMissing = [](Status s) -> Status {
    if (!s && s.error().code == ErrorCode::NotFound) return {};  // not recorded: nothing to undo
    return s;
  };
  return std::visit(
      [&](const auto& c) -> Status {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, AddAddress>) {
          platform::AddressOptions options;
          options.no_dad = true;
          options.no_prefix_route = true;
          return installed.addAddress(c.ifindex, c.address, options, IfExists::Adopt);
        } else if constexpr (std::is_same_v<T, RemoveAddress>) {
          return tolerateMissing(installed.removeAddress(c.ifindex, c.address));
        } else if constexpr (std::is_same_v<T, AddRoute>) {
          return installed.addRoute(c.route, IfExists::Adopt);
        } else if constexpr (std::is_same_v<T, RemoveRoute>) {
          return tolerateMissing(installed.removeRoute(c.route));
        } else if constexpr (std::is_same_v<T, AddRule>) {
          return installed.addRule(c.rule, IfExists::Adopt);
        } else if constexpr (std::is_same_v<T, RemoveRule>) {
          return tolerateMissing(installed.removeRule(c.rule));
        } else if constexpr (std::is_same_v<T, AddProxyNeighbour>) {
          return installed.addProxyNeighbour(c.entry, IfExists::Adopt);
        } else if constexpr (std::is_same_v<T, RemoveProxyNeighbour>) {
          return tolerateMissing(installed.removeProxyNeighbour(c.entry));
        } else {
          return {};
        }
      },
      change);
}

std::string describeSystemChange(const SystemChange& change) {
  return std::visit(
      [](const auto& c) -> std::string {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, AddAddress>) {
          return fmt::format("add address {} dev #{}", platform::toString(c.address), c.ifindex);
        } else if constexpr (std::is_same_v<T, RemoveAddress>) {
          return fmt::format("remove address {} dev #{}", platform::toString(c.address), c.ifindex);
        } else if constexpr (std::is_same_v<T, AddRoute>) {
          return "add route " + platform::toString(c.route);
        } else if constexpr (std::is_same_v<T, RemoveRoute>) {
          return "remove route " + platform::toString(c.route);
        } else if constexpr (std::is_same_v<T, AddRule>) {
          return "add rule " + platform::toString(c.rule);
        } else if constexpr (std::is_same_v<T, RemoveRule>) {
          return "remove rule " + platform::toString(c.rule);
        } else if constexpr (std::is_same_v<T, AddProxyNeighbour>) {
          return fmt::format("add proxy neighbour {} dev #{}", platform::toString(c.entry.address),
                             c.entry.ifindex);
        } else if constexpr (std::is_same_v<T, RemoveProxyNeighbour>) {
          return fmt::format("remove proxy neighbour {} dev #{}",
                             platform::toString(c.entry.address), c.entry.ifindex);
        } else {
          return "gratuitous ARP for " + c.address.toString();
        }
      },
      change);
}

}  // namespace dsmip::daemon
