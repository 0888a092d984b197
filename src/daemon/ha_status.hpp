#pragma once
// What `dsmip show` reports for `dsmip ha`: the JSON built from the home agent core's snapshot
// (pure, so tests build it from a core driven by a fake clock) and its text rendering. The fields
// are documented in docs/dsmip6.md ("dsmip show").

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "daemon/dsmip6_signalling.hpp"
#include "dsmip6/home_agent.hpp"

namespace dsmip::daemon {

struct HaStatusContext {
  std::string home_interface;
  std::string tun;
  const SignallingPath* signalling = nullptr;  // its counters and the filter's
  NamedCounters daemon_counters;               // I/O failures around the core
  std::size_t binding_limit = 1000;            // at most this many bindings listed
};

/// The home agent's state: configuration summary, bindings (home address, IPv4 home address,
/// care-of address, NAT address:port, encapsulation, lifetime left, sequence, packets and bytes),
/// counters, BAs per status, drops per reason.
nlohmann::json haStatus(const dsmip6::HomeAgent& home_agent, const HaStatusContext& context,
                        TimePoint now);

/// The control protocol of `dsmip ha` (pure): "show" ({"limit": N}) and "help".
std::string handleHaControl(const dsmip6::HomeAgent& home_agent, HaStatusContext context,
                            std::string_view request, TimePoint now);

/// Text for humans from haStatus() JSON.
std::string renderHaStatusText(const nlohmann::json& status);

/// JSON object of counters {name: value}.
nlohmann::json countersJson(const NamedCounters& counters);
/// Renders "title:" and the non-zero entries of a JSON object of counters (all when
/// `all`), aligned, for the text forms.
void renderCounterBlock(std::string& out, std::string_view title, const nlohmann::json& object,
                        bool all = false);
/// "12.3s", "-" for null.
std::string renderSeconds(const nlohmann::json& value);
/// A JSON value as text ("-" for null).
std::string renderText(const nlohmann::json& value);
/// JSON array of a filter's security associations: name, spi ("0x…"), direction, mode, state
/// (mature / soft-expired / expired), cause, soft_time_left_s, hard_time_left_s, counters.
nlohmann::json securityAssociationsJson(const std::vector<SecurityAssociationStatus>& sas);
/// The text table of securityAssociationsJson() (nothing for an empty array).
void renderSecurityAssociations(std::string& out, const nlohmann::json& sas);

}  // namespace dsmip::daemon
