#pragma once
// A clock that only moves when the test says so.

#include "common/time.hpp"

namespace dsmip::test {

class FakeClock {
 public:
  explicit FakeClock(TimePoint start = TimePoint{} + std::chrono::hours(1)) : now_(start) {}
  [[nodiscard]] TimePoint now() const { return now_; }
  TimePoint advance(Duration d) {
    now_ += d;
    return now_;
  }
  void set(TimePoint t) { now_ = t; }

 private:
  TimePoint now_;
};

}  // namespace dsmip::test
