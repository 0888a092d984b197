#pragma once
// A tiny discrete-event scheduler: callbacks at virtual times, run in time order (FIFO among
// equal times). The virtual clock only moves when an event runs.

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "common/time.hpp"

namespace dsmip::sim {

class Scheduler {
 public:
  explicit Scheduler(TimePoint start = TimePoint{} + std::chrono::hours(1)) : now_(start) {}

  [[nodiscard]] TimePoint now() const { return now_; }

  /// Runs `fn` at `when` (not before now).
  void at(TimePoint when, std::function<void()> fn) {
    queue_.push(Item{when < now_ ? now_ : when, next_id_++, std::move(fn)});
  }
  void after(Duration delay, std::function<void()> fn) { at(now_ + delay, std::move(fn)); }

  /// Runs every event up to and including `until`, then sets the clock to `until`.
  void runUntil(TimePoint until) {
    while (!queue_.empty() && queue_.top().when <= until) {
      Item item = queue_.top();
      queue_.pop();
      now_ = item.when;
      item.fn();
    }
    if (until > now_) now_ = until;
  }
  void runFor(Duration d) { runUntil(now_ + d); }
  [[nodiscard]] std::size_t pending() const { return queue_.size(); }

 private:
  struct Item {
    TimePoint when;
    std::uint64_t id;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Item& a, const Item& b) const {
      return a.when != b.when ? a.when > b.when : a.id > b.id;
    }
  };
  TimePoint now_;
  std::uint64_t next_id_ = 0;
  std::priority_queue<Item, std::vector<Item>, Later> queue_;
};

/// Keeps one timer per core armed at the core's nextDeadline(): call arm() after every
/// interaction with the core; stale timers are ignored by generation.
class CoreTimer {
 public:
  CoreTimer(Scheduler& scheduler, std::function<std::optional<TimePoint>()> deadline,
            std::function<void()> fire)
      : scheduler_(scheduler), deadline_(std::move(deadline)), fire_(std::move(fire)) {}

  void arm() {
    const auto when = deadline_();
    const std::uint64_t generation = ++generation_;
    if (!when) return;
    scheduler_.at(*when, [this, generation] {
      if (generation != generation_) return;
      fire_();
    });
  }

 private:
  Scheduler& scheduler_;
  std::function<std::optional<TimePoint>()> deadline_;
  std::function<void()> fire_;
  std::uint64_t generation_ = 0;
};

}  // namespace dsmip::sim
