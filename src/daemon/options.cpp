#include "daemon/options.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

namespace dsmip::daemon {

namespace {

Unexpected<Error> notA(std::string_view text, std::string_view what) {
  return makeError(ErrorCode::InvalidArgument, fmt::format("'{}' is not {}", text, what));
}

}  // namespace

Result<bool> OptionValue<bool>::parse(std::string_view text) {
  if (text == "true" || text == "yes" || text == "on" || text == "1") return true;
  if (text == "false" || text == "no" || text == "off" || text == "0") return false;
  return notA(text, "a boolean (true or false)");
}

template <typename T>
Result<T> parseIntegerOption(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("'{}' is out of range ({}..{})", text,
                                 std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
  }
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
    return notA(text, "an integer");
  }
  return value;
}
template Result<std::uint16_t> parseIntegerOption(std::string_view);
template Result<std::uint32_t> parseIntegerOption(std::string_view);
template Result<std::uint64_t> parseIntegerOption(std::string_view);
template Result<std::int64_t> parseIntegerOption(std::string_view);
template Result<int> parseIntegerOption(std::string_view);

Result<double> OptionValue<double>::parse(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty() ||
      !std::isfinite(value)) {
    return notA(text, "a number");
  }
  return value;
}

std::string OptionValue<double>::format(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

Result<Duration> OptionValue<Duration>::parse(std::string_view text) {
  auto d = parseDuration(text);
  if (!d) return notA(text, "a duration (a number with ms, s or m, e.g. 250ms, 2s, 5m)");
  return *d;
}

Result<Ipv4Address> OptionValue<Ipv4Address>::parse(std::string_view text) {
  auto a = Ipv4Address::parse(text);
  if (!a) return notA(text, "an IPv4 address");
  return *a;
}

Result<Ipv6Address> OptionValue<Ipv6Address>::parse(std::string_view text) {
  auto a = Ipv6Address::parse(text);
  if (!a) return notA(text, "an IPv6 address");
  return *a;
}

Result<Ipv4Endpoint> OptionValue<Ipv4Endpoint>::parse(std::string_view text) {
  auto e = Ipv4Endpoint::parse(text);
  if (!e) return notA(text, "IPV4:PORT");
  return *e;
}

Result<Ipv6Prefix> OptionValue<Ipv6Prefix>::parse(std::string_view text) {
  auto p = Ipv6Prefix::parse(text);
  if (!p) return notA(text, "an IPv6 prefix (IPV6/LEN)");
  // The parser clears host bits silently; a prefix with host bits set is likely a typo.
  const auto address = Ipv6Address::parse(text.substr(0, text.find('/')));
  if (address && *address != p->normalised().address) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("'{}' has bits set beyond /{} (did you mean {}?)", text, p->length,
                                 p->normalised().toString()));
  }
  return *p;
}

Result<Ipv4Prefix> OptionValue<Ipv4Prefix>::parse(std::string_view text) {
  auto p = Ipv4Prefix::parse(text);
  if (!p) return notA(text, "an IPv4 prefix (IPV4/LEN)");
  // As for IPv6: host bits beyond the length are likely a typo.
  const auto address = Ipv4Address::parse(text.substr(0, text.find('/')));
  if (address && *address != p->address) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("'{}' has bits set beyond /{} (did you mean {}?)", text, p->length,
                                 p->toString()));
  }
  return *p;
}

Result<LogLevel> OptionValue<LogLevel>::parse(std::string_view text) {
  LogLevel level{};
  if (!parseLogLevel(text, level)) return notA(text, "a log level (debug, info, warn, error)");
  return level;
}

std::string_view reloadName(Reload reload) { return reload == Reload::Live ? "live" : "restart"; }

std::string describeOrigin(std::string_view name, OptionSource source, std::string_view file) {
  switch (source) {
    case OptionSource::CommandLine:
      return fmt::format("--{}", name);
    case OptionSource::File:
      return fmt::format("key '{}' in {}", name, file);
    case OptionSource::Default:
      break;
  }
  return fmt::format("--{} (default)", name);
}

OptionTable::OptionTable(std::string daemon_name) : daemon_name_(std::move(daemon_name)) {}

OptionTable::Entry& OptionTable::addEntry(OptionInfo info) {
  DSMIP_CHECK(info.name != "config");
  for (const auto& e : entries_) DSMIP_CHECK(e->info.name != info.name);
  for (const auto& t : table_arrays_) DSMIP_CHECK(t.name != info.name);
  for (const auto& x : externals_) DSMIP_CHECK(x.name != info.name);
  infos_.push_back(info);
  entries_.push_back(std::make_unique<Entry>());
  entries_.back()->info = std::move(info);
  return *entries_.back();
}

OptionTable& OptionTable::addTableArray(std::string name, std::string help,
                                        TableArrayBinding binding, Presence presence) {
  DSMIP_CHECK(binding.reset && binding.element);
  for (const auto& e : entries_) DSMIP_CHECK(e->info.name != name);
  for (const auto& t : table_arrays_) DSMIP_CHECK(t.name != name);
  for (const auto& x : externals_) DSMIP_CHECK(x.name != name);
  table_arrays_.push_back(TableArray{std::move(name),
                                     std::move(help),
                                     std::move(binding),
                                     presence == Presence::Required,
                                     Reload::Restart,
                                     {},
                                     {}});
  return *this;
}

OptionTable& OptionTable::setReload(Reload reload, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    bool found = false;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i]->info.name == name) {
        entries_[i]->info.reload = reload;
        infos_[i].reload = reload;
        found = true;
      }
    }
    for (TableArray& t : table_arrays_) {
      if (t.name == name) {
        t.reload = reload;
        found = true;
      }
    }
    for (External& x : externals_) {
      if (x.name == name) {
        x.reload = reload;
        found = true;
      }
    }
    DSMIP_CHECK(found);
  }
  return *this;
}

OptionTable& OptionTable::declareExternal(std::string name, Reload reload, bool secret) {
  for (const auto& e : entries_) DSMIP_CHECK(e->info.name != name);
  for (const auto& t : table_arrays_) DSMIP_CHECK(t.name != name);
  for (const auto& x : externals_) DSMIP_CHECK(x.name != name);
  externals_.push_back(External{std::move(name), reload, secret, {}});
  return *this;
}

OptionTable& OptionTable::setSecret(std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    bool found = false;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i]->info.name == name) {
        entries_[i]->info.secret = true;
        infos_[i].secret = true;
        found = true;
      }
    }
    DSMIP_CHECK(found);
  }
  return *this;
}

std::string maskSecret(const std::string& text) { return text.empty() ? "" : "(secret)"; }

void OptionTable::recordExternal(std::string_view name, std::string text) {
  for (External& x : externals_) {
    if (x.name == name) {
      x.text = std::move(text);
      return;
    }
  }
  DSMIP_CHECK(false);
}

void OptionTable::adoptCommandLine(const OptionTable& other) {
  config_path_ = other.config_path_;
  for (auto& e : entries_) {
    e->flag_values.clear();
    for (const auto& o : other.entries_) {
      if (o->info.name == e->info.name) e->flag_values = o->flag_values;
    }
  }
}

std::vector<ConfigValue> OptionTable::values() const {
  std::vector<ConfigValue> out;
  for (const auto& e : entries_) {
    std::string text = e->format();
    std::string shown = e->info.secret ? maskSecret(text) : text;
    out.push_back({e->info.name, std::move(text), e->info.reload, std::move(shown)});
  }
  for (const TableArray& t : table_arrays_) out.push_back({t.name, t.text, t.reload, t.shown});
  for (const External& x : externals_) {
    out.push_back({x.name, x.text, x.reload, x.secret ? maskSecret(x.text) : x.text});
  }
  return out;
}

Reload OptionTable::reloadOf(std::string_view name) const {
  for (const ConfigValue& v : values()) {
    if (v.key == name) return v.reload;
  }
  return Reload::Restart;
}

std::vector<TableArrayInfo> OptionTable::tableArrays() const {
  std::vector<TableArrayInfo> out;
  for (const TableArray& t : table_arrays_) {
    out.push_back(TableArrayInfo{
        t.name, t.help, t.required,
        t.binding.describe ? t.binding.describe() : std::vector<OptionInfo>{}, t.reload});
  }
  return out;
}

std::string OptionTable::originOf(std::string_view name, OptionSource source,
                                  std::string_view origin) const {
  if (!element_) return describeOrigin(name, source, origin);
  // An element of a [[…]] array has no flags: its values come from its table or its default.
  return source == OptionSource::Default ? fmt::format("key '{}' (default) in {}", name, origin)
                                         : fmt::format("key '{}' in {}", name, origin);
}

OptionTable& OptionTable::addCheck(std::function<Status()> check) {
  checks_.push_back(std::move(check));
  return *this;
}

OptionTable& OptionTable::addCommonOptions(LogLevel* log_level) {
  add("log-level", "LEVEL", "least severe log level written: debug, info, warn, error", log_level);
  return setReload(Reload::Live, {"log-level"});
}

void OptionTable::registerFlags(CLI::App& app) {
  app.add_option("--config", config_path_,
                 "TOML file whose keys are the long flag names (flags win over the file)")
      ->type_name("PATH");
  for (auto& e : entries_) {
    std::string help = e->info.help;
    if (e->info.required) help += " (required)";
    if (e->info.repeatable) help += " (repeatable)";
    CLI::Option* o = app.add_option("--" + e->info.name, e->flag_values, help);
    o->type_name(e->info.value_name)->expected(1)->allow_extra_args(false);
    o->multi_option_policy(e->info.repeatable ? CLI::MultiOptionPolicy::TakeAll
                                              : CLI::MultiOptionPolicy::Throw);
    if (!e->info.default_text.empty()) o->default_str(e->info.default_text);
  }
}

Status OptionTable::applyValues(Entry& e, const std::vector<std::string>& values,
                                OptionSource source, std::string_view origin) {
  e.begin();
  if (!e.info.repeatable && values.size() > 1) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("{}: takes one value, got {}",
                                 originOf(e.info.name, source, origin), values.size()));
  }
  for (const std::string& v : values) {
    auto parsed = e.parse_one(v);
    if (!parsed) {
      const std::string& why = parsed.error().detail;
      // Validation reasons do not quote the value; parse errors already do.
      const bool quoted = why.find('\'') != std::string::npos;
      return makeError(
          ErrorCode::InvalidArgument,
          quoted ? fmt::format("{}: {}", originOf(e.info.name, source, origin), why)
                 : fmt::format("{}: '{}' {}", originOf(e.info.name, source, origin), v, why));
    }
  }
  e.source = source;
  return {};
}

Status OptionTable::resolve() {
  if (config_path_.empty()) return resolveImpl(std::nullopt, "");
  std::ifstream in(config_path_);
  if (!in) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("--config: cannot read '{}'", config_path_));
  }
  std::stringstream text;
  text << in.rdbuf();
  return resolveImpl(text.str(), config_path_);
}

Status OptionTable::resolveWithToml(std::string_view toml_text, std::string_view origin) {
  return resolveImpl(std::string(toml_text), origin);
}

namespace {

// The values of a TOML node as text; an error reason if it cannot be an option value.
Result<std::vector<std::string>> tomlValues(const toml::node& node, bool repeatable) {
  std::vector<std::string> out;
  auto scalar = [](const toml::node& n) -> std::optional<std::string> {
    if (auto s = n.as_string()) return std::string(s->get());
    if (auto i = n.as_integer()) return std::to_string(i->get());
    if (auto f = n.as_floating_point()) return fmt::format("{}", f->get());
    if (auto b = n.as_boolean()) return std::string(b->get() ? "true" : "false");
    return std::nullopt;
  };
  if (const toml::array* array = node.as_array()) {
    if (!repeatable) return makeError(ErrorCode::InvalidArgument, "takes one value, not an array");
    for (const toml::node& element : *array) {
      auto s = scalar(element);
      if (!s) {
        return makeError(ErrorCode::InvalidArgument, "array elements must be strings or numbers");
      }
      out.push_back(std::move(*s));
    }
    return out;
  }
  auto s = scalar(node);
  if (!s) return makeError(ErrorCode::InvalidArgument, "must be a string, number or boolean");
  out.push_back(std::move(*s));
  return out;
}

}  // namespace

Status OptionTable::resolveImpl(const std::optional<std::string>& toml_text,
                                std::string_view origin) {
  std::optional<toml::table> file;
  if (toml_text) {
    try {
      file = toml::parse(*toml_text, origin);
    } catch (const toml::parse_error& e) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("{}: line {}, column {}: {}", origin, e.source().begin.line,
                                   e.source().begin.column, e.description()));
    }
    for (const auto& [key, value] : *file) {
      const std::string_view key_name = key.str();  // clang 14 cannot capture a binding
      const bool known = std::any_of(entries_.begin(), entries_.end(),
                                     [&](const auto& e) { return e->info.name == key_name; }) ||
                         std::any_of(table_arrays_.begin(), table_arrays_.end(),
                                     [&](const TableArray& t) { return t.name == key_name; });
      if (!known && element_) {
        std::string keys;
        for (const auto& e : entries_) keys += (keys.empty() ? "" : ", ") + e->info.name;
        return makeError(
            ErrorCode::InvalidArgument,
            fmt::format("{}: unknown key '{}' (its keys are: {})", origin, key.str(), keys));
      }
      if (!known) {
        return makeError(ErrorCode::InvalidArgument,
                         fmt::format("{}: unknown key '{}' (keys are the long flag names of "
                                     "`dsmip {}`)",
                                     origin, key.str(), daemon_name_));
      }
    }
  }
  for (auto& e : entries_) {
    e->source = OptionSource::Default;
    e->discard();
    if (!e->flag_values.empty()) {
      if (Status s = applyValues(*e, e->flag_values, OptionSource::CommandLine, origin); !s)
        return s;
    } else if (file && file->contains(e->info.name)) {
      auto values = tomlValues(*file->get(e->info.name), e->info.repeatable);
      if (!values) {
        return makeError(ErrorCode::InvalidArgument,
                         fmt::format("{}: {}", originOf(e->info.name, OptionSource::File, origin),
                                     values.error().detail));
      }
      if (Status s = applyValues(*e, *values, OptionSource::File, origin); !s) return s;
    }
  }
  // Missing required options after every given value parsed (a typo is reported first).
  for (auto& e : entries_) {
    if (e->info.required && e->source == OptionSource::Default && element_) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("{}: key '{}' is required", origin, e->info.name));
    }
    if (e->info.required && e->source == OptionSource::Default) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("--{} is required (on the command line or as key '{}' in "
                                   "the --config file)",
                                   e->info.name, e->info.name));
    }
  }
  // Arrays of tables: each element is resolved by its own table, like a file of its own.
  for (TableArray& t : table_arrays_) {
    const toml::node* node = file ? file->get(t.name) : nullptr;
    if (node == nullptr) {
      if (t.required) {
        return makeError(ErrorCode::InvalidArgument,
                         fmt::format("{}: at least one [[{}]] table is required{}", t.name, t.name,
                                     file ? " in " + std::string(origin)
                                          : std::string(" (give one in the --config file)")));
      }
      t.binding.reset(0);
      t.text.clear();
      t.shown.clear();
      continue;
    }
    const toml::array* array = node->as_array();
    const bool tables =
        array != nullptr &&
        std::all_of(array->begin(), array->end(), [](const toml::node& n) { return n.is_table(); });
    if (!tables) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("key '{}' in {}: must be an array of tables ([[{}]] sections)",
                                   t.name, origin, t.name));
    }
    if (t.required && array->empty()) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("key '{}' in {}: at least one [[{}]] table is required", t.name,
                                   origin, t.name));
    }
    t.binding.reset(array->size());
    t.text.clear();
    t.shown.clear();
    for (std::size_t i = 0; i < array->size(); ++i) {
      OptionTable& element = t.binding.element(i);
      element.element_ = true;
      std::ostringstream text;
      text << *(*array)[i].as_table();
      const std::string element_origin = fmt::format("[[{}]] #{} of {}", t.name, i + 1, origin);
      if (Status s = element.resolveImpl(text.str(), element_origin); !s) return s;
      // The element's resolved values (defaults included), so a reload compares meanings.
      std::string values;
      std::string shown;
      for (const ConfigValue& v : element.values()) {
        values += fmt::format("{}{} = {}", values.empty() ? "" : ", ", v.key, v.text);
        shown += fmt::format("{}{} = {}", shown.empty() ? "" : ", ", v.key, v.shown);
      }
      t.text += fmt::format("{}{{{}}}", t.text.empty() ? "" : "; ", values);
      t.shown += fmt::format("{}{{{}}}", t.shown.empty() ? "" : "; ", shown);
    }
  }
  // Nothing is applied before every value parsed: a failure leaves the targets untouched.
  for (auto& e : entries_) e->commit();
  for (const auto& check : checks_) {
    Status s = check();
    if (!s) {
      // The check names the option ("prefix: …"): say where its value came from.
      std::string detail = s.error().detail;
      const std::size_t colon = detail.find(':');
      if (colon != std::string::npos) {
        const std::string name = detail.substr(0, colon);
        for (const auto& e : entries_) {
          if (e->info.name == name) {
            detail = originOf(name, e->source, origin) + detail.substr(colon);
            break;
          }
        }
      }
      return makeError(ErrorCode::InvalidArgument, std::move(detail));
    }
  }
  return {};
}

OptionSource OptionTable::sourceOf(std::string_view name) const {
  for (const auto& e : entries_) {
    if (e->info.name == name) return e->source;
  }
  return OptionSource::Default;
}

std::string OptionTable::markdownTable() const {
  std::string out =
      "| Flag | TOML key | Default | Reload | Meaning |\n| --- | --- | --- | --- | --- |\n";
  out += fmt::format(
      "| `--config PATH` | — | — | — | TOML file whose keys are the long flag names |\n");
  for (const OptionInfo& i : infos_) {
    std::string def =
        i.required ? "required" : (i.default_text.empty() ? "—" : "`" + i.default_text + "`");
    out +=
        fmt::format("| `--{} {}`{} | `{}` | {} | {} | {} |\n", i.name, i.value_name,
                    i.repeatable ? " (repeatable)" : "", i.name, def, reloadName(i.reload), i.help);
  }
  for (const TableArrayInfo& t : tableArrays()) {
    out += fmt::format("| — | `[[{}]]`{} | — | {} | {} |\n", t.name,
                       t.required ? " (at least one)" : "", reloadName(t.reload), t.help);
    for (const OptionInfo& k : t.element_options) {
      std::string def =
          k.required ? "required" : (k.default_text.empty() ? "—" : "`" + k.default_text + "`");
      out += fmt::format("| — | `[[{}]]` `{}`{} | {} | (with the table) | {} |\n", t.name, k.name,
                         k.repeatable ? " (list)" : "", def, k.help);
    }
  }
  return out;
}

}  // namespace dsmip::daemon
