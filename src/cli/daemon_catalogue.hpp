#pragma once
// The daemons of dsmip and their option tables, in one place: `dsmip check` validates a
// configuration with the very table the daemon resolves it with, and `dsmip man` documents the
// TOML keys from it.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/options.hpp"

namespace dsmip::cli {

/// A daemon's option table, declared on a fresh default configuration that it keeps alive.
class DeclaredOptions {
 public:
  DeclaredOptions() = default;
  DeclaredOptions(const DeclaredOptions&) = delete;
  DeclaredOptions& operator=(const DeclaredOptions&) = delete;
  virtual ~DeclaredOptions() = default;
  [[nodiscard]] virtual daemon::OptionTable& table() = 0;
  /// Resolves the configuration file `path` exactly as the daemon's start does — its own loader,
  /// with `--config path` (so relative paths in the file are taken from its directory) — without
  /// opening, creating or changing anything on the system. Once per object.
  [[nodiscard]] virtual Status resolveFile(const std::string& path) = 0;
  /// The file's arrays of tables (`[[mobile_node]]`) and their keys, for the manual: the
  /// table's own ones and those the daemon's loader reads itself.
  [[nodiscard]] virtual std::vector<daemon::TableArrayInfo> tableArrays() = 0;
};

struct DaemonEntry {
  std::string name;     // the subcommand: "m6t-gateway"
  std::string summary;  // one line
  std::function<std::unique_ptr<DeclaredOptions>()> declare;
};

/// Every daemon, in the order of `dsmip --help`.
const std::vector<DaemonEntry>& daemonCatalogue();

/// The daemon called `name` (nullptr if none).
const DaemonEntry* findDaemon(std::string_view name);

/// The daemon a configuration file is meant for, from its name: the longest daemon name the
/// file's base name starts with ("m6t-client.toml", "m6t-client-lab.toml"); nullptr if none.
const DaemonEntry* daemonForFileName(std::string_view path);

}  // namespace dsmip::cli
