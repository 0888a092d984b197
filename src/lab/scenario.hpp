#pragma once
// The lab's scenarios (pure): which daemons run where with which generated configuration, the
// walk of the mobile node through the visited networks, who the correspondent is, how the lab
// reads the MN's current addresses and mechanism from the daemons' `dsmip show --json`, which
// counters are signalling, and what each scenario promises (lab/analysis.hpp Expectations).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/ip_address.hpp"
#include "common/random.hpp"
#include "common/time.hpp"
#include "lab/analysis.hpp"
#include "lab/plan.hpp"
#include "lab/report.hpp"

namespace dsmip::lab {

/// A daemon a scenario starts: `dsmip <subcommand> --config <run dir>/<role>.toml --control
/// <run dir>/<role>.sock`.
struct DaemonSpec {
  std::string role;  // "m6t-client": names its files and its `dsmip show` answers
  std::string node;  // the namespace it runs in
  std::string subcommand;
  std::string config;  // TOML
};

/// What the lab reads from the daemons about the mobile node.
struct MnView {
  std::optional<Ipv6Address> address_ipv6;  // where the correspondent's IPv6 probes go now
  std::optional<Ipv4Address> address_ipv4;
  bool ready = false;            // the mechanism reports itself in place
  std::string mechanism_detail;  // "tunnel address …, NAT 198.18.10.2:40312"
};

/// `dsmip show --json` of each running daemon, by role (absent: not answering).
using Shows = std::map<std::string, nlohmann::json>;

/// A signalling counter: the daemon's role and the name in its "counters" object.
struct CounterRef {
  std::string role;
  std::string counter;
};

/// An inbound SA whose accepted packets the lab reports (the SA's "sa:<spi>:inbound:packets"
/// counter), and whether the check needs it above zero.
struct EspSaWatch {
  std::string label;  // "binding-updates"
  std::uint32_t spi = 0;
  bool required = false;
};

/// A daemon whose ESP stage the lab reads at the end of a scenario (lab/record.hpp EspRecord).
struct EspWatch {
  std::string role;  // "ha"
  std::vector<EspSaWatch> sas;
};

struct ScenarioSpec {
  std::string name;       // --scenario NAME
  std::string title;      // one line
  std::string summary;    // what it shows, for --list
  std::string peer_node;  // where the correspondent's probes start and the TCP streams leave
  std::string peer_title;
  std::optional<Ipv6Address> peer_ipv6;
  std::optional<Ipv4Address> peer_ipv4;
  std::vector<DaemonSpec> daemons;
  std::vector<std::string> walk;  // visited network ids, in order
  Expectations expect;
  /// The mechanism that carries the MN in a network (the row of the comparison).
  std::function<std::string(const VisitedNetwork& network)> mechanism;
  std::function<MnView(const Shows& shows, const VisitedNetwork& network)> observe;
  std::vector<CounterRef> signalling;
  /// The MN's probes towards the peer leave from its home address (bound); otherwise the
  /// kernel picks the source (m6t: the current tunnel address).
  bool bind_mn_source = false;
  /// The daemons whose ESP counters are read at the end (Expectations::esp).
  std::vector<EspWatch> esp;
  std::vector<std::string> notes;
};

/// Every scenario, in the order `dsmip lab` runs them. The DSMIPv6 scenarios' configurations
/// carry ESP SAs with fresh keys drawn from `random` (one set per scenario) and keep their
/// outbound sequence numbers in `<run_directory>/<scenario>-esp` (esp_state_directory).
std::vector<ScenarioSpec> makeScenarios(const LabPlan& plan, RandomSource& random,
                                        const std::string& run_directory);

/// The mechanisms of the suite that no scenario of this build shows, with the reason: their
/// daemons are not part of it yet. The lab says so rather than pretend.
std::vector<UnavailableMechanism> unavailableMechanisms();

/// The ESP counters of the watched daemon in `shows` (read = false if it did not answer with
/// its signalling filter's counters).
EspRecord readEspCounters(const EspWatch& watch, const Shows& shows);

/// Sum of the signalling counters in `shows` (nullopt if one is missing).
std::optional<std::uint64_t> signallingCount(const std::vector<CounterRef>& counters,
                                             const Shows& shows);

}  // namespace dsmip::lab
