#pragma once
// Movement detection of `dsmip mn`, pure: from what netlink reports (links, addresses, routes)
// to the care-of address candidates the mobile node core chooses from. A candidate is an address
// of a configured interface that is operationally up, usable (global scope, not tentative or
// deprecated), and through which the home agent is reachable: a route of that family via the
// interface covers the home agent's address (a default route does). An IPv6 address inside the
// home prefix on a configured interface is always a candidate: it means "at home".

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "dsmip6/mobile_node.hpp"
#include "platform/netlink_message.hpp"

namespace dsmip::daemon {

/// The routing state the candidates are computed from (one netlink dump of each).
struct LinkState {
  std::vector<platform::LinkInfo> links;
  std::vector<platform::InterfaceAddress> addresses;
  std::vector<platform::Route> routes;  // both families, main table
};

struct CandidateQuery {
  std::vector<std::string> interfaces;  // configured, most preferred first
  Ipv6Prefix home_prefix;
  Ipv6Address home_agent;
  std::optional<Ipv4Address> home_agent_ipv4;  // nullopt: IPv4 needs a default route
  bool ipv4 = true;                            // IPv4 care-of addresses wanted
};

/// The candidates, sorted by interface preference (its index in `interfaces`), then IPv6
/// before IPv4, then address.
std::vector<dsmip6::CareOfCandidate> careOfCandidates(const LinkState& state,
                                                      const CandidateQuery& query);

/// IFA_F_DEPRECATED / IFA_F_TENTATIVE / IFA_F_DADFAILED: an address not to register.
bool isUnusableAddress(const platform::InterfaceAddress& address);

/// The MTU of the interface named `name` in `state` (0 if unknown).
std::uint32_t interfaceMtu(const LinkState& state, const std::string& name);

}  // namespace dsmip::daemon
