#include "daemon/logging.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace dsmip::daemon {

std::string formatTimestamp(std::int64_t unix_nanos) {
  const std::time_t seconds = static_cast<std::time_t>(unix_nanos / 1'000'000'000);
  const auto millis = (unix_nanos / 1'000'000) % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

void installLogSink(std::string_view tag, LogLevel level) {
  log::setLevel(level);
  log::setSink([tag = std::string(tag)](LogLevel l, std::string_view message) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const std::string line = fmt::format(
        "{} {} {}: {}\n",
        formatTimestamp(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()),
        logLevelName(l), tag, message);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  });
}

DropLog::DropLog(std::size_t reasons, double per_second, double burst) {
  limiters_.reserve(reasons);
  for (std::size_t i = 0; i < reasons; ++i) limiters_.emplace_back(per_second, burst);
}

bool DropLog::allow(std::size_t reason, TimePoint now) {
  return reason < limiters_.size() && limiters_[reason].allow(now);
}

std::uint64_t DropLog::suppressed(std::size_t reason) const {
  return reason < limiters_.size() ? limiters_[reason].suppressed() : 0;
}

std::string DropLog::suffix(std::size_t reason) const {
  const std::uint64_t held = suppressed(reason);
  return held > 0 ? fmt::format(" ({} similar suppressed)", held) : std::string();
}

void DropLog::write(std::size_t reason, TimePoint now, LogLevel level, std::string_view message) {
  if (!log::enabled(level) || !allow(reason, now)) return;
  log::write(level, std::string(message) + suffix(reason));
}

}  // namespace dsmip::daemon
