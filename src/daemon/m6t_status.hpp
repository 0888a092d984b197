#pragma once
// What `dsmip show` reports for the m6t daemons: the JSON built from a core's state (pure, so
// tests build it from a core driven by a fake clock), and the text tables printed for humans.
// The fields are documented in docs/m6t.md ("dsmip show").

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "m6t/client.hpp"
#include "m6t/gateway.hpp"

namespace dsmip::daemon {

/// Counters kept by a daemon around its core (I/O failures the core does not see).
using DaemonCounters = std::vector<std::pair<std::string, std::uint64_t>>;

struct GatewayStatusContext {
  std::string tun;
  std::vector<Ipv4Endpoint> listen;  // the bound endpoints, by SocketId
  DaemonCounters daemon_counters;
  std::size_t state_limit = static_cast<std::size_t>(-1);  // at most this many states listed
};

struct ClientStatusContext {
  std::string tun;
  DaemonCounters daemon_counters;
};

/// The gateway's state: configuration summary, every state (up to the limit), counters and
/// drops per reason.
nlohmann::json gatewayStatus(const m6t::Gateway& gateway, const GatewayStatusContext& context,
                             TimePoint now);
/// The client's state: gateway, current address, local IPv4, keep-alive times, MTU, counters.
nlohmann::json clientStatus(const m6t::Client& client, const ClientStatusContext& context,
                            TimePoint now);

/// The gateway daemon's control protocol (pure): "show" ({"limit": N} lists at most N
/// states) and "help". Returns the JSON response.
std::string handleGatewayControl(const m6t::Gateway& gateway, GatewayStatusContext context,
                                 std::string_view request, TimePoint now);
/// The client daemon's control protocol (pure): "show" and "help".
std::string handleClientControl(const m6t::Client& client, const ClientStatusContext& context,
                                std::string_view request, TimePoint now);

/// Text for humans from a status JSON (any daemon's; unknown ones are printed as JSON).
std::string renderStatusText(const nlohmann::json& status);

}  // namespace dsmip::daemon
