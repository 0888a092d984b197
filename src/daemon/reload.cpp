#include "daemon/reload.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "daemon/logging.hpp"

namespace dsmip::daemon {

namespace {

const ConfigValue* findValue(const std::vector<ConfigValue>& values, std::string_view key) {
  for (const ConfigValue& v : values) {
    if (v.key == key) return &v;
  }
  return nullptr;
}

std::string shown(const std::string& text) { return text.empty() ? "(none)" : text; }

}  // namespace

ConfigChanges diffConfig(const std::vector<ConfigValue>& running,
                         const std::vector<ConfigValue>& loaded) {
  ConfigChanges out;
  for (const ConfigValue& now : loaded) {
    const ConfigValue* before = findValue(running, now.key);
    if (before != nullptr && before->text == now.text) continue;
    out.push_back({now.key, before != nullptr ? before->text : std::string(), now.text, now.reload,
                   before != nullptr ? before->shown : std::string(), now.shown});
  }
  for (const ConfigValue& before : running) {
    if (findValue(loaded, before.key) == nullptr) {
      out.push_back({before.key, before.text, std::string(), before.reload, before.shown, {}});
    }
  }
  return out;
}

std::vector<ConfigValue> runningAfter(const std::vector<ConfigValue>& running,
                                      const ConfigChanges& changes) {
  std::vector<ConfigValue> out = running;
  for (const ConfigChange& c : changes) {
    if (c.reload != Reload::Live) continue;
    auto it =
        std::find_if(out.begin(), out.end(), [&](const ConfigValue& v) { return v.key == c.key; });
    if (it != out.end()) {
      it->text = c.after;
      it->shown = c.after_shown;
    } else {
      out.push_back({c.key, c.after, c.reload, c.after_shown});
    }
  }
  return out;
}

std::string describeChange(const ConfigChange& change) {
  if (change.reload == Reload::Live) {
    return fmt::format("reload: key '{}' {} \u2192 {}, applied", change.key,
                       shown(change.before_shown), shown(change.after_shown));
  }
  return fmt::format("reload: key '{}' {} \u2192 {} needs a restart, keeping {}", change.key,
                     shown(change.before_shown), shown(change.after_shown),
                     shown(change.before_shown));
}

ConfigReloader::ConfigReloader(std::string daemon, std::vector<ConfigValue> running)
    : daemon_(std::move(daemon)), running_(std::move(running)) {}

void ConfigReloader::failed(const Error& error, std::int64_t unix_nanos) {
  ++failed_;
  last_time_ = unix_nanos;
  last_result_ = "failed: " + error.detail;
  log::error("reload failed, keeping the running configuration: {}", error.detail);
}

ConfigChanges ConfigReloader::accepted(const std::vector<ConfigValue>& loaded,
                                       std::int64_t unix_nanos) {
  ConfigChanges changes = diffConfig(running_, loaded);
  std::size_t applied = 0;
  for (const ConfigChange& c : changes) {
    if (c.reload == Reload::Live) {
      ++applied;
      log::info("{}", describeChange(c));
    } else {
      log::warn("{}", describeChange(c));
    }
  }
  running_ = runningAfter(running_, changes);
  ++ok_;
  last_time_ = unix_nanos;
  last_result_ = changes.empty() ? "ok: no change"
                                 : fmt::format("ok: {} applied, {} need a restart", applied,
                                               changes.size() - applied);
  log::info("reload done: {}", last_result_.substr(4));
  return changes;
}

nlohmann::json ConfigReloader::statusJson() const {
  nlohmann::json out{{"reloads-ok", ok_}, {"reloads-failed", failed_}};
  out["last-reload"] = last_time_ ? nlohmann::json(formatTimestamp(*last_time_)) : nullptr;
  out["last-reload-result"] = last_time_ ? nlohmann::json(last_result_) : nullptr;
  return out;
}

nlohmann::json ConfigReloader::configJson() const {
  nlohmann::json out = nlohmann::json::object();
  for (const ConfigValue& v : running_) out[v.key] = v.shown;
  return out;
}

std::string ConfigReloader::decorate(std::string_view request, const std::string& answer) const {
  const nlohmann::json asked = nlohmann::json::parse(request, nullptr, false);
  if (asked.is_discarded() || !asked.is_object() || asked.value("command", "") != "show") {
    return answer;
  }
  nlohmann::json status = nlohmann::json::parse(answer, nullptr, false);
  if (status.is_discarded() || !status.is_object() || status.contains("error")) return answer;
  status["reload"] = statusJson();
  status["config"] = configJson();
  return status.dump();
}

bool changed(const ConfigChanges& changes, std::string_view key) {
  return std::any_of(changes.begin(), changes.end(),
                     [&](const ConfigChange& c) { return c.key == key; });
}

void applyLogLevel(const ConfigChanges& changes, LogLevel level) {
  if (changed(changes, "log-level")) log::setLevel(level);
}

}  // namespace dsmip::daemon
