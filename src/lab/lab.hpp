#pragma once
// `dsmip lab`: builds the topology of lab/plan.hpp in network namespaces, runs each scenario of
// lab/scenario.hpp with the real daemons, walks the mobile node through the visited networks
// while the probes (lab/probes.hpp) measure, prints what happens, and ends with the results,
// the comparison of the mechanisms, optionally JSON and an SVG timeline. Whatever ends the run
// — success, a failure, SIGINT, SIGTERM — every namespace, process and file it made is
// removed, unless --keep asked to leave the topology up.

#include <chrono>
#include <string>
#include <vector>

#include "common/time.hpp"

namespace dsmip::lab {

struct LabOptions {
  std::vector<std::string> scenarios;        // empty: all, in catalogue order
  Duration dwell = std::chrono::seconds(8);  // time in each visited network
  Duration idle = std::chrono::seconds(6);   // keep-alive measurement (0: none)
  Duration echo_interval = std::chrono::milliseconds(10);
  Duration native_interval = std::chrono::milliseconds(100);
  double tcp_kbit_per_second = 2000;
  bool json = false;   // the results as JSON on stdout (the log goes to stderr)
  std::string report;  // SVG timeline file
  bool keep = false;
  enum class View : std::uint8_t { Auto, Live, Plain };
  View view = View::Auto;
  std::string version;
  /// Fails on purpose at a stage ("topology", "daemons", "walk"), for the cleanup test.
  std::string fail_at;
};

/// Exit codes.
inline constexpr int kLabOk = 0;
inline constexpr int kLabFailed = 1;     // a check failed, or the run failed
inline constexpr int kLabCannotRun = 2;  // not root, a tool missing, a bad option
inline constexpr int kLabInterrupted = 130;

/// Runs the lab; returns the exit code.
int runLab(const LabOptions& options);

/// The scenarios, one paragraph each (`--list`).
std::string scenarioList();

/// Names of the scenarios.
std::vector<std::string> scenarioNames();

/// Removes the namespaces (and the processes in them) of labs no longer running, such as a
/// `--keep` run (`--cleanup`). Returns the exit code.
int cleanupLab();

}  // namespace dsmip::lab
