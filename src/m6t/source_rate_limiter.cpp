#include "m6t/source_rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace dsmip::m6t {

namespace {
constexpr std::size_t kInitialSize = 256;
}

SourceRateLimiter::SourceRateLimiter(SipKey key, double rate, double burst, std::size_t max_sources)
    : key_(key),
      rate_(rate),
      burst_(std::max(1.0, burst)),
      refill_time_(rate > 0 ? std::chrono::duration_cast<Duration>(
                                  std::chrono::duration<double>(std::max(1.0, burst) / rate))
                            : Duration{0}),
      max_sources_(std::max<std::size_t>(1, max_sources)),
      table_(kInitialSize) {}

void SourceRateLimiter::reset(double rate, double burst) {
  rate_ = rate;
  burst_ = std::max(1.0, burst);
  refill_time_ = rate > 0 ? std::chrono::duration_cast<Duration>(
                                std::chrono::duration<double>(std::max(1.0, burst) / rate))
                          : Duration{0};
  table_.assign(kInitialSize, Entry{});
  size_ = 0;
  checks_head_ = 0;
  checks_count_ = 0;
}

std::size_t SourceRateLimiter::home(std::uint32_t address) const {
  return hashAddress(key_, Ipv4Address::fromU32(address)) & (table_.size() - 1);
}

std::size_t SourceRateLimiter::position(std::uint32_t address) const {
  const std::size_t mask = table_.size() - 1;
  for (std::size_t pos = home(address);; pos = (pos + 1) & mask) {
    if (!table_[pos].used) return table_.size();
    if (table_[pos].address == address) return pos;
  }
}

void SourceRateLimiter::grow() {
  std::vector<Entry> old(table_.size() * 2);
  old.swap(table_);
  const std::size_t mask = table_.size() - 1;
  for (const Entry& e : old) {
    if (!e.used) continue;
    std::size_t pos = home(e.address);
    while (table_[pos].used) pos = (pos + 1) & mask;
    table_[pos] = e;
  }
}

SourceRateLimiter::Entry* SourceRateLimiter::insert(std::uint32_t address) {
  if ((size_ + 1) * 4 > table_.size() * 3) grow();
  const std::size_t mask = table_.size() - 1;
  std::size_t pos = home(address);
  while (table_[pos].used) pos = (pos + 1) & mask;
  table_[pos] = Entry{address, true, burst_, TimePoint{}};
  ++size_;
  return &table_[pos];
}

void SourceRateLimiter::erase(std::size_t position) {
  const std::size_t mask = table_.size() - 1;
  std::size_t hole = position;
  for (std::size_t next = (hole + 1) & mask; table_[next].used; next = (next + 1) & mask) {
    const std::size_t h = home(table_[next].address);
    if (((next - h) & mask) >= ((next - hole) & mask)) {
      table_[hole] = table_[next];
      hole = next;
    }
  }
  table_[hole] = Entry{};
  --size_;
}

double SourceRateLimiter::tokensAt(const Entry& e, TimePoint now) const {
  if (now <= e.last) return e.tokens;
  return std::min(burst_, e.tokens + rate_ * toSeconds(now - e.last));
}

bool SourceRateLimiter::allow(const Ipv4Address& source, TimePoint now) {
  if (rate_ <= 0) return true;
  const std::uint32_t address = source.toU32();
  Entry* e = nullptr;
  const std::size_t pos = position(address);
  if (pos != table_.size()) {
    e = &table_[pos];
  } else {
    if (size_ >= max_sources_) return false;
    e = insert(address);
    e->last = now;
    // Look at it again once a full refill has passed.
    if (checks_count_ == checks_.size()) {
      std::vector<Check> bigger(std::max<std::size_t>(64, checks_.size() * 2));
      for (std::size_t i = 0; i < checks_count_; ++i) {
        bigger[i] = checks_[(checks_head_ + i) % checks_.size()];
      }
      checks_ = std::move(bigger);
      checks_head_ = 0;
    }
    checks_[(checks_head_ + checks_count_) % checks_.size()] = Check{address, now + refill_time_};
    ++checks_count_;
  }
  e->tokens = tokensAt(*e, now);
  e->last = std::max(e->last, now);
  if (e->tokens < 1.0) return false;
  e->tokens -= 1.0;
  return true;
}

void SourceRateLimiter::onTimer(TimePoint now) {
  while (checks_count_ > 0) {
    Check& c = checks_[checks_head_];
    if (c.at > now) break;
    const Check due = c;
    checks_head_ = (checks_head_ + 1) % checks_.size();
    --checks_count_;
    const std::size_t pos = position(due.address);
    if (pos == table_.size()) continue;
    if (tokensAt(table_[pos], now) >= burst_) {
      erase(pos);
    } else {
      // Still refilling: check again after another full refill time (times stay in order).
      checks_[(checks_head_ + checks_count_) % checks_.size()] =
          Check{due.address, now + refill_time_};
      ++checks_count_;
    }
  }
}

std::optional<TimePoint> SourceRateLimiter::nextDeadline() const {
  if (checks_count_ == 0) return std::nullopt;
  return checks_[checks_head_].at;
}

std::size_t SourceRateLimiter::memoryBytes() const {
  return table_.capacity() * sizeof(Entry) + checks_.capacity() * sizeof(Check);
}

}  // namespace dsmip::m6t
