// CLOCK_MONOTONIC and CLOCK_REALTIME.
#include "platform/clock.hpp"

#include <time.h>

namespace dsmip::platform {

namespace {
std::int64_t readClock(clockid_t clock) {
  timespec ts{};
  // clock_gettime cannot fail for these clock ids with a valid pointer (vDSO, no EINTR).
  ::clock_gettime(clock, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

TimePoint monotonicNow() { return TimePoint{Duration{readClock(CLOCK_MONOTONIC)}}; }

std::int64_t unixTimeNanos() { return readClock(CLOCK_REALTIME); }

}  // namespace dsmip::platform
