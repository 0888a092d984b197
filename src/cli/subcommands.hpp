#pragma once
// Each subcommand registers itself on the CLI11 application and returns a runner that is called
// when the command line selected it. Runners return the process exit code.

#include <CLI/CLI.hpp>

#include <functional>

namespace dsmip::cli {

using Runner = std::function<int()>;

Runner addDecodeCommand(CLI::App& app);
Runner addM6tGatewayCommand(CLI::App& app);
Runner addM6tClientCommand(CLI::App& app);
Runner addM6tPrefixCommand(CLI::App& app);
Runner addShowCommand(CLI::App& app);
Runner addHaCommand(CLI::App& app);
Runner addMnCommand(CLI::App& app);
Runner addMip4HomeAgentCommand(CLI::App& app);
Runner addMip4MobileNodeCommand(CLI::App& app);
Runner addLabCommand(CLI::App& app);
Runner addCheckCommand(CLI::App& app);
Runner addManCommand(CLI::App& app);

}  // namespace dsmip::cli
