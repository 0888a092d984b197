// `dsmip decode`: placeholder registration until the decoder lands (same issue).
#include "cli/subcommands.hpp"

namespace dsmip::cli {

Runner addDecodeCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("decode", "Decode captured or hex packets down to mobility messages");
  return [cmd] {
    (void)cmd;
    return 1;
  };
}

}  // namespace dsmip::cli
