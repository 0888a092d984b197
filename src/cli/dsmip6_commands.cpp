// `dsmip ha` and `dsmip mn`: the DSMIPv6 home agent and mobile node daemons.
#include <cstdio>
#include <memory>

#include "cli/subcommands.hpp"
#include "daemon/ha_config.hpp"
#include "daemon/ha_daemon.hpp"
#include "daemon/mn_config.hpp"
#include "daemon/mn_daemon.hpp"
#include "daemon/options.hpp"

namespace dsmip::cli {

namespace {

int configError(const char* command, const Error& error) {
  std::fprintf(stderr, "dsmip %s: %s\n", command, error.detail.c_str());
  return daemon::kExitConfigError;
}

}  // namespace

Runner addHaCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "ha", "Run the DSMIPv6 home agent (RFC 6275 home registration, NEMO, RFC 5555 dual stack)");
  auto config = std::make_shared<daemon::HaDaemonConfig>(daemon::defaultHaConfig());
  auto table = std::make_shared<daemon::OptionTable>("ha");
  daemon::declareHaOptions(*table, *config);
  table->registerFlags(*cmd);
  return [config, table] {
    if (Status s = daemon::resolveHaConfigFile(*table, *config); !s) {
      return configError("ha", s.error());
    }
    return daemon::runHa(*config, daemon::makeReloadable<daemon::HaDaemonConfig>(
                                      table, &daemon::defaultHaConfig, &daemon::declareHaOptions,
                                      &daemon::resolveHaConfigFile));
  };
}

Runner addMnCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "mn",
      "Run the DSMIPv6 mobile node (home registration from IPv6, IPv4 and NATed IPv4 networks)");
  auto config = std::make_shared<daemon::MnDaemonConfig>(daemon::defaultMnConfig());
  auto table = std::make_shared<daemon::OptionTable>("mn");
  daemon::declareMnOptions(*table, *config);
  table->registerFlags(*cmd);
  return [config, table] {
    if (Status s = daemon::resolveMnConfigFile(*table, *config); !s) {
      return configError("mn", s.error());
    }
    return daemon::runMn(*config, daemon::makeReloadable<daemon::MnDaemonConfig>(
                                      table, &daemon::defaultMnConfig, &daemon::declareMnOptions,
                                      &daemon::resolveMnConfigFile));
  };
}

}  // namespace dsmip::cli
