#include "daemon/mn_movement.hpp"

#include <algorithm>

namespace dsmip::daemon {

namespace {

// IFA_F_* (linux/if_addr.h), spelled out: this file stays free of OS headers.
constexpr std::uint32_t kAddressDadFailed = 0x08;
constexpr std::uint32_t kAddressDeprecated = 0x20;
constexpr std::uint32_t kAddressTentative = 0x40;
constexpr std::uint8_t kScopeUniverse = 0;

const platform::LinkInfo* findLink(const LinkState& state, int index) {
  for (const auto& l : state.links) {
    if (l.index == index) return &l;
  }
  return nullptr;
}

// A unicast route of the address's family through `ifindex` that covers `destination`
// (default routes included).
template <typename Address>
bool routedThrough(const LinkState& state, int ifindex, const Address& destination) {
  for (const platform::Route& r : state.routes) {
    if (r.ifindex != ifindex || r.type != platform::RouteType::Unicast) continue;
    if constexpr (std::is_same_v<Address, Ipv6Address>) {
      const auto* p = std::get_if<Ipv6Prefix>(&r.destination);
      if (p && p->contains(destination)) return true;
    } else {
      const auto* p = std::get_if<Ipv4Prefix>(&r.destination);
      if (p && p->contains(destination)) return true;
    }
  }
  return false;
}

bool hasDefaultRoute(const LinkState& state, int ifindex, platform::IpFamily family) {
  for (const platform::Route& r : state.routes) {
    if (r.ifindex == ifindex && r.type == platform::RouteType::Unicast && r.isDefault() &&
        platform::familyOf(r.destination) == family) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool isUnusableAddress(const platform::InterfaceAddress& address) {
  return (address.flags & (kAddressDadFailed | kAddressDeprecated | kAddressTentative)) != 0;
}

std::uint32_t interfaceMtu(const LinkState& state, const std::string& name) {
  for (const auto& l : state.links) {
    if (l.name == name) return l.mtu;
  }
  return 0;
}

std::vector<dsmip6::CareOfCandidate> careOfCandidates(const LinkState& state,
                                                      const CandidateQuery& query) {
  struct Ranked {
    dsmip6::CareOfCandidate candidate;
    bool ipv4 = false;
  };
  std::vector<Ranked> ranked;
  for (const platform::InterfaceAddress& a : state.addresses) {
    const platform::LinkInfo* link = findLink(state, a.ifindex);
    if (link == nullptr || !link->up() || !link->running()) continue;
    const auto it = std::find(query.interfaces.begin(), query.interfaces.end(), link->name);
    if (it == query.interfaces.end()) continue;
    if (a.scope != kScopeUniverse || isUnusableAddress(a)) continue;
    const auto preference = static_cast<std::uint32_t>(it - query.interfaces.begin());
    const platform::IpAddress address = platform::addressOf(a.address);
    if (const auto* v6 = std::get_if<Ipv6Address>(&address)) {
      if (!v6->isUnicastRoutable()) continue;
      const bool at_home = query.home_prefix.contains(*v6);
      if (!at_home && !routedThrough(state, a.ifindex, query.home_agent)) continue;
      ranked.push_back({dsmip6::CareOfCandidate{*v6, link->name, preference}, false});
    } else if (const auto* v4 = std::get_if<Ipv4Address>(&address)) {
      if (!query.ipv4 || !v4->isUnicast() || v4->isLoopback()) continue;
      const bool reachable = query.home_agent_ipv4
                                 ? routedThrough(state, a.ifindex, *query.home_agent_ipv4)
                                 : hasDefaultRoute(state, a.ifindex, platform::IpFamily::V4);
      if (!reachable) continue;
      ranked.push_back({dsmip6::CareOfCandidate{*v4, link->name, preference}, true});
    }
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& x, const Ranked& y) {
    if (x.candidate.preference != y.candidate.preference) {
      return x.candidate.preference < y.candidate.preference;
    }
    if (x.ipv4 != y.ipv4) return !x.ipv4;
    return dsmip6::careOfToString(x.candidate.address) <
           dsmip6::careOfToString(y.candidate.address);
  });
  std::vector<dsmip6::CareOfCandidate> out;
  out.reserve(ranked.size());
  for (auto& r : ranked) {
    if (std::find(out.begin(), out.end(), r.candidate) == out.end()) {
      out.push_back(std::move(r.candidate));
    }
  }
  return out;
}

}  // namespace dsmip::daemon
