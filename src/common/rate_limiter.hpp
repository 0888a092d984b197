#pragma once
// Token bucket driven by TimePoints given by the caller (pure: no clock inside).

#include <algorithm>
#include <cstdint>

#include "common/time.hpp"

namespace dsmip {

class TokenBucket {
 public:
  /// `rate` tokens per second, at most `burst` stored. A rate of 0 refuses everything.
  TokenBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

  /// Takes one token if available at `now`.
  bool tryTake(TimePoint now) {
    refill(now);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return true;
    }
    return false;
  }
  /// True when the bucket is full again at `now` (the owner may forget it).
  [[nodiscard]] bool isFull(TimePoint now) const {
    const double t = tokens_ + rate_ * toSeconds(now - last_);
    return t >= burst_;
  }
  [[nodiscard]] double tokens() const { return tokens_; }

 private:
  void refill(TimePoint now) {
    if (now > last_) {
      tokens_ = std::min(burst_, tokens_ + rate_ * toSeconds(now - last_));
      last_ = now;
    }
  }
  double rate_;
  double burst_;
  double tokens_;
  TimePoint last_{};
};

}  // namespace dsmip
