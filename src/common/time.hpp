#pragma once
// Time as a value. Protocol cores receive TimePoints as arguments and never read a clock:
// MonotonicClock deliberately has no now(). The platform layer converts the kernel's
// CLOCK_MONOTONIC into TimePoints; tests advance a fake clock.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dsmip {

struct MonotonicClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<MonotonicClock, duration>;
  static constexpr bool is_steady = true;
};

using Duration = std::chrono::nanoseconds;
using TimePoint = MonotonicClock::time_point;

using namespace std::chrono_literals;  // NOLINT: 1s, 500ms in protocol code reads like the RFCs

/// Parses "250ms", "2s", "1.5s", "5m", "1h" (a bare number means seconds). Negative values,
/// unknown units and overflow are rejected.
std::optional<Duration> parseDuration(std::string_view text);
/// "1.5s", "250ms", "2m", "120s": the shortest exact form among ms, s, m.
std::string formatDuration(Duration d);

/// Seconds as a double, for JSON and logs.
inline double toSeconds(Duration d) { return std::chrono::duration<double>(d).count(); }

/// Earliest of two optional deadlines.
inline std::optional<TimePoint> earliest(std::optional<TimePoint> a, std::optional<TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return *a < *b ? a : b;
}

}  // namespace dsmip
