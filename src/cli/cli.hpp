#pragma once
// The `dsmip` command: one binary, one subcommand per daemon or tool.

namespace dsmip::cli {

/// Parses the command line and runs the chosen subcommand; returns the process exit code
/// (0 success, 1 failure at run time, 2 bad command line or configuration).
int run(int argc, char** argv);

}  // namespace dsmip::cli
