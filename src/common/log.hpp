#pragma once
// Logging through a replaceable sink. Lines are "<level> <message>"; the daemon's sink adds
// time and routes to stderr or the journal. Repetitive events go through a LogLimiter so that
// a flood of bad packets costs a counter increment, not a log line each.

#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "common/rate_limiter.hpp"
#include "common/time.hpp"

namespace dsmip {

enum class LogLevel : std::uint8_t { Debug, Info, Warn, Error };

std::string_view logLevelName(LogLevel level);
/// "debug", "info", "warn"/"warning", "error"; nullopt otherwise.
bool parseLogLevel(std::string_view text, LogLevel& out);

namespace log {

using Sink = std::function<void(LogLevel, std::string_view)>;

void setSink(Sink sink);
void setLevel(LogLevel level);
LogLevel level();
bool enabled(LogLevel level);
void write(LogLevel level, std::string_view message);

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(LogLevel::Debug)) write(LogLevel::Debug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(LogLevel::Info)) write(LogLevel::Info, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(LogLevel::Warn)) write(LogLevel::Warn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(LogLevel::Error)) write(LogLevel::Error, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace log

/// Rate limit for one kind of log line: `if (limiter.allow(now)) log::warn(...)`. Lines that
/// were suppressed are counted; the next allowed line can report how many with suppressed().
class LogLimiter {
 public:
  explicit LogLimiter(double per_second = 1.0, double burst = 5.0) : bucket_(per_second, burst) {}
  bool allow(TimePoint now) {
    if (bucket_.tryTake(now)) {
      last_suppressed_ = suppressed_;
      suppressed_ = 0;
      return true;
    }
    ++suppressed_;
    return false;
  }
  /// Lines suppressed before the one just allowed.
  [[nodiscard]] std::uint64_t suppressed() const { return last_suppressed_; }

 private:
  TokenBucket bucket_;
  std::uint64_t suppressed_ = 0;
  std::uint64_t last_suppressed_ = 0;
};

}  // namespace dsmip
