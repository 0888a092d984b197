// `dsmip lab`: the command line of the lab (src/lab/ does the work).
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/subcommands.hpp"
#include "common/time.hpp"
#include "lab/lab.hpp"

#ifndef DSMIP_VERSION
#define DSMIP_VERSION "0.0.0"
#endif

namespace dsmip::cli {

namespace {

bool endsWith(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    const char c = text[text.size() - suffix.size() + i];
    if (std::tolower(static_cast<unsigned char>(c)) != suffix[i]) return false;
  }
  return true;
}

// A duration flag: its text, the parsed value, and its bounds.
bool parseDurationFlag(const char* flag, const std::string& text, Duration lo, Duration hi,
                       Duration& out) {
  const auto d = parseDuration(text);
  if (!d) {
    std::fprintf(stderr, "dsmip lab: %s: '%s' is not a duration (250ms, 2s, 1.5s)\n", flag,
                 text.c_str());
    return false;
  }
  if (*d < lo || *d > hi) {
    std::fprintf(stderr, "dsmip lab: %s: '%s' must be between %s and %s\n", flag, text.c_str(),
                 formatDuration(lo).c_str(), formatDuration(hi).c_str());
    return false;
  }
  out = *d;
  return true;
}

}  // namespace

Runner addLabCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "lab",
      "Build a lab of network namespaces, run the daemons in it and walk a mobile node through "
      "native IPv6, public IPv4 and NATed networks while a correspondent pings and streams TCP "
      "to it; print each handover and a measured comparison of the mechanisms (needs root)");
  struct Options {
    std::vector<std::string> scenarios;
    bool list = false;
    bool keep = false;
    bool json = false;
    bool plain = false;
    bool cleanup = false;
    std::string report;
    std::string dwell = "8s";
    std::string idle = "6s";
    std::string interval = "10ms";
    double tcp_rate = 2000;
    std::string fail_at;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--scenario", o->scenarios,
                  "run only this scenario (repeatable; default: all, see --list)")
      ->type_name("NAME");
  cmd->add_flag("--list", o->list, "list the scenarios and exit");
  cmd->add_flag("--keep", o->keep,
                "leave the topology and the last scenario's daemons up, and print the `ip netns "
                "exec` commands to explore it (remove it with --cleanup)");
  cmd->add_flag("--json", o->json,
                "print the results as JSON on standard output (the log goes to standard error)");
  cmd->add_option("--report", o->report,
                  "write an SVG timeline of the run (TCP throughput, echo replies, handovers)")
      ->type_name("FILE.svg");
  cmd->add_option("--dwell", o->dwell, "time the mobile node stays in each visited network")
      ->type_name("DURATION")
      ->capture_default_str();
  cmd->add_option("--idle", o->idle,
                  "probes pause this long in the first network of each mechanism to measure its "
                  "keep-alive traffic (0: no measurement)")
      ->type_name("DURATION")
      ->capture_default_str();
  cmd->add_option("--interval", o->interval,
                  "interval of the echo requests (the resolution of the interruption times)")
      ->type_name("DURATION")
      ->capture_default_str();
  cmd->add_option("--tcp-rate", o->tcp_rate, "rate of each TCP stream, in kbit/s")
      ->type_name("KBIT")
      ->check(CLI::Range(10.0, 1000000.0))
      ->capture_default_str();
  cmd->add_flag("--plain", o->plain,
                "plain log lines even on a terminal (instead of the live view)");
  cmd->add_flag("--cleanup", o->cleanup,
                "remove what earlier labs left (--keep, or a lab killed with SIGKILL) and exit");
  cmd->add_option("--fail-at", o->fail_at, "fail on purpose at a stage (tests of the cleanup)")
      ->group("")  // hidden
      ->check(CLI::IsMember({"topology", "daemons", "walk"}));
  return [o] {
    if (o->list) {
      std::fputs(lab::scenarioList().c_str(), stdout);
      return 0;
    }
    if (o->cleanup) {
      if (::geteuid() != 0) {
        std::fprintf(stderr, "dsmip lab: --cleanup needs root\n");
        return lab::kLabCannotRun;
      }
      return lab::cleanupLab();
    }
    lab::LabOptions options;
    options.scenarios = o->scenarios;
    options.keep = o->keep;
    options.json = o->json;
    options.report = o->report;
    options.view = o->plain ? lab::LabOptions::View::Plain : lab::LabOptions::View::Auto;
    options.tcp_kbit_per_second = o->tcp_rate;
    options.version = DSMIP_VERSION;
    options.fail_at = o->fail_at;
    if (!parseDurationFlag("--dwell", o->dwell, std::chrono::seconds(1), std::chrono::hours(1),
                           options.dwell) ||
        !parseDurationFlag("--idle", o->idle, Duration::zero(), std::chrono::hours(1),
                           options.idle) ||
        !parseDurationFlag("--interval", o->interval, std::chrono::milliseconds(1),
                           std::chrono::seconds(1), options.echo_interval)) {
      return lab::kLabCannotRun;
    }
    // The direct path is probed at the same rate as the mechanism's, so that both are equally
    // warm and their round trips compare.
    options.native_interval = options.echo_interval;
    if (!o->report.empty() && !endsWith(o->report, ".svg")) {
      std::fprintf(stderr,
                   "dsmip lab: --report: '%s': the timeline is written as SVG; give a file name "
                   "ending in .svg\n",
                   o->report.c_str());
      return lab::kLabCannotRun;
    }
    return lab::runLab(options);
  };
}

}  // namespace dsmip::cli
