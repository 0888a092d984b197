#pragma once
// The kernel's clocks as dsmip time values. Only the platform layer reads clocks; cores get
// TimePoints as arguments.

#include <cstdint>

#include "common/time.hpp"

namespace dsmip::platform {

/// CLOCK_MONOTONIC as a TimePoint (nanoseconds since an unspecified start, never jumps). The
/// EventLoop's timers use the same clock, so deadlines computed from this value are exact.
[[nodiscard]] TimePoint monotonicNow();

/// CLOCK_REALTIME in nanoseconds since the Unix epoch (1970-01-01 UTC), for wall-clock fields
/// such as Mobile IPv4 timestamp-based Identification (RFC 5944 §5.7).
[[nodiscard]] std::int64_t unixTimeNanos();

}  // namespace dsmip::platform
