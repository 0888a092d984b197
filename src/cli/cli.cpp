#include "cli/cli.hpp"

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "cli/subcommands.hpp"

#ifndef DSMIP_VERSION
#define DSMIP_VERSION "0.0.0"
#endif

namespace dsmip::cli {

int run(int argc, char** argv) {
  CLI::App app{"dsmip: dual-stack Mobile IP (m6t, DSMIPv6, DSMIPv4) for Linux"};
  app.set_version_flag("-V,--version", std::string("dsmip ") + DSMIP_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);
  app.get_formatter()->column_width(36);

  std::vector<std::pair<CLI::App*, Runner>> commands;
  auto add = [&](Runner (*factory)(CLI::App&)) {
    const std::size_t before = app.get_subcommands({}).size();
    Runner runner = factory(app);
    auto subs = app.get_subcommands({});
    if (subs.size() > before) commands.emplace_back(subs.back(), std::move(runner));
  };
  add(&addDecodeCommand);
  add(&addM6tGatewayCommand);
  add(&addM6tClientCommand);
  add(&addM6tPrefixCommand);
  add(&addShowCommand);
  add(&addHaCommand);
  add(&addMnCommand);
  add(&addMip4HomeAgentCommand);
  add(&addMip4MobileNodeCommand);
  add(&addLabCommand);
  add(&addCheckCommand);
  add(&addManCommand);  // last: it documents the others

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;  // bad command line
  }
  for (auto& [sub, runner] : commands) {
    if (sub->parsed()) return runner();
  }
  return 2;
}

}  // namespace dsmip::cli
