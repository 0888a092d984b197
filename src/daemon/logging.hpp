#pragma once
// The daemons' log: one line per event, "2025-01-31T12:00:00.123Z warn m6t-gateway: message",
// on stderr (the journal adds nothing but its own metadata when run under systemd). Repetitive
// events (packet drops) go through DropLog, which limits lines per reason and says how many
// were suppressed; the counters the cores keep are never limited.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "common/time.hpp"

namespace dsmip::daemon {

/// Installs the stderr sink with wall-clock timestamps and `tag` (the daemon's name), and sets
/// the level.
void installLogSink(std::string_view tag, LogLevel level);

/// "2025-01-31T12:00:00.123Z" for a Unix time in nanoseconds.
std::string formatTimestamp(std::int64_t unix_nanos);

/// One LogLimiter per reason (a small integer: a drop enum's value).
class DropLog {
 public:
  /// `reasons` limiters, each allowing `per_second` lines with a burst of `burst`.
  explicit DropLog(std::size_t reasons, double per_second = 1.0, double burst = 5.0);
  /// True if a line for `reason` may be written at `now`; then suppressed(reason) tells how
  /// many were held back since the previous line.
  [[nodiscard]] bool allow(std::size_t reason, TimePoint now);
  [[nodiscard]] std::uint64_t suppressed(std::size_t reason) const;
  /// " (N similar suppressed)" after allow() let a line through, or "" if none were.
  [[nodiscard]] std::string suffix(std::size_t reason) const;
  /// Writes `message` at `level` if enabled and allowed. On the data path, prefer
  /// `if (log.allow(r, now)) log::warn("… {}{}", …, log.suffix(r));` so that nothing is
  /// formatted for a suppressed line.
  /// Writes `message` at `level` if allowed, with " (N similar suppressed)" when some were.
  void write(std::size_t reason, TimePoint now, LogLevel level, std::string_view message);

 private:
  std::vector<LogLimiter> limiters_;
};

}  // namespace dsmip::daemon
