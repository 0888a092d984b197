#pragma once
// Daemon configuration, declared once per daemon: each option is a name, a value type, a
// default (the value its target holds when declared), a help text and an optional validation.
// From that one table a daemon gets its command-line flags (CLI11: `--name VALUE`) and the keys
// of its TOML file (`name = value`); flags win over the file, the file over the defaults.
// Errors name the flag or the key and the reason, and come before anything touches the system
// (callers exit with kExitConfigError). The table stays introspectable (options()) so that
// `dsmip check`, documentation and man pages can be generated from it.
//
//   GatewayConfig config;                   // holds the defaults
//   OptionTable table("m6t-gateway");
//   table.addList("listen", "IPV4:PORT", "address and port to listen on", &config.listen);
//   table.add("mtu", "N", "tunnel MTU", &config.mtu, inRange<std::uint32_t>(1280, 65507));
//   table.registerFlags(*subcommand);       // before parsing the command line
//   …parse…
//   if (Status s = table.resolve(); !s) { print(s.error().detail); return kExitConfigError; }

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/ip_address.hpp"
#include "common/log.hpp"
#include "common/result.hpp"
#include "common/time.hpp"

namespace dsmip::daemon {

/// Exit code for a bad command line or configuration (nothing was changed on the system).
inline constexpr int kExitConfigError = 2;
/// Exit code for a failure at run time.
inline constexpr int kExitRuntimeError = 1;

/// Text conversions of the value types options can have. parse() returns the value or the
/// reason the text is not one ("is not an integer"); format() gives the text of a default.
template <typename T>
struct OptionValue;

template <>
struct OptionValue<std::string> {
  static constexpr std::string_view kType = "string";
  static Result<std::string> parse(std::string_view text) { return std::string(text); }
  static std::string format(const std::string& v) { return v; }
};
template <>
struct OptionValue<bool> {
  static constexpr std::string_view kType = "boolean";
  static Result<bool> parse(std::string_view text);
  static std::string format(bool v) { return v ? "true" : "false"; }
};
/// The integer parser behind OptionValue<integer>, instantiated in options.cpp for the integer
/// types options use (a free function: clang 14 rejects an out-of-line member of a constrained
/// partial specialization).
template <typename T>
Result<T> parseIntegerOption(std::string_view text);

template <typename T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) struct OptionValue<T> {
  static constexpr std::string_view kType = "integer";
  static Result<T> parse(std::string_view text) { return parseIntegerOption<T>(text); }
  static std::string format(T v) { return std::to_string(v); }
};
template <>
struct OptionValue<double> {
  static constexpr std::string_view kType = "number";
  static Result<double> parse(std::string_view text);
  static std::string format(double v);
};
template <>
struct OptionValue<Duration> {
  static constexpr std::string_view kType = "duration";
  static Result<Duration> parse(std::string_view text);
  static std::string format(Duration v) { return formatDuration(v); }
};
template <>
struct OptionValue<Ipv4Address> {
  static constexpr std::string_view kType = "ipv4-address";
  static Result<Ipv4Address> parse(std::string_view text);
  static std::string format(const Ipv4Address& v) { return v.toString(); }
};
template <>
struct OptionValue<Ipv6Address> {
  static constexpr std::string_view kType = "ipv6-address";
  static Result<Ipv6Address> parse(std::string_view text);
  static std::string format(const Ipv6Address& v) { return v.toString(); }
};
template <>
struct OptionValue<Ipv4Endpoint> {
  static constexpr std::string_view kType = "ipv4-endpoint";
  static Result<Ipv4Endpoint> parse(std::string_view text);
  static std::string format(const Ipv4Endpoint& v) { return v.toString(); }
};
template <>
struct OptionValue<Ipv6Prefix> {
  static constexpr std::string_view kType = "ipv6-prefix";
  static Result<Ipv6Prefix> parse(std::string_view text);
  static std::string format(const Ipv6Prefix& v) { return v.toString(); }
};
template <>
struct OptionValue<Ipv4Prefix> {
  static constexpr std::string_view kType = "ipv4-prefix";
  static Result<Ipv4Prefix> parse(std::string_view text);
  static std::string format(const Ipv4Prefix& v) { return v.toString(); }
};
template <>
struct OptionValue<LogLevel> {
  static constexpr std::string_view kType = "log-level";
  static Result<LogLevel> parse(std::string_view text);
  static std::string format(LogLevel v) { return std::string(logLevelName(v)); }
};

/// A validation: nullopt if the value is acceptable, else the reason ("must be at least 1").
template <typename T>
using Validator = std::function<std::optional<std::string>(const T&)>;

/// Value between lo and hi inclusive.
template <typename T>
Validator<T> inRange(T lo, T hi) {
  return [lo, hi](const T& v) -> std::optional<std::string> {
    if (v < lo || v > hi) {
      return "must be between " + OptionValue<T>::format(lo) + " and " + OptionValue<T>::format(hi);
    }
    return std::nullopt;
  };
}

/// Whether an option must be given (on the command line or in the file).
enum class Presence : std::uint8_t { Optional, Required };

/// What a changed value does on SIGHUP (the daemon re-reads its file with the same flags).
enum class Reload : std::uint8_t {
  /// Applied to the running daemon without dropping bindings or states.
  Live,
  /// Needs a restart (sockets, TUN devices, routes or addresses depend on it): a change is
  /// reported and the running value kept.
  Restart,
};
/// "live" or "restart", as the docs, `dsmip check` and the man pages show it.
std::string_view reloadName(Reload reload);

/// What is known about one option, for help, `dsmip check`, documentation.
struct OptionInfo {
  std::string name;        // flag --name, TOML key name
  std::string value_name;  // "IPV4:PORT", shown in --help
  std::string type;        // OptionValue<T>::kType
  std::string help;
  std::string default_text;  // the default as text ("" if none); lists joined by ", "
  bool repeatable = false;
  bool required = false;
  Reload reload = Reload::Restart;  // what SIGHUP does with a change (setReload)
  bool secret = false;              // never shown in logs or `dsmip show` (setSecret)
};

/// What is known about a TOML array of tables (OptionTable::addTableArray).
struct TableArrayInfo {
  std::string name;  // `[[name]]`
  std::string help;
  bool required = false;                    // at least one table
  std::vector<OptionInfo> element_options;  // the keys of each table
  Reload reload = Reload::Restart;          // the array as a whole
};

/// The running text of one key (OptionTable::values()), compared across a reload.
struct ConfigValue {
  std::string key;   // option name, or the name of an array of tables
  std::string text;  // formatted value (lists joined by ", "; arrays of tables as TOML)
  Reload reload = Reload::Restart;
  std::string shown;  // what logs and `dsmip show` print: `text` with secrets masked
};

/// How a secret value is shown: "(secret)", or "" when there is none.
std::string maskSecret(const std::string& text);

class OptionTable;

/// How a TOML array of tables (`[[name]]`) is read: the caller keeps one element per table in
/// the file, each with its own OptionTable bound to it.
struct TableArrayBinding {
  /// Called before the elements are read, with the number of tables in the file (0 when the
  /// key is absent): make that many elements, all holding their defaults.
  std::function<void(std::size_t count)> reset;
  /// The option table of element `index` (< count); its options are the element's keys.
  std::function<OptionTable&(std::size_t index)> element;
  /// The options of an element, for --help and documentation (an element's table).
  std::function<std::vector<OptionInfo>()> describe;
};

/// Where a value came from, for messages.
enum class OptionSource : std::uint8_t { Default, File, CommandLine };

class OptionTable {
 public:
  explicit OptionTable(std::string daemon_name);
  OptionTable(const OptionTable&) = delete;
  OptionTable& operator=(const OptionTable&) = delete;

  /// A single-valued option bound to `target`; its current value is the default.
  template <typename T>
  OptionTable& add(std::string name, std::string value_name, std::string help, T* target,
                   Validator<T> validate = {}, Presence presence = Presence::Optional);
  /// An option without default: `target` stays empty unless a value is given.
  template <typename T>
  OptionTable& add(std::string name, std::string value_name, std::string help,
                   std::optional<T>* target, Validator<T> validate = {},
                   Presence presence = Presence::Optional);
  /// A repeatable option bound to `target` (flag given several times, or a TOML array); the
  /// current content is the default and is replaced by any given values.
  template <typename T>
  OptionTable& addList(std::string name, std::string value_name, std::string help,
                       std::vector<T>* target, Validator<T> validate = {},
                       Presence presence = Presence::Optional);
  /// A TOML array of tables, `[[name]]` in the file (there is no flag): per-peer settings such
  /// as one table per mobile node. Each table is resolved through `binding.element(i)` like a
  /// file of its own (element defaults < the table's keys; unknown keys are errors). Errors name
  /// the table: "key 'spi' in [[mobile-node]] #2 of FILE: …". Required: at least one table.
  OptionTable& addTableArray(std::string name, std::string help, TableArrayBinding binding,
                             Presence presence = Presence::Optional);
  /// A check across options, run by resolve() after every value was set. Its error's detail
  /// must start with the option name it blames ("prefix: …").
  OptionTable& addCheck(std::function<Status()> check);
  /// The standard options of every daemon: --config PATH (a flag only) and --log-level
  /// (Reload::Live).
  OptionTable& addCommonOptions(LogLevel* log_level);
  /// Declares how the options or arrays of tables `names` reload (all are Reload::Restart
  /// until said otherwise). Every name must have been declared.
  OptionTable& setReload(Reload reload, std::initializer_list<std::string_view> names);
  /// Declares a key the daemon's own loader reads from the file (not through this table, e.g.
  /// `[[mobile_node]]` or `[[esp_sa]]`), so that values() and a reload see it.
  OptionTable& declareExternal(std::string name, Reload reload, bool secret = false);
  /// Marks options whose values must never be shown (keys): values() masks them.
  OptionTable& setSecret(std::initializer_list<std::string_view> names);
  /// The loader's record of an external key's value as text ("" when absent).
  void recordExternal(std::string_view name, std::string text);
  /// Takes the command line (flag values and --config path) of `other`, a table of the same
  /// daemon: a reload resolves a fresh table with the flags the daemon was started with.
  void adoptCommandLine(const OptionTable& other);

  /// Declares the flags on a CLI11 (sub)command; values are collected as text and parsed by
  /// resolve(). --help then lists every option with its default.
  void registerFlags(CLI::App& app);
  /// Applies defaults < file < flags, validates, runs the checks. The file is the one given
  /// with --config (if any) or `file` here (tests).
  [[nodiscard]] Status resolve();
  /// Same, with the TOML text given directly (tests, `dsmip check`). `origin` names it in
  /// errors.
  [[nodiscard]] Status resolveWithToml(std::string_view toml_text, std::string_view origin);

  [[nodiscard]] const std::vector<OptionInfo>& options() const { return infos_; }
  /// The arrays of tables, in declaration order.
  [[nodiscard]] std::vector<TableArrayInfo> tableArrays() const;
  [[nodiscard]] const std::string& daemonName() const { return daemon_name_; }
  [[nodiscard]] const std::string& configPath() const { return config_path_; }
  /// Where the value of `name` came from (after resolve()).
  [[nodiscard]] OptionSource sourceOf(std::string_view name) const;
  /// Every key's current value as text (options from their targets, arrays of tables and
  /// external keys as resolved last), in declaration order.
  [[nodiscard]] std::vector<ConfigValue> values() const;
  /// How `name` reloads (Restart for a name not declared).
  [[nodiscard]] Reload reloadOf(std::string_view name) const;
  /// A Markdown table of the options (flag, TOML key, default, reload, meaning), for the docs.
  [[nodiscard]] std::string markdownTable() const;

 private:
  struct Entry {
    OptionInfo info;
    // Parses one text value into the pending state; the reason on failure.
    std::function<Result<bool>(std::string_view text)> parse_one;
    std::function<void()> begin;          // before parsing a source's values (lists: clear)
    std::function<void()> discard;        // forget pending values: the target keeps its default
    std::function<void()> commit;         // apply pending values to the target
    std::function<std::string()> format;  // the target's value as text
    std::vector<std::string> flag_values;
    OptionSource source = OptionSource::Default;
  };
  Entry& addEntry(OptionInfo info);
  [[nodiscard]] Status applyValues(Entry& e, const std::vector<std::string>& values,
                                   OptionSource source, std::string_view origin);
  [[nodiscard]] Status resolveImpl(const std::optional<std::string>& toml_text,
                                   std::string_view origin);
  // Where a value of `name` came from, for messages (element tables name their key).
  [[nodiscard]] std::string originOf(std::string_view name, OptionSource source,
                                     std::string_view origin) const;

  std::string daemon_name_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<OptionInfo> infos_;
  std::vector<std::function<Status()>> checks_;
  struct TableArray {
    std::string name;
    std::string help;
    TableArrayBinding binding;
    bool required = false;
    Reload reload = Reload::Restart;
    std::string text;   // as resolved last: each element's values
    std::string shown;  // the same with secrets masked
  };
  std::vector<TableArray> table_arrays_;
  struct External {
    std::string name;
    Reload reload = Reload::Restart;
    bool secret = false;
    std::string text;
  };
  std::vector<External> externals_;
  std::string config_path_;
  bool element_ = false;  // the table of one [[…]] element: keys only, no flags
};

/// "--mtu" for messages about a command-line value; "key 'mtu' of FILE" for a file's.
std::string describeOrigin(std::string_view name, OptionSource source, std::string_view file);

// --- template implementation ----------------------------------------------------------------

template <typename T>
OptionTable& OptionTable::add(std::string name, std::string value_name, std::string help, T* target,
                              Validator<T> validate, Presence presence) {
  OptionInfo info{std::move(name),
                  std::move(value_name),
                  std::string(OptionValue<T>::kType),
                  std::move(help),
                  OptionValue<T>::format(*target),
                  false,
                  presence == Presence::Required};
  if (info.required) info.default_text.clear();
  Entry& e = addEntry(std::move(info));
  auto pending = std::make_shared<std::optional<T>>();
  e.begin = [pending] { pending->reset(); };
  e.discard = [pending] { pending->reset(); };
  e.parse_one = [pending, validate](std::string_view text) -> Result<bool> {
    auto v = OptionValue<T>::parse(text);
    if (!v) return Unexpected{v.error()};
    if (validate) {
      if (auto why = validate(*v)) return makeError(ErrorCode::InvalidArgument, *why);
    }
    *pending = std::move(*v);
    return true;
  };
  e.commit = [pending, target] {
    if (*pending) *target = std::move(**pending);
  };
  e.format = [target] { return OptionValue<T>::format(*target); };
  return *this;
}

template <typename T>
OptionTable& OptionTable::add(std::string name, std::string value_name, std::string help,
                              std::optional<T>* target, Validator<T> validate, Presence presence) {
  OptionInfo info{std::move(name),
                  std::move(value_name),
                  std::string(OptionValue<T>::kType),
                  std::move(help),
                  *target ? OptionValue<T>::format(**target) : std::string(),
                  false,
                  presence == Presence::Required};
  Entry& e = addEntry(std::move(info));
  auto pending = std::make_shared<std::optional<T>>();
  e.begin = [pending] { pending->reset(); };
  e.discard = [pending] { pending->reset(); };
  e.parse_one = [pending, validate](std::string_view text) -> Result<bool> {
    auto v = OptionValue<T>::parse(text);
    if (!v) return Unexpected{v.error()};
    if (validate) {
      if (auto why = validate(*v)) return makeError(ErrorCode::InvalidArgument, *why);
    }
    *pending = std::move(*v);
    return true;
  };
  e.commit = [pending, target] {
    if (*pending) *target = std::move(*pending);
  };
  e.format = [target] { return *target ? OptionValue<T>::format(**target) : std::string(); };
  return *this;
}

template <typename T>
OptionTable& OptionTable::addList(std::string name, std::string value_name, std::string help,
                                  std::vector<T>* target, Validator<T> validate,
                                  Presence presence) {
  std::string defaults;
  for (const T& v : *target) defaults += (defaults.empty() ? "" : ", ") + OptionValue<T>::format(v);
  OptionInfo info{std::move(name),
                  std::move(value_name),
                  std::string(OptionValue<T>::kType),
                  std::move(help),
                  std::move(defaults),
                  true,
                  presence == Presence::Required};
  Entry& e = addEntry(std::move(info));
  auto pending = std::make_shared<std::optional<std::vector<T>>>();
  e.begin = [pending] { pending->emplace(); };
  e.discard = [pending] { pending->reset(); };
  e.parse_one = [pending, validate](std::string_view text) -> Result<bool> {
    auto v = OptionValue<T>::parse(text);
    if (!v) return Unexpected{v.error()};
    if (validate) {
      if (auto why = validate(*v)) return makeError(ErrorCode::InvalidArgument, *why);
    }
    (*pending)->push_back(std::move(*v));
    return true;
  };
  e.commit = [pending, target] {
    if (*pending) *target = std::move(**pending);
  };
  e.format = [target] {
    std::string text;
    for (const T& v : *target) text += (text.empty() ? "" : ", ") + OptionValue<T>::format(v);
    return text;
  };
  return *this;
}

}  // namespace dsmip::daemon
