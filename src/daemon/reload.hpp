#pragma once
// SIGHUP reload, the same for every daemon (docs/deployment.md, "Reloading"): the daemon
// re-reads its configuration file with the flags it was started with (flags still win),
// through the loader it started with. An invalid file is reported (the key and the reason, as
// at start) and changes nothing. A valid one is compared with the running configuration key
// by key (formatted values): the changed keys declared Reload::Live are applied to the running
// daemon, the others are reported as needing a restart and keep their running value. Each
// changed key is logged on one line; `dsmip show` reports the running values and the reloads.
//
//   ConfigReloader reloader("ha", table.values());
//   runtime.onReload([&] {
//     reloadWith(reloader, loader, [&](const HaDaemonConfig& fresh, const ConfigChanges& live) {
//       …apply the Live keys of `fresh`…
//     }, wallClockNanos());
//   });

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/log.hpp"
#include "common/result.hpp"
#include "daemon/options.hpp"

namespace dsmip::daemon {

/// One key whose text differs between the running configuration and the file.
struct ConfigChange {
  std::string key;
  std::string before;  // running
  std::string after;   // in the file now
  Reload reload = Reload::Restart;
  std::string before_shown;  // the same with secrets masked, for logs
  std::string after_shown;
};
using ConfigChanges = std::vector<ConfigChange>;

/// The keys whose text differs, in the order of `loaded` (then keys only `running` has). A key
/// present on one side only counts as changed (empty text on the other). Its reload class is
/// the loaded one's.
[[nodiscard]] ConfigChanges diffConfig(const std::vector<ConfigValue>& running,
                                       const std::vector<ConfigValue>& loaded);

/// The running configuration after a reload: Live keys take the loaded text, Restart keys keep
/// the running one.
[[nodiscard]] std::vector<ConfigValue> runningAfter(const std::vector<ConfigValue>& running,
                                                    const ConfigChanges& changes);

/// The log line of one change: "reload: key 'x' 10s → 20s, applied" or
/// "reload: key 'x' 10s → 20s needs a restart, keeping 10s" (empty text shows as "(none)").
[[nodiscard]] std::string describeChange(const ConfigChange& change);

/// The reload bookkeeping of a daemon: the running values, counts, the last result.
class ConfigReloader {
 public:
  ConfigReloader(std::string daemon, std::vector<ConfigValue> running);

  /// A reload whose file was invalid: logs `error` (it names the key and the reason) and
  /// counts it; nothing changes.
  void failed(const Error& error, std::int64_t unix_nanos);
  /// A valid file with these values: logs one line per changed key, records the new running
  /// values, counts the reload, and returns the changes (the caller applies the Live ones).
  ConfigChanges accepted(const std::vector<ConfigValue>& loaded, std::int64_t unix_nanos);

  [[nodiscard]] const std::vector<ConfigValue>& running() const { return running_; }
  [[nodiscard]] std::uint64_t okCount() const { return ok_; }
  [[nodiscard]] std::uint64_t failedCount() const { return failed_; }

  /// {"reloads-ok": N, "reloads-failed": N, "last-reload": "2025-…Z" or null,
  ///  "last-reload-result": "…" or null}.
  [[nodiscard]] nlohmann::json statusJson() const;
  /// {key: running text} of every key (secrets masked).
  [[nodiscard]] nlohmann::json configJson() const;
  /// The answer to a "show" request with "reload" and "config" added; any other answer (other
  /// commands, errors) as it is.
  [[nodiscard]] std::string decorate(std::string_view request, const std::string& answer) const;

 private:
  std::string daemon_;
  std::vector<ConfigValue> running_;
  std::uint64_t ok_ = 0;
  std::uint64_t failed_ = 0;
  std::optional<std::int64_t> last_time_;
  std::string last_result_;
};

/// A configuration loaded again: the config and the table declared over it (the table's
/// checks point into the config, so both live together).
template <typename Config>
struct LoadedConfig {
  std::unique_ptr<Config> config;
  std::unique_ptr<OptionTable> table;
};

/// Loads the daemon's configuration again with the command line it was started with.
template <typename Config>
using ConfigLoader = std::function<Result<LoadedConfig<Config>>()>;

/// The loader of a daemon: a fresh default config, the daemon's declarations, the command line
/// of `command_line` (kept alive by the caller), and the daemon's own resolve function (nullptr:
/// OptionTable::resolve()).
template <typename Config>
ConfigLoader<Config> makeConfigLoader(std::shared_ptr<const OptionTable> command_line,
                                      Config (*defaults)(), void (*declare)(OptionTable&, Config&),
                                      Status (*resolve)(OptionTable&, Config&) = nullptr) {
  return [command_line, defaults, declare, resolve]() -> Result<LoadedConfig<Config>> {
    LoadedConfig<Config> loaded{std::make_unique<Config>(defaults()),
                                std::make_unique<OptionTable>(command_line->daemonName())};
    declare(*loaded.table, *loaded.config);
    loaded.table->adoptCommandLine(*command_line);
    Status s =
        resolve != nullptr ? resolve(*loaded.table, *loaded.config) : loaded.table->resolve();
    if (!s) return Unexpected{s.error()};
    return loaded;
  };
}

/// What a daemon needs to reload: its loader and the values it was started with.
template <typename Config>
struct Reloadable {
  ConfigLoader<Config> load;  // empty: the daemon does not reload (tests)
  std::vector<ConfigValue> running;
};

/// The Reloadable of a daemon started from `command_line` (resolved already).
template <typename Config>
Reloadable<Config> makeReloadable(std::shared_ptr<const OptionTable> command_line,
                                  Config (*defaults)(), void (*declare)(OptionTable&, Config&),
                                  Status (*resolve)(OptionTable&, Config&) = nullptr) {
  std::vector<ConfigValue> running = command_line->values();
  return {makeConfigLoader(std::move(command_line), defaults, declare, resolve),
          std::move(running)};
}

/// One SIGHUP: loads, and either records the failure or applies the Live changes through
/// `apply(fresh_config, live_changes)` (not called when no Live key changed).
template <typename Config>
void reloadWith(ConfigReloader& reloader, const ConfigLoader<Config>& load,
                const std::function<void(const Config&, const ConfigChanges&)>& apply,
                std::int64_t unix_nanos) {
  auto loaded = load();
  if (!loaded) {
    reloader.failed(loaded.error(), unix_nanos);
    return;
  }
  ConfigChanges live;
  for (ConfigChange& c : reloader.accepted(loaded->table->values(), unix_nanos)) {
    if (c.reload == Reload::Live) live.push_back(std::move(c));
  }
  if (!live.empty()) apply(*loaded->config, live);
}

/// True if `key` is among `changes`.
[[nodiscard]] bool changed(const ConfigChanges& changes, std::string_view key);

/// Applies a changed log-level (the one Live key every daemon has).
void applyLogLevel(const ConfigChanges& changes, LogLevel level);

}  // namespace dsmip::daemon
