#pragma once
// What `dsmip show` reports for `dsmip mip4-ha` and `dsmip mip4-mn`: JSON built from a core's
// snapshot (pure, so tests build it from cores driven by a fake clock), the control protocol,
// and the text printed for humans. Fields are documented in docs/dsmip4.md ("dsmip show").
// Keys never appear: only SPIs.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "daemon/m6t_status.hpp"
#include "dsmip4/home_agent.hpp"
#include "dsmip4/mobile_node.hpp"

namespace dsmip::daemon {

struct HomeAgentStatusContext {
  std::string tun;
  std::uint32_t mtu = 0;
  std::string home_interface;
  std::optional<Ipv4Prefix> home_network;
  DaemonCounters daemon_counters;
};

struct MobileNodeStatusContext {
  std::string tun;
  std::uint32_t mtu = 0;
  std::uint32_t table = 0;
  DaemonCounters daemon_counters;
};

/// The counters of a core by their `dsmip show` names ("requests-received", …).
nlohmann::json homeAgentCounters(const dsmip4::HomeAgentStats& stats);
nlohmann::json mobileNodeCounters(const dsmip4::MobileNodeStats& stats);

/// The home agent: configuration summary, every binding with its prefixes, tunnel mode and NAT
/// state, the counters (registration, per reply code, discards, data plane, drops per reason).
nlohmann::json homeAgentStatus(const dsmip4::HomeAgent& home_agent,
                               const HomeAgentStatusContext& context, TimePoint now);
/// The mobile node: registration state, care-of address, binding, prefixes and their tunnel
/// mode, NAT state, next registration and keep-alive, counters.
nlohmann::json mobileNodeStatus(const dsmip4::MobileNode& mobile_node,
                                const dsmip4::MobileNodeConfig& config,
                                const MobileNodeStatusContext& context, TimePoint now);

/// The control protocols (pure): "show" and "help".
std::string handleHomeAgentControl(const dsmip4::HomeAgent& home_agent,
                                   const HomeAgentStatusContext& context, std::string_view request,
                                   TimePoint now);
std::string handleMobileNodeControl(const dsmip4::MobileNode& mobile_node,
                                    const dsmip4::MobileNodeConfig& config,
                                    const MobileNodeStatusContext& context,
                                    std::string_view request, TimePoint now);

/// Text for humans from a mip4-ha or mip4-mn status; nullopt for another daemon's.
std::optional<std::string> renderMip4StatusText(const nlohmann::json& status);

}  // namespace dsmip::daemon
