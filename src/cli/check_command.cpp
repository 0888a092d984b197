// `dsmip check --config FILE [--daemon NAME]`: validates a daemon's configuration without
// starting it (nothing is opened, created or changed), with the same messages the daemon gives.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/daemon_catalogue.hpp"
#include "cli/subcommands.hpp"

namespace dsmip::cli {

namespace {

struct Verdict {
  const DaemonEntry* daemon = nullptr;
  Status status;
  std::shared_ptr<DeclaredOptions> declared;  // resolved when valid
};

// The daemon's own loader on the file, as `dsmip <daemon> --config path` runs it.
Verdict checkWith(const DaemonEntry& d, const std::string& path) {
  std::shared_ptr<DeclaredOptions> declared = d.declare();
  Status status = declared->resolveFile(path);
  return {&d, std::move(status), std::move(declared)};
}

void printValid(const std::string& path, const Verdict& v, bool keys) {
  std::printf("%s: valid configuration of dsmip %s\n", path.c_str(), v.daemon->name.c_str());
  if (!keys) return;
  // Every key with its value and what SIGHUP does with a change of it.
  std::size_t width = 0;
  const std::vector<daemon::ConfigValue> values = v.declared->table().values();
  for (const daemon::ConfigValue& value : values) width = std::max(width, value.key.size());
  for (const daemon::ConfigValue& value : values) {
    std::printf("  %-*s  %-7s  %s\n", static_cast<int>(width), value.key.c_str(),
                std::string(daemon::reloadName(value.reload)).c_str(),
                value.shown.empty() ? "-" : value.shown.c_str());
  }
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
    bool keys = false;
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
  cmd->add_flag("--keys", o->keys,
                "also list every key with its value and its reload behaviour (live: applied on "
                "SIGHUP; restart: needs a restart)");
  return [o] {
    std::ifstream in(o->config);
    if (!in) {
      std::fprintf(stderr, "dsmip check: cannot read '%s'\n", o->config.c_str());
      return daemon::kExitConfigError;
    }
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
    std::vector<Verdict> verdicts;
    std::vector<std::size_t> accepted;  // into verdicts
    auto tryEvery = [&] {
      for (const DaemonEntry& d : daemonCatalogue()) {
        verdicts.push_back(checkWith(d, o->config));
        if (verdicts.back().status) accepted.push_back(verdicts.size() - 1);
      }
    };
    if (chosen != nullptr) {
      const Verdict v = checkWith(*chosen, o->config);
      if (!v.status && o->daemon.empty()) {
        // The name is only a hint ("ha.toml" of DSMIPv4 is mip4-ha's): exactly one other
        // daemon accepting the file settles it.
        tryEvery();
        if (accepted.size() == 1) {
          printValid(o->config, verdicts[accepted[0]], o->keys);
          return 0;
        }
      }
      if (!v.status) {
        // The daemon's own message, as `dsmip <daemon> --config FILE` prints it.
        std::fprintf(stderr, "dsmip %s: %s\n", chosen->name.c_str(),
                     v.status.error().detail.c_str());
        return daemon::kExitConfigError;
      }
      printValid(o->config, v, o->keys);
      return 0;
    }
    tryEvery();
    if (accepted.size() == 1) {
      printValid(o->config, verdicts[accepted[0]], o->keys);
      return 0;
    }
    if (accepted.size() > 1) {
      std::string which;
      for (std::size_t i : accepted) {
        which += (which.empty() ? "" : ", ") + verdicts[i].daemon->name;
      }
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
