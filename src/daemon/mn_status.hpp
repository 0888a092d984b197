#pragma once
// What `dsmip show` reports for `dsmip mn`: the JSON built from the mobile node core's snapshot
// and the daemon's view (candidates, routes, home agent name), pure so that tests build it from
// a core driven by a fake clock; and its text rendering. Fields: docs/dsmip6.md ("dsmip show").

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "daemon/dsmip6_signalling.hpp"
#include "dsmip6/mobile_node.hpp"

namespace dsmip::daemon {

struct MnStatusContext {
  std::string tun;
  std::optional<std::string> home_agent_name;  // when configured by name
  std::vector<dsmip6::CareOfCandidate> candidates;
  std::vector<std::string> routes;  // installed through the TUN
  std::uint16_t local_udp_port = 0;
  std::uint32_t tun_mtu = 0;
  bool stopping = false;
  const SignallingPath* signalling = nullptr;
  NamedCounters daemon_counters;
};

/// The mobile node's state: Binding Update List, current care-of address, NAT status,
/// encapsulation, next refresh, IPv4 home address, counters and drops.
nlohmann::json mnStatus(const dsmip6::MobileNode& mobile_node, const MnStatusContext& context,
                        TimePoint now);

/// The control protocol of `dsmip mn` (pure): "show" and "help".
std::string handleMnControl(const dsmip6::MobileNode& mobile_node, const MnStatusContext& context,
                            std::string_view request, TimePoint now);

/// Text for humans from mnStatus() JSON.
std::string renderMnStatusText(const nlohmann::json& status);

}  // namespace dsmip::daemon
