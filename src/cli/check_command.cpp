// `dsmip check --config FILE [--daemon NAME]`: validates a daemon's configuration without
// starting it (nothing is opened, created or changed), with the same messages the daemon gives.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/daemon_catalogue.hpp"
#include "cli/subcommands.hpp"

namespace dsmip::cli {

namespace {

struct Verdict {
  const DaemonEntry* daemon = nullptr;
  Status status;
};

Verdict checkWith(const DaemonEntry& d, const std::string& text, const std::string& path) {
  auto declared = d.declare();
  return {&d, declared->table().resolveWithToml(text, path)};
}

}  // namespace

Runner addCheckCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "check",
      "Validate a daemon's configuration file without starting the daemon (the same checks and "
      "messages as the daemon's start); exit 0 if valid, 2 otherwise");
  struct Options {
    std::string config;
    std::string daemon;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--config", o->config, "the TOML file to check")->type_name("FILE")->required();
  std::string names;
  for (const DaemonEntry& d : daemonCatalogue()) names += (names.empty() ? "" : ", ") + d.name;
  cmd->add_option("--daemon", o->daemon,
                  "the daemon it is for (" + names +
                      "); default: from the file's name (m6t-client.toml), else the one daemon "
                      "that accepts it")
      ->type_name("NAME");
  return [o] {
    std::ifstream in(o->config);
    if (!in) {
      std::fprintf(stderr, "dsmip check: cannot read '%s'\n", o->config.c_str());
      return daemon::kExitConfigError;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    const DaemonEntry* chosen = nullptr;
    if (!o->daemon.empty()) {
      chosen = findDaemon(o->daemon);
      if (chosen == nullptr) {
        std::fprintf(stderr, "dsmip check: --daemon: unknown daemon '%s'\n", o->daemon.c_str());
        return daemon::kExitConfigError;
      }
    } else {
      chosen = daemonForFileName(o->config);
    }
    if (chosen != nullptr) {
      const Verdict v = checkWith(*chosen, text, o->config);
      if (!v.status) {
        // The daemon's own message, as `dsmip <daemon> --config FILE` prints it.
        std::fprintf(stderr, "dsmip %s: %s\n", chosen->name.c_str(),
                     v.status.error().detail.c_str());
        return daemon::kExitConfigError;
      }
      std::printf("%s: valid configuration of dsmip %s\n", o->config.c_str(), chosen->name.c_str());
      return 0;
    }
    std::vector<Verdict> verdicts;
    std::vector<const DaemonEntry*> accepted;
    for (const DaemonEntry& d : daemonCatalogue()) {
      verdicts.push_back(checkWith(d, text, o->config));
      if (verdicts.back().status) accepted.push_back(&d);
    }
    if (accepted.size() == 1) {
      std::printf("%s: valid configuration of dsmip %s\n", o->config.c_str(),
                  accepted[0]->name.c_str());
      return 0;
    }
    if (accepted.size() > 1) {
      std::string which;
      for (const DaemonEntry* d : accepted) which += (which.empty() ? "" : ", ") + d->name;
      std::fprintf(stderr,
                   "dsmip check: %s is valid for several daemons (%s); say which with --daemon\n",
                   o->config.c_str(), which.c_str());
      return daemon::kExitConfigError;
    }
    std::fprintf(stderr,
                 "dsmip check: %s is not a valid configuration of any daemon; each one says "
                 "(--daemon NAME to check for one):\n",
                 o->config.c_str());
    for (const Verdict& v : verdicts) {
      std::fprintf(stderr, "  dsmip %s: %s\n", v.daemon->name.c_str(),
                   v.status.error().detail.c_str());
    }
    return daemon::kExitConfigError;
  };
}

}  // namespace dsmip::cli
