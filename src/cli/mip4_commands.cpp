// `dsmip mip4-ha` and `dsmip mip4-mn`.
#include <cstdio>
#include <memory>

#include "cli/subcommands.hpp"
#include "daemon/mip4_config.hpp"
#include "daemon/mip4_ha_daemon.hpp"
#include "daemon/mip4_mn_daemon.hpp"
#include "daemon/options.hpp"

namespace dsmip::cli {

namespace {

int configError(const char* command, const Error& error) {
  std::fprintf(stderr, "dsmip %s: %s\n", command, error.detail.c_str());
  return daemon::kExitConfigError;
}

}  // namespace

Runner addMip4HomeAgentCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "mip4-ha",
      "Run the DSMIPv4 home agent: Mobile IPv4 registrations with IPv6 prefixes (RFC 5944, "
      "RFC 3519, RFC 5454)");
  auto config =
      std::make_shared<daemon::HomeAgentDaemonConfig>(daemon::defaultHomeAgentDaemonConfig());
  auto table = std::make_shared<daemon::OptionTable>("mip4-ha");
  daemon::declareHomeAgentOptions(*table, *config);
  table->registerFlags(*cmd);
  cmd->footer(
      "Mobile nodes are [[mobile-node]] tables of the --config file (docs/dsmip4.md): "
      "home-address, spi, key or key-file, prefix, ...");
  return [config, table] {
    if (Status s = table->resolve(); !s) return configError("mip4-ha", s.error());
    return daemon::runHomeAgent(*config, daemon::makeReloadable<daemon::HomeAgentDaemonConfig>(
                                             table, &daemon::defaultHomeAgentDaemonConfig,
                                             &daemon::declareHomeAgentOptions));
  };
}

Runner addMip4MobileNodeCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "mip4-mn",
      "Run the DSMIPv4 mobile node (co-located care-of address, NAT traversal, IPv6 prefixes)");
  auto config =
      std::make_shared<daemon::MobileNodeDaemonConfig>(daemon::defaultMobileNodeDaemonConfig());
  auto table = std::make_shared<daemon::OptionTable>("mip4-mn");
  daemon::declareMobileNodeOptions(*table, *config);
  table->registerFlags(*cmd);
  return [config, table] {
    if (Status s = table->resolve(); !s) return configError("mip4-mn", s.error());
    return daemon::runMobileNode(*config, daemon::makeReloadable<daemon::MobileNodeDaemonConfig>(
                                              table, &daemon::defaultMobileNodeDaemonConfig,
                                              &daemon::declareMobileNodeOptions));
  };
}

}  // namespace dsmip::cli
