#pragma once
// What the lab prints (pure): the lines of its log, the results of each scenario, the table
// that compares the mechanisms, the JSON of `--json` (the same data), and the console that
// shows a compact live view on a terminal or plain log lines otherwise.

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "lab/analysis.hpp"

namespace dsmip::lab {

/// The settings a run used (reported with the results).
struct RunSettings {
  Duration dwell{};
  Duration idle{};
  Duration echo_interval{};
  Duration native_interval{};
  double tcp_kbit_per_second = 0;
  AnalysisSettings analysis;
};

/// A mechanism the lab cannot show with this build (its daemons are not part of it yet).
struct UnavailableMechanism {
  std::string mechanism;  // "DSMIPv6 over UDP (NAT)"
  std::string reason;     // "needs `dsmip ha` and `dsmip mn`, not in this build"
};

/// A whole run.
struct LabReport {
  std::string version;
  RunSettings settings;
  std::vector<ScenarioResult> scenarios;
  std::vector<MechanismSummary> mechanisms;
  std::vector<UnavailableMechanism> unavailable;
  std::string failure;  // the run stopped early (a daemon died, the topology failed)
  bool interrupted = false;
  [[nodiscard]] bool ok() const;
};

/// "312 ms", "1.25 s", "—" for nullopt.
std::string formatDuration(const std::optional<Duration>& d);
/// "1.2 kB", "38 kB", "1.4 MB" (decimal units).
std::string formatBytes(double bytes);

/// One line per handover, as the log prints it when the handover is over.
std::string handoverLine(const HandoverResult& h);
/// The results of one scenario: handovers, streams, checks, notes.
std::string scenarioText(const ScenarioResult& r);
/// One daemon's ESP counters, in one line (no key material exists in them).
std::string espLine(const EspRecord& e);
/// The comparison of the mechanisms, with its notes.
std::string summaryTable(const std::vector<MechanismSummary>& rows);

/// The mechanisms not shown, and why (empty text if none).
std::string unavailableText(const std::vector<UnavailableMechanism>& unavailable);

/// `--json`.
nlohmann::json reportJson(const LabReport& report);

/// Where the lab's progress goes: with a terminal, event lines scroll above a status block
/// that is redrawn in place; without one, only event lines, each stamped with the run's time.
class Console {
 public:
  Console(std::FILE* out, bool live) : out_(out), live_(live) {}
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;
  ~Console() { clearStatus(); }

  /// An event line at `seconds` since the run started.
  void event(double seconds, std::string_view line);
  /// Replaces the status block (live mode only).
  void status(const std::vector<std::string>& lines);
  /// Removes the status block.
  void clearStatus();
  /// Text printed as is (results, tables), after clearing the status block.
  void print(std::string_view text);
  [[nodiscard]] bool live() const { return live_; }

 private:
  std::FILE* out_;
  bool live_;
  std::vector<std::string> shown_;
};

}  // namespace dsmip::lab
