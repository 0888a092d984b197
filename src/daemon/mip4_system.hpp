#pragma once
// What the DSMIPv4 daemons change on the system for their cores' actions, decided by pure
// planners (tested without root) and applied through the runtime's undo list:
//
//   home agent   InterceptHomeAddress  → route HoA/32 into the TUN, proxy ARP for the HoA on the
//                                        home link, gratuitous ARP (RFC 5944 §4.6)
//                InterceptIpv6Prefix   → route the prefix into the TUN (the home router routes
//                                        the prefix to the home agent; never on-link, RFC 5454)
//   mobile node  start                 → default routes (IPv4 and IPv6) into the TUN in the
//                                        daemon's table
//                ConfigureHomeAddress  → HoA/32 on the TUN, rule "from HoA lookup table", the
//                                        configured IPv4 routes into the TUN (main table)
//                ConfigureIpv6Prefix   → the address/128 on the TUN, the prefix routed into the
//                                        TUN, rule "from prefix lookup table"; the configured
//                                        IPv6 routes while at least one prefix is configured;
//                                        a link-local registration: the address/128 and the
//                                        tunnel link's fe80::/64 into the TUN
//
// Replies and everything the applications send from the home address or a registered prefix
// thus go into the TUN, where the core tunnels them; the daemon's own sockets, bound to the
// care-of address, keep using the main table.

#include <cstdint>
#include <map>
#include <optional>
#include <variant>
#include <vector>

#include "common/ip_address.hpp"
#include "dsmip4/home_agent.hpp"
#include "dsmip4/mobile_node.hpp"
#include "platform/installed_state.hpp"
#include "platform/netlink_message.hpp"

namespace dsmip::daemon {

struct AddAddress {
  int ifindex = 0;
  platform::IpPrefix address;
  friend bool operator==(const AddAddress&, const AddAddress&) = default;
};
struct RemoveAddress {
  int ifindex = 0;
  platform::IpPrefix address;
  friend bool operator==(const RemoveAddress&, const RemoveAddress&) = default;
};
struct AddRoute {
  platform::Route route;
  friend bool operator==(const AddRoute&, const AddRoute&) = default;
};
struct RemoveRoute {
  platform::Route route;
  friend bool operator==(const RemoveRoute&, const RemoveRoute&) = default;
};
struct AddRule {
  platform::Rule rule;
  friend bool operator==(const AddRule&, const AddRule&) = default;
};
struct RemoveRule {
  platform::Rule rule;
  friend bool operator==(const RemoveRule&, const RemoveRule&) = default;
};
struct AddProxyNeighbour {
  platform::ProxyNeighbour entry;
  friend bool operator==(const AddProxyNeighbour&, const AddProxyNeighbour&) = default;
};
struct RemoveProxyNeighbour {
  platform::ProxyNeighbour entry;
  friend bool operator==(const RemoveProxyNeighbour&, const RemoveProxyNeighbour&) = default;
};
/// Gratuitous ARP for an address on the home link (RFC 5944 §4.6).
struct AnnounceAddress {
  Ipv4Address address;
  friend bool operator==(const AnnounceAddress&, const AnnounceAddress&) = default;
};

using SystemChange =
    std::variant<AddAddress, RemoveAddress, AddRoute, RemoveRoute, AddRule, RemoveRule,
                 AddProxyNeighbour, RemoveProxyNeighbour, AnnounceAddress>;
using SystemChanges = std::vector<SystemChange>;

/// The home agent's planner. Idempotent: enabling what is enabled, or disabling what is not,
/// plans nothing.
class HomeAgentSystem {
 public:
  HomeAgentSystem(int tun_ifindex, int home_ifindex) : tun_(tun_ifindex), home_(home_ifindex) {}
  [[nodiscard]] SystemChanges plan(const dsmip4::InterceptHomeAddress& action);
  [[nodiscard]] SystemChanges plan(const dsmip4::InterceptIpv6Prefix& action);
  [[nodiscard]] std::size_t interceptedHomeAddresses() const { return home_addresses_.size(); }
  [[nodiscard]] std::size_t interceptedPrefixes() const { return prefixes_.size(); }

 private:
  int tun_;
  int home_;
  std::map<Ipv4Address, bool> home_addresses_;
  std::map<Ipv6Prefix, bool> prefixes_;
};

struct MobileNodeSystemConfig {
  int tun_ifindex = 0;
  std::uint32_t table = 434;
  std::uint32_t rule_priority = 1000;
  std::vector<Ipv4Prefix> routes4;
  std::vector<Ipv6Prefix> routes6;
};

/// The mobile node's planner.
class MobileNodeSystem {
 public:
  explicit MobileNodeSystem(MobileNodeSystemConfig config) : config_(std::move(config)) {}
  /// At start: the default routes of the daemon's table.
  [[nodiscard]] SystemChanges start() const;
  [[nodiscard]] SystemChanges plan(const dsmip4::ConfigureHomeAddress& action);
  /// A mode change of a configured prefix plans nothing (the core's data plane handles it).
  [[nodiscard]] SystemChanges plan(const dsmip4::ConfigureIpv6Prefix& action);
  [[nodiscard]] bool homeAddressConfigured() const { return home_address_.has_value(); }
  [[nodiscard]] std::size_t configuredPrefixes() const { return prefixes_.size(); }

 private:
  [[nodiscard]] platform::Route tunRoute(const platform::IpPrefix& destination,
                                         std::uint32_t table) const;
  [[nodiscard]] platform::Rule fromRule(const platform::IpPrefix& source) const;
  [[nodiscard]] std::size_t globalPrefixes() const;

  MobileNodeSystemConfig config_;
  std::optional<Ipv4Address> home_address_;
  struct ConfiguredPrefix {
    Ipv6Address address;
    bool link_local = false;
  };
  std::map<Ipv6Prefix, ConfiguredPrefix> prefixes_;
};

/// Carries out one change through the undo list (AnnounceAddress is the caller's: it does
/// nothing here). Additions adopt what a crashed instance left; removals of what is already gone
/// succeed.
[[nodiscard]] Status applySystemChange(platform::InstalledState& installed,
                                       const SystemChange& change);
/// "add route 10.1.0.5/32 dev #7 table 254", for logs.
[[nodiscard]] std::string describeSystemChange(const SystemChange& change);

}  // namespace dsmip::daemon
